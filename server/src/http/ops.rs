//! Operations endpoints: `/healthz` (store and last-run status; `/healthz?live` only the
//! store, for a liveness probe that must not restart replicas over a failed run), `/readyz` (the
//! summary index has caught up with the store's feed) and `/metrics` (Prometheus text), and
//! the middleware counting HTTP requests by route and status.

use axum::extract::{MatchedPath, RawQuery, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use std::sync::Arc;

use app::rows::RunOutcome;

use crate::index::SummaryIndex;
use crate::store::{self, SharedStore};

/// What the operations routes read.
#[derive(Clone)]
pub struct Ops {
    store: SharedStore,
    index: Arc<SummaryIndex>,
}

/// The operations routes.
pub fn routes(store: SharedStore, index: Arc<SummaryIndex>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(Ops { store, index })
}

/// 200 once the summary index has caught up with the feed (the server functions answer),
/// 503 with `Retry-After` before.
async fn readyz(State(ops): State<Ops>) -> Response {
    if !ops.index.is_ready() {
        return super::not_ready();
    }
    Json(json!({"status": "ready", "workflows": ops.index.len(), "feed_lag": ops.index.lag()})).into_response()
}

/// 200 when the store answers and the last run (if any) did not fail; 503 otherwise. With
/// `?live` a failed run is still reported but does not fail the probe: restarting a `serve`
/// replica cannot mend an update run (cron's or another replica's) that failed upstream.
async fn healthz(State(Ops { store, .. }): State<Ops>, RawQuery(query): RawQuery) -> Response {
    let live_only = query.is_some_and(|q| q.split('&').any(|p| p == "live" || p.starts_with("live=")));
    let workflows = store::workflow_count(&*store).await;
    let last_run = crate::runs::last(&*store).await.ok().flatten();
    let store_ok = workflows.is_ok();
    let run_ok = live_only || last_run.as_ref().is_none_or(|r| r.outcome != RunOutcome::Failed);
    let body = json!({
        "status": if store_ok && run_ok { "ok" } else { "degraded" },
        "store": match &workflows { Ok(_) => json!({"kind": store.kind(), "ok": true}), Err(e) => json!({"kind": store.kind(), "ok": false, "error": e.to_string()}) },
        "workflows": workflows.ok(),
        "last_run": last_run,
        "skipped_runs": crate::schedule::skipped().map(|(n, last)| json!({"in_a_row": n, "last": last})),
    });
    let status = if store_ok && run_ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(body)).into_response()
}

/// The metrics, with the gauges read at scrape time.
async fn metrics(State(Ops { store, index }): State<Ops>) -> Response {
    crate::metrics::gauge("stats2_index_ready", &[], f64::from(u8::from(index.is_ready())));
    crate::metrics::gauge("stats2_index_workflows", &[], index.len() as f64);
    crate::metrics::gauge("stats2_index_texts", &[], index.texts() as f64);
    crate::metrics::gauge("stats2_feed_lag", &[], index.lag() as f64);
    if let Ok(pending) = crate::callbacks::outbox::pending(&*store).await {
        crate::metrics::gauge("stats2_callbacks_pending", &[], pending.len() as f64);
    }
    if let Ok(n) = store::workflow_count(&*store).await {
        crate::metrics::gauge("stats2_workflows", &[], n as f64);
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], crate::metrics::render()).into_response()
}

/// Counts every request by its route pattern (not its path: bounded label values) and status.
pub async fn count_requests(req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let started = std::time::Instant::now();
    let resp = next.run(req).await;
    let status = resp.status().as_u16().to_string();
    crate::metrics::count("stats2_http_requests_total", &[("route", &route), ("status", &status)], 1.0);
    crate::metrics::observe("stats2_http_request_seconds", &[("route", &route)], started.elapsed().as_secs_f64());
    resp
}
