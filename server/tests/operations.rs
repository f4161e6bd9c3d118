//! Operations: scheduled runs never overlap, /metrics and /healthz report real values.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use app::rows::{EventKind, RunOutcome};
use axum::body::Body;
use axum::http::Request;
use server::auth::AdminAuth;
use server::http::{self, AppState, Spa};
use server::sim::SimConfig;
use server::store::{couch::CouchStore, SharedStore};
use server::updater::single::UpdateService;
use support::*;
use tower::ServiceExt;

async fn get(router: &axum::Router, path: &str) -> (u16, String) {
    let resp = router.clone().oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
    let status = resp.status().as_u16();
    let body = axum::body::to_bytes(resp.into_body(), 1 << 24).await.unwrap();
    (status, String::from_utf8_lossy(&body).into_owned())
}

fn router(store: SharedStore, up: Arc<dyn server::upstream::Upstream>) -> axum::Router {
    let updates = UpdateService::new(store.clone(), up, config());
    let spa = Spa::load(std::path::Path::new("/nonexistent"), "/stats");
    http::router(
        AppState::new(store, updates, AdminAuth::default(), "/stats", Duration::ZERO).following(),
        spa,
        "/stats",
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_schedulers_on_one_store_never_run_at_the_same_time() {
    let s = sim(SimConfig { scale: 30, latency: Duration::from_millis(3), ..SimConfig::default() }).await;
    s.sim.step(3600, false);
    let (store, _dir) = sqlite().await;
    let up = upstream(&s.url, 1);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            server::schedule::spawn(
                store.clone(),
                up.clone(),
                config(),
                Duration::from_millis(40),
                None,
                stopped.clone(),
            )
        })
        .collect();
    for _ in 0..8 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        s.sim.step(3600, false);
    }
    stop.send(true).unwrap();
    for t in tasks {
        t.await.unwrap();
    }
    let runs = server::runs::recent(&*store).await.unwrap();
    let mut spans: Vec<(i64, i64)> =
        runs.iter().filter(|r| r.outcome == RunOutcome::Ok).map(|r| (r.start_ms.unwrap(), r.end_ms.unwrap())).collect();
    assert!(spans.len() >= 4, "{runs:?}");
    spans.sort();
    for w in spans.windows(2) {
        assert!(w[0].1 <= w[1].0, "runs overlap: {w:?}");
    }
    assert!(runs.len() <= server::runs::KEEP);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_and_health_report_real_values() {
    let s = sim(SimConfig { scale: 10, ..SimConfig::default() }).await;
    s.sim.step(3600, false);
    let (store, _dir) = sqlite().await;
    let up = upstream(&s.url, 1);
    run_seen_through_the_feed(&store, &up).await;
    server::callbacks::outbox::enqueue(&*store, "some_wf", &[server::callbacks::Env::Prod]).await.unwrap();
    let r = router(store.clone(), up.clone());
    for _ in 0..500 {
        if get(&r, "/readyz").await.0 == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (status, _) = get(&r, "/stats/api/fetch?type=ReReco").await;
    assert_eq!(status, 200);
    let (status, text) = get(&r, "/metrics").await;
    assert_eq!(status, 200);
    metrics_report(&text);
    // The store's counts are read once per scrape interval, not on every scrape (the outbox
    // is a whole database read).
    server::callbacks::outbox::enqueue(&*store, "other_wf", &[server::callbacks::Env::Prod]).await.unwrap();
    let (_, again) = get(&r, "/metrics").await;
    assert!(again.contains("stats2_callbacks_pending 1"), "read again at once:\n{again}");
    health_and_readiness(&r, &store).await;
    assert!(text.contains("stats2_index_workflows 10"), "{text}");
    unreachable_store(up).await;
}

/// A run of 10 new workflows, announced through the store's feed as any replica sees it.
async fn run_seen_through_the_feed(store: &SharedStore, up: &Arc<dyn server::upstream::Upstream>) {
    let events = server::live::channel();
    let mut live = events.subscribe();
    let index = server::index::SummaryIndex::new();
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(server::index::follow::run(store.clone(), index.clone(), events.clone(), stopped));
    while !index.is_ready() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let rec = server::schedule::run_once(store, up, &config(), None).await;
    assert_eq!(rec.outcome, RunOutcome::Ok);
    let mut named = std::collections::BTreeSet::new();
    let mut run_seen = false;
    while !(run_seen && named.len() == 10) {
        let e = tokio::time::timeout(Duration::from_secs(5), live.recv()).await.expect("announced within 5 s").unwrap();
        run_seen |= e.kind == EventKind::Run && e.run_start.is_some();
        named.extend(e.changed.into_iter().filter(|_| e.kind == EventKind::Workflow));
    }
    assert_eq!(index.len(), 10, "the index follows the run's writes");
}

fn metrics_report(text: &str) {
    for needle in [
        "stats2_upstream_requests_total{endpoint=\"reqmgr/changes\"}",
        "stats2_upstream_latency_seconds_bucket{endpoint=\"dbs/datasetlist\",le=\"+Inf\"}",
        "stats2_runs_total{outcome=\"ok\"}",
        "stats2_run_duration_seconds_count",
        "stats2_workflows_changed_total",
        "stats2_callbacks_pending 1",
        "stats2_http_requests_total{route=\"/stats/api/fetch\",status=\"200\"}",
        "stats2_workflows 10",
    ] {
        assert!(text.contains(needle), "/metrics lacks {needle}:\n{text}");
    }
    let requests = text
        .lines()
        .find_map(|l| l.strip_prefix("stats2_last_run_upstream_requests "))
        .and_then(|v| v.parse::<f64>().ok());
    assert!(requests.is_some_and(|n| n > 0.0), "the last run's request count: {requests:?}\n{text}");
}

/// /healthz reports the last run; a failed run (cron's, say) fails the monitoring check, not
/// the liveness probe.
async fn health_and_readiness(r: &axum::Router, store: &SharedStore) {
    let (status, body) = get(r, "/healthz").await;
    assert_eq!(status, 200, "{body}");
    let health: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["workflows"], 10);
    assert_eq!(health["last_run"]["created"], 10);

    let (status, body) = get(r, "/readyz").await;
    assert_eq!(status, 200, "{body}");

    let failed = server::runs::RunRecord::without_counts(1, 0.0, RunOutcome::Failed, Some("cmsweb down".into()));
    server::runs::record(&**store, &failed).await.unwrap();
    let (status, body) = get(r, "/healthz").await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("cmsweb down"), "the failed run is reported: {body}");
    let (status, body) = get(r, "/healthz?live").await;
    assert_eq!(status, 200, "{body}");
}

/// A store that does not answer: degraded health, not ready, and 503 from the server functions.
async fn unreachable_store(up: Arc<dyn server::upstream::Upstream>) {
    let broken: SharedStore = Arc::new(CouchStore::new("http://127.0.0.1:9", None).unwrap());
    let broken = router(broken, up);
    let (status, body) = get(&broken, "/healthz").await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("\"degraded\""));
    // Liveness asks nothing of the store: a CouchDB outage must not restart every replica.
    let (status, body) = get(&broken, "/healthz?live").await;
    assert_eq!(status, 200, "{body}");
    // No feed, no index: not ready, and the index-backed server functions say so.
    let (status, _) = get(&broken, "/readyz").await;
    assert_eq!(status, 503);
    let req = Request::post("/stats/rpc/list_workflows")
        .header("content-type", "application/json")
        .body(Body::from(r#"{"filter": {}, "page": 0}"#))
        .unwrap();
    let resp = broken.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status().as_u16(), 503);
    assert_eq!(resp.headers()["retry-after"], "5");
}

/// Issue 31 item 11: expensive queries run at most `heavy_queries` at once with at most
/// `heavy_queue` waiting; the rest are refused at once with 503 and Retry-After, while the
/// list (not gated) still answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expensive_queries_past_the_queue_are_refused_with_retry_after() {
    let (store, _dir) = sqlite().await;
    let docs: Vec<serde_json::Value> = (0..2000)
        .map(|i| {
            server::demo::scale::workflow(i, 3, server::demo::scale::Shape { campaigns: 5, max_entries: 6, now: CLOCK })
        })
        .collect();
    for chunk in docs.chunks(500) {
        store.bulk_put(server::store::Db::Requests, chunk).await.unwrap();
    }
    let up = upstream("http://127.0.0.1:9", 0);
    let updates = UpdateService::new(store.clone(), up, config());
    let spa = Spa::load(std::path::Path::new("/nonexistent"), "/stats");
    let limits = server::config::Limits { heavy_queries: 1, heavy_queue: 0, ..server::config::Limits::default() };
    let state =
        AppState::new(store, updates, AdminAuth::default(), "/stats", Duration::ZERO).with_limits(limits).following();
    let r = http::router(state, spa, "/stats");
    while get(&r, "/readyz").await.0 != 200 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let call = |name: &str, body: &str| {
        let req = Request::post(format!("/stats/rpc/{name}"))
            .header("content-type", "application/json")
            .body(Body::from(body.to_owned()))
            .unwrap();
        r.clone().oneshot(req)
    };
    let heavy = (0..8).map(|_| call("historical", r#"{"filter": {}, "bucket": 3600, "growing": false}"#));
    let answers = futures::future::join_all(heavy).await;
    let statuses: Vec<u16> = answers.iter().map(|a| a.as_ref().unwrap().status().as_u16()).collect();
    assert!(statuses.contains(&200) && statuses.contains(&503), "{statuses:?}");
    for a in answers.iter().map(|a| a.as_ref().unwrap()).filter(|a| a.status() == 503) {
        assert_eq!(a.headers()["retry-after"], "5");
    }
    let list = call("list_workflows", r#"{"filter": {}, "page": 0}"#).await.unwrap();
    assert_eq!(list.status(), 200);
}
