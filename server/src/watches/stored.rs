//! Watches as documents of the project's database (`watch:<id>`), so every replica reads the
//! same watches and `db export` carries them. A watch's id is a digest of its owner and name:
//! saving the same name again replaces the watch instead of adding a second one.

use app::filter::Filter;
use app::watch::{Condition, WatchSpec};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::store::{self, Db, Store, StoreError};

/// Prefix of watch document ids (export carries them).
pub const PREFIX: &str = crate::store::ndjson::WATCH_PREFIX;
/// Watches read at most (100 per user).
const MAX_READ: u64 = 1_000_000;

/// A stored watch.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredWatch {
    /// `watch:<id>`.
    #[serde(rename = "_id")]
    pub doc_id: String,
    #[serde(rename = "_rev", default, skip_serializing_if = "Option::is_none")]
    rev: Option<String>,
    /// Always `watch`.
    #[serde(rename = "type")]
    kind: String,
    /// Who saved it.
    pub owner: String,
    /// The owner's e-mail address as the SSO proxy gave it when saving (mail to it is always
    /// allowed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_email: Option<String>,
    /// Its name.
    pub name: String,
    /// The filter, as a query string.
    pub filter: String,
    /// The conditions.
    pub on: Vec<Condition>,
    /// Webhook URL.
    #[serde(default)]
    pub webhook: Option<String>,
    /// E-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// When it was saved.
    pub created: i64,
    /// Fields a newer version wrote.
    #[serde(flatten)]
    other: Map<String, Value>,
}

impl StoredWatch {
    /// A new watch of `owner`.
    pub fn new(owner: &str, owner_email: Option<String>, spec: &WatchSpec, now: i64) -> StoredWatch {
        StoredWatch {
            doc_id: format!("{PREFIX}{}", id_of(owner, spec.name.trim())),
            rev: None,
            kind: "watch".into(),
            owner: owner.to_owned(),
            owner_email,
            name: spec.name.trim().to_owned(),
            filter: spec.filter.to_query(),
            on: spec.on.clone(),
            webhook: spec.webhook.clone(),
            email: spec.email.clone(),
            created: now,
            other: Map::new(),
        }
    }

    /// The id without its prefix.
    pub fn id(&self) -> &str {
        self.doc_id.strip_prefix(PREFIX).unwrap_or(&self.doc_id)
    }

    /// The filter (a stored one that no longer parses matches nothing rather than everything).
    pub fn filter(&self) -> Option<Filter> {
        Filter::from_query(&self.filter).ok()
    }

    /// What the owner asked for.
    pub fn spec(&self) -> WatchSpec {
        WatchSpec {
            name: self.name.clone(),
            filter: self.filter().unwrap_or_default(),
            on: self.on.clone(),
            webhook: self.webhook.clone(),
            email: self.email.clone(),
        }
    }
}

/// A watch's id: 24 hex digits of SHA-256 over its owner and name.
pub fn id_of(owner: &str, name: &str) -> String {
    crate::encode::digest_hex(&format!("{owner}\n{name}"), 12)
}

/// Every watch.
pub async fn all(store: &dyn Store) -> Result<Vec<StoredWatch>, StoreError> {
    let docs = store.prefixed(Db::Stats2, PREFIX, MAX_READ).await?;
    Ok(docs.into_iter().filter_map(|d| serde_json::from_value(d).ok()).collect())
}

/// One watch by id.
pub async fn get(store: &dyn Store, id: &str) -> Result<Option<StoredWatch>, StoreError> {
    let doc = store.get(Db::Stats2, &format!("{PREFIX}{id}")).await?;
    Ok(doc.and_then(|d| serde_json::from_value(d).ok()))
}

/// Saves `watch`, replacing the owner's watch of the same name.
pub async fn save(store: &dyn Store, watch: &StoredWatch) -> Result<(), StoreError> {
    let fresh = serde_json::to_value(watch).map_err(|e| StoreError::BadRequest(e.to_string()))?;
    store::update(store, Db::Stats2, &watch.doc_id, |_| Some(fresh.clone())).await.map(drop)
}

/// Deletes a watch (gone already is fine).
pub async fn delete(store: &dyn Store, watch: &StoredWatch) -> Result<(), StoreError> {
    let Some(rev) = &watch.rev else { return Ok(()) };
    match store.delete(Db::Stats2, &watch.doc_id, rev).await {
        Err(StoreError::NotFound(_)) => Ok(()),
        other => other,
    }
}
