//! `stats2 demo`: the server on an embedded store seeded with realistic workflows, so a
//! newcomer sees a populated dashboard.

pub mod scale;
pub mod seed;

use crate::store::{self, Db, Store, StoreError};

/// Workflows the demo store is seeded with.
pub const DEMO_WORKFLOWS: usize = 320;

/// Seeds `store` with [`DEMO_WORKFLOWS`] generated workflows unless it already holds
/// workflows (idempotent). Returns how many were written.
pub async fn seed_once(store: &dyn Store, now: i64) -> Result<usize, StoreError> {
    if store::workflow_count(store).await? > 0 {
        return Ok(0);
    }
    let docs = seed::generate(DEMO_WORKFLOWS, now);
    let mut written = 0;
    for chunk in docs.chunks(100) {
        for result in store.bulk_put(Db::Requests, chunk).await? {
            result?;
            written += 1;
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sqlite::SqliteStore;

    #[tokio::test]
    async fn seeding_happens_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("d.sqlite")).unwrap();
        store.init().await.unwrap();
        assert_eq!(seed_once(&store, 1_764_000_000).await.unwrap(), DEMO_WORKFLOWS);
        assert_eq!(seed_once(&store, 1_764_000_000).await.unwrap(), 0);
        assert_eq!(store::workflow_count(&store).await.unwrap(), DEMO_WORKFLOWS as u64);
    }
}
