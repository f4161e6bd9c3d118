//! The short links' sweep: a link unused for 400 days goes, a recent one stays; a used link
//! is touched; beyond the most kept, the least recently used go first.
#![allow(clippy::unwrap_used)]

mod support;

use serde_json::json;
use server::links::{Links, UNUSED_FOR};
use server::store::Db;
use support::*;

const NOW: i64 = 1_800_000_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sweep_drops_links_unused_for_400_days_and_keeps_the_rest() {
    let (store, _dir) = sqlite().await;
    let links = Links::new(store.clone(), "/stats");
    let old = links.shorten("/stats/?campaign=Old", "peer a", NOW - UNUSED_FOR - 10).await.unwrap();
    let fresh = links.shorten("/stats/?campaign=Fresh", "peer a", NOW - 86_400).await.unwrap();
    // Resolving touches a link: an old one used today stays.
    let used = links.shorten("/stats/?campaign=Used", "peer a", NOW - UNUSED_FOR - 10).await.unwrap();
    assert_eq!(links.resolve(&used, NOW).await.unwrap().as_deref(), Some("/stats/?campaign=Used"));
    // The project's other records in the same database are never touched.
    store.put(Db::Stats2, &json!({"_id": "run:1", "start": 1})).await.unwrap();
    assert_eq!(links.sweep(NOW).await.unwrap(), 1);
    assert_eq!(links.resolve(&old, NOW).await.unwrap(), None, "unused for over 400 days: gone");
    assert!(links.resolve(&fresh, NOW).await.unwrap().is_some());
    assert!(links.resolve(&used, NOW).await.unwrap().is_some());
    assert!(store.get(Db::Stats2, "run:1").await.unwrap().is_some());
    assert!(store.get(Db::Stats2, "short-link-key").await.unwrap().is_some(), "the key stays");
    assert_eq!(links.sweep(NOW).await.unwrap(), 0, "a second sweep finds nothing");
    // Beyond the most kept, the least recently used go first: `fresh` (used a day ago).
    assert_eq!(links.sweep_keeping(NOW, 1).await.unwrap(), 1);
    assert!(links.resolve(&used, NOW).await.unwrap().is_some());
    assert_eq!(links.resolve(&fresh, NOW).await.unwrap(), None);
}
