//! Where a run gets ReqMgr2 documents (rule U1 read in bulk): inline with the feed, the
//! failed list in keyed `_all_docs` batches, and one GET each only when the upstream refuses
//! batched reads. The stored documents are the same whichever way they were read.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeMap;

use serde_json::json;
use server::sim::SimConfig;
use server::store::{self, Db};
use server::updater::documents::DocReads;
use support::*;

fn cfg(scale: usize) -> SimConfig {
    SimConfig { scale, ..SimConfig::default() }
}

fn requests(s: &server::testkit::SimServer) -> BTreeMap<&'static str, u64> {
    s.sim.counters.by_endpoint()
}

fn delta(after: &BTreeMap<&str, u64>, before: &BTreeMap<&str, u64>, endpoint: &str) -> u64 {
    after.get(endpoint).copied().unwrap_or(0) - before.get(endpoint).copied().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changed_documents_come_inline_and_cost_no_request_of_their_own() {
    let s = sim(cfg(50)).await;
    s.sim.step(3600, false);
    // A design document in the feed is never a workflow (U34).
    s.sim.world().put_design("_design/ReqMgr");
    let (store, _dir) = sqlite().await;
    let up = upstream(&s.url, 2);
    let summary = run(&store, &up).await.unwrap();
    assert_eq!((summary.created, summary.failed), (50, 0), "{summary}");
    assert_eq!(summary.documents, DocReads::Batched);
    assert!(summary.to_string().ends_with("documents=batched"), "{summary}");
    let counts = requests(&s);
    assert_eq!(counts.get("reqmgr/document"), None, "{counts:?}");
    assert_eq!(counts.get("reqmgr/_all_docs"), None, "nothing outside the feed was needed: {counts:?}");
    assert_eq!(counts["reqmgr/_changes"], 1);
    let design = store.get(Db::Requests, "_design/ReqMgr").await.unwrap();
    assert!(design.is_none_or(|d| d.get("language").is_none()), "ReqMgr2's design document was not copied");
    assert_eq!(store::workflow_count(&*store).await.unwrap(), 50);
}

/// The same scenario read both ways, step after step with deletions, gives the same store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_read_one_by_one_after_a_refusal_give_the_same_store() {
    let (batched, refused) = (sim(cfg(40)).await, sim(SimConfig { batched_reads: false, ..cfg(40) }).await);
    let (a, _da) = sqlite().await;
    let (b, _db) = sqlite().await;
    let (up_a, up_b) = (upstream(&batched.url, 2), upstream(&refused.url, 2));
    for step in 0..4 {
        batched.sim.step(3600, step > 0);
        refused.sim.step(3600, step > 0);
        let sa = run(&a, &up_a).await.unwrap();
        let sb = run(&b, &up_b).await.unwrap();
        assert_eq!(sa.documents, DocReads::Batched);
        assert_eq!(sb.documents, DocReads::OneByOne);
        assert!(sb.to_string().contains("documents=one-by-one"), "{sb}");
        assert_eq!((sa.created, sa.updated, sa.deleted), (sb.created, sb.updated, sb.deleted), "step {step}");
    }
    let (docs_a, docs_b) = (snapshot(&a).await, snapshot(&b).await);
    assert!(docs_a.len() >= 30);
    assert_eq!(docs_a, docs_b);
    let (ca, cb) = (requests(&batched), requests(&refused));
    assert_eq!(ca.get("reqmgr/document"), None, "{ca:?}");
    let created_or_updated = docs_b.len() as u64;
    assert!(cb["reqmgr/document"] >= created_or_updated, "one GET per document: {cb:?}");
    assert_eq!(cb.get("reqmgr/_all_docs"), None, "the feed's refusal is remembered for the run: {cb:?}");
}

/// The failed list is read in `_all_docs` batches; a name ReqMgr2 never had is gone, not a
/// failure, and a deleted one is not rebuilt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_failed_list_is_read_in_batches_and_a_missing_key_is_gone() {
    let s = sim(cfg(30)).await;
    s.sim.step(3600, false);
    let (store, _dir) = sqlite().await;
    let up = upstream(&s.url, 2);
    run(&store, &up).await.unwrap();
    let names: Vec<String> = snapshot(&store).await.keys().take(5).cloned().collect();
    let mut failed = names.clone();
    failed.push("pdmvserv_never_existed_000000_0000".into());
    server::updater::settings::write(
        &*store,
        &server::updater::settings::Update { failed_workflows: Some(failed.clone()), ..Default::default() },
    )
    .await
    .unwrap();
    let before = requests(&s);
    let summary = run(&store, &up).await.unwrap();
    let after = requests(&s);
    assert_eq!(summary.failed, 0, "{summary}");
    assert_eq!(delta(&after, &before, "reqmgr/_all_docs"), 1, "{after:?}");
    assert_eq!(delta(&after, &before, "reqmgr/document"), 0, "{after:?}");
    assert_eq!(settings(&store).await["failed_workflows"], json!([]));
    assert!(store.get(Db::Requests, "pdmvserv_never_existed_000000_0000").await.unwrap().is_none());
}

/// Faults on the feed and on the batches are retried; what still fails is kept for the next
/// run, and the sequence only moves past what was stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_on_feed_and_batches_lose_nothing() {
    let s = sim(SimConfig { error_rate: 0.3, stall: std::time::Duration::from_millis(50), ..cfg(40) }).await;
    s.sim.step(3600, false);
    let (store, _dir) = sqlite().await;
    let up = upstream(&s.url, 4);
    let _ = run(&store, &up).await;
    s.sim.set_error_rate(0.0);
    let summary = run(&store, &up).await.unwrap();
    assert_eq!(summary.failed, 0, "{summary}");

    let clean = sim(cfg(40)).await;
    clean.sim.step(3600, false);
    let (reference, _dr) = sqlite().await;
    run(&reference, &upstream(&clean.url, 2)).await.unwrap();
    assert_eq!(snapshot(&store).await, snapshot(&reference).await);
}

/// `STATS_REQMGR_KEYS=post`: the same batch as a JSON body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_can_travel_in_a_post_body() {
    use server::upstream::{ClientConfig, HttpUpstream, KeysMethod, Upstream, UpstreamClient};
    let s = sim(cfg(12)).await;
    s.sim.step(3600, false);
    let client = UpstreamClient::new(ClientConfig { retries: 1, ..ClientConfig::default() }).unwrap();
    let up = HttpUpstream::new(client, &s.url, &s.url).unwrap().with_keys_method(KeysMethod::Post);
    let names: Vec<String> = s.sim.world().requests.keys().take(3).cloned().chain(["gone_000".to_owned()]).collect();
    let rows = up.requests(&names).await.unwrap();
    assert_eq!(rows.iter().map(|(n, _)| n).collect::<Vec<_>>(), names.iter().collect::<Vec<_>>());
    assert!(rows[..3].iter().all(|(n, d)| d.as_ref().is_some_and(|d| d["_id"] == n.as_str())));
    assert!(rows[3].1.is_none());
}

/// A backlog larger than a feed page is read page by page (each page built and written
/// before the next is asked for), with the same result as one answer would give.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_backlog_is_read_in_feed_pages() {
    let page = server::updater::UpdaterConfig::default().feed_page as usize;
    let s = sim(cfg(2 * page + 100)).await;
    s.sim.step(3600, false);
    let (store, _dir) = sqlite().await;
    let up = upstream(&s.url, 2);
    let summary = run(&store, &up).await.unwrap();
    assert_eq!((summary.created, summary.failed), (2 * page + 100, 0), "{summary}");
    let counts = requests(&s);
    assert_eq!(counts["reqmgr/_changes"], 3, "{counts:?}");
    assert_eq!(counts.get("reqmgr/document"), None, "{counts:?}");
    assert!(summary.sequence.starts_with(&format!("{}-", s.sim.world().seq)), "{summary}");
    let idle = run(&store, &up).await.unwrap();
    assert_eq!((idle.created, idle.updated), (0, 0), "{idle}");
}
