//! The `all_settings` document (S14–S17): read strictly (X10: a read error aborts the run
//! instead of replaying from sequence 0) and written with conflict retries (X7), touching
//! only its own keys.

use serde_json::{json, Value};

use crate::store::{self, Db, Store, StoreError};

/// Id of the settings document.
pub const SETTINGS_ID: &str = "all_settings";

/// What the updater keeps between runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Opaque ReqMgr2 `_changes` sequence (S16, X4); 0 before the first run.
    pub last_reqmgr_sequence: Value,
    /// Start time of the last completed run (S17).
    pub last_dbs_update_date: i64,
    /// Workflows to retry, a set in first-failure order (S17).
    pub failed_workflows: Vec<String>,
    /// Workflows ReqMgr2 deleted whose document the store has not deleted yet: ReqMgr2
    /// announces a deletion once, so it is kept here and retried every run (our addition).
    pub failed_deletions: Vec<String>,
    /// Workflows a run wrote (or found unchanged) and checkpointed past, but stopped before
    /// it recalculated their history: the next run recalculates them (our addition).
    pub pending_recalculation: Vec<String>,
}

fn names(doc: &Value, key: &str) -> Vec<String> {
    doc.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

/// Reads the settings; an absent document or key means the default, an error is an error.
pub async fn read(store: &dyn Store) -> Result<Settings, StoreError> {
    let doc = store.get(Db::Settings, SETTINGS_ID).await?.unwrap_or_else(|| json!({}));
    Ok(Settings {
        last_reqmgr_sequence: doc.get("last_reqmgr_sequence").cloned().unwrap_or(json!(0)),
        last_dbs_update_date: doc.get("last_dbs_update_date").and_then(Value::as_i64).unwrap_or(0),
        failed_workflows: names(&doc, "failed_workflows"),
        failed_deletions: names(&doc, "failed_deletions"),
        pending_recalculation: names(&doc, "pending_recalculation"),
    })
}

/// The keys a write changes; those left `None` keep their stored value.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Update {
    /// See [`Settings::last_reqmgr_sequence`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_reqmgr_sequence: Option<Value>,
    /// See [`Settings::last_dbs_update_date`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_dbs_update_date: Option<i64>,
    /// See [`Settings::failed_workflows`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_workflows: Option<Vec<String>>,
    /// See [`Settings::failed_deletions`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_deletions: Option<Vec<String>>,
    /// See [`Settings::pending_recalculation`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_recalculation: Option<Vec<String>>,
}

/// Writes the keys `update` sets (others untouched, whoever wrote them), creating the
/// document when needed (S15); nothing when nothing changes.
pub async fn write(store: &dyn Store, update: &Update) -> Result<(), StoreError> {
    let Value::Object(keys) = serde_json::to_value(update).map_err(|e| StoreError::Protocol(e.to_string()))? else {
        return Ok(());
    };
    store::update(store, Db::Settings, SETTINGS_ID, |current| {
        let mut doc = current.unwrap_or_else(|| json!({ "_id": SETTINGS_ID }));
        let before = doc.clone();
        for (k, v) in &keys {
            doc[k.as_str()] = v.clone();
        }
        (doc != before).then_some(doc)
    })
    .await
    .map(|_| ())
}

/// `first` followed by the names of `more` it lacks: a set that keeps first-seen order (X9).
pub fn merged<'a>(first: &[String], more: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    let mut out = first.to_vec();
    let mut seen: std::collections::HashSet<String> = first.iter().cloned().collect();
    for n in more {
        if seen.insert(n.clone()) {
            out.push(n.clone());
        }
    }
    out
}
