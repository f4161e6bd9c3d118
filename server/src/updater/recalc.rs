//! Recalculation (U21–U32 over many workflows at once): one batched DBS `datasetlist` per
//! chunk of distinct datasets across all workflows, one `filesummaries` per dataset per run,
//! entries appended only when different, documents written in bulk.

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

/// Recalculates `names` (U40), each independently: one failure never stops the others.
pub async fn recalculate(ctx: &RunContext, names: Vec<String>) -> RecalcOutcome {
    let mut out = RecalcOutcome::default();
    let mut workflows = Vec::new();
    for chunk in names.chunks(200) {
        let docs = match ctx.store.get_many(Db::Requests, chunk).await {
            Ok(d) => d,
            Err(e) => {
                out.failed.extend(chunk.iter().map(|n| (n.clone(), e.to_string())));
                continue;
            }
        };
        for (name, doc) in chunk.iter().zip(docs) {
            match doc.map(Workflow::from_value).transpose() {
                Ok(Some(wf)) => workflows.push(wf),
                // U21: a workflow not (yet) in Stats2 has nothing to recalculate.
                Ok(None) => out.unchanged += 1,
                Err(e) => out.failed.push((name.clone(), e.to_string())),
            }
        }
    }
    let wanted: Vec<String> =
        workflows.iter().flat_map(distinct_datasets).collect::<HashSet<_>>().into_iter().collect();
    let info = dbs_records(ctx, wanted).await;
    let now = crate::now();
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

/// One `datasetlist` chunk and what DBS answered for it.
type Listed = (Vec<String>, Result<Vec<crate::upstream::DatasetInfo>, String>);

/// DBS records of `datasets`: batched `datasetlist`, then `filesummaries` per dataset.
/// Failures are kept per dataset so only the workflows that need them fail.
async fn dbs_records(ctx: &RunContext, datasets: Vec<String>) -> HashMap<String, Result<DbsRecord, String>> {
    let batch = ctx.cfg.dataset_batch.max(1);
    let chunks: Vec<Vec<String>> = datasets.chunks(batch).map(<[String]>::to_vec).collect();
    let listed: Vec<Listed> = stream::iter(chunks)
        .map(|chunk| async move {
            let r = ctx.up.dataset_list(&chunk).await.map_err(|e| e.to_string());
            (chunk, r)
        })
        .buffer_unordered(ctx.cfg.concurrency)
        .collect()
        .await;
    let mut access: HashMap<String, Result<Option<String>, String>> = HashMap::new();
    for (chunk, result) in listed {
        match result {
            Ok(infos) => {
                let pending: HashSet<&String> = chunk.iter().collect();
                for d in &chunk {
                    access.insert(d.clone(), Ok(None));
                }
                for i in infos {
                    if pending.contains(&i.dataset) {
                        access.insert(i.dataset, Ok(Some(i.dataset_access_type)));
                    } else {
                        tracing::warn!(dataset = %i.dataset, "DBS answered a dataset that was not asked for; ignored");
                    }
                }
            }
            Err(e) => access.extend(chunk.into_iter().map(|d| (d, Err(e.clone())))),
        }
    }
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
    for chunk in docs.chunks(200) {
        let items = chunk.iter().map(|item| (item.0.id.clone(), item.0.to_value(), item)).collect();
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
