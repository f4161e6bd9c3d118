//! The summary index following a real store's feed: exact past any candidate cap, deletions,
//! a CouchDB restart in the middle, and legacy answers never older than what the feed showed.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::filter::{Filter, FilterKey};
use app::rows::EventKind;
use serde_json::{json, Value};
use server::index::SummaryIndex;
use server::live::Events;
use server::store::{couch::CouchStore, sqlite::SqliteStore, Db, SharedStore};
use stats2_tests::couch::CouchServer;
use tokio::sync::{broadcast, watch};

struct Follower {
    index: Arc<SummaryIndex>,
    live: broadcast::Receiver<app::rows::LiveEvent>,
    _stop: watch::Sender<bool>,
}

async fn follow(store: &SharedStore) -> Follower {
    let events: Events = server::live::channel();
    let live = events.subscribe();
    let index = SummaryIndex::new();
    let (stop, stopped) = watch::channel(false);
    tokio::spawn(server::index::follow::run(store.clone(), index.clone(), events, stopped));
    let deadline = Instant::now() + Duration::from_secs(60);
    while !index.is_ready() {
        assert!(Instant::now() < deadline, "index not built within 60 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Follower { index, live, _stop: stop }
}

async fn until(what: &str, secs: u64, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !ok() {
        assert!(Instant::now() < deadline, "{what} within {secs} s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn doc(i: usize, campaign: &str, kind: &str) -> Value {
    json!({"_id": format!("wf_{i:06}_261101_000000_0001"), "Campaigns": [campaign], "RequestType": kind})
}

async fn put_all(store: &SharedStore, docs: &[Value]) {
    for chunk in docs.chunks(500) {
        for r in store.bulk_put(Db::Requests, chunk).await.unwrap() {
            r.unwrap();
        }
    }
}

fn and_filter() -> Filter {
    Filter { match_all: true, ..Filter::default() }.with(FilterKey::Campaign, "C").with(FilterKey::Type, "Rare")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_match_past_the_20000th_id_is_found_and_a_deletion_removes_it() {
    let dir = tempfile::tempdir().unwrap();
    let store: SharedStore = Arc::new(SqliteStore::open(&dir.path().join("big.sqlite")).unwrap());
    store.init().await.unwrap();
    let mut docs: Vec<Value> = (0..20_050).map(|i| doc(i, "C", "TaskChain")).collect();
    docs[20_040] = doc(20_040, "C", "Rare");
    put_all(&store, &docs).await;
    let mut f = follow(&store).await;
    let now = server::now();
    assert_eq!(f.index.len(), 20_050);
    assert_eq!(f.index.count(&and_filter(), now).unwrap(), 1);
    let page = f.index.page(&and_filter(), 0, now).unwrap();
    assert_eq!(page.rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["wf_020040_261101_000000_0001"]);
    let campaign = Filter::default().with(FilterKey::Campaign, "C");
    assert_eq!(f.index.page(&campaign, 0, now).unwrap().matching, 20_050, "exact, not capped");

    let name = "wf_020040_261101_000000_0001";
    let rev = store.get(Db::Requests, name).await.unwrap().unwrap()["_rev"].as_str().unwrap().to_owned();
    store.delete(Db::Requests, name, &rev).await.unwrap();
    let event = tokio::time::timeout(Duration::from_secs(5), f.live.recv()).await.unwrap().unwrap();
    assert_eq!((event.kind, event.changed), (EventKind::Workflow, vec![name.to_owned()]));
    assert_eq!(f.index.count(&and_filter(), now).unwrap(), 0);
    assert_eq!(f.index.row(name, now).unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_interrupted_by_a_couchdb_restart_loses_and_repeats_nothing() {
    let mut couch = CouchServer::start().await.unwrap();
    let store: SharedStore = Arc::new(CouchStore::new(&couch.url, Some(couch.admin_header())).unwrap());
    store.init().await.unwrap();
    put_all(&store, &(0..5).map(|i| doc(i, "C", "A")).collect::<Vec<_>>()).await;
    let mut f = follow(&store).await;
    put_all(&store, &(5..10).map(|i| doc(i, "C", "A")).collect::<Vec<_>>()).await;
    until("the first writes are indexed", 10, || f.index.len() == 10).await;
    let lag = |f: &Follower| f.index.feed_lag(server::now_ms());
    assert!(lag(&f) < 21.0, "a well follower is at most one long poll behind: {}", lag(&f));
    // While the store is down the follower falls behind by the outage, and the index stays
    // ready (stale answers beat none); once it is back, the lag falls at once.
    let watch_outage = async {
        tokio::time::sleep(Duration::from_millis(2500)).await;
        (lag(&f), f.index.is_ready(), f.index.stale_since(server::now_ms() + 60_000))
    };
    let (restarted, (during, ready, stale)) = tokio::join!(couch.restart(Duration::from_secs(3)), watch_outage);
    restarted.unwrap();
    assert!(during >= 2.0, "the feed lag counts the outage: {during} s");
    assert!(ready, "still ready during the outage");
    assert!(stale.is_some(), "a minute more of outage and the dashboard says 'data as of'");
    put_all(&store, &(10..20).map(|i| doc(i, "C", "B")).collect::<Vec<_>>()).await;
    until("the writes after the restart are indexed", 60, || f.index.len() == 20).await;
    until("the lag falls once the store answers", 10, || lag(&f) < 2.0).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut announced: BTreeMap<String, usize> = BTreeMap::new();
    while let Ok(e) = f.live.try_recv() {
        for n in e.changed {
            *announced.entry(n).or_default() += 1;
        }
    }
    let want: BTreeMap<String, usize> =
        (5..20).map(|i| (doc(i, "", "")["_id"].as_str().unwrap().to_owned(), 1)).collect();
    assert_eq!(announced, want, "each change after the build announced once");
    let b = Filter::default().with(FilterKey::Type, "B");
    assert_eq!(f.index.count(&b, server::now()).unwrap(), 10);
}
