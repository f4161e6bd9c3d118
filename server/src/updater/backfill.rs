//! `stats2 db backfill-lumis` (U44–U46): the original kept this one-off schema update as a
//! script; here it is a command. ReReco workflows (and Resubmissions of ReReco requests) get
//! the lumisection fields the updater keeps in lumi mode: TotalInputLumis and LumiList from
//! ReqMgr2, and a Lumis count on every record of their newest history entry (older records get
//! 0 where they have none). Safe to interrupt and rerun: each document is rewritten from what
//! ReqMgr2 and DBS say now, in one write of its own, so a rerun gives what one clean run gives
//! and writes nothing that is already right.

use std::collections::HashMap;

use anyhow::Context;
use app::model::Workflow;
use futures::{stream, StreamExt};
use serde_json::{Map, Value};

use super::build::{build, RunCaches};
use crate::store::{self, Db, Paging, SharedStore, View};
use crate::upstream::Upstream;

/// What a backfill did (its summary line).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackfillSummary {
    /// Workflows selected (U44).
    pub selected: usize,
    /// Documents rewritten (or that would be, with `--dry-run`).
    pub changed: usize,
    /// Already right: nothing to write.
    pub unchanged: usize,
    /// Not in lumi mode, empty history, or no longer in ReqMgr2: left alone (U45).
    pub skipped: usize,
    /// Failed (upstream or store errors); a rerun retries them.
    pub failed: usize,
}

impl std::fmt::Display for BackfillSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "selected={}, changed={}, unchanged={}, skipped={}, failed={}",
            self.selected, self.changed, self.unchanged, self.skipped, self.failed
        )
    }
}

/// U44's selection on a stored document: ReReco, or a Resubmission whose PrepID starts with
/// "ReReco".
pub fn selected(doc: &Value) -> bool {
    match doc.get("RequestType").and_then(Value::as_str) {
        Some("ReReco") => true,
        Some("Resubmission") => doc.get("PrepID").and_then(Value::as_str).is_some_and(|p| p.starts_with("ReReco")),
        _ => false,
    }
}

/// U45–U46 on one stored document: `rebuilt` is what the updater builds from ReqMgr2 now
/// (U1–U17), `lumis` the `num_lumi` of each dataset of the newest entry. `None` when the rule
/// does not apply (not in lumi mode, or no history).
pub fn rewrite(stored: &Value, rebuilt: &Map<String, Value>, lumis: &HashMap<String, i64>) -> Option<Value> {
    if !applies(stored, rebuilt) {
        return None;
    }
    let mut doc = stored.as_object()?.clone();
    let history = doc.get("EventNumberHistory").and_then(Value::as_array)?.clone();
    for key in ["TotalInputLumis", "LumiList"] {
        doc.insert(key.into(), rebuilt.get(key).cloned().unwrap_or(Value::Null));
    }
    let mut entries = history;
    // Ascending by Time; the sort is stable, so entries with equal times keep their order.
    entries.sort_by_key(|e| e.get("Time").and_then(Value::as_i64).unwrap_or(0));
    let newest = entries.len() - 1;
    for (i, entry) in entries.iter_mut().enumerate() {
        let Some(datasets) = entry.get_mut("Datasets").and_then(Value::as_object_mut) else { continue };
        for (name, record) in datasets.iter_mut() {
            let Some(record) = record.as_object_mut() else { continue };
            if i == newest {
                record.insert("Lumis".into(), Value::from(lumis.get(name).copied().unwrap_or(0)));
            } else if !record.contains_key("Lumis") {
                record.insert("Lumis".into(), Value::from(0));
            }
        }
    }
    doc.insert("EventNumberHistory".into(), Value::Array(entries));
    Some(Value::Object(doc))
}

/// U45's condition: the stored document has a history, and the rebuilt one is in lumi mode.
fn applies(stored: &Value, rebuilt: &Map<String, Value>) -> bool {
    let history = stored.get("EventNumberHistory").and_then(Value::as_array);
    history.is_some_and(|h| !h.is_empty())
        && Workflow::from_value(Value::Object(rebuilt.clone())).is_ok_and(|wf| wf.lumi_mode())
}

/// The datasets of the newest history entry of a stored document.
fn newest_datasets(doc: &Value) -> Vec<String> {
    let history = doc.get("EventNumberHistory").and_then(Value::as_array);
    let newest = history.and_then(|h| h.iter().max_by_key(|e| e.get("Time").and_then(Value::as_i64).unwrap_or(0)));
    newest
        .and_then(|e| e.get("Datasets"))
        .and_then(Value::as_object)
        .map(|d| d.keys().cloned().collect())
        .unwrap_or_default()
}

/// Ids of the selected workflows, from the `types` view (never a scan of every document).
async fn selection(store: &SharedStore) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::new();
    for kind in ["ReReco", "Resubmission"] {
        let mut skip = 0;
        loop {
            let rows = store
                .view(View::Types, kind, Paging { skip, limit: 1000 }, kind == "Resubmission")
                .await
                .with_context(|| format!("listing {kind} workflows"))?;
            let n = rows.len() as u64;
            ids.extend(rows.into_iter().filter(|r| r.doc.as_ref().is_none_or(selected)).map(|r| r.id));
            if n < 1000 {
                break;
            }
            skip += n;
        }
    }
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// What happened to one workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Changed,
    Unchanged,
    Skipped,
    Failed,
}

/// Runs the back-fill: the selection in chunks, each chunk's ReqMgr2 documents read in
/// batches, then every workflow on its own, at most `concurrency` upstream calls at once.
/// With `dry_run` nothing is written; the summary says what would change.
pub async fn run(
    store: &SharedStore,
    up: &dyn Upstream,
    concurrency: usize,
    dry_run: bool,
    progress: &indicatif::ProgressBar,
) -> anyhow::Result<BackfillSummary> {
    let ids = selection(store).await?;
    progress.set_length(ids.len() as u64);
    let mut summary = BackfillSummary { selected: ids.len(), ..BackfillSummary::default() };
    let caches = RunCaches::default();
    let mut reads = super::documents::DocReads::Batched;
    for chunk in ids.chunks(200) {
        let fetched = super::documents::fetch(up, chunk, HashMap::new(), &mut reads, concurrency).await;
        let steps: Vec<Step> = stream::iter(fetched)
            .map(|(name, request)| {
                let caches = &caches;
                async move {
                    let step = one(store, up, caches, &name, request, dry_run).await;
                    progress.inc(1);
                    step
                }
            })
            .buffer_unordered(concurrency.max(1))
            .collect()
            .await;
        for step in steps {
            let n = match step {
                Step::Changed => &mut summary.changed,
                Step::Unchanged => &mut summary.unchanged,
                Step::Skipped => &mut summary.skipped,
                Step::Failed => &mut summary.failed,
            };
            *n += 1;
        }
    }
    Ok(summary)
}

/// One workflow: rebuild from ReqMgr2, count the newest entry's lumisections, rewrite.
async fn one(
    store: &SharedStore,
    up: &dyn Upstream,
    caches: &RunCaches,
    name: &str,
    request: super::documents::Fetched,
    dry_run: bool,
) -> Step {
    let result = async {
        let Some(request) = request? else { return Ok(Step::Skipped) };
        let rebuilt = build(up, caches, name, &request).await?;
        let Some(stored) = store.get(Db::Requests, name).await? else { return Ok(Step::Skipped) };
        if !applies(&stored, &rebuilt) {
            return Ok(Step::Skipped);
        }
        let mut lumis = HashMap::new();
        for dataset in newest_datasets(&stored) {
            let summary = caches.summary(up, &dataset, false).await?;
            lumis.insert(dataset, summary.num_lumi);
        }
        if dry_run {
            let changed = rewrite(&stored, &rebuilt, &lumis).is_some_and(|new| new != stored);
            return Ok(if changed { Step::Changed } else { Step::Unchanged });
        }
        // Re-applied to what is stored at write time (an update run may have written since).
        let written = store::update(&**store, Db::Requests, name, |current| {
            let current = current?;
            rewrite(&current, &rebuilt, &lumis).filter(|new| *new != current)
        })
        .await?;
        Ok::<_, anyhow::Error>(if written.is_some() { Step::Changed } else { Step::Unchanged })
    };
    match result.await {
        Ok(step) => step,
        Err(e) => {
            tracing::warn!(workflow = name, error = %e, "back-fill failed; a rerun retries it");
            Step::Failed
        }
    }
}

#[cfg(test)]
mod tests;
