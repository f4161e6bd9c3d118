//! The record of recent update runs, kept in the project's own database so every replica
//! shows the same last run whichever process ran it (a replica's scheduler or a cron
//! `stats2 update`), and so the feed announces a finished run to every replica.

use app::rows::{RunInfo, RunOutcome};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::store::{self, Db, Store, StoreError};

/// Document in the project's own database holding the recent runs, newest last.
pub const RUNS_ID: &str = "run_history";
/// Runs kept.
pub const KEEP: usize = 20;

/// One update run as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Unix seconds of its start.
    #[serde(default)]
    pub start: i64,
    /// Wall time in seconds.
    #[serde(default)]
    pub seconds: f64,
    /// How it ended.
    pub outcome: RunOutcome,
    /// Why it failed or was skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What a finished run did (absent for failed and skipped runs).
    #[serde(default, flatten, skip_serializing_if = "Option::is_none")]
    pub counts: Option<RunCounts>,
    /// Milliseconds since the epoch at its start and end: the span that held the lock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_ms: Option<i64>,
    /// See `start_ms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_ms: Option<i64>,
    /// Fields a newer version wrote, kept when this one rewrites the list.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// What a finished run did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunCounts {
    /// Documents created.
    pub created: u64,
    /// Documents whose metadata changed.
    pub updated: u64,
    /// Documents deleted.
    pub deleted: u64,
    /// Workflows that got a new history entry.
    pub recalculated: u64,
    /// Workflows on the failed list after it.
    pub failed: u64,
    /// Upstream requests made.
    pub requests: u64,
    /// The ReqMgr2 sequence stored for the next run.
    pub sequence: String,
}

impl RunRecord {
    /// A run that ended without counts (failed or skipped).
    pub fn without_counts(start: i64, seconds: f64, outcome: RunOutcome, error: Option<String>) -> Self {
        RunRecord { start, seconds, outcome, error, counts: None, start_ms: None, end_ms: None, other: Map::new() }
    }

    /// What the dashboard's header shows of it.
    pub fn info(&self) -> RunInfo {
        let c = self.counts.as_ref();
        RunInfo {
            start: self.start,
            seconds: self.seconds,
            outcome: self.outcome,
            changed: c.map_or(0, |c| c.created + c.updated),
            recalculated: c.map_or(0, |c| c.recalculated),
            failed: c.map_or(0, |c| c.failed),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct RunsDoc {
    #[serde(rename = "_id")]
    id: String,
    #[serde(default)]
    runs: Vec<Value>,
    #[serde(flatten)]
    other: Map<String, Value>,
}

/// Appends a run record, keeping the last [`KEEP`].
pub async fn record(store: &dyn Store, rec: &RunRecord) -> Result<(), StoreError> {
    let rec = serde_json::to_value(rec).map_err(|e| StoreError::Protocol(e.to_string()))?;
    store::update(store, Db::Stats2, RUNS_ID, move |cur| {
        let mut doc = match cur {
            Some(v) => serde_json::from_value::<RunsDoc>(v).ok()?,
            None => RunsDoc { id: RUNS_ID.to_owned(), runs: Vec::new(), other: Map::new() },
        };
        doc.runs.push(rec.clone());
        let extra = doc.runs.len().saturating_sub(KEEP);
        doc.runs.drain(..extra);
        serde_json::to_value(doc).ok()
    })
    .await
    .map(|_| ())
}

/// The recent runs, oldest first; a record this version cannot read is left out.
pub async fn recent(store: &dyn Store) -> Result<Vec<RunRecord>, StoreError> {
    let Some(doc) = store.get(Db::Stats2, RUNS_ID).await? else { return Ok(Vec::new()) };
    let runs = serde_json::from_value::<RunsDoc>(doc).map(|d| d.runs).unwrap_or_default();
    Ok(runs.into_iter().filter_map(|r| serde_json::from_value(r).ok()).collect())
}

/// The newest run, if any.
pub async fn last(store: &dyn Store) -> Result<Option<RunRecord>, StoreError> {
    Ok(recent(store).await?.pop())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn records_keep_their_stored_shape_and_unknown_fields() {
        let stored = json!({"start": 5, "seconds": 1.5, "outcome": "ok", "created": 1, "updated": 2, "deleted": 0,
            "recalculated": 3, "failed": 0, "requests": 9, "sequence": "12-abc", "start_ms": 5000, "end_ms": 6500,
            "future": true});
        let rec: RunRecord = serde_json::from_value(stored.clone()).unwrap();
        assert_eq!(rec.info().changed, 3);
        assert_eq!(serde_json::to_value(&rec).unwrap(), stored);
        let skipped = RunRecord::without_counts(7, 0.0, RunOutcome::Skipped, Some("busy".into()));
        let v = serde_json::to_value(&skipped).unwrap();
        assert_eq!(v, json!({"start": 7, "seconds": 0.0, "outcome": "skipped", "error": "busy"}));
        assert_eq!(serde_json::from_value::<RunRecord>(v).unwrap(), skipped);
    }
}
