//! A scheduled run skipped because another process holds the run lock is visible in
//! `/healthz` and `/metrics` (issue 12 item 2), and a run that goes through clears it. Its
//! own test binary: the skip counter belongs to the process.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use app::rows::RunOutcome;
use axum::body::Body;
use axum::http::Request;
use server::auth::AdminAuth;
use server::http::{self, AppState, Spa};
use server::sim::SimConfig;
use server::updater::single::UpdateService;
use server::updater::{lock::RunLock, UpdaterConfig};
use support::*;
use tower::ServiceExt;

async fn get(router: &axum::Router, path: &str) -> String {
    let resp = router.clone().oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
    let body = axum::body::to_bytes(resp.into_body(), 1 << 24).await.unwrap();
    String::from_utf8_lossy(&body).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skipped_runs_show_in_health_and_metrics_until_one_runs() {
    let s = sim(SimConfig { scale: 4, ..SimConfig::default() }).await;
    s.sim.step(3600, false);
    let (store, _dir) = sqlite().await;
    let up = upstream(&s.url, 1);
    let cfg = UpdaterConfig { lock_wait: Duration::from_millis(50), ..config() };
    let updates = UpdateService::new(store.clone(), up.clone(), cfg.clone());
    let spa = Spa::load(std::path::Path::new("/nonexistent"), "/stats");
    let r = http::router(
        AppState::new(store.clone(), updates, AdminAuth::default(), "/stats", Duration::ZERO).following(),
        spa,
        "/stats",
    );

    let held = RunLock::acquire(store.clone(), "a wedged run", Duration::ZERO, Duration::from_secs(60)).await.unwrap();
    for _ in 0..2 {
        assert_eq!(server::schedule::run_once(&store, &up, &cfg, None).await.outcome, RunOutcome::Skipped);
    }
    let health: serde_json::Value = serde_json::from_str(&get(&r, "/healthz").await).unwrap();
    assert_eq!(health["skipped_runs"]["in_a_row"], 2, "{health}");
    assert!(get(&r, "/metrics").await.contains("stats2_runs_skipped_in_a_row 2"));

    held.release().await.unwrap();
    assert_eq!(server::schedule::run_once(&store, &up, &cfg, None).await.outcome, RunOutcome::Ok);
    let health: serde_json::Value = serde_json::from_str(&get(&r, "/healthz").await).unwrap();
    assert!(health["skipped_runs"].is_null(), "{health}");
    assert!(get(&r, "/metrics").await.contains("stats2_runs_skipped_in_a_row 0"));
}
