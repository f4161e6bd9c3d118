//! Writes of the embedded store: revision checks like CouchDB's, view rows, and one feed
//! entry per written or deleted document.

use std::hash::{Hash, Hasher};

use rusqlite::{params, OptionalExtension, Transaction};
use serde_json::{Map, Value};

use super::super::{is_document_id, Db, StoreError, View, DESIGN_PREFIX};
use super::pool::db_err;

/// Body with `_id` and `_rev` first, as CouchDB returns documents.
pub fn with_meta(id: &str, rev: &str, body: &str) -> Result<Value, StoreError> {
    let stored: Map<String, Value> =
        serde_json::from_str(body).map_err(|e| StoreError::Protocol(format!("stored {id}: {e}")))?;
    let mut out = Map::with_capacity(stored.len() + 2);
    out.insert("_id".into(), Value::String(id.to_owned()));
    out.insert("_rev".into(), Value::String(rev.to_owned()));
    out.extend(stored);
    Ok(Value::Object(out))
}

/// The next revision: generation + 1 and a hash of the previous revision and the body.
pub fn next_rev(prev: Option<&str>, body: &str) -> String {
    let generation = prev.and_then(|r| r.split('-').next()?.parse::<u64>().ok()).unwrap_or(0) + 1;
    let mut a = std::collections::hash_map::DefaultHasher::new();
    (prev, body).hash(&mut a);
    let mut b = std::collections::hash_map::DefaultHasher::new();
    (body, generation, prev).hash(&mut b);
    format!("{generation}-{:016x}{:016x}", a.finish(), b.finish())
}

/// The current revision of a document, if it exists.
pub fn current_rev(tx: &Transaction<'_>, db: Db, id: &str) -> Result<Option<String>, StoreError> {
    tx.query_row("SELECT rev FROM docs WHERE db = ?1 AND id = ?2", params![db.name(), id], |r| r.get(0))
        .optional()
        .map_err(db_err)
}

/// Writes one document in the open transaction, checking its revision like CouchDB.
pub fn put_one(tx: &Transaction<'_>, db: Db, doc: &Value) -> Result<String, StoreError> {
    let obj = doc.as_object().ok_or_else(|| StoreError::BadRequest("a document must be a JSON object".into()))?;
    let id =
        obj.get("_id").and_then(Value::as_str).ok_or_else(|| StoreError::BadRequest("document without _id".into()))?;
    if !is_document_id(id) {
        return Err(StoreError::BadRequest(format!("{id}: only reserved document ids may start with underscore")));
    }
    let current = current_rev(tx, db, id)?;
    if current.as_deref() != obj.get("_rev").and_then(Value::as_str) {
        return Err(StoreError::Conflict);
    }
    let mut body = obj.clone();
    body.remove("_id");
    body.remove("_rev");
    let text = serde_json::to_string(&body).map_err(|e| StoreError::BadRequest(e.to_string()))?;
    let rev = next_rev(current.as_deref(), &text);
    tx.execute(
        "INSERT INTO docs (db, id, rev, body) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (db, id) DO UPDATE SET rev = excluded.rev, body = excluded.body",
        params![db.name(), id, rev, text],
    )
    .map_err(db_err)?;
    if db == Db::Requests {
        index_views(tx, id, doc)?;
    }
    record_change(tx, db, id, false)?;
    Ok(rev)
}

/// Deletes one document at `rev` in the open transaction, leaving a tombstone in the feed.
pub fn delete_one(tx: &Transaction<'_>, db: Db, id: &str, rev: &str) -> Result<(), StoreError> {
    match current_rev(tx, db, id)? {
        None => return Err(StoreError::NotFound(format!("delete {}/{id}: missing", db.name()))),
        Some(r) if r != rev => return Err(StoreError::Conflict),
        Some(_) => {}
    }
    tx.execute("DELETE FROM docs WHERE db = ?1 AND id = ?2", params![db.name(), id]).map_err(db_err)?;
    if db == Db::Requests {
        tx.execute("DELETE FROM view_rows WHERE id = ?1", params![id]).map_err(db_err)?;
    }
    record_change(tx, db, id, true)
}

/// Moves the document to the end of the feed. `INSERT OR REPLACE` drops its previous entry
/// and AUTOINCREMENT never reuses a sequence, so a follower sees each document once, at its
/// newest change; SQLite's single writer commits sequences in order, so none appears late.
fn record_change(tx: &Transaction<'_>, db: Db, id: &str, deleted: bool) -> Result<(), StoreError> {
    tx.prepare_cached("INSERT OR REPLACE INTO changes (db, id, deleted, at) VALUES (?1, ?2, ?3, ?4)")
        .map_err(db_err)?
        .execute(params![db.name(), id, deleted, crate::clock::now()])
        .map_err(db_err)?;
    Ok(())
}

/// Replaces the view rows of one document (views never index design documents).
fn index_views(tx: &Transaction<'_>, id: &str, doc: &Value) -> Result<(), StoreError> {
    tx.execute("DELETE FROM view_rows WHERE id = ?1", params![id]).map_err(db_err)?;
    if id.starts_with(DESIGN_PREFIX) {
        return Ok(());
    }
    let mut insert =
        tx.prepare_cached("INSERT INTO view_rows (view, key, id, pos) VALUES (?1, ?2, ?3, ?4)").map_err(db_err)?;
    for view in View::ALL {
        for (pos, key) in view.emit(doc).iter().enumerate() {
            insert.execute(params![view.name(), key.to_string(), id, pos as i64]).map_err(db_err)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revisions_count_generations_and_differ_per_content() {
        let r1 = next_rev(None, "{}");
        assert!(r1.starts_with("1-"));
        let r2 = next_rev(Some(&r1), "{}");
        assert!(r2.starts_with("2-"));
        assert_ne!(next_rev(Some(&r1), "{\"a\":1}"), r2);
    }
}
