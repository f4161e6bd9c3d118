//! The public base path (default `/stats`), which the server writes into index.html, and the
//! URLs of filtered views under it.

use crate::filter::{Filter, FilterKey};

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

/// The path of a filter's view below the base: `/<page>?<query>` (page 0 as `/`); what the
/// router's `navigate` takes (it adds the base itself).
pub fn view_path(filter: &Filter) -> String {
    let query = filter.clone().with_page(0).to_query();
    let page = if filter.page > 0 { filter.page.to_string() } else { String::new() };
    let sep = if query.is_empty() { "" } else { "?" };
    format!("/{page}{sep}{query}")
}

/// The URL of a filter's view for links: `<base>/<page>?<query>`.
pub fn view_href(filter: &Filter) -> String {
    format!("{}{}", base_path(), view_path(filter))
}

/// A link to the list filtered by one parameter, page 0 (every value in the table).
pub fn filter_href(key: FilterKey, value: &str) -> String {
    view_href(&Filter::default().with(key, value))
}

/// Where a tab keeps the list it showed last (session storage: one tab's, kept over reloads).
const LAST_LIST: &str = "stats2.last-list";

fn session() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// Remembers the list shown at `pathname`, so a detail page can lead back to it (filter and
/// page). Another path is ignored: while the router leaves the list for a detail page, the list
/// sees the new location (and an empty filter) for a moment.
pub fn remember_list(filter: &Filter, pathname: &str) {
    let rest = pathname.strip_prefix(&base_path()).unwrap_or(pathname);
    let page = rest.trim_start_matches('/');
    if !page.chars().all(|c| c.is_ascii_digit()) {
        return;
    }
    if let Some(s) = session() {
        let _ = s.set_item(LAST_LIST, &view_path(filter));
    }
}

/// The URL of the list this tab showed last, or the dashboard.
pub fn last_list_href() -> String {
    let path = session().and_then(|s| s.get_item(LAST_LIST).ok().flatten()).filter(|p| p.starts_with('/'));
    format!("{}{}", base_path(), path.as_deref().unwrap_or("/"))
}

/// Names the tab after the view and what it shows ("Campaigns · campaign: X · Stats2"), so
/// many Stats2 tabs can be told apart; follows `what` as it changes.
pub fn title(view: &'static str, what: impl Fn() -> Option<String> + 'static) {
    leptos::prelude::Effect::new(move |_| {
        let mut parts = vec![view.to_owned()];
        parts.extend(what().filter(|w| !w.is_empty()));
        parts.push("Stats2".into());
        if let Some(d) = web_sys::window().and_then(|w| w.document()) {
            d.set_title(&parts.join(" · "));
        }
    });
}

/// What a filter selects, in words ("campaign: X and tier: AODSIM"): the legacy parameters
/// that apply and the analytics filters; for titles and the list's summary.
pub fn filter_words(filter: &Filter) -> String {
    let legacy = filter.required().into_iter().map(|(k, v)| format!("{}: {v}", k.param()));
    legacy.chain(filter.facets.describe()).collect::<Vec<_>>().join(" and ")
}
