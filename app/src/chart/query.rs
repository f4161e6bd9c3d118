//! The chart's state in the URL: the zoom window (`start`, `end`) and other parameters,
//! replaced without disturbing the rest of the query string.

/// The zoom window of a query string (`start` and `end`, Unix seconds), when both are there
/// and in order.
pub fn zoom_of(search: &str) -> Option<(i64, i64)> {
    let mut start = None;
    let mut end = None;
    for (k, v) in form_urlencoded::parse(search.trim_start_matches('?').as_bytes()) {
        match &*k {
            "start" => start = v.parse().ok(),
            "end" => end = v.parse().ok(),
            _ => {}
        }
    }
    Some((start?, end?)).filter(|(a, b)| b > a)
}

/// A query string with its zoom replaced (`None` removes it), other parameters kept in order.
pub fn with_zoom(search: &str, zoom: Option<(i64, i64)>) -> String {
    let (a, b) = (zoom.map(|z| z.0.to_string()), zoom.map(|z| z.1.to_string()));
    with_param(&with_param(search, "start", a.as_deref()), "end", b.as_deref())
}

/// A query string with parameter `name` set to `value` (last), or removed with `None`.
pub fn with_param(search: &str, name: &str, value: Option<&str>) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(search.trim_start_matches('?').as_bytes()) {
        if k != name {
            out.append_pair(&k, &v);
        }
    }
    if let Some(v) = value {
        out.append_pair(name, v);
    }
    out.finish()
}

/// The value of parameter `name` in a query string.
pub fn param(search: &str, name: &str) -> Option<String> {
    form_urlencoded::parse(search.trim_start_matches('?').as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}
