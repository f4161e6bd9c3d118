//! Error messages with their whole chain of causes. reqwest's own message for an unreachable
//! host is "error sending request for url (...)": what went wrong (DNS, connection refused,
//! TLS) is in the errors beneath it, and an operator needs that line, not the first.

use std::error::Error;

/// `e` and each of its causes, joined by ": " (a cause whose text its parent already says is
/// left out).
pub fn chain(e: &(dyn Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        next = cause.source();
    }
    out
}

/// A reqwest error's chain without its URL, which could carry credentials in its user-info
/// part.
pub fn http(e: &reqwest::Error) -> String {
    let text = chain(e);
    match e.url() {
        Some(url) => text.replace(url.as_str(), "<url>"),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    /// A refused connection says so, not only "error sending request".
    #[tokio::test]
    async fn an_unreachable_host_says_why() {
        let e = reqwest::Client::new().get("http://user:pw@127.0.0.1:9/x").send().await.unwrap_err();
        let text = super::http(&e);
        assert!(text.to_lowercase().contains("refused"), "{text}");
        assert!(!text.contains("pw@"), "credentials in {text}");
    }
}
