//! A short-lived cache of the read-only legacy answers (get_json, api/fetch, md): scripts
//! poll them hard and each answer is a database query. An entry is served only while it is
//! younger than `ttl` (default 2 s) and was computed at the index generation that is current
//! now: once the store's feed shows a change (made by any process), every answer computed
//! before it is stale, including one whose read started before the change and finished after
//! it. Memory is bounded in bytes; expired entries are swept once per `ttl` and go first when
//! the bound is reached. Callers key entries by the canonical form of what the answer depends
//! on (a filter's own query string), so parameters that change nothing add no entries.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::StatusCode;

/// Bytes of cached bodies kept at most.
pub const MAX_BYTES: usize = 32 << 20;

/// A cached answer: status, content type, body.
pub type Answer = (StatusCode, &'static str, String);

struct Entry {
    at: Instant,
    generation: u64,
    answer: Answer,
}

struct Entries {
    map: HashMap<String, Entry>,
    bytes: usize,
    swept: Instant,
}

/// The cache.
pub struct ResponseCache {
    ttl: Duration,
    entries: Mutex<Entries>,
}

fn size(key: &str, a: &Answer) -> usize {
    key.len() + a.2.len() + 64
}

impl ResponseCache {
    /// A cache keeping answers for `ttl` (zero disables it).
    pub fn new(ttl: Duration) -> Self {
        let entries = Entries { map: HashMap::new(), bytes: 0, swept: Instant::now() };
        ResponseCache { ttl, entries: Mutex::new(entries) }
    }

    /// The answer for `key` computed at `generation` and still fresh, if any.
    pub fn get(&self, key: &str, generation: u64) -> Option<Answer> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let e = entries.map.get(key)?;
        (e.generation == generation && e.at.elapsed() < self.ttl).then(|| e.answer.clone())
    }

    /// Keeps `answer` for `key`, computed from a read that started at `generation`.
    pub fn put(&self, key: String, answer: Answer, generation: u64) {
        let bytes = size(&key, &answer);
        if self.ttl.is_zero() || bytes > MAX_BYTES / 4 {
            return;
        }
        let mut e = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if e.bytes + bytes > MAX_BYTES || e.swept.elapsed() >= self.ttl {
            // Each entry is looked at once per ttl at most: the sweep costs no more than the puts.
            let ttl = self.ttl;
            e.map.retain(|_, v| v.at.elapsed() < ttl && v.generation == generation);
            e.bytes = e.map.iter().map(|(k, v)| size(k, &v.answer)).sum();
            e.swept = Instant::now();
            if e.bytes + bytes > MAX_BYTES {
                e.map.clear();
                e.bytes = 0;
            }
        }
        if let Some(old) = e.map.insert(key.clone(), Entry { at: Instant::now(), generation, answer }) {
            e.bytes -= size(&key, &old.answer);
        }
        e.bytes += bytes;
        crate::metrics::gauge("stats2_legacy_cache_entries", &[], e.map.len() as f64);
        crate::metrics::gauge("stats2_legacy_cache_bytes", &[], e.bytes as f64);
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).map.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets everything (something changed).
    pub fn clear(&self) {
        let mut e = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        e.map.clear();
        e.bytes = 0;
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(body: &str) -> Answer {
        (StatusCode::OK, "text/plain", body.to_owned())
    }

    #[test]
    fn entries_expire_clear_and_go_stale_with_the_generation() {
        let c = ResponseCache::new(Duration::from_millis(50));
        c.put("a".into(), answer("x"), 1);
        assert_eq!(c.get("a", 1).unwrap().2, "x");
        assert!(c.get("a", 2).is_none(), "computed before the newest change");
        c.clear();
        assert!(c.get("a", 1).is_none());
        c.put("a".into(), answer("x"), 1);
        std::thread::sleep(Duration::from_millis(60));
        assert!(c.get("a", 1).is_none(), "expired");
        assert!(ResponseCache::new(Duration::ZERO).get("a", 0).is_none());
    }

    #[test]
    fn memory_is_bounded_in_bytes() {
        let c = ResponseCache::new(Duration::from_secs(60));
        let body = "y".repeat(100_000);
        for i in 0..2_000 {
            c.put(format!("k{i}"), answer(&body), 0);
        }
        assert!(c.bytes() <= MAX_BYTES, "{}", c.bytes());
    }

    #[test]
    fn expired_entries_are_swept_by_later_puts() {
        let c = ResponseCache::new(Duration::from_millis(30));
        for i in 0..100 {
            c.put(format!("k{i}"), answer("x"), 0);
        }
        std::thread::sleep(Duration::from_millis(40));
        c.put("fresh".into(), answer("x"), 0);
        assert_eq!(c.len(), 1, "the 100 expired entries went with the first put after a ttl");
    }
}
