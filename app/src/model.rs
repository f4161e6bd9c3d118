//! Typed Stats2 documents (rule S18): the workflow document, its history entries, dataset
//! records and status transitions.
//!
//! Every struct keeps the keys it does not know in `extra`, absent and `null` stay distinct
//! ([`Field`]), and integers stay integers (serde_json keeps `5` and `5.0` apart), so a
//! document read and written back is unchanged in meaning. Values that the original copies
//! verbatim from ReqMgr2 whatever their type (U4, U15: `AcquisitionEra` can be an object) are
//! kept as JSON values.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use crate::field::Field;
pub use crate::status::DatasetStatus;

/// A workflow document in the `requests` database (S18, U4–U7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workflow {
    /// Document id: the workflow (ReqMgr2 request) name.
    #[serde(rename = "_id")]
    pub id: String,
    /// CouchDB revision, when the document was read from a store.
    #[serde(rename = "_rev", default, skip_serializing_if = "Option::is_none")]
    pub rev: Option<String>,
    /// Unix seconds of the last write (S4).
    #[serde(rename = "LastUpdate", default, skip_serializing_if = "Option::is_none")]
    pub last_update: Option<i64>,
    /// Expected events (U9–U12); -1 when unknown.
    #[serde(rename = "TotalEvents", default, skip_serializing_if = "Option::is_none")]
    pub total_events: Option<i64>,
    /// Expected lumisections (U13): verbatim from ReqMgr2, -1, or null.
    #[serde(rename = "TotalInputLumis", default, skip_serializing_if = "Field::is_absent")]
    pub total_input_lumis: Field<Value>,
    /// Campaign names from the tasks or steps (U14–U15), verbatim values.
    #[serde(rename = "Campaigns", default, skip_serializing_if = "Option::is_none")]
    pub campaigns: Option<Vec<Value>>,
    /// Task or step PrepIDs (U15), verbatim values.
    #[serde(rename = "Requests", default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<Vec<Value>>,
    /// Output datasets sorted by tier (U6, U16–U17).
    #[serde(rename = "OutputDatasets", default, skip_serializing_if = "Option::is_none")]
    pub output_datasets: Option<Vec<String>>,
    /// Event-count history (U21–U32).
    #[serde(rename = "EventNumberHistory", default, skip_serializing_if = "Option::is_none")]
    pub event_number_history: Option<Vec<HistoryEntry>>,
    /// Priority, an integer (U7).
    #[serde(rename = "RequestPriority", default, skip_serializing_if = "Option::is_none")]
    pub request_priority: Option<i64>,
    /// Status transitions (U5).
    #[serde(rename = "RequestTransition", default, skip_serializing_if = "Option::is_none")]
    pub request_transition: Option<Vec<Transition>>,
    /// Acquisition era, verbatim (may be an object in TaskChains).
    #[serde(rename = "AcquisitionEra", default, skip_serializing_if = "Field::is_absent")]
    pub acquisition_era: Field<Value>,
    /// CMSSW release, verbatim.
    #[serde(rename = "CMSSWVersion", default, skip_serializing_if = "Field::is_absent")]
    pub cmssw_version: Field<Value>,
    /// Input dataset (U3); may be "" or null.
    #[serde(rename = "InputDataset", default, skip_serializing_if = "Field::is_absent")]
    pub input_dataset: Field<String>,
    /// PrepID; a null one is dropped by U7, an empty one stays.
    #[serde(rename = "PrepID", default, skip_serializing_if = "Field::is_absent")]
    pub prep_id: Field<String>,
    /// Processing string (U3, U7: dropped when not a string).
    #[serde(rename = "ProcessingString", default, skip_serializing_if = "Field::is_absent")]
    pub processing_string: Field<String>,
    /// ReqMgr2's own name field (normally equal to `_id`).
    #[serde(rename = "RequestName", default, skip_serializing_if = "Field::is_absent")]
    pub request_name: Field<String>,
    /// Request type (ReReco, TaskChain, StepChain, Resubmission, ...).
    #[serde(rename = "RequestType", default, skip_serializing_if = "Field::is_absent")]
    pub request_type: Field<String>,
    /// Lumi mask, verbatim.
    #[serde(rename = "LumiList", default, skip_serializing_if = "Field::is_absent")]
    pub lumi_list: Field<Value>,
    /// Size per event, verbatim number.
    #[serde(rename = "SizePerEvent", default, skip_serializing_if = "Field::is_absent")]
    pub size_per_event: Field<Value>,
    /// Time per event, verbatim number.
    #[serde(rename = "TimePerEvent", default, skip_serializing_if = "Field::is_absent")]
    pub time_per_event: Field<Value>,
    /// Keys this version does not know; written back untouched.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One history entry (U32): the state of every output dataset at one time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// Unix seconds; missing counts as 0 when sorting (U30).
    #[serde(rename = "Time", default, skip_serializing_if = "Option::is_none")]
    pub time: Option<i64>,
    /// Record per dataset name.
    #[serde(rename = "Datasets", default)]
    pub datasets: BTreeMap<String, DatasetRecord>,
    /// Unknown keys, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// What DBS said about one dataset at one time (U26–U27).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetRecord {
    /// DBS access type, or NONE when DBS does not know the dataset.
    #[serde(rename = "Type")]
    pub status: DatasetStatus,
    /// Events in valid files.
    #[serde(rename = "Events")]
    pub events: i64,
    /// Bytes; missing is shown as -1 (D12).
    #[serde(rename = "Size", default, skip_serializing_if = "Option::is_none")]
    pub size: Option<i64>,
    /// Lumisections, only in lumi mode (U22, U31).
    #[serde(rename = "Lumis", default, skip_serializing_if = "Option::is_none")]
    pub lumis: Option<i64>,
    /// Unknown keys, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One ReqMgr2 status transition (U5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    /// Status name, e.g. `running-open`.
    #[serde(rename = "Status")]
    pub status: String,
    /// Unix seconds.
    #[serde(rename = "UpdateTime")]
    pub update_time: i64,
    /// Unknown keys, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A stored document that does not have the shape of a workflow document.
#[derive(Debug, thiserror::Error)]
#[error("document {id:?} is not a valid workflow document: {source}")]
pub struct ModelError {
    /// The document id, when it could be read.
    pub id: String,
    /// What serde rejected.
    #[source]
    pub source: serde_json::Error,
}

impl Workflow {
    /// Parses a stored document.
    pub fn from_value(value: Value) -> Result<Self, ModelError> {
        let id = value.get("_id").and_then(Value::as_str).unwrap_or_default().to_owned();
        serde_json::from_value(value).map_err(|source| ModelError { id, source })
    }

    /// The document as JSON, ready to store.
    pub fn to_value(&self) -> Value {
        // Serialising plain data into a Value cannot fail (no non-string map keys).
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The workflow name (`_id`).
    pub fn name(&self) -> &str {
        &self.id
    }

    /// History entries sorted by time, oldest first (U30: missing time = 0, stable).
    pub fn history_sorted(&self) -> Vec<&HistoryEntry> {
        let mut entries: Vec<&HistoryEntry> = self.event_number_history.iter().flatten().collect();
        entries.sort_by_key(|e| e.time.unwrap_or(0));
        entries
    }

    /// (time, value) of one dataset in the history, oldest first: lumisections in lumi mode
    /// (U22), events otherwise.
    pub fn dataset_points(&self, dataset: &str, lumi_mode: bool) -> Vec<(i64, i64)> {
        self.history_sorted()
            .iter()
            .filter_map(|h| {
                let r = h.datasets.get(dataset)?;
                Some((h.time.unwrap_or(0), if lumi_mode { r.lumis.unwrap_or(0) } else { r.events }))
            })
            .collect()
    }

    /// The newest record of `dataset` (D12: history by time descending, first that has it).
    pub fn latest_record(&self, dataset: &str) -> Option<&DatasetRecord> {
        self.history_sorted().into_iter().rev().find_map(|e| e.datasets.get(dataset))
    }

    /// PrepID when it is a non-empty string.
    pub fn prep_id_str(&self) -> Option<&str> {
        self.prep_id.get().map(String::as_str).filter(|s| !s.is_empty())
    }

    /// `TotalInputLumis` as an integer, when it is one.
    pub fn total_input_lumis_int(&self) -> Option<i64> {
        self.total_input_lumis.get().and_then(Value::as_i64)
    }

    /// Whether the workflow is in a status where it can still produce events (no transitions
    /// yet counts as able to).
    pub fn can_progress(&self) -> bool {
        let last = self.request_transition.as_ref().and_then(|t| t.last());
        last.is_none_or(|t| crate::filter::text_can_progress(&t.status))
    }

    /// When it was force-completed: the time of its first `force-complete` transition.
    pub fn force_completed(&self) -> Option<i64> {
        let fc = crate::filter::RequestStatus::ForceComplete.as_str();
        self.request_transition.iter().flatten().find(|t| t.status == fc).map(|t| t.update_time)
    }

    /// Lumi mode (U22): ReReco or Resubmission with a truthy LumiList and truthy TotalInputLumis.
    pub fn lumi_mode(&self) -> bool {
        let kind = self.request_type.get().map(|t| t.to_lowercase()).unwrap_or_default();
        (kind == "rereco" || kind == "resubmission")
            && self.lumi_list.get().is_some_and(crate::json::py_truthy)
            && self.total_input_lumis.get().is_some_and(crate::json::py_truthy)
    }
}

#[cfg(test)]
mod tests;
