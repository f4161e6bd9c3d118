//! Update runs inside the server on a schedule (`serve --update-every`), sharing the run lock
//! with the CLI and the admin button; every run, scheduled or not, is recorded in
//! [`crate::runs`].

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::callbacks::Deliverer;
use app::rows::RunOutcome;

use crate::runs::{self, RunCounts, RunRecord};
use crate::store::SharedStore;
use crate::updater::lock::LockError;
use crate::updater::run::RunSummary;
use crate::updater::{run as updater_run, RunContext, UpdateError, UpdaterConfig};
use crate::upstream::Upstream;

/// One run, recorded and measured (every replica's index announces its changes and the new
/// run record); callbacks delivered afterwards when a deliverer is given.
pub async fn run_once(
    store: &SharedStore,
    up: &Arc<dyn Upstream>,
    cfg: &UpdaterConfig,
    deliverer: Option<&Arc<Deliverer>>,
) -> RunRecord {
    let ctx = RunContext::new(store.clone(), up.clone(), cfg.clone(), indicatif::ProgressBar::hidden());
    let (rec, _) = run_recorded(&ctx).await;
    if let (Some(d), RunOutcome::Ok) = (deliverer, rec.outcome) {
        match d.deliver(store, false).await {
            Ok(r) => tracing::info!(delivered = r.delivered, failed = r.failed, "callbacks after the scheduled run"),
            Err(e) => tracing::warn!(error = %e, "callback delivery failed"),
        }
    }
    rec
}

/// Runs the updater once and records the run (unless it was skipped for the lock), so every
/// replica shows it, whichever process ran it: a scheduled run or a cron `stats2 update`.
pub async fn run_recorded(ctx: &RunContext) -> (RunRecord, Result<RunSummary, UpdateError>) {
    let start = crate::clock::now();
    let start_ms = crate::clock::now_ms();
    let result = updater_run::run(ctx).await;
    let end_ms = crate::clock::now_ms();
    let mut rec = outcome_record(start, &result);
    // A run that held the lock reports that span; one that did not keeps the whole attempt.
    let (start_ms, end_ms) = result.as_ref().map_or((start_ms, end_ms), |s| s.held_ms);
    rec.start_ms = Some(start_ms);
    rec.end_ms = Some(end_ms);
    crate::metrics::count("stats2_runs_total", &[("outcome", rec.outcome.as_str())], 1.0);
    let skipped = rec.outcome == RunOutcome::Skipped;
    note_skipped(skipped, start);
    if !skipped {
        crate::metrics::observe("stats2_run_duration_seconds", &[], rec.seconds);
        crate::metrics::gauge("stats2_last_run_timestamp_seconds", &[], start as f64);
        if let Err(e) = runs::record(&*ctx.store, &rec).await {
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

fn outcome_record(start: i64, result: &Result<RunSummary, UpdateError>) -> RunRecord {
    let seconds = (crate::clock::now() - start).max(0) as f64;
    match result {
        Ok(s) => {
            crate::metrics::count("stats2_workflows_changed_total", &[], (s.created + s.updated) as f64);
            crate::metrics::count("stats2_workflows_recalculated_total", &[], s.recalculated as f64);
            crate::metrics::gauge("stats2_last_run_upstream_requests", &[], s.requests as f64);
            let counts = RunCounts {
                created: s.created as u64,
                updated: s.updated as u64,
                deleted: s.deleted as u64,
                recalculated: s.recalculated as u64,
                failed: s.failed as u64,
                requests: s.requests,
                sequence: s.sequence.clone(),
            };
            RunRecord { counts: Some(counts), ..RunRecord::without_counts(start, s.seconds, RunOutcome::Ok, None) }
        }
        Err(UpdateError::Lock(LockError::Busy { holder, .. })) => {
            tracing::info!(holder, "run skipped: another run holds the lock");
            let why = format!("another run in progress: {holder}");
            RunRecord::without_counts(start, seconds, RunOutcome::Skipped, Some(why))
        }
        Err(e) => {
            tracing::warn!(error = %e, "update run failed");
            RunRecord::without_counts(start, seconds, RunOutcome::Failed, Some(e.to_string()))
        }
    }
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
