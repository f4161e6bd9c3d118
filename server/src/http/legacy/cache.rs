//! A short-lived cache of the read-only legacy answers (get_json, api/fetch, md): scripts
//! poll them hard and each answer is a database query. Entries live `ttl` (default 2 s),
//! are dropped at once when this process announces a change (scheduled run, admin update),
//! and the whole cache is cleared when it holds `MAX` entries, so memory stays bounded.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::StatusCode;

const MAX: usize = 2000;

/// A cached answer: status, content type, body.
pub type Answer = (StatusCode, &'static str, String);

/// The cache.
pub struct ResponseCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, (Instant, Answer)>>,
}

impl ResponseCache {
    /// A cache keeping answers for `ttl` (zero disables it).
    pub fn new(ttl: Duration) -> Self {
        ResponseCache { ttl, entries: Mutex::new(HashMap::new()) }
    }

    /// The fresh answer for `key`, if any.
    pub fn get(&self, key: &str) -> Option<Answer> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.get(key).filter(|(at, _)| at.elapsed() < self.ttl).map(|(_, a)| a.clone())
    }

    /// Keeps `answer` for `key`.
    pub fn put(&self, key: String, answer: Answer) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX {
            entries.clear();
        }
        entries.insert(key, (Instant::now(), answer));
    }

    /// Forgets everything (something changed).
    pub fn clear(&self) {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_clear() {
        let c = ResponseCache::new(Duration::from_millis(50));
        c.put("a".into(), (StatusCode::OK, "text/plain", "x".into()));
        assert_eq!(c.get("a").unwrap().2, "x");
        c.clear();
        assert!(c.get("a").is_none());
        c.put("a".into(), (StatusCode::OK, "text/plain", "x".into()));
        std::thread::sleep(Duration::from_millis(60));
        assert!(c.get("a").is_none(), "expired");
        assert!(ResponseCache::new(Duration::ZERO).get("a").is_none());
    }
}
