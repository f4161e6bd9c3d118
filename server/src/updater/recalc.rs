//! Recalculation (U21–U32 over many workflows at once), as a pipeline: chunks of workflows
//! are read, looked up in DBS (batched `datasetlist` shared across chunks, one
//! `filesummaries` per dataset per run) and written in bulk, several chunks at a time, so
//! store reads and writes overlap other chunks' DBS requests. Entries are appended only when
//! different.

use std::collections::{HashMap, HashSet};

use app::model::Workflow;
use futures::{stream, StreamExt};

use super::announced::{self, Written};
use super::history::{append, distinct_datasets, entry, valid_files_only, DbsRecord};
use super::RunContext;
use crate::store::{self, Db, StoreError};

/// What a recalculation did.
#[derive(Debug, Default)]
pub struct RecalcOutcome {
    /// Workflows that got a new history entry.
    pub appended: Vec<String>,
    /// Workflows recalculated without a new entry (nothing changed, absent, no datasets).
    pub unchanged: usize,
    /// Workflows whose recalculation failed, with the reason.
    pub failed: Vec<(String, String)>,
}

/// Workflows per chunk: a chunk is read, looked up in DBS and written on its own.
const CHUNK: usize = 50;
/// Chunks under way at once: while one reads or writes the store, the others' DBS look-ups
/// keep the in-flight bound busy (a pipeline rather than phases).
const CHUNKS_IN_FLIGHT: usize = 4;

impl RecalcOutcome {
    /// Adds what another recalculation did.
    pub fn absorb(&mut self, other: RecalcOutcome) {
        self.appended.extend(other.appended);
        self.unchanged += other.unchanged;
        self.failed.extend(other.failed);
    }
}

/// Recalculates `names` (U40), each independently: one failure never stops the others.
pub async fn recalculate(ctx: &RunContext, names: Vec<String>) -> RecalcOutcome {
    // Owned chunks: a stream of borrowed slices makes the future's Send bound unprovable.
    let chunks: Vec<Vec<String>> = names.chunks(CHUNK).map(<[String]>::to_vec).collect();
    let parts: Vec<RecalcOutcome> = stream::iter(chunks)
        .map(|chunk| async move { recalculate_chunk(ctx, &chunk).await })
        .buffer_unordered(CHUNKS_IN_FLIGHT)
        .collect()
        .await;
    let mut out = RecalcOutcome::default();
    for p in parts {
        out.absorb(p);
    }
    out
}

/// One chunk: its documents, their datasets' DBS records, the entries, one bulk write.
async fn recalculate_chunk(ctx: &RunContext, names: &[String]) -> RecalcOutcome {
    let mut out = RecalcOutcome::default();
    let workflows = read(ctx, names, &mut out).await;
    let wanted: Vec<String> =
        workflows.iter().flat_map(distinct_datasets).collect::<HashSet<_>>().into_iter().collect();
    let info = dbs_records(ctx, &wanted).await;
    let now = crate::clock::now();
    let mut to_write = Vec::new();
    for mut wf in workflows {
        let datasets = distinct_datasets(&wf);
        if let Some(err) = datasets.iter().find_map(|d| info.get(d).and_then(|r| r.as_ref().err())) {
            out.failed.push((wf.id.clone(), err.clone()));
            continue;
        }
        let ok: HashMap<String, DbsRecord> =
            datasets.iter().filter_map(|d| Some((d.clone(), info.get(d)?.as_ref().ok()?.clone()))).collect();
        match entry(&wf, &ok, now) {
            Some(e) if append(&mut wf, e.clone()) => {
                wf.last_update = Some(now);
                to_write.push((wf, e));
            }
            _ => out.unchanged += 1,
        }
        ctx.progress.inc(1);
    }
    write(ctx, to_write, &mut out).await;
    out
}

/// The stored documents of `names`; U21: one not (yet) in Stats2 has nothing to recalculate.
async fn read(ctx: &RunContext, names: &[String], out: &mut RecalcOutcome) -> Vec<Workflow> {
    let docs = match ctx.store.get_many(Db::Requests, names).await {
        Ok(d) => d,
        Err(e) => {
            out.failed.extend(names.iter().map(|n| (n.clone(), e.to_string())));
            return Vec::new();
        }
    };
    let mut workflows = Vec::with_capacity(names.len());
    for (name, doc) in names.iter().zip(docs) {
        match doc.map(Workflow::from_value).transpose() {
            Ok(Some(wf)) => workflows.push(wf),
            Ok(None) => out.unchanged += 1,
            Err(e) => out.failed.push((name.clone(), e.to_string())),
        }
    }
    workflows
}

/// DBS records of `datasets`: their access types (shared `datasetlist` batches), then
/// `filesummaries` per dataset (once per run, U43). Failures are kept per dataset so only
/// the workflows that need them fail.
pub(super) async fn dbs_records(ctx: &RunContext, datasets: &[String]) -> HashMap<String, Result<DbsRecord, String>> {
    let access = ctx.caches.lists.access(&ctx.up, ctx.cfg.dataset_batch, datasets).await;
    stream::iter(access)
        .map(|(dataset, kind)| async move {
            let record = match kind {
                Err(e) => Err(e),
                Ok(None) => Ok(DbsRecord::unknown()),
                Ok(Some(kind)) => ctx
                    .caches
                    .summary(&*ctx.up, &dataset, valid_files_only(&kind))
                    .await
                    .map(|s| DbsRecord { status: kind, events: s.num_event, size: s.file_size, lumis: s.num_lumi })
                    .map_err(|e| e.to_string()),
            };
            (dataset, record)
        })
        .buffer_unordered(ctx.cfg.concurrency * 2)
        .collect()
        .await
}

/// Bulk-writes the workflows with a new entry; a conflicting one is re-read and the same
/// entry re-applied (X7).
async fn write(ctx: &RunContext, docs: Vec<(Workflow, app::model::HistoryEntry)>, out: &mut RecalcOutcome) {
    let announce = crate::callbacks::envs(ctx.cfg.trigger_prod, ctx.cfg.trigger_dev);
    // One bulk write: a recalculation chunk is small enough for one request.
    let items = docs.iter().map(|item| (item.0.id.clone(), item.0.to_value(), item)).collect();
    for ((wf, e), written) in announced::write(&*ctx.store, &announce, items).await {
        let result = match written {
            Written::Done => Ok(true),
            Written::Conflict => reapply(ctx, &wf.id, e).await,
            Written::Failed(err) => Err(err),
        };
        match result {
            Ok(true) => out.appended.push(wf.id.clone()),
            Ok(false) => out.unchanged += 1,
            Err(err) => out.failed.push((wf.id.clone(), err.to_string())),
        }
    }
}

async fn reapply(ctx: &RunContext, name: &str, e: &app::model::HistoryEntry) -> Result<bool, StoreError> {
    let written = store::update(&*ctx.store, Db::Requests, name, |cur| {
        let mut wf = Workflow::from_value(cur?).ok()?;
        append(&mut wf, e.clone()).then(|| {
            wf.last_update = e.time;
            wf.to_value()
        })
    })
    .await?;
    Ok(written.is_some())
}
