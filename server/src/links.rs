//! Short links: a code for a dashboard path, kept in the project's own database (`stats2`,
//! on either store) so that every replica resolves it and it survives restarts. The code is
//! a keyed hash of the path (HMAC-SHA-256, the key a random document of the same database),
//! so the same path always gets the same code, every replica derives it alike, and nobody
//! can guess a code from a path. A client may make [`PER_MINUTE`] a minute (counted per
//! replica); links unused for [`UNUSED_FOR`] go, and at most [`MAX_LINKS`] are kept (the
//! least recently used go first), both by [`Links::sweep`].

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use ring::hmac;
use serde_json::{json, Value};

use crate::store::{Db, Paging, SharedStore, StoreError};

/// Links one client may make a minute.
pub const PER_MINUTE: u32 = 60;
/// A link unused this long (seconds) expires: 400 days.
pub const UNUSED_FOR: i64 = 400 * 86_400;
/// Links kept at most.
pub const MAX_LINKS: usize = 1_000_000;
/// Longest path taken.
pub const MAX_PATH: usize = 8 * 1024;
/// Characters of a code: 10 base-62 digits, about 59 bits.
const CODE_LEN: usize = 10;
/// Clients whose counts a replica keeps at most (a minute's worth).
const CLIENTS: usize = 10_000;

const KEY_ID: &str = "short-link-key";
const PREFIX: &str = "link:";

/// Why no link was made.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// The path is not one to shorten (400).
    #[error("{0}")]
    Refused(String),
    /// The client made too many this minute (429).
    #[error("more than {PER_MINUTE} short links a minute; try again in a minute")]
    TooMany,
    /// The store failed (503).
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The short links of one store.
pub struct Links {
    store: SharedStore,
    base: String,
    key: tokio::sync::OnceCell<hmac::Key>,
    /// Per client, when it made its links of the last minute (a sliding minute: a calendar
    /// minute would let a client make twice the limit across its boundary).
    made: Mutex<HashMap<String, VecDeque<i64>>>,
}

impl Links {
    /// The links of `store`, for paths under `base` ("" or "/stats").
    pub fn new(store: SharedStore, base: &str) -> Links {
        Links { store, base: base.to_owned(), key: tokio::sync::OnceCell::new(), made: Mutex::default() }
    }

    /// Where a code resolves: `<base>/s/<code>`.
    pub fn url_of(&self, code: &str) -> String {
        format!("{}/s/{code}", self.base)
    }

    /// Whether `path` may be shortened: a path (no scheme, no host) under the base path, at
    /// most [`MAX_PATH`] bytes, without control characters.
    pub fn check(&self, path: &str) -> Result<(), LinkError> {
        let refuse = |why: &str| Err(LinkError::Refused(format!("path {why}")));
        if path.len() > MAX_PATH {
            return refuse(&format!("is longer than {MAX_PATH} bytes"));
        }
        if !path.starts_with('/') || path.starts_with("//") || path.contains(['\\']) || path.contains(char::is_control)
        {
            return refuse("must be a path on this server, without scheme or host");
        }
        let rest = path.strip_prefix(self.base.as_str()).unwrap_or("x");
        if !(rest.is_empty() || rest.starts_with(['/', '?'])) {
            return refuse(&format!("must be under {}/", self.base));
        }
        Ok(())
    }

    /// The code of `path`, stored if new, for `client` (the SSO user or the peer address).
    pub async fn shorten(&self, path: &str, client: &str, now: i64) -> Result<String, LinkError> {
        self.check(path)?;
        self.count(client, now)?;
        let key = self.key().await?;
        let tag = hmac::sign(key, path.as_bytes());
        // A longer code in the (astronomically rare) case another path holds this one.
        for len in [CODE_LEN, CODE_LEN + 4, CODE_LEN + 8] {
            let code = base62(tag.as_ref(), len);
            let id = format!("{PREFIX}{code}");
            match self.store.get(Db::Stats2, &id).await? {
                Some(doc) if doc["path"] == path => return Ok(code),
                Some(_) => continue,
                None => {}
            }
            match self.store.put(Db::Stats2, &json!({"_id": id, "path": path, "created": now, "used": now})).await {
                Ok(_) | Err(StoreError::Conflict) => return Ok(code),
                Err(e) => return Err(e.into()),
            }
        }
        Err(LinkError::Refused("no free code for this path".into()))
    }

    /// The path of `code`, if it is a link; its use is recorded (at most once a day).
    pub async fn resolve(&self, code: &str, now: i64) -> Result<Option<String>, StoreError> {
        if !(8..=32).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Ok(None);
        }
        let id = format!("{PREFIX}{code}");
        let Some(doc) = self.store.get(Db::Stats2, &id).await? else { return Ok(None) };
        let Some(path) = doc["path"].as_str().map(str::to_owned) else { return Ok(None) };
        if doc["used"].as_i64().is_none_or(|t| now - t > 86_400) {
            let touched = crate::store::update(&*self.store, Db::Stats2, &id, |d| {
                let mut d = d?;
                d["used"] = json!(now);
                Some(d)
            });
            // Only bookkeeping: the link answers even when the store takes no write.
            if let Err(e) = touched.await {
                tracing::warn!(error = %e, "could not record a short link's use");
            }
        }
        Ok(Some(path))
    }

    /// Deletes the links unused for [`UNUSED_FOR`], then the least recently used beyond
    /// [`MAX_LINKS`]; returns how many went.
    pub async fn sweep(&self, now: i64) -> Result<u64, StoreError> {
        self.sweep_keeping(now, MAX_LINKS).await
    }

    /// [`Links::sweep`] keeping at most `most` links.
    pub async fn sweep_keeping(&self, now: i64, most: usize) -> Result<u64, StoreError> {
        let mut links: Vec<(i64, String, String)> = Vec::new();
        let mut skip = 0;
        loop {
            let rows = self.store.all_docs(Db::Stats2, Paging { skip, limit: 5000 }, true).await?;
            skip += rows.len() as u64;
            let done = rows.len() < 5000;
            for row in rows.into_iter().filter(|r| r.id.starts_with(PREFIX)) {
                let doc = row.doc.unwrap_or(Value::Null);
                let rev = doc["_rev"].as_str().unwrap_or_default().to_owned();
                links.push((doc["used"].as_i64().unwrap_or(0), row.id, rev));
            }
            if done {
                break;
            }
        }
        links.sort_unstable_by_key(|l| std::cmp::Reverse(l.0));
        let mut gone = 0;
        for (i, (used, id, rev)) in links.iter().enumerate() {
            if i >= most || now - used > UNUSED_FOR {
                match self.store.delete(Db::Stats2, id, rev).await {
                    Ok(()) | Err(StoreError::Conflict | StoreError::NotFound(_)) => gone += 1,
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(gone)
    }

    /// Counts one link for `client` at `now`; refuses past [`PER_MINUTE`] in the minute
    /// before it.
    fn count(&self, client: &str, now: i64) -> Result<(), LinkError> {
        let recent = |t: &i64| now - t < 60;
        let mut made = self.made.lock().unwrap_or_else(|p| p.into_inner());
        if made.len() >= CLIENTS {
            made.retain(|_, times| times.back().is_some_and(recent));
        }
        let times = made.entry(client.to_owned()).or_default();
        while times.front().is_some_and(|t| !recent(t)) {
            times.pop_front();
        }
        if times.len() >= PER_MINUTE as usize {
            return Err(LinkError::TooMany);
        }
        times.push_back(now);
        Ok(())
    }

    /// The key, read once; made (random) by the first replica that needs it.
    async fn key(&self) -> Result<&hmac::Key, StoreError> {
        self.key
            .get_or_try_init(|| async {
                for _ in 0..3 {
                    if let Some(doc) = self.store.get(Db::Stats2, KEY_ID).await? {
                        let secret = doc["key"].as_str().unwrap_or_default().as_bytes().to_vec();
                        return Ok(hmac::Key::new(hmac::HMAC_SHA256, &secret));
                    }
                    let secret = random_hex()?;
                    match self.store.put(Db::Stats2, &json!({"_id": KEY_ID, "key": secret})).await {
                        // Another replica made it first: read theirs.
                        Ok(_) | Err(StoreError::Conflict) => continue,
                        Err(e) => return Err(e),
                    }
                }
                Err(StoreError::Conflict)
            })
            .await
    }
}

/// 32 random bytes, as hex.
fn random_hex() -> Result<String, StoreError> {
    let mut bytes = [0u8; 32];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
        .map_err(|_| StoreError::BadRequest("no randomness for the short-link key".into()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The first `len` base-62 digits of `bytes` read as a big number.
fn base62(bytes: &[u8], len: usize) -> String {
    const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut n: Vec<u8> = bytes.to_vec();
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        // Divide the big number by 62, keeping the remainder.
        let mut rem = 0u32;
        for b in n.iter_mut() {
            let cur = rem * 256 + u32::from(*b);
            *b = (cur / 62) as u8;
            rem = cur % 62;
        }
        out.push(DIGITS[rem as usize]);
    }
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sliding minute: 60 at the end of one minute and 60 at the start of the next would
    /// have been 120 in two seconds with calendar minutes.
    #[tokio::test]
    async fn sixty_a_minute_whatever_the_minute_boundary() {
        let dir = tempfile::tempdir().unwrap();
        let store: SharedStore =
            std::sync::Arc::new(crate::store::sqlite::SqliteStore::open(&dir.path().join("l.sqlite")).unwrap());
        let links = Links::new(store, "/stats");
        let t = 1_800_000_059; // one second before a minute ends
        for _ in 0..60 {
            links.count("peer a", t).unwrap();
        }
        assert!(matches!(links.count("peer a", t + 1), Err(LinkError::TooMany)), "the next minute began");
        links.count("peer b", t + 1).unwrap();
        links.count("peer a", t + 60).unwrap();
    }

    #[test]
    fn codes_are_base62_of_the_asked_length() {
        let a = base62(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 10);
        assert_eq!(a.len(), 10);
        assert!(a.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(a, base62(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13], 10));
    }
}
