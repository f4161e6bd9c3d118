//! `db export` and `db import`: the `requests` database as NDJSON, one document a line, then
//! the project's watches and their notifications, each a line `{"stats2": <document>}`. It is
//! how users move between CouchDB and the embedded store, take backups, and load benchmark
//! stores. Export follows the change feed (no `skip` paging, which costs CouchDB more the
//! further it goes); import writes in batches, each parsed whole before anything of it is
//! written, so a malformed line stops the import with nothing half-written for its batch.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::time::Duration;

use serde_json::Value;

use super::{is_document_id, Db, FeedQuery, Seq, Store, StoreError, DESIGN_PREFIX};

/// Documents per read or write batch.
pub const BATCH: usize = 500;

/// Id prefix of a watch in the project's database.
pub const WATCH_PREFIX: &str = "watch:";
/// Id prefix of a watch's notification (outbox entry).
pub const NOTICE_PREFIX: &str = "notice:";
/// The project's records that travel with an export: watches and their outbox (sent
/// entries too, so a restored store does not notify again what it already did).
pub const PROJECT_PREFIXES: [&str; 2] = [WATCH_PREFIX, NOTICE_PREFIX];
/// The key wrapping a project record's line.
const PROJECT_KEY: &str = "stats2";

/// Why an import or export stopped.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// A line is not a JSON object with a usable `_id`.
    #[error("line {line}: {reason}")]
    BadLine {
        /// 1-based line number.
        line: u64,
        /// What is wrong with it.
        reason: String,
    },
    /// Reading or writing the file failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The store refused or failed.
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// What a transfer did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Transferred {
    /// Documents read or written.
    pub documents: u64,
    /// Of those, documents that replaced an existing one (import).
    pub replaced: u64,
}

/// Writes every workflow document of `requests` to `out`, one JSON object a line, calling
/// `progress` with the running count.
pub async fn export(store: &dyn Store, out: &mut dyn Write, progress: &dyn Fn(u64)) -> Result<u64, TransferError> {
    let mut since = Seq::zero();
    let mut n = 0;
    loop {
        let q = FeedQuery { since: since.clone(), limit: BATCH as u64, include_docs: true, wait: Duration::ZERO };
        let page = store.changes(Db::Requests, &q).await?;
        if page.changes.is_empty() {
            break;
        }
        for doc in page.changes.into_iter().filter_map(|c| c.doc) {
            if doc.get("_id").and_then(Value::as_str).is_some_and(|id| id.starts_with(DESIGN_PREFIX)) {
                continue;
            }
            serde_json::to_writer(&mut *out, &doc).map_err(std::io::Error::from)?;
            out.write_all(b"\n")?;
            n += 1;
        }
        progress(n);
        since = page.last_seq;
    }
    for prefix in PROJECT_PREFIXES {
        for mut doc in store.prefixed(Db::Stats2, prefix, u64::MAX >> 1).await? {
            if let Some(obj) = doc.as_object_mut() {
                obj.remove("_rev");
            }
            serde_json::to_writer(&mut *out, &serde_json::json!({ PROJECT_KEY: doc })).map_err(std::io::Error::from)?;
            out.write_all(b"\n")?;
            n += 1;
        }
    }
    out.flush()?;
    Ok(n)
}

/// One parsed line: its database, the document without `_rev`, and its id.
fn parse_line(text: &str, line: u64) -> Result<(Db, String, Value), TransferError> {
    let bad = |reason: String| TransferError::BadLine { line, reason };
    let mut doc: Value = serde_json::from_str(text).map_err(|e| bad(format!("not JSON: {e}")))?;
    let mut db = Db::Requests;
    // A wrapped project record has no `_id` of its own; a workflow may have a `stats2` field.
    if doc.get("_id").is_none() {
        if let Some(inner) = doc.get_mut(PROJECT_KEY).map(Value::take) {
            (db, doc) = (Db::Stats2, inner);
        }
    }
    let obj = doc.as_object_mut().ok_or_else(|| bad("not a JSON object".into()))?;
    let id = obj.get("_id").and_then(Value::as_str).ok_or_else(|| bad("no string _id".into()))?.to_owned();
    let allowed = match db {
        Db::Stats2 => PROJECT_PREFIXES.iter().any(|p| id.starts_with(p)),
        _ => is_document_id(&id) && !id.starts_with(DESIGN_PREFIX),
    };
    if !allowed {
        return Err(bad(format!("{id:?} is not the id of a workflow, a watch or a notification")));
    }
    obj.remove("_rev");
    Ok((db, id, doc))
}

/// Reads NDJSON documents from `input` into `requests`, replacing documents with the same id.
pub async fn import(
    store: &dyn Store,
    input: &mut dyn BufRead,
    progress: &dyn Fn(u64),
) -> Result<Transferred, TransferError> {
    let mut done = Transferred::default();
    let mut batch: Vec<(String, Value)> = Vec::with_capacity(BATCH);
    let mut project: Vec<(String, Value)> = Vec::new();
    let mut line_no = 0u64;
    let mut text = String::new();
    loop {
        text.clear();
        let eof = input.read_line(&mut text)? == 0;
        if !eof {
            line_no += 1;
            if !text.trim().is_empty() {
                match parse_line(text.trim(), line_no)? {
                    (Db::Stats2, id, doc) => project.push((id, doc)),
                    (_, id, doc) => batch.push((id, doc)),
                }
            }
        }
        if batch.len() >= BATCH || (eof && !batch.is_empty()) {
            let replaced = write_batch(store, Db::Requests, std::mem::take(&mut batch)).await?;
            done.replaced += replaced.1;
            done.documents += replaced.0;
            progress(done.documents);
        }
        if eof {
            for chunk in project.chunks(BATCH) {
                let (written, replaced) = write_batch(store, Db::Stats2, chunk.to_vec()).await?;
                done.documents += written;
                done.replaced += replaced;
            }
            return Ok(done);
        }
    }
}

/// Writes one batch with the current revisions; documents changed meanwhile by another
/// writer are re-read and written again. Returns (written, replaced).
async fn write_batch(store: &dyn Store, db: Db, batch: Vec<(String, Value)>) -> Result<(u64, u64), TransferError> {
    // Later lines win over earlier ones with the same id, as if written one after another.
    let mut by_id: HashMap<String, Value> = HashMap::with_capacity(batch.len());
    let mut order = Vec::with_capacity(batch.len());
    for (id, doc) in batch {
        if by_id.insert(id.clone(), doc).is_none() {
            order.push(id);
        }
    }
    let mut replaced = 0;
    let mut pending = order;
    for _attempt in 0..5 {
        let current = store.get_many(db, &pending).await?;
        let docs: Vec<Value> = pending
            .iter()
            .zip(&current)
            .map(|(id, cur)| with_rev(&by_id[id], cur.as_ref().and_then(|c| c.get("_rev")).cloned()))
            .collect();
        let results = store.bulk_put(db, &docs).await?;
        let mut retry = Vec::new();
        for ((id, cur), result) in pending.iter().zip(&current).zip(results) {
            match result {
                Ok(_) => replaced += u64::from(cur.is_some()),
                Err(StoreError::Conflict) => retry.push(id.clone()),
                Err(e) => return Err(e.into()),
            }
        }
        if retry.is_empty() {
            return Ok((by_id.len() as u64, replaced));
        }
        pending = retry;
    }
    Err(StoreError::Conflict.into())
}

fn with_rev(doc: &Value, rev: Option<Value>) -> Value {
    let mut doc = doc.clone();
    if let (Some(obj), Some(rev)) = (doc.as_object_mut(), rev) {
        obj.insert("_rev".into(), rev);
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_need_an_object_with_a_workflow_id_and_lose_their_revision() {
        let (db, id, doc) = parse_line(r#"{"_id": "w", "_rev": "3-x", "A": 1}"#, 1).unwrap();
        assert_eq!((db, id.as_str(), doc.get("_rev")), (Db::Requests, "w", None));
        let (db, id, _) = parse_line(r#"{"stats2": {"_id": "watch:ab", "_rev": "1-x", "owner": "ana"}}"#, 2).unwrap();
        assert_eq!((db, id.as_str()), (Db::Stats2, "watch:ab"));
        let (db, _, _) = parse_line(r#"{"_id": "w", "stats2": {"_id": "watch:ab"}}"#, 3).unwrap();
        assert_eq!(db, Db::Requests, "a workflow may have a field named stats2");
        for bad in [
            "[1]",
            "{\"A\": 1}",
            "{\"_id\": \"_design/x\"}",
            "{\"_id\": \"_all_docs\"}",
            "{",
            "{\"stats2\": {\"_id\": \"link:abc\"}}",
            "{\"stats2\": {\"_id\": \"callback:prod:w\"}}",
        ] {
            assert!(matches!(parse_line(bad, 7), Err(TransferError::BadLine { line: 7, .. })), "{bad}");
        }
    }
}
