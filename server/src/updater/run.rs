//! One incremental run (U33–U41) and the single-workflow update (U42), under the run lock.
//! The stored sequence advances only at the end, in the same settings write as the failed
//! list, so a crash at any point replays the changes: writes happen only on real changes and
//! history entries only when different, so the replay converges to the same documents.

use std::collections::BTreeSet;
use std::fmt;
use std::time::{Duration, Instant};

use futures::{stream, StreamExt};
use serde_json::{json, Map, Value};

use super::documents::{self, DocReads};
use super::lock::RunLock;
use super::metadata::{self, MetaOutcome};
use super::phase;
use super::recalc::{self, RecalcOutcome};
use super::{settings, RunContext, UpdateError};
use crate::store::{Db, Paging, View, DESIGN_PREFIX};

/// A built document, or `None` when ReqMgr2 no longer has the workflow.
pub(super) type Built = Result<Option<Map<String, Value>>, UpdateError>;

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
    // A run taken over (it stalled past the stale time) stops where it is, like a crash:
    // its writes so far are replayed by the run that holds the lock now.
    let result = tokio::select! {
        r = run_locked(ctx, &lock) => r,
        lost = lock.lost() => Err(lost.into()),
    };
    if let Err(e) = lock.release().await {
        tracing::warn!(error = %e, "could not release the run lock; it goes stale in 60 s");
    }
    result
}

async fn run_locked(ctx: &RunContext, lock: &RunLock) -> Result<RunSummary, UpdateError> {
    let t0 = crate::now();
    let started = Instant::now();
    let requests_before = ctx.up.stats().requests;
    let stored = settings::read(&*ctx.store).await?;
    let meta = phase::run(ctx, &stored).await?;
    // U35: deletions, with those that failed before unless ReqMgr2 has the workflow again.
    let mut deleted = meta.deleted.clone();
    deleted.extend(stored.failed_deletions.iter().filter(|n| !meta.in_feed.contains(*n)).cloned());
    let (removed, failed_deletions) = delete_all(ctx, &deleted).await;
    let mut summary = RunSummary {
        created: meta.created,
        updated: meta.updated,
        unchanged: meta.unchanged,
        deleted: removed,
        ..RunSummary::default()
    };
    let mut changed_names: BTreeSet<String> = deleted.iter().cloned().collect();
    changed_names.extend(meta.written.iter().filter(|n| !deleted.contains(*n)).cloned());
    let (mut failed, mut outputs, changed_set, last_seq, reads) =
        (meta.failed, meta.outputs, meta.handled, meta.last_seq, meta.reads);

    // U37, U38: workflows sharing an output dataset, and those of datasets DBS modified.
    let since = (stored.last_dbs_update_date - 300).max(0);
    let modified = ctx.up.modified_datasets(since).await?;
    outputs.extend(modified);
    let related = workflows_of(ctx, outputs).await?;
    // U39: a transport failure of WMStats is survivable, a garbled answer is not.
    let active = match ctx.up.active_requests().await {
        Ok(names) => names,
        Err(e) if e.is_transport() => {
            tracing::warn!(error = %e, "WMStats unreachable; no active workflows this run");
            Vec::new()
        }
        Err(e) => return Err(e.into()),
    };
    let recalc_set: Vec<String> = changed_set
        .iter()
        .cloned()
        .chain(related)
        .chain(active)
        .filter(|n| !deleted.contains(n) && !n.starts_with(DESIGN_PREFIX))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    ctx.progress.set_position(0);
    ctx.progress.set_length(recalc_set.len() as u64);
    ctx.progress.set_message("history");
    let outcome: RecalcOutcome = recalc::recalculate(ctx, recalc_set).await;
    summary.recalculated = outcome.appended.len();
    changed_names.extend(outcome.appended.iter().cloned());
    for (name, e) in &outcome.failed {
        tracing::warn!(workflow = %name, error = %e, "recalculation failed; will retry next run");
        if !failed.contains(name) {
            failed.push(name.clone());
        }
    }

    // U41 as one write: the failed list (X9: earlier entries keep their place while they
    // still fail), the sequence and the run's start time.
    let mut next_failed: Vec<String> = stored.failed_workflows.iter().filter(|n| failed.contains(n)).cloned().collect();
    next_failed.extend(failed.into_iter().filter(|n| !stored.failed_workflows.contains(n)));
    // The checkpoint belongs to the lock's holder; a heartbeat may not have noticed yet.
    lock.check().await?;
    settings::write(
        &*ctx.store,
        &[
            ("failed_workflows", json!(next_failed)),
            ("failed_deletions", json!(failed_deletions)),
            ("last_reqmgr_sequence", last_seq.clone()),
            ("last_dbs_update_date", json!(t0)),
        ],
    )
    .await?;
    summary.failed = next_failed.len() + failed_deletions.len();
    summary.requests = ctx.up.stats().requests - requests_before;
    summary.peak_in_flight = ctx.up.stats().peak_in_flight;
    summary.seconds = started.elapsed().as_secs_f64();
    summary.documents = reads;
    summary.sequence = last_seq.as_str().map_or_else(|| last_seq.to_string(), str::to_owned);
    summary.changed_names = changed_names.into_iter().collect();
    Ok(summary)
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

/// Fetch and build one workflow's document; `None` when ReqMgr2 no longer has it (its
/// deletion arrives with the next changes).
/// The document to write for a fetched ReqMgr2 document (U1–U17).
pub(super) async fn build_fetched(ctx: &RunContext, name: &str, doc: documents::Fetched) -> Built {
    match doc {
        Ok(Some(request)) => Ok(Some(super::build::build(&*ctx.up, &ctx.caches, name, &request).await?)),
        Ok(None) => {
            tracing::info!(workflow = name, "not in ReqMgr2 any more");
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// Workflow ids per dataset from the `outputDatasets` view (U37, U38: page 0, size 1000).
async fn workflows_of(ctx: &RunContext, datasets: BTreeSet<String>) -> Result<BTreeSet<String>, UpdateError> {
    let pages: Vec<Result<Vec<crate::store::Row>, crate::store::StoreError>> = stream::iter(datasets)
        .map(|d| async move { ctx.store.view(View::OutputDatasets, &d, Paging { skip: 0, limit: 1000 }, false).await })
        .buffer_unordered(ctx.cfg.concurrency)
        .collect()
        .await;
    let mut out = BTreeSet::new();
    for page in pages {
        out.extend(page?.into_iter().map(|r| r.id));
    }
    Ok(out)
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
    let result = tokio::select! {
        r = work => r,
        lost = lock.lost() => Err(lost.into()),
    };
    if let Err(e) = lock.release().await {
        tracing::warn!(error = %e, "could not release the run lock; it goes stale in 60 s");
    }
    result
}
