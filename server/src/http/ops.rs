//! Operations endpoints: `/healthz` (store, feed and last-run status), `/healthz?live` (only
//! that the process serves: a liveness probe that asked the store would restart every replica
//! during a CouchDB outage, and all of them would then rebuild their index at once), `/readyz`
//! (the summary index has caught up with the store's feed once) and `/metrics` (Prometheus
//! text), and the middleware counting HTTP requests by route and status.

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
    counted: Arc<std::sync::Mutex<Option<Counted>>>,
}

/// The gauges that cost a store read (the whole outbox, a count of the documents), as last
/// read: a scraper (or several, one per Prometheus replica) asking every few seconds reads the
/// store at most once per [`COUNTED_FOR`].
#[derive(Clone, Copy)]
struct Counted {
    at: std::time::Instant,
    callbacks_pending: Option<usize>,
    workflows: Option<u64>,
}

/// How long the store's counts are reused by `/metrics`: Prometheus' usual scrape interval.
pub const COUNTED_FOR: std::time::Duration = std::time::Duration::from_secs(15);

/// The operations routes.
pub fn routes(store: SharedStore, index: Arc<SummaryIndex>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(Ops { store, index, counted: Arc::default() })
}

/// 200 once the summary index has caught up with the feed (the server functions answer),
/// 503 with `Retry-After` before.
async fn readyz(State(ops): State<Ops>) -> Response {
    if !ops.index.is_ready() {
        return super::not_ready();
    }
    let lag = ops.index.feed_lag(crate::clock::now_ms());
    Json(json!({"status": "ready", "workflows": ops.index.len(), "feed_lag_seconds": lag})).into_response()
}

/// 200 when the store answers and the last run (if any) did not fail; 503 otherwise. The body
/// also says how far behind the feed follower is (`feed.lag_seconds`), which does not fail the
/// check: stale answers beat none. With `?live` nothing is asked of anyone: the process serves.
async fn healthz(State(Ops { store, index, .. }): State<Ops>, RawQuery(query): RawQuery) -> Response {
    let live_only = query.is_some_and(|q| q.split('&').any(|p| p == "live" || p.starts_with("live=")));
    if live_only {
        return Json(json!({"status": "ok", "live": true})).into_response();
    }
    let workflows = store::workflow_count(&*store).await;
    let last_run = crate::runs::last(&*store).await.ok().flatten();
    let store_ok = workflows.is_ok();
    let run_ok = last_run.as_ref().is_none_or(|r| r.outcome != RunOutcome::Failed);
    let body = json!({
        "status": if store_ok && run_ok { "ok" } else { "degraded" },
        "store": match &workflows { Ok(_) => json!({"kind": store.kind(), "ok": true}), Err(e) => json!({"kind": store.kind(), "ok": false, "error": e.to_string()}) },
        "workflows": workflows.ok(),
        "feed": feed(&index),
        "last_run": last_run,
        "skipped_runs": crate::schedule::skipped().map(|(n, last)| json!({"in_a_row": n, "last": last})),
    });
    let status = if store_ok && run_ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(body)).into_response()
}

/// The follower's state: seconds behind, and since when the index holds the store as it was.
fn feed(index: &SummaryIndex) -> serde_json::Value {
    let now = crate::clock::now_ms();
    json!({
        "ready": index.is_ready(),
        "lag_seconds": index.feed_lag(now),
        "data_as_of": index.caught_up_at().map(|ms| ms / 1000),
        "pending_changes": index.lag(),
    })
}

/// The metrics, with the gauges read at scrape time (the store's counts at most once per
/// [`COUNTED_FOR`]).
async fn metrics(State(ops): State<Ops>) -> Response {
    let index = &ops.index;
    crate::metrics::gauge("stats2_index_ready", &[], f64::from(u8::from(index.is_ready())));
    crate::metrics::gauge("stats2_index_workflows", &[], index.len() as f64);
    crate::metrics::gauge("stats2_index_texts", &[], index.texts() as f64);
    crate::metrics::gauge("stats2_feed_lag", &[], index.feed_lag(crate::clock::now_ms()));
    crate::metrics::gauge("stats2_feed_pending_changes", &[], index.lag() as f64);
    let counted = counted(&ops).await;
    if let Some(pending) = counted.callbacks_pending {
        crate::metrics::gauge("stats2_callbacks_pending", &[], pending as f64);
    }
    if let Some(n) = counted.workflows {
        crate::metrics::gauge("stats2_workflows", &[], n as f64);
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], crate::metrics::render()).into_response()
}

async fn counted(ops: &Ops) -> Counted {
    let last = *ops.counted.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(c) = last.filter(|c| c.at.elapsed() < COUNTED_FOR) {
        return c;
    }
    let pending = crate::callbacks::outbox::pending(&*ops.store).await.ok().map(|p| p.len());
    let workflows = store::workflow_count(&*ops.store).await.ok();
    let fresh = Counted { at: std::time::Instant::now(), callbacks_pending: pending, workflows };
    *ops.counted.lock().unwrap_or_else(|p| p.into_inner()) = Some(fresh);
    fresh
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
