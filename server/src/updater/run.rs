//! One incremental run (U33–U41) and the single-workflow update (U42), under the run lock.
//! The stored sequence advances page by page of the feed (`feed`), each time with what the
//! rest of the run owes those pages' workflows, and at the end with the failed list; a crash
//! or a stop at any point replays at most one page: writes happen only on real changes and
//! history entries only when different, so the replay converges to the same documents.

use std::collections::BTreeSet;
use std::fmt;
use std::future::Future;
use std::time::{Duration, Instant};

use futures::{stream, StreamExt};
use serde_json::Value;

use super::documents::DocReads;
use super::feed;
use super::lock::RunLock;
use super::metadata::{self, MetaOutcome};
use super::recalc::{self, RecalcOutcome};
use super::{settings, RunContext, UpdateError};
use crate::store::{Db, View, DESIGN_PREFIX};

/// What a run did (the summary line).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunSummary {
    /// Documents created.
    pub created: usize,
    /// Documents whose metadata changed.
    pub updated: usize,
    /// Changed in ReqMgr2 but identical in Stats2 (not written, X6).
    pub unchanged: usize,
    /// Documents deleted.
    pub deleted: usize,
    /// Workflows that got a new history entry.
    pub recalculated: usize,
    /// Workflows on the failed list after the run.
    pub failed: usize,
    /// Upstream requests made.
    pub requests: u64,
    /// Most upstream requests in flight at once (since the client was made).
    pub peak_in_flight: usize,
    /// Wall time.
    pub seconds: f64,
    /// The sequence stored for the next run.
    pub sequence: String,
    /// How ReqMgr2 documents were read.
    pub documents: DocReads,
    /// Workflows whose document changed (metadata, new history entry, deletion), for live
    /// dashboards.
    pub changed_names: Vec<String>,
    /// Milliseconds since the epoch from the lock taken to just before its release: the span
    /// no other run can overlap (the caller's own clock readings also cover the lock's
    /// round trips, during which another run may still be finishing or already starting).
    pub held_ms: (i64, i64),
}

impl fmt::Display for RunSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "changed={} (created={}, updated={}), unchanged={}, deleted={}, recalculated={}, failed={}, requests={}, peak_in_flight={}, seconds={:.1}, documents={}",
            self.created + self.updated,
            self.created,
            self.updated,
            self.unchanged,
            self.deleted,
            self.recalculated,
            self.failed,
            self.requests,
            self.peak_in_flight,
            self.seconds,
            self.documents
        )
    }
}

/// A full incremental run; fails at once when another run holds the lock (docs/decisions.md "Run lock").
pub async fn run(ctx: &RunContext) -> Result<RunSummary, UpdateError> {
    let lock = RunLock::acquire(ctx.store.clone(), "update run", Duration::ZERO, ctx.cfg.lock_stale).await?;
    let taken_ms = crate::clock::now_ms();
    // A stop lets the work in flight finish its page within the grace time; then the run is
    // dropped where it is (as a crash would be) and the lock released, so the next run need
    // not wait for it to go stale.
    let result = tokio::select! {
        r = until_lost(&lock, run_locked(ctx, &lock)) => r,
        () = ctx.stop.after(super::STOP_GRACE) => Err(UpdateError::Stopped),
    };
    let held_ms = (taken_ms, crate::clock::now_ms());
    release(lock).await;
    result.map(|summary| RunSummary { held_ms, ..summary })
}

/// `work`'s result, or the lock's loss: a holder whose lock was taken over (it stalled past
/// the stale time) stops where it is, like a crash, and the run that holds the lock now
/// replays its writes.
async fn until_lost<T>(lock: &RunLock, work: impl Future<Output = Result<T, UpdateError>>) -> Result<T, UpdateError> {
    tokio::select! {
        r = work => r,
        lost = lock.lost() => Err(lost.into()),
    }
}

async fn release(lock: RunLock) {
    if let Err(e) = lock.release().await {
        tracing::warn!(error = %e, "could not release the run lock; it goes stale in 60 s");
    }
}

/// What the changes since the last run did: metadata written (U36) and deletions (U35).
struct Collected {
    meta: feed::Metadata,
    /// Deleted in ReqMgr2 this run, plus deletions that failed before.
    deleted: BTreeSet<String>,
    /// Documents actually removed.
    removed: usize,
    /// Deletions that failed again (kept in the settings for the next run).
    failed_deletions: Vec<String>,
}

/// The run as a pipeline: the DBS look-ups of each built document start while the documents
/// are written and the rest of the recalculation set is gathered.
async fn run_locked(ctx: &RunContext, lock: &RunLock) -> Result<RunSummary, UpdateError> {
    let (early, heard) = tokio::sync::mpsc::unbounded_channel();
    let (summary, ()) = tokio::join!(run_steps(ctx, lock, early), prefetch(ctx, heard));
    summary
}

/// DBS look-ups of the datasets `heard` names, as they come; the answers wait in the run's
/// caches (U43) for the recalculation, which finds them there or in flight.
async fn prefetch(ctx: &RunContext, heard: tokio::sync::mpsc::UnboundedReceiver<Vec<String>>) {
    let pages = stream::unfold(heard, |mut rx| async move { rx.recv().await.map(|d| (d, rx)) });
    pages
        .for_each_concurrent(None, |datasets| async move {
            recalc::dbs_records(ctx, &datasets).await;
        })
        .await;
}

async fn run_steps(ctx: &RunContext, lock: &RunLock, early: feed::Early) -> Result<RunSummary, UpdateError> {
    let t0 = crate::clock::now();
    let started = Instant::now();
    let requests_before = ctx.up.stats().requests;
    let stored = settings::read(&*ctx.store).await?;
    // U38 and U39 depend only on the stored settings: asked while the feed is worked through,
    // so their answers do not wait for the metadata writes (or these for them).
    let since = (stored.last_dbs_update_date - 300).max(0);
    let (c, modified, active) =
        tokio::join!(collect_changes(ctx, lock, &stored, early), ctx.up.modified_datasets(since), active_requests(ctx));
    let c = c?;
    let outcome = recalculate_all(ctx, &c, &stored, modified?, active?).await?;
    // Recalculations a stop cut short are owed by the next run (the pending list); the
    // final checkpoint would mark them done.
    if ctx.stop.is_requested() {
        return Err(UpdateError::Stopped);
    }
    let mut failed = c.meta.failed.clone();
    for (name, _) in &outcome.failed {
        if !failed.contains(name) {
            failed.push(name.clone());
        }
    }
    let still_failed = checkpoint(ctx, lock, &stored, failed, &c, t0).await?;
    let mut changed_names: BTreeSet<String> = c.deleted.clone();
    changed_names.extend(c.meta.written.iter().filter(|n| !c.deleted.contains(*n)).cloned());
    changed_names.extend(outcome.appended.iter().cloned());
    let last_seq = &c.meta.last_seq;
    Ok(RunSummary {
        created: c.meta.created,
        updated: c.meta.updated,
        unchanged: c.meta.unchanged,
        deleted: c.removed,
        recalculated: outcome.appended.len(),
        failed: still_failed,
        requests: ctx.up.stats().requests - requests_before,
        peak_in_flight: ctx.up.stats().peak_in_flight,
        seconds: started.elapsed().as_secs_f64(),
        sequence: last_seq.as_str().map_or_else(|| last_seq.to_string(), str::to_owned),
        documents: c.meta.reads,
        changed_names: changed_names.into_iter().collect(),
        held_ms: (0, 0),
    })
}

/// The feed since the stored sequence, each page's workflows brought up to date, then the
/// deletions: those of this run and those that failed before, unless ReqMgr2 has the
/// workflow again (U35).
async fn collect_changes(
    ctx: &RunContext,
    lock: &RunLock,
    stored: &settings::Settings,
    early: feed::Early,
) -> Result<Collected, UpdateError> {
    // `early` is dropped with this step: the prefetch ends once it has heard every page.
    let meta = feed::run(ctx, lock, stored, &early).await?;
    let mut deleted = meta.deleted.clone();
    deleted.extend(stored.failed_deletions.iter().filter(|n| !meta.in_feed.contains(*n)).cloned());
    let (removed, failed_deletions) = delete_all(ctx, &deleted).await;
    Ok(Collected { meta, deleted, removed, failed_deletions })
}

/// U37–U40: recalculates the changed workflows (this run's and those a stopped run left
/// pending), the active ones, and those sharing an output dataset with a changed one or
/// with a dataset DBS modified since the last run (minus 5 minutes). The store's view
/// look-up of the sharing ones runs while the others are recalculated; those it adds follow.
async fn recalculate_all(
    ctx: &RunContext,
    c: &Collected,
    stored: &settings::Settings,
    modified: Vec<String>,
    active: Vec<String>,
) -> Result<RecalcOutcome, UpdateError> {
    let keep = |n: &String| !c.deleted.contains(n) && !n.starts_with(DESIGN_PREFIX);
    let pending = stored.pending_recalculation.iter().filter(|n| !c.meta.handled.contains(*n)).cloned();
    let pending: Vec<String> = pending.filter(keep).collect();
    let known: BTreeSet<String> =
        c.meta.handled.iter().cloned().chain(active).chain(pending.iter().cloned()).filter(keep).collect();
    let mut outputs = c.meta.outputs.clone();
    outputs.extend(modified);
    outputs.extend(stored_outputs(ctx, &pending).await?);
    ctx.progress.set_position(0);
    ctx.progress.set_length(known.len() as u64);
    ctx.progress.set_message("history");
    let (related, mut outcome) =
        tokio::join!(workflows_of(ctx, outputs), recalc::recalculate(ctx, known.iter().cloned().collect()));
    let extra: Vec<String> = related?.into_iter().filter(|n| keep(n) && !known.contains(n)).collect();
    ctx.progress.inc_length(extra.len() as u64);
    outcome.absorb(recalc::recalculate(ctx, extra).await);
    for (name, e) in &outcome.failed {
        tracing::warn!(workflow = %name, error = %e, "recalculation failed; will retry next run");
    }
    Ok(outcome)
}

/// The output datasets of stored documents (workflows a stopped run left to recalculate: the
/// workflows sharing their outputs are owed a recalculation too, U37).
async fn stored_outputs(ctx: &RunContext, names: &[String]) -> Result<Vec<String>, UpdateError> {
    let mut out = Vec::new();
    for chunk in names.chunks(100) {
        for doc in ctx.store.get_many(Db::Requests, chunk).await?.into_iter().flatten() {
            let mut listed = Vec::new();
            app::json::flatten(doc.get("OutputDatasets").unwrap_or(&Value::Null), &mut listed);
            out.extend(listed.into_iter().filter_map(|d| d.as_str().map(str::to_owned)));
        }
    }
    Ok(out)
}

/// U39: WMStats' active workflows. A transport failure is survivable (none this run); a
/// garbled answer is not.
async fn active_requests(ctx: &RunContext) -> Result<Vec<String>, UpdateError> {
    match ctx.up.active_requests().await {
        Ok(names) => Ok(names),
        Err(e) if e.is_transport() => {
            tracing::warn!(error = %e, "WMStats unreachable; no active workflows this run");
            Ok(Vec::new())
        }
        Err(e) => Err(e.into()),
    }
}

/// U41 as one write: the failed list (X9: earlier entries keep their place while they still
/// fail), failed deletions, the sequence and the run's start time. Returns how many
/// workflows stay failed.
async fn checkpoint(
    ctx: &RunContext,
    lock: &RunLock,
    stored: &settings::Settings,
    failed: Vec<String>,
    c: &Collected,
    t0: i64,
) -> Result<usize, UpdateError> {
    let mut next_failed: Vec<String> = stored.failed_workflows.iter().filter(|n| failed.contains(n)).cloned().collect();
    next_failed.extend(failed.into_iter().filter(|n| !stored.failed_workflows.contains(n)));
    // The checkpoint belongs to the lock's holder; a heartbeat may not have noticed yet.
    lock.check().await?;
    let update = settings::Update {
        failed_workflows: Some(next_failed.clone()),
        failed_deletions: Some(c.failed_deletions.clone()),
        last_reqmgr_sequence: Some(c.meta.last_seq.clone()),
        last_dbs_update_date: Some(t0),
        // Recalculated now, or on the failed list.
        pending_recalculation: Some(Vec::new()),
    };
    settings::write(&*ctx.store, &update).await?;
    Ok(next_failed.len() + c.failed_deletions.len())
}

/// U35: deletes the documents of deleted workflows; returns how many went and the names
/// whose deletion failed (kept in the settings and retried next run, never fatal).
async fn delete_all(ctx: &RunContext, names: &BTreeSet<String>) -> (usize, Vec<String>) {
    let results: Vec<(String, Result<bool, crate::store::StoreError>)> = stream::iter(names.iter().cloned())
        .map(|name| async move {
            let r = delete_one(ctx, &name).await;
            (name, r)
        })
        .buffer_unordered(ctx.cfg.concurrency)
        .collect()
        .await;
    let mut deleted = 0;
    let mut failed = Vec::new();
    for (name, result) in results {
        match result {
            Ok(true) => deleted += 1,
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(workflow = %name, error = %e, "could not delete; will retry next run");
                failed.push(name);
            }
        }
    }
    failed.sort();
    (deleted, failed)
}

/// Deletes one document, re-reading it when it changed under us; `false` when it is gone.
async fn delete_one(ctx: &RunContext, name: &str) -> Result<bool, crate::store::StoreError> {
    use crate::store::StoreError;
    for _ in 0..3 {
        let Some(doc) = ctx.store.get(Db::Requests, name).await? else { return Ok(false) };
        let rev = doc.get("_rev").and_then(Value::as_str).unwrap_or_default();
        match ctx.store.delete(Db::Requests, name, rev).await {
            Ok(_) => return Ok(true),
            Err(StoreError::NotFound(_)) => return Ok(false),
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(StoreError::Conflict)
}

/// Workflows with any of `datasets` among their outputs (U37, U38), from the
/// `outputDatasets` view in one multi-key request per few hundred datasets. The original
/// asked dataset by dataset and kept the first 1,000 workflows of each; all of them count.
async fn workflows_of(ctx: &RunContext, datasets: BTreeSet<String>) -> Result<BTreeSet<String>, UpdateError> {
    let keys: Vec<String> = datasets.into_iter().collect();
    Ok(ctx.store.view_ids(View::OutputDatasets, &keys).await?.into_iter().collect())
}

/// U42: one workflow, waiting for a running update up to the configured time; no failed-list
/// or settings changes, errors to the caller.
pub async fn update_one(ctx: &RunContext, name: &str) -> Result<(MetaOutcome, bool), UpdateError> {
    let lock = RunLock::acquire(ctx.store.clone(), &format!("update of {name}"), ctx.cfg.lock_wait, ctx.cfg.lock_stale)
        .await?;
    let work = async {
        let new = metadata::fetch(&*ctx.up, &ctx.caches, name).await?;
        let announce = crate::callbacks::envs(ctx.cfg.trigger_prod, ctx.cfg.trigger_dev);
        let (_, outcome) = metadata::write_batch(&*ctx.store, vec![(name.to_owned(), new)], &announce)
            .await
            .pop()
            .ok_or_else(|| UpdateError::Invalid(format!("nothing written for {name}")))?;
        let outcome = outcome?;
        // U42: the history is recalculated without callbacks.
        let quiet =
            RunContext::new(ctx.store.clone(), ctx.up.clone(), ctx.cfg.without_callbacks(), ctx.progress.clone());
        let recalc = recalc::recalculate(&quiet, vec![name.to_owned()]).await;
        if let Some((_, e)) = recalc.failed.first() {
            return Err(UpdateError::Invalid(format!("recalculating {name}: {e}")));
        }
        Ok((outcome, !recalc.appended.is_empty()))
    };
    let result = until_lost(&lock, work).await;
    release(lock).await;
    result
}
