//! The document store: one async trait, two real implementations (CouchDB over HTTP and
//! embedded SQLite) that give the same answers (rules S1–S19), and a conformance suite in
//! `tests/` run against both.
//!
//! Documents are JSON objects (`serde_json::Value`), exactly as stored: typed parsing happens
//! in `app::model`, so nothing another service wrote into a document is ever lost by us.

pub mod couch;
pub mod design;
pub mod feed;
pub mod ndjson;
pub mod sqlite;
pub mod views;

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;

pub use feed::{Change, ChangesPage, FeedQuery, Seq};
pub use views::View;

/// Prefix of design document ids (X24: a prefix, never a substring).
pub const DESIGN_PREFIX: &str = "_design/";

/// The databases of the original (S1) and the project's own one (docs/decisions.md "Compatibility").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Db {
    /// `requests`: one document per workflow, plus the original's design documents.
    Requests,
    /// `settings`: only `all_settings` and `validate_write`.
    Settings,
    /// `stats2`: the project's own records (outbox, runs, lock), never read by other services.
    Stats2,
}

impl Db {
    /// Every database, in creation order.
    pub const ALL: [Db; 3] = [Db::Requests, Db::Settings, Db::Stats2];

    /// Database name on the server.
    pub fn name(self) -> &'static str {
        match self {
            Db::Requests => "requests",
            Db::Settings => "settings",
            Db::Stats2 => "stats2",
        }
    }
}

/// Skip and limit of a listing (S7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// Rows to skip.
    pub skip: u64,
    /// Rows to return at most.
    pub limit: u64,
}

impl Paging {
    /// Page `page` of `size` rows.
    pub fn page(page: u32, size: u32) -> Self {
        Paging { skip: u64::from(page) * u64::from(size), limit: u64::from(size) }
    }
}

/// One row of `_all_docs` or of a view.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Document id.
    pub id: String,
    /// Row key (the id for `_all_docs`, the emitted key for views).
    pub key: Value,
    /// The document, when asked for.
    pub doc: Option<Value>,
}

/// Where a store call failed, and whether trying again may help.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StoreError {
    /// The `_rev` given is not the current one (409): re-read and re-apply (X7).
    #[error("document update conflict")]
    Conflict,
    /// `validate_doc_update` refused the write (S13) or the user lacks rights (403).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Credentials are missing or wrong (401).
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// The request is invalid, e.g. an id starting with '_' (400).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// A database or document that must exist does not (404 where absence is not an answer).
    #[error("not found: {0}")]
    NotFound(String),
    /// The store could not be reached or failed on its side (transport, 5xx): retry later.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// The store answered something this code does not understand.
    #[error("unexpected answer from the store: {0}")]
    Protocol(String),
}

impl StoreError {
    /// Whether the same call may succeed later without any change.
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }
}

/// What `init` or `compact` did, one line per step.
pub type Report = Vec<String>;

/// The document store.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Short name of the implementation, for logs.
    fn kind(&self) -> &'static str;

    /// Reads a document; `Ok(None)` when it does not exist (S3, without X10's swallowing).
    async fn get(&self, db: Db, id: &str) -> Result<Option<Value>, StoreError>;

    /// Reads many documents at once, in the order asked; `None` for absent ones.
    async fn get_many(&self, db: Db, ids: &[String]) -> Result<Vec<Option<Value>>, StoreError>;

    /// Creates or replaces a document. It must carry `_id`, and `_rev` when it exists already;
    /// a stale or missing `_rev` gives [`StoreError::Conflict`]. Returns the new revision.
    async fn put(&self, db: Db, doc: &Value) -> Result<String, StoreError>;

    /// Writes many documents; one result per document, in order (`_bulk_docs`).
    async fn bulk_put(&self, db: Db, docs: &[Value]) -> Result<Vec<Result<String, StoreError>>, StoreError>;

    /// Deletes a document at revision `rev` (S5).
    async fn delete(&self, db: Db, id: &str, rev: &str) -> Result<(), StoreError>;

    /// Number of documents, design documents included (S6).
    async fn count(&self, db: Db) -> Result<u64, StoreError>;

    /// All documents in id order, design documents included (S7).
    async fn all_docs(&self, db: Db, paging: Paging, include_docs: bool) -> Result<Vec<Row>, StoreError>;

    /// The documents whose id starts with `prefix`, in id order, at most `limit`: one range
    /// read where the project's database holds records of many kinds.
    async fn prefixed(&self, db: Db, prefix: &str, limit: u64) -> Result<Vec<Value>, StoreError>;

    /// Where the design documents sit in `all_docs` order: (rows before them, their ids).
    async fn design_docs(&self, db: Db) -> Result<(u64, Vec<String>), StoreError>;

    /// Rows of one of the seven views whose key equals `key` (S8), ordered by document id.
    async fn view(&self, view: View, key: &str, paging: Paging, include_docs: bool) -> Result<Vec<Row>, StoreError>;

    /// Ids of the documents a view emits under any of `keys`, in no particular order, once
    /// per emitted row (a document emitting two of the keys comes twice): one request for
    /// many keys, where asking key by key costs a round trip each (U37, U38).
    async fn view_ids(&self, view: View, keys: &[String]) -> Result<Vec<String>, StoreError>;

    /// Creates the databases, the views and the validation documents; idempotent.
    async fn init(&self) -> Result<Report, StoreError>;

    /// Compacts databases and views (S19).
    async fn compact(&self) -> Result<Report, StoreError>;

    /// The change feed of `db`: what was written or deleted after `query.since`.
    async fn changes(&self, db: Db, query: &FeedQuery) -> Result<ChangesPage, StoreError>;

    /// Forgets deletions older than `max_age` from the feed (a follower further behind than
    /// that must start again from 0); returns how many were dropped. CouchDB keeps its
    /// tombstones until they are purged, so there it drops nothing.
    async fn prune_tombstones(&self, max_age: std::time::Duration) -> Result<u64, StoreError> {
        let _ = max_age;
        Ok(0)
    }
}

/// A shared store handle.
pub type SharedStore = Arc<dyn Store>;

/// Workflow documents only (design documents left out, X19), in id order.
pub async fn workflows(store: &dyn Store, paging: Paging, include_docs: bool) -> Result<Vec<Row>, StoreError> {
    let (before, design) = store.design_docs(Db::Requests).await?;
    let n = design.len() as u64;
    if paging.skip >= before {
        // Entirely after the design documents: shift past them.
        return store.all_docs(Db::Requests, Paging { skip: paging.skip + n, ..paging }, include_docs).await;
    }
    let wide = Paging { skip: paging.skip, limit: paging.limit.saturating_add(n) };
    let mut rows = store.all_docs(Db::Requests, wide, include_docs).await?;
    rows.retain(|r| !r.id.starts_with(DESIGN_PREFIX));
    rows.truncate(usize::try_from(paging.limit).unwrap_or(usize::MAX));
    Ok(rows)
}

/// Number of workflow documents (design documents not counted, X19).
pub async fn workflow_count(store: &dyn Store) -> Result<u64, StoreError> {
    let total = store.count(Db::Requests).await?;
    let (_, design) = store.design_docs(Db::Requests).await?;
    Ok(total.saturating_sub(design.len() as u64))
}

/// Reads a document, applies `change` and writes it back, re-reading and re-applying on a
/// `_rev` conflict (X7). `change` returns `None` to leave the document as it is. Returns the
/// new revision when something was written.
pub async fn update<F>(store: &dyn Store, db: Db, id: &str, mut change: F) -> Result<Option<String>, StoreError>
where
    F: FnMut(Option<Value>) -> Option<Value> + Send,
{
    const ATTEMPTS: usize = 20;
    for attempt in 0..ATTEMPTS {
        let current = store.get(db, id).await?;
        let rev = current.as_ref().and_then(|d| d.get("_rev")).cloned();
        let Some(mut next) = change(current) else { return Ok(None) };
        let Some(obj) = next.as_object_mut() else {
            return Err(StoreError::BadRequest("a document must be a JSON object".into()));
        };
        obj.insert("_id".into(), Value::String(id.to_owned()));
        match rev {
            Some(r) => obj.insert("_rev".into(), r),
            None => obj.remove("_rev"),
        };
        match store.put(db, &next).await {
            Err(StoreError::Conflict) => {
                tracing::debug!(db = db.name(), id, attempt, "revision conflict, re-reading");
                continue;
            }
            other => return other.map(Some),
        }
    }
    Err(StoreError::Conflict)
}

/// Whether an id can name a stored workflow or design document. Other ids starting with '_'
/// are CouchDB endpoints (`_all_docs`, `_changes`, `_security`: X2) and are never looked up.
/// "." and ".." (also as a design document's name) are refused too: URL normalisation would
/// turn them into other paths.
pub fn is_document_id(id: &str) -> bool {
    let dots = |s: &str| s.is_empty() || s == "." || s == "..";
    match id.strip_prefix(DESIGN_PREFIX) {
        // `_design/..` would become the database's own path after URL normalisation.
        Some(name) => !dots(name),
        None => !dots(id) && !id.starts_with('_'),
    }
}
