//! The embedded store (default): SQLite in WAL mode, documents as JSON text plus one index
//! table of view rows, so every query the CouchDB store answers gives the same answer here;
//! a `changes` table is its change feed. One writer and a few readers (`pool`), every call
//! on the blocking pool, never on the async executor.

mod feed;
mod pool;
mod write;

use std::path::Path;

use async_trait::async_trait;
use rusqlite::{params, OptionalExtension};
use serde_json::Value;

use super::design::install;
use super::{is_document_id, ChangesPage, Db, FeedQuery, Paging, Report, Row, Store, StoreError, View};
use pool::{db_err, Pool};
use write::{delete_one, put_one, with_meta};

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
    pool: Pool,
}

impl SqliteStore {
    /// Opens (creating when needed) the store file at `path`; a store of the first version
    /// gets its change feed back-filled.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Unavailable(format!("create {}: {e}", dir.display())))?;
        }
        let pool = Pool::open(path, |conn| {
            conn.execute_batch(SCHEMA).map_err(db_err)?;
            conn.execute_batch(feed::SCHEMA).map_err(db_err)?;
            feed::migrate(conn)
        })?;
        Ok(SqliteStore { pool })
    }

    /// The store file.
    pub fn path(&self) -> &Path {
        self.pool.path()
    }
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
        self.pool
            .read(move |c| {
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
        self.pool
            .read(move |c| {
                let mut stmt =
                    c.prepare_cached("SELECT rev, body FROM docs WHERE db = ?1 AND id = ?2").map_err(db_err)?;
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
        self.pool
            .write(move |c| {
                let tx = c.transaction().map_err(db_err)?;
                let rev = put_one(&tx, db, &doc)?;
                tx.commit().map_err(db_err)?;
                Ok(rev)
            })
            .await
    }

    async fn bulk_put(&self, db: Db, docs: &[Value]) -> Result<Vec<Result<String, StoreError>>, StoreError> {
        let docs = docs.to_vec();
        self.pool
            .write(move |c| {
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
        self.pool
            .write(move |c| {
                let tx = c.transaction().map_err(db_err)?;
                delete_one(&tx, db, &id, &rev)?;
                tx.commit().map_err(db_err)
            })
            .await
    }

    async fn count(&self, db: Db) -> Result<u64, StoreError> {
        self.pool
            .read(move |c| {
                let n: i64 = c
                    .query_row("SELECT count(*) FROM docs WHERE db = ?1", params![db.name()], |r| r.get(0))
                    .map_err(db_err)?;
                Ok(n.max(0) as u64)
            })
            .await
    }

    async fn all_docs(&self, db: Db, paging: Paging, include_docs: bool) -> Result<Vec<Row>, StoreError> {
        self.pool
            .read(move |c| {
                let mut stmt = c
                    .prepare_cached(
                        "SELECT id, json_quote(id), rev, body FROM docs WHERE db = ?1 ORDER BY id LIMIT ?2 OFFSET ?3",
                    )
                    .map_err(db_err)?;
                read_rows(&mut stmt, &[&db.name(), &to_i64(paging.limit), &to_i64(paging.skip)], include_docs)
            })
            .await
    }

    async fn prefixed(&self, db: Db, prefix: &str, limit: u64) -> Result<Vec<Value>, StoreError> {
        // Ids compare by their UTF-8 bytes: every id starting with `prefix` sorts from it to
        // the prefix followed by the highest code point. (`LIKE` would read '_' and '%'.)
        let (low, high) = (prefix.to_owned(), format!("{prefix}\u{10FFFF}"));
        self.pool
            .read(move |c| {
                let mut stmt = c
                    .prepare_cached(
                        "SELECT id, json_quote(id), rev, body FROM docs WHERE db = ?1 AND id >= ?2 AND id < ?3 \
                         ORDER BY id LIMIT ?4",
                    )
                    .map_err(db_err)?;
                let rows = read_rows(&mut stmt, &[&db.name(), &low, &high, &to_i64(limit)], true)?;
                Ok(rows.into_iter().filter_map(|r| r.doc).collect())
            })
            .await
    }

    async fn design_docs(&self, db: Db) -> Result<(u64, Vec<String>), StoreError> {
        self.pool
            .read(move |c| {
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
        self.pool
            .read(move |c| {
                let mut stmt = c
                .prepare_cached(
                    "SELECT v.id, v.key, d.rev, d.body FROM view_rows v JOIN docs d ON d.db = 'requests' AND d.id = v.id
                     WHERE v.view = ?1 AND v.key = ?2 ORDER BY v.id, v.pos LIMIT ?3 OFFSET ?4",
                )
                .map_err(db_err)?;
                read_rows(
                    &mut stmt,
                    &[&view.name(), &json_key, &to_i64(paging.limit), &to_i64(paging.skip)],
                    include_docs,
                )
            })
            .await
    }

    async fn view_ids(&self, view: View, keys: &[String]) -> Result<Vec<String>, StoreError> {
        // The keys are stored JSON-encoded; json_each unpacks the list of them in one query.
        let encoded: Vec<String> = keys.iter().map(|k| Value::String(k.clone()).to_string()).collect();
        let list = Value::from(encoded).to_string();
        self.pool
            .read(move |c| {
                let mut stmt = c
                    .prepare_cached(
                        "SELECT v.id FROM view_rows v WHERE v.view = ?1 AND v.key IN (SELECT value FROM json_each(?2))",
                    )
                    .map_err(db_err)?;
                let rows =
                    stmt.query_map(rusqlite::params![view.name(), list], |r| r.get::<_, String>(0)).map_err(db_err)?;
                rows.collect::<Result<Vec<String>, _>>().map_err(db_err)
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
        self.pool
            .write(|c| {
                c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); VACUUM; ANALYZE;").map_err(db_err)?;
                Ok(vec!["checkpointed the WAL, vacuumed and analysed the database".to_owned()])
            })
            .await
    }

    async fn changes(&self, db: Db, query: &FeedQuery) -> Result<ChangesPage, StoreError> {
        feed::changes(&self.pool, db, query).await
    }

    async fn prune_tombstones(&self, max_age: std::time::Duration) -> Result<u64, StoreError> {
        feed::prune(&self.pool, max_age).await
    }
}
