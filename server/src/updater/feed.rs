//! The feed step of a run: metadata (U33–U36, U18–U20), page by page of ReqMgr2's feed: each page's
//! documents (inline with the feed) are built and written before the next page is asked for,
//! so a run holds one page of documents at a time whatever the backlog (a first run over
//! every request since 2019, or a run after days away).
//!
//! Each page, once written, is checkpointed: the sequence after it, with its workflows on the
//! list to recalculate (`pending_recalculation`), its failures on the failed list and its
//! deletions on the deletion list, all in one settings write. A run that is stopped (or
//! killed) therefore never starts over: the next one continues after the last checkpoint and
//! recalculates what the stopped one had not. A page cut short is replayed, and replays
//! converge (writes only on real changes).

use std::collections::{BTreeSet, HashMap, HashSet};

use futures::{stream, StreamExt};
use serde_json::{Map, Value};

use super::documents::{self, DocReads};
use super::lock::RunLock;
use super::metadata::{self, MetaOutcome};
use super::settings::{self, merged, Settings};
use super::{RunContext, UpdateError};
use crate::store::DESIGN_PREFIX;

/// What the feed step did.
#[derive(Debug, Default)]
pub struct Metadata {
    /// Documents created, updated, left as they were.
    pub created: usize,
    /// See `created`.
    pub updated: usize,
    /// See `created`.
    pub unchanged: usize,
    /// Workflows whose metadata failed (fetch, build or write).
    pub failed: Vec<String>,
    /// Output datasets of the built documents (U37).
    pub outputs: BTreeSet<String>,
    /// Documents written.
    pub written: BTreeSet<String>,
    /// Workflows handled: the feed's changed ones and the failed list (U36).
    pub handled: HashSet<String>,
    /// Workflows the feed last saw changed (not deleted).
    pub in_feed: HashSet<String>,
    /// Workflows the feed last saw deleted (U35).
    pub deleted: BTreeSet<String>,
    /// The sequence after the last page.
    pub last_seq: Value,
    /// How documents were read.
    pub reads: DocReads,
}

/// Where built documents' output datasets are announced early.
pub type Early = tokio::sync::mpsc::UnboundedSender<Vec<String>>;

/// Reads the feed from the stored sequence page by page and brings each page's workflows up
/// to date, then the failed list of earlier runs (U36, without the deleted ones: X9).
/// The output datasets of every built document go to `early` before the documents are
/// written, so their DBS look-ups can start at once (see `run::prefetch`).
pub async fn run(ctx: &RunContext, lock: &RunLock, stored: &Settings, early: &Early) -> Result<Metadata, UpdateError> {
    let mut m = Metadata { last_seq: stored.last_reqmgr_sequence.clone(), ..Metadata::default() };
    ctx.progress.set_message("metadata");
    let page_size = ctx.cfg.feed_page.max(1);
    loop {
        if ctx.stop.is_requested() {
            return Err(UpdateError::Stopped);
        }
        let (page, reads) = documents::changes(&*ctx.up, &m.last_seq, page_size, m.reads).await?;
        m.reads = reads;
        let last = (page.results.len() as u64) < page_size;
        tracing::info!(since = %m.last_seq, changes = page.results.len(), "ReqMgr2 changes");
        let (names, inline) = classify(page.results, &mut m);
        handle(ctx, names, inline, &mut m, early).await;
        // A page cut short by a stop is not done: the next run reads it again.
        if ctx.stop.is_requested() {
            return Err(UpdateError::Stopped);
        }
        m.last_seq = page.last_seq;
        if !page_was_empty(&m, stored) {
            checkpoint_page(ctx, lock, stored, &m).await?;
        }
        if last {
            break;
        }
    }
    let retried: Vec<String> = stored
        .failed_workflows
        .iter()
        .filter(|n| !m.deleted.contains(*n) && !m.in_feed.contains(*n))
        .cloned()
        .collect();
    handle(ctx, retried, HashMap::new(), &mut m, early).await;
    // A workflow written earlier in the run and deleted on a later page is gone (X9).
    let deleted = &m.deleted;
    m.failed.retain(|n| !deleted.contains(n));
    m.handled.retain(|n| !deleted.contains(n));
    Ok(m)
}

fn page_was_empty(m: &Metadata, stored: &Settings) -> bool {
    m.last_seq == stored.last_reqmgr_sequence
}

/// Records a done page: the sequence after it, and what the rest of the run still owes the
/// workflows seen so far (recalculation, a retry, a deletion), merged with what earlier
/// runs left. Written again by every later page and replaced by the run's final checkpoint.
async fn checkpoint_page(ctx: &RunContext, lock: &RunLock, stored: &Settings, m: &Metadata) -> Result<(), UpdateError> {
    lock.check().await?;
    let handled: BTreeSet<&String> = m.handled.iter().filter(|n| !m.deleted.contains(*n)).collect();
    let pending = merged(&stored.pending_recalculation, handled);
    let deletions = merged(&stored.failed_deletions, &m.deleted);
    let update = settings::Update {
        last_reqmgr_sequence: Some(m.last_seq.clone()),
        failed_workflows: Some(merged(&stored.failed_workflows, &m.failed)),
        failed_deletions: Some(deletions),
        pending_recalculation: Some(pending),
        ..settings::Update::default()
    };
    settings::write(&*ctx.store, &update).await?;
    Ok(())
}

/// A page's changed workflows (newest row first counting, design documents skipped: U34,
/// X24) and their inline documents; deletions recorded, and undone by a later re-creation.
fn classify(
    rows: Vec<crate::upstream::types::ChangeRow>,
    m: &mut Metadata,
) -> (Vec<String>, HashMap<String, Map<String, Value>>) {
    let mut seen = HashSet::new();
    let mut names = Vec::new();
    let mut inline = HashMap::new();
    for row in rows.into_iter().rev() {
        if row.id.starts_with(DESIGN_PREFIX) || !seen.insert(row.id.clone()) {
            continue;
        }
        if row.deleted {
            m.in_feed.remove(&row.id);
            m.deleted.insert(row.id);
            continue;
        }
        m.deleted.remove(&row.id);
        m.in_feed.insert(row.id.clone());
        names.push(row.id.clone());
        if let Some(doc) = row.doc {
            inline.insert(row.id, doc);
        }
    }
    names.reverse();
    (names, inline)
}

impl Metadata {
    /// Counts how one document's write went.
    fn count(&mut self, name: String, r: Result<MetaOutcome, UpdateError>) {
        match r {
            Ok(MetaOutcome::Created) => self.created += 1,
            Ok(MetaOutcome::Updated) => self.updated += 1,
            Ok(MetaOutcome::Unchanged) => {
                self.unchanged += 1;
                return;
            }
            Err(e) => {
                tracing::warn!(workflow = %name, error = %e, "metadata write failed; will retry next run");
                self.failed.push(name);
                return;
            }
        }
        self.written.insert(name);
    }
}

/// The output dataset names of a ReqMgr2 or Stats2 document (nested lists flattened, U6).
fn output_names(doc: &Map<String, Value>) -> Vec<String> {
    let mut listed = Vec::new();
    app::json::flatten(doc.get("OutputDatasets").unwrap_or(&Value::Null), &mut listed);
    listed.into_iter().filter_map(|d| d.as_str().map(str::to_owned)).collect()
}

/// Fetches (or takes inline), builds and writes the documents of `names`.
async fn handle(
    ctx: &RunContext,
    names: Vec<String>,
    inline: HashMap<String, Map<String, Value>>,
    m: &mut Metadata,
    early: &Early,
) {
    if names.is_empty() {
        return;
    }
    ctx.progress.inc_length(names.len() as u64);
    // Inline documents already name their outputs: their look-ups need not wait for the
    // builds (and the Resubmission look-ups some builds make). The others' are announced
    // once built. Nobody listening (a single-workflow update) is fine.
    let _ = early.send(inline.values().flat_map(output_names).collect());
    let announced: HashSet<String> = inline.keys().cloned().collect();
    let docs = documents::fetch(&*ctx.up, &names, inline, &mut m.reads, ctx.cfg.concurrency).await;
    let built: Vec<(String, super::build::Built)> = stream::iter(docs)
        .map(|(name, doc)| async move {
            let r = super::build::build_fetched(ctx, &name, doc).await;
            ctx.progress.inc(1);
            (name, r)
        })
        .buffer_unordered(ctx.cfg.concurrency)
        .collect()
        .await;
    let mut to_write = Vec::new();
    let mut late = Vec::new();
    for (name, r) in built {
        match r {
            Ok(Some(doc)) => {
                let outputs = output_names(&doc);
                if !announced.contains(&name) {
                    late.extend(outputs.iter().cloned());
                }
                m.outputs.extend(outputs);
                to_write.push((name, doc));
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(workflow = %name, error = %e, "metadata update failed; will retry next run");
                m.failed.push(name);
            }
        }
    }
    let _ = early.send(late);
    let announce = crate::callbacks::envs(ctx.cfg.trigger_prod, ctx.cfg.trigger_dev);
    for (name, r) in metadata::write_batch(&*ctx.store, to_write, &announce).await {
        m.count(name, r);
    }
    m.handled.extend(names);
}
