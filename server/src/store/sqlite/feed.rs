//! The embedded store's change feed: a `changes` table with one row per document (its newest
//! write or deletion) numbered by an AUTOINCREMENT sequence. Other processes on the same file
//! read it like any table; followers in this process are woken by the writer, others poll.

use std::time::{Duration, Instant};

use rusqlite::{params, Connection};

use super::super::{Change, ChangesPage, Db, FeedQuery, Seq, StoreError};
use super::pool::{db_err, Pool};
use super::write::with_meta;

/// How often a waiting follower looks for writes made by other processes.
pub const POLL: Duration = Duration::from_millis(250);

/// Schema version with the feed; stores of the first version are migrated on open.
const VERSION: i64 = 2;

pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS changes (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    db      TEXT NOT NULL,
    id      TEXT NOT NULL,
    deleted INTEGER NOT NULL,
    at      INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS changes_by_doc ON changes (db, id);
CREATE INDEX IF NOT EXISTS changes_by_seq ON changes (db, seq);
";

/// Gives every document of a store written before the feed existed its place in the feed.
pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(db_err)?;
    if version >= VERSION {
        return Ok(());
    }
    let tx = conn.transaction().map_err(db_err)?;
    let added = tx
        .execute(
            "INSERT OR IGNORE INTO changes (db, id, deleted, at) SELECT db, id, 0, ?1 FROM docs ORDER BY db, id",
            params![crate::clock::now()],
        )
        .map_err(db_err)?;
    tx.pragma_update(None, "user_version", VERSION).map_err(db_err)?;
    tx.commit().map_err(db_err)?;
    if added > 0 {
        tracing::info!(documents = added, "embedded store migrated: change feed back-filled");
    }
    Ok(())
}

fn parse_since(since: &Seq) -> Result<i64, StoreError> {
    since.0.parse::<i64>().map_err(|_| StoreError::BadRequest(format!("{:?} is not a sequence of this store", since.0)))
}

/// One row of the feed query: sequence, id, deleted, and the document's rev and body.
type FeedRow = (i64, String, bool, Option<String>, Option<String>);

fn read_page(c: &Connection, db: Db, since: i64, q: &FeedQuery) -> Result<ChangesPage, StoreError> {
    let mut stmt = c
        .prepare_cached(
            "SELECT c.seq, c.id, c.deleted, d.rev, d.body FROM changes c
             LEFT JOIN docs d ON d.db = c.db AND d.id = c.id
             WHERE c.db = ?1 AND c.seq > ?2 ORDER BY c.seq LIMIT ?3",
        )
        .map_err(db_err)?;
    let limit = i64::try_from(q.limit).unwrap_or(i64::MAX);
    let raw: Vec<FeedRow> = stmt
        .query_map(params![db.name(), since, limit], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .map_err(db_err)?
        .collect::<Result<_, _>>()
        .map_err(db_err)?;
    let last = raw.last().map_or(since, |r| r.0);
    let changes = raw
        .into_iter()
        .map(|(_, id, deleted, rev, body)| {
            let doc = match (q.include_docs && !deleted, rev, body) {
                (true, Some(rev), Some(body)) => Some(with_meta(&id, &rev, &body)?),
                _ => None,
            };
            Ok(Change { id, deleted, doc })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(ChangesPage { changes, last_seq: Seq(last.to_string()) })
}

/// One page of the feed, waiting up to `q.wait` for something new.
pub async fn changes(pool: &Pool, db: Db, q: &FeedQuery) -> Result<ChangesPage, StoreError> {
    let since = parse_since(&q.since)?;
    let deadline = Instant::now() + q.wait;
    let mut writes = pool.writes();
    loop {
        writes.borrow_and_update();
        let query = q.clone();
        let page = pool.read(move |c| read_page(c, db, since, &query)).await?;
        let left = deadline.saturating_duration_since(Instant::now());
        if !page.changes.is_empty() || left.is_zero() {
            return Ok(page);
        }
        // A write here wakes us at once; one by another process is seen at the next poll.
        let _ = tokio::time::timeout(left.min(POLL), writes.changed()).await;
    }
}

/// Drops tombstones older than `max_age`.
pub async fn prune(pool: &Pool, max_age: Duration) -> Result<u64, StoreError> {
    let cutoff = crate::clock::now() - i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX);
    pool.write(move |c| {
        let n = c.execute("DELETE FROM changes WHERE deleted = 1 AND at < ?1", params![cutoff]).map_err(db_err)?;
        Ok(n as u64)
    })
    .await
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::SqliteStore;
    use crate::store::{Db, FeedQuery, Seq, Store};

    #[tokio::test]
    async fn a_store_of_the_first_version_gets_its_feed_on_open() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("v1.sqlite");
        {
            // The first version's schema: documents, no feed, user_version 0.
            let c = rusqlite::Connection::open(&path).unwrap_or_else(|e| panic!("{e}"));
            c.execute_batch(
                "CREATE TABLE docs (db TEXT NOT NULL, id TEXT NOT NULL, rev TEXT NOT NULL, body TEXT NOT NULL,
                 PRIMARY KEY (db, id)) WITHOUT ROWID;
                 INSERT INTO docs VALUES ('requests', 'old_wf', '1-a', '{\"N\": 1}');",
            )
            .unwrap_or_else(|e| panic!("{e}"));
        }
        let store = SqliteStore::open(&path).unwrap_or_else(|e| panic!("{e}"));
        let q = FeedQuery { since: Seq::zero(), limit: 10, include_docs: true, wait: Duration::ZERO };
        let page = store.changes(Db::Requests, &q).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(page.changes.len(), 1);
        assert_eq!(page.changes[0].id, "old_wf");
        assert_eq!(page.changes[0].doc.as_ref().map(|d| d["N"].clone()), Some(serde_json::json!(1)));
        drop(store);
        let again = SqliteStore::open(&path).unwrap_or_else(|e| panic!("{e}"));
        let page = again.changes(Db::Requests, &q).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(page.changes.len(), 1, "migrated once: reopening adds nothing");
    }

    #[tokio::test]
    async fn compaction_drops_old_tombstones_only() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store = SqliteStore::open(&dir.path().join("t.sqlite")).unwrap_or_else(|e| panic!("{e}"));
        let ok = |r: Result<String, _>| r.unwrap_or_else(|e: crate::store::StoreError| panic!("{e}"));
        ok(store.put(Db::Requests, &serde_json::json!({"_id": "kept"})).await);
        let rev = ok(store.put(Db::Requests, &serde_json::json!({"_id": "gone"})).await);
        store.delete(Db::Requests, "gone", &rev).await.unwrap_or_else(|e| panic!("{e}"));
        let q = FeedQuery { since: Seq::zero(), limit: 10, include_docs: false, wait: Duration::ZERO };
        let ids = |p: crate::store::ChangesPage| p.changes.into_iter().map(|c| (c.id, c.deleted)).collect::<Vec<_>>();
        assert_eq!(store.prune_tombstones(Duration::from_secs(3600)).await.ok(), Some(0), "too recent");
        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert_eq!(store.prune_tombstones(Duration::ZERO).await.ok(), Some(1));
        let page = store.changes(Db::Requests, &q).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ids(page), [("kept".to_owned(), false)]);
    }
}
