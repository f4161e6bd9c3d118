//! The public base path (default `/stats`), which the server writes into index.html.

/// Name of the `<meta>` element carrying the base path.
pub const BASE_META: &str = "stats2-base";

/// The base path without a trailing '/', e.g. `/stats`, or "" when served at the root.
pub fn base_path() -> String {
    let from_meta = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector(&format!("meta[name='{BASE_META}']")).ok().flatten())
        .and_then(|m| m.get_attribute("content"));
    from_meta.unwrap_or_else(|| "/stats".to_owned()).trim_end_matches('/').to_owned()
}

/// A link to the list filtered by one parameter, page 0.
pub fn filter_href(param: &str, value: &str) -> String {
    let query = form_urlencoded::Serializer::new(String::new()).append_pair(param, value).finish();
    format!("{}/?{query}", base_path())
}
