//! The embedded store (default): SQLite in WAL mode, documents as JSON text plus one index
//! table of view rows, so every query the CouchDB store answers gives the same answer here.
//! Blocking calls run on `spawn_blocking`, never on the async executor.

use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{Map, Value};

use super::design::install;
use super::{is_document_id, Db, Paging, Report, Row, Store, StoreError, View, DESIGN_PREFIX};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS docs (
    db   TEXT NOT NULL,
    id   TEXT NOT NULL,
    rev  TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (db, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS view_rows (
    view TEXT NOT NULL,
    key  TEXT NOT NULL,
    id   TEXT NOT NULL,
    pos  INTEGER NOT NULL,
    PRIMARY KEY (view, key, id, pos)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS view_rows_by_id ON view_rows (id);
";

/// SQLite-backed store in one file.
#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
}

fn db_err(e: rusqlite::Error) -> StoreError {
    StoreError::Unavailable(format!("sqlite: {e}"))
}

impl SqliteStore {
    /// Opens (creating when needed) the store file at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Unavailable(format!("create {}: {e}", dir.display())))?;
        }
        let conn = Connection::open(path).map_err(db_err)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(db_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(db_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(30)).map_err(db_err)?;
        conn.execute_batch(SCHEMA).map_err(db_err)?;
        Ok(SqliteStore { conn: Arc::new(Mutex::new(conn)) })
    }

    /// Runs `f` with the connection on the blocking pool.
    async fn with<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().map_err(|_| StoreError::Unavailable("sqlite connection poisoned".into()))?;
            f(&mut guard)
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("sqlite task: {e}")))?
    }
}

/// Body with `_id` and `_rev` first, as CouchDB returns documents.
fn with_meta(id: &str, rev: &str, body: &str) -> Result<Value, StoreError> {
    let stored: Map<String, Value> =
        serde_json::from_str(body).map_err(|e| StoreError::Protocol(format!("stored {id}: {e}")))?;
    let mut out = Map::with_capacity(stored.len() + 2);
    out.insert("_id".into(), Value::String(id.to_owned()));
    out.insert("_rev".into(), Value::String(rev.to_owned()));
    out.extend(stored);
    Ok(Value::Object(out))
}

/// The next revision: generation + 1 and a hash of the previous revision and the body.
fn next_rev(prev: Option<&str>, body: &str) -> String {
    let generation = prev.and_then(|r| r.split('-').next()?.parse::<u64>().ok()).unwrap_or(0) + 1;
    let mut a = std::collections::hash_map::DefaultHasher::new();
    (prev, body).hash(&mut a);
    let mut b = std::collections::hash_map::DefaultHasher::new();
    (body, generation, prev).hash(&mut b);
    format!("{generation}-{:016x}{:016x}", a.finish(), b.finish())
}

/// Writes one document in the open transaction, checking its revision like CouchDB.
fn put_one(tx: &rusqlite::Transaction<'_>, db: Db, doc: &Value) -> Result<String, StoreError> {
    let obj = doc.as_object().ok_or_else(|| StoreError::BadRequest("a document must be a JSON object".into()))?;
    let id =
        obj.get("_id").and_then(Value::as_str).ok_or_else(|| StoreError::BadRequest("document without _id".into()))?;
    if !is_document_id(id) {
        return Err(StoreError::BadRequest(format!("{id}: only reserved document ids may start with underscore")));
    }
    let given = obj.get("_rev").and_then(Value::as_str);
    let current: Option<String> = tx
        .query_row("SELECT rev FROM docs WHERE db = ?1 AND id = ?2", params![db.name(), id], |r| r.get(0))
        .optional()
        .map_err(db_err)?;
    if current.as_deref() != given {
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
    Ok(rev)
}

/// Replaces the view rows of one document (views never index design documents).
fn index_views(tx: &rusqlite::Transaction<'_>, id: &str, doc: &Value) -> Result<(), StoreError> {
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

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn read_rows(
    stmt: &mut rusqlite::Statement<'_>,
    args: &[&dyn rusqlite::ToSql],
    include_docs: bool,
) -> Result<Vec<Row>, StoreError> {
    let raw: Vec<(String, String, String, String)> = stmt
        .query_map(args, |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .map_err(db_err)?
        .collect::<Result<_, _>>()
        .map_err(db_err)?;
    raw.into_iter()
        .map(|(id, key, rev, body)| {
            Ok(Row {
                key: serde_json::from_str(&key).unwrap_or(Value::String(key)),
                doc: if include_docs { Some(with_meta(&id, &rev, &body)?) } else { None },
                id,
            })
        })
        .collect()
}

#[async_trait]
impl Store for SqliteStore {
    fn kind(&self) -> &'static str {
        "sqlite"
    }

    async fn get(&self, db: Db, id: &str) -> Result<Option<Value>, StoreError> {
        if !is_document_id(id) {
            return Ok(None);
        }
        let id = id.to_owned();
        self.with(move |c| {
            let found: Option<(String, String)> = c
                .query_row("SELECT rev, body FROM docs WHERE db = ?1 AND id = ?2", params![db.name(), id], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()
                .map_err(db_err)?;
            found.map(|(rev, body)| with_meta(&id, &rev, &body)).transpose()
        })
        .await
    }

    async fn get_many(&self, db: Db, ids: &[String]) -> Result<Vec<Option<Value>>, StoreError> {
        let ids = ids.to_vec();
        self.with(move |c| {
            let mut stmt = c.prepare_cached("SELECT rev, body FROM docs WHERE db = ?1 AND id = ?2").map_err(db_err)?;
            ids.iter()
                .map(|id| {
                    if !is_document_id(id) {
                        return Ok(None);
                    }
                    let found: Option<(String, String)> = stmt
                        .query_row(params![db.name(), id], |r| Ok((r.get(0)?, r.get(1)?)))
                        .optional()
                        .map_err(db_err)?;
                    found.map(|(rev, body)| with_meta(id, &rev, &body)).transpose()
                })
                .collect()
        })
        .await
    }

    async fn put(&self, db: Db, doc: &Value) -> Result<String, StoreError> {
        let doc = doc.clone();
        self.with(move |c| {
            let tx = c.transaction().map_err(db_err)?;
            let rev = put_one(&tx, db, &doc)?;
            tx.commit().map_err(db_err)?;
            Ok(rev)
        })
        .await
    }

    async fn bulk_put(&self, db: Db, docs: &[Value]) -> Result<Vec<Result<String, StoreError>>, StoreError> {
        let docs = docs.to_vec();
        self.with(move |c| {
            let tx = c.transaction().map_err(db_err)?;
            // Like _bulk_docs: each document succeeds or fails on its own.
            let results = docs.iter().map(|d| put_one(&tx, db, d)).collect();
            tx.commit().map_err(db_err)?;
            Ok(results)
        })
        .await
    }

    async fn delete(&self, db: Db, id: &str, rev: &str) -> Result<(), StoreError> {
        let (id, rev) = (id.to_owned(), rev.to_owned());
        self.with(move |c| {
            let tx = c.transaction().map_err(db_err)?;
            let current: Option<String> = tx
                .query_row("SELECT rev FROM docs WHERE db = ?1 AND id = ?2", params![db.name(), id], |r| r.get(0))
                .optional()
                .map_err(db_err)?;
            match current {
                None => return Err(StoreError::NotFound(format!("delete {}/{id}: missing", db.name()))),
                Some(r) if r != rev => return Err(StoreError::Conflict),
                Some(_) => {}
            }
            tx.execute("DELETE FROM docs WHERE db = ?1 AND id = ?2", params![db.name(), id]).map_err(db_err)?;
            if db == Db::Requests {
                tx.execute("DELETE FROM view_rows WHERE id = ?1", params![id]).map_err(db_err)?;
            }
            tx.commit().map_err(db_err)
        })
        .await
    }

    async fn count(&self, db: Db) -> Result<u64, StoreError> {
        self.with(move |c| {
            let n: i64 = c
                .query_row("SELECT count(*) FROM docs WHERE db = ?1", params![db.name()], |r| r.get(0))
                .map_err(db_err)?;
            Ok(n.max(0) as u64)
        })
        .await
    }

    async fn all_docs(&self, db: Db, paging: Paging, include_docs: bool) -> Result<Vec<Row>, StoreError> {
        self.with(move |c| {
            let mut stmt = c
                .prepare_cached(
                    "SELECT id, json_quote(id), rev, body FROM docs WHERE db = ?1 ORDER BY id LIMIT ?2 OFFSET ?3",
                )
                .map_err(db_err)?;
            read_rows(&mut stmt, &[&db.name(), &to_i64(paging.limit), &to_i64(paging.skip)], include_docs)
        })
        .await
    }

    async fn design_docs(&self, db: Db) -> Result<(u64, Vec<String>), StoreError> {
        self.with(move |c| {
            let before: i64 = c
                .query_row("SELECT count(*) FROM docs WHERE db = ?1 AND id < '_design/'", params![db.name()], |r| {
                    r.get(0)
                })
                .map_err(db_err)?;
            let mut stmt = c
                .prepare_cached(
                    "SELECT id FROM docs WHERE db = ?1 AND id >= '_design/' AND id < '_design0' ORDER BY id",
                )
                .map_err(db_err)?;
            let ids = stmt
                .query_map(params![db.name()], |r| r.get(0))
                .map_err(db_err)?
                .collect::<Result<Vec<String>, _>>()
                .map_err(db_err)?;
            Ok((before.max(0) as u64, ids))
        })
        .await
    }

    async fn view(&self, view: View, key: &str, paging: Paging, include_docs: bool) -> Result<Vec<Row>, StoreError> {
        let json_key = Value::String(key.to_owned()).to_string();
        self.with(move |c| {
            let mut stmt = c
                .prepare_cached(
                    "SELECT v.id, v.key, d.rev, d.body FROM view_rows v JOIN docs d ON d.db = 'requests' AND d.id = v.id
                     WHERE v.view = ?1 AND v.key = ?2 ORDER BY v.id, v.pos LIMIT ?3 OFFSET ?4",
                )
                .map_err(db_err)?;
            read_rows(&mut stmt, &[&view.name(), &json_key, &to_i64(paging.limit), &to_i64(paging.skip)], include_docs)
        })
        .await
    }

    async fn init(&self) -> Result<Report, StoreError> {
        let mut report = Report::new();
        for db in Db::ALL {
            install(self, db, &mut report).await?;
        }
        Ok(report)
    }

    async fn compact(&self) -> Result<Report, StoreError> {
        self.with(|c| {
            c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); VACUUM; ANALYZE;").map_err(db_err)?;
            Ok(vec!["checkpointed the WAL, vacuumed and analysed the database".to_owned()])
        })
        .await
    }
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
