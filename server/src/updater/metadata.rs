//! Updating one workflow's metadata from ReqMgr2 (U18–U20), fixed: one PUT for a new
//! workflow (X18), a write only when the content changed, `_rev` and `LastUpdate` aside (X6),
//! and a conflicting write re-read and re-applied (X7).

use serde_json::{Map, Value};

use super::announced::{self, Written};
use super::build::{build, RunCaches};
use super::UpdateError;
use crate::store::{self, Db, Store};
use crate::upstream::Upstream;

/// What happened to one workflow's document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetaOutcome {
    /// A new document was written.
    Created,
    /// The stored document changed.
    Updated,
    /// Nothing differed; nothing was written.
    Unchanged,
}

/// Fetches and builds the new document of `name` (U1–U17).
pub async fn fetch(up: &dyn Upstream, caches: &RunCaches, name: &str) -> Result<Map<String, Value>, UpdateError> {
    let r = up.request(name).await?;
    build(up, caches, name, &r).await
}

/// The document to write given the new content and the stored one, or `None` when nothing
/// changed. The history is the stored one (U19); `_rev` and `LastUpdate` are not content.
pub fn merge(new: &Map<String, Value>, stored: Option<&Value>, now: i64) -> Option<Value> {
    let mut doc = new.clone();
    let history = stored.and_then(|s| s.get("EventNumberHistory")).cloned().unwrap_or(Value::Array(Vec::new()));
    doc.insert("EventNumberHistory".into(), history);
    if let Some(stored) = stored.and_then(Value::as_object) {
        let content = |m: &Map<String, Value>| {
            let mut m = m.clone();
            m.remove("_rev");
            m.remove("LastUpdate");
            m
        };
        if content(stored) == content(&doc) {
            return None;
        }
        if let Some(rev) = stored.get("_rev") {
            doc.insert("_rev".into(), rev.clone());
        }
    }
    doc.insert("LastUpdate".into(), Value::from(now));
    Some(Value::Object(doc))
}

/// Writes `new` over whatever is stored now, retrying on conflicts.
pub async fn write(store: &dyn Store, name: &str, new: &Map<String, Value>) -> Result<MetaOutcome, UpdateError> {
    let mut existed = false;
    let written = store::update(store, Db::Requests, name, |cur| {
        existed = cur.is_some();
        merge(new, cur.as_ref(), crate::clock::now())
    })
    .await?;
    Ok(match (written, existed) {
        (None, _) => MetaOutcome::Unchanged,
        (Some(_), true) => MetaOutcome::Updated,
        (Some(_), false) => MetaOutcome::Created,
    })
}

/// Documents per bulk read and write.
const BATCH: usize = 200;

/// Writes many built documents: one bulk read of what is stored, one bulk write of what
/// changed; a conflicting document is re-read and re-applied on its own (X7). Callbacks to
/// `announce` are recorded for the changed ones before they are written (never lost).
pub async fn write_batch(
    store: &dyn Store,
    built: Vec<(String, Map<String, Value>)>,
    announce: &[crate::callbacks::Env],
) -> Vec<(String, Result<MetaOutcome, UpdateError>)> {
    let mut out = Vec::with_capacity(built.len());
    for chunk in built.chunks(BATCH) {
        let ids: Vec<String> = chunk.iter().map(|(n, _)| n.clone()).collect();
        let stored = match store.get_many(Db::Requests, &ids).await {
            Ok(s) => s,
            Err(e) => {
                out.extend(chunk.iter().map(|(n, _)| (n.clone(), Err(e.clone().into()))));
                continue;
            }
        };
        let now = crate::clock::now();
        let mut pending = Vec::new();
        for (i, ((name, new), old)) in chunk.iter().zip(&stored).enumerate() {
            match merge(new, old.as_ref(), now) {
                None => out.push((name.clone(), Ok(MetaOutcome::Unchanged))),
                Some(doc) => {
                    pending.push((i, doc, if old.is_some() { MetaOutcome::Updated } else { MetaOutcome::Created }))
                }
            }
        }
        let docs = pending.into_iter().map(|(i, doc, outcome)| (chunk[i].0.clone(), doc, (i, outcome))).collect();
        for ((i, outcome), written) in announced::write(store, announce, docs).await {
            let (name, new) = &chunk[i];
            let result = match written {
                Written::Done => Ok(outcome),
                Written::Conflict => write(store, name, new).await,
                Written::Failed(e) => Err(e.into()),
            };
            out.push((name.clone(), result));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn new_doc() -> Map<String, Value> {
        json!({"_id": "w", "TotalEvents": 10, "EventNumberHistory": []}).as_object().unwrap().clone()
    }

    #[test]
    fn u18_x18_new_document_is_complete_in_one_write() {
        let doc = merge(&new_doc(), None, 100).unwrap();
        assert_eq!(doc, json!({"_id": "w", "TotalEvents": 10, "EventNumberHistory": [], "LastUpdate": 100}));
    }

    #[test]
    fn x6_unchanged_content_is_not_written() {
        let stored = json!({"_id": "w", "_rev": "3-a", "LastUpdate": 5, "TotalEvents": 10, "EventNumberHistory": [{"Time": 1, "Datasets": {}}]});
        assert_eq!(merge(&new_doc(), Some(&stored), 100), None);
    }

    #[test]
    fn u19_changed_content_keeps_history_and_rev_and_drops_vanished_fields() {
        let stored = json!({"_id": "w", "_rev": "3-a", "LastUpdate": 5, "TotalEvents": 9, "Old": 1,
            "EventNumberHistory": [{"Time": 1, "Datasets": {}}]});
        let doc = merge(&new_doc(), Some(&stored), 100).unwrap();
        assert_eq!(doc["_rev"], "3-a");
        assert_eq!(doc["LastUpdate"], 100);
        assert_eq!(doc["EventNumberHistory"], stored["EventNumberHistory"]);
        assert!(doc.get("Old").is_none(), "N replaces S wholesale");
    }
}
