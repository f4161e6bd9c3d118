//! Update runs inside the server on a schedule (`serve --update-every`), sharing the run lock
//! with the CLI and the admin button, and the record of recent runs (start, duration, counts,
//! failures, sequence) shown by the dashboard and `/healthz`.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::callbacks::Deliverer;
use crate::store::{self, Db, SharedStore, Store, StoreError};
use crate::updater::lock::LockError;
use crate::updater::run::RunSummary;
use crate::updater::{run, RunContext, UpdateError, UpdaterConfig};
use crate::upstream::Upstream;

/// Document in the project's own database holding the recent runs, newest last.
pub const RUNS_ID: &str = "run_history";
/// Runs kept.
pub const KEEP: usize = 20;

/// Appends a run record, keeping the last [`KEEP`].
pub async fn record(store: &dyn Store, rec: Value) -> Result<(), StoreError> {
    store::update(store, Db::Stats2, RUNS_ID, move |cur| {
        let mut doc = cur.unwrap_or_else(|| json!({"_id": RUNS_ID, "runs": []}));
        let runs = doc["runs"].as_array_mut()?;
        runs.push(rec.clone());
        let extra = runs.len().saturating_sub(KEEP);
        runs.drain(..extra);
        Some(doc)
    })
    .await
    .map(|_| ())
}

/// The recent runs, oldest first.
pub async fn recent(store: &dyn Store) -> Result<Vec<Value>, StoreError> {
    Ok(store
        .get(Db::Stats2, RUNS_ID)
        .await?
        .and_then(|d| d.get("runs").and_then(Value::as_array).cloned())
        .unwrap_or_default())
}

/// One run, recorded and measured (every replica's index announces its changes and the new
/// run record); callbacks delivered afterwards when a deliverer is given.
pub async fn run_once(
    store: &SharedStore,
    up: &Arc<dyn Upstream>,
    cfg: &UpdaterConfig,
    deliverer: Option<&Arc<Deliverer>>,
) -> Value {
    let ctx = RunContext::new(store.clone(), up.clone(), cfg.clone(), indicatif::ProgressBar::hidden());
    let (rec, _) = run_recorded(&ctx).await;
    if let (Some(d), Some("ok")) = (deliverer, rec["outcome"].as_str()) {
        match d.deliver(store, false).await {
            Ok(r) => tracing::info!(delivered = r.delivered, failed = r.failed, "callbacks after the scheduled run"),
            Err(e) => tracing::warn!(error = %e, "callback delivery failed"),
        }
    }
    rec
}

/// Runs the updater once and records the run (unless it was skipped for the lock), so every
/// replica shows it, whichever process ran it: a scheduled run or a cron `stats2 update`.
pub async fn run_recorded(ctx: &RunContext) -> (Value, Result<RunSummary, UpdateError>) {
    let start = crate::now();
    let start_ms = now_ms();
    let result = run::run(ctx).await;
    // Right after the run, before any bookkeeping: the span is what held the lock.
    let end_ms = now_ms();
    let mut rec = outcome_record(start, &result);
    rec["start_ms"] = json!(start_ms);
    rec["end_ms"] = json!(end_ms);
    let outcome = rec["outcome"].as_str().unwrap_or("failed").to_owned();
    crate::metrics::count("stats2_runs_total", &[("outcome", &outcome)], 1.0);
    note_skipped(outcome == "skipped", start);
    if outcome != "skipped" {
        crate::metrics::observe("stats2_run_duration_seconds", &[], rec["seconds"].as_f64().unwrap_or(0.0));
        crate::metrics::gauge("stats2_last_run_timestamp_seconds", &[], start as f64);
        if let Err(e) = record(&*ctx.store, rec.clone()).await {
            tracing::warn!(error = %e, "could not record the run");
        }
    }
    (rec, result)
}

/// Runs of this process skipped in a row because another held the lock, and when the last
/// was. Not stored with the runs (every replica's scheduler would flood that list); shown by
/// `/healthz` and `/metrics`, so a lock that never comes free is seen, not silent.
static SKIPPED_IN_A_ROW: AtomicU64 = AtomicU64::new(0);
static LAST_SKIPPED: AtomicI64 = AtomicI64::new(0);

fn note_skipped(skipped: bool, start: i64) {
    let n = if skipped {
        LAST_SKIPPED.store(start, Ordering::Relaxed);
        SKIPPED_IN_A_ROW.fetch_add(1, Ordering::Relaxed) + 1
    } else {
        SKIPPED_IN_A_ROW.store(0, Ordering::Relaxed);
        0
    };
    crate::metrics::gauge("stats2_runs_skipped_in_a_row", &[], n as f64);
}

/// This process's skipped runs: how many in a row, and when the last was (Unix seconds).
pub fn skipped() -> Option<(u64, i64)> {
    let n = SKIPPED_IN_A_ROW.load(Ordering::Relaxed);
    (n > 0).then(|| (n, LAST_SKIPPED.load(Ordering::Relaxed)))
}

fn outcome_record(start: i64, result: &Result<RunSummary, UpdateError>) -> Value {
    let seconds = (crate::now() - start).max(0) as f64;
    match result {
        Ok(s) => {
            crate::metrics::count("stats2_workflows_changed_total", &[], (s.created + s.updated) as f64);
            crate::metrics::count("stats2_workflows_recalculated_total", &[], s.recalculated as f64);
            crate::metrics::gauge("stats2_last_run_upstream_requests", &[], s.requests as f64);
            json!({"start": start, "seconds": s.seconds, "outcome": "ok", "created": s.created, "updated": s.updated,
                   "deleted": s.deleted, "recalculated": s.recalculated, "failed": s.failed, "requests": s.requests,
                   "sequence": s.sequence})
        }
        Err(UpdateError::Lock(LockError::Busy { holder, .. })) => {
            tracing::info!(holder, "run skipped: another run holds the lock");
            json!({"start": start, "seconds": seconds, "outcome": "skipped", "error": format!("another run in progress: {holder}")})
        }
        Err(e) => {
            tracing::warn!(error = %e, "update run failed");
            json!({"start": start, "seconds": seconds, "outcome": "failed", "error": e.to_string()})
        }
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// A scheduler: a run every `every` until `stop` turns true; a run in progress is finished
/// (its work is kept and its sequence checkpointed) before the task ends.
pub fn spawn(
    store: SharedStore,
    up: Arc<dyn Upstream>,
    cfg: UpdaterConfig,
    every: Duration,
    deliverer: Option<Arc<Deliverer>>,
    mut stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stop.changed() => break,
            }
            if *stop.borrow() {
                break;
            }
            run_once(&store, &up, &cfg, deliverer.as_ref()).await;
        }
        tracing::info!("scheduler stopped");
    })
}
