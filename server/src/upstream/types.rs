//! Typed upstream answers: only what Stats2 reads, everything else ignored.

use serde::Deserialize;
use serde_json::{Map, Value};

/// ReqMgr2 CouchDB `_changes`.
#[derive(Debug, Clone, Deserialize)]
pub struct Changes {
    /// Opaque sequence to send back as `since` (a string on CouchDB 3, X4).
    pub last_seq: Value,
    /// One row per changed document.
    pub results: Vec<ChangeRow>,
}

/// One `_changes` row.
#[derive(Debug, Clone, Deserialize)]
pub struct ChangeRow {
    /// Document id (a workflow name or a design document).
    pub id: String,
    /// Whether the document was deleted.
    #[serde(default)]
    pub deleted: bool,
    /// The current document, when asked for with `include_docs=true` (a tombstone's is only
    /// `_id`, `_rev` and `_deleted`).
    #[serde(default)]
    pub doc: Option<Map<String, Value>>,
}

/// CouchDB `_all_docs` with `keys`: one row per key, in the order asked.
#[derive(Debug, Clone, Deserialize)]
pub struct AllDocs {
    /// The rows.
    pub rows: Vec<AllDocsRow>,
}

/// One `_all_docs` row: a document, a deleted one (`doc` null), or `error: not_found`.
#[derive(Debug, Clone, Deserialize)]
pub struct AllDocsRow {
    /// The key asked for.
    pub key: Value,
    /// Why there is no row for the key (`not_found` for an id never stored).
    #[serde(default)]
    pub error: Option<String>,
    /// The document (`include_docs=true`), null when deleted.
    #[serde(default)]
    pub doc: Option<Map<String, Value>>,
}

/// A DBS dataset record (`datasetlist` with detail).
#[derive(Debug, Clone, Deserialize)]
pub struct DatasetInfo {
    /// Dataset name.
    pub dataset: String,
    /// Access type: VALID, PRODUCTION, INVALID, DELETED, DEPRECATED...
    pub dataset_access_type: String,
}

/// The first row of a DBS `filesummaries` answer; missing or null counts are 0 (U28).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub struct FileSummary {
    /// Events.
    #[serde(default, deserialize_with = "null_as_zero")]
    pub num_event: i64,
    /// Bytes.
    #[serde(default, deserialize_with = "null_as_zero")]
    pub file_size: i64,
    /// Lumisections.
    #[serde(default, deserialize_with = "null_as_zero")]
    pub num_lumi: i64,
}

/// A DBS `files?detail=true` record.
#[derive(Debug, Clone, Deserialize)]
pub struct FileRecord {
    /// Logical file name (a file spanning several runs is listed once per run).
    #[serde(default)]
    pub logical_file_name: Option<String>,
    /// Events in the file; dbs2go may answer null (counted as 0 with a warning).
    #[serde(default)]
    pub event_count: Option<i64>,
}

/// `{"result": [...]}` envelope of ReqMgr2 and WMStats REST answers.
#[derive(Debug, Clone, Deserialize)]
pub struct ResultEnvelope<T> {
    /// The rows.
    pub result: Vec<T>,
}

/// A WMStats `filtered_requests?mask=RequestName` row.
#[derive(Debug, Clone, Deserialize)]
pub struct ActiveRequest {
    /// Request name.
    #[serde(rename = "RequestName")]
    pub request_name: String,
}

/// A DBS `datasets` row without detail.
#[derive(Debug, Clone, Deserialize)]
pub struct DatasetName {
    /// Dataset name.
    pub dataset: String,
}

fn null_as_zero<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    Ok(match v {
        Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)).unwrap_or(0),
        Some(Value::Null) | None => {
            tracing::warn!("DBS answered a null count; counted as 0");
            0
        }
        Some(other) => {
            tracing::warn!(value = %other, "DBS answered a non-numeric count; counted as 0");
            0
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures_parse() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/upstream/");
        let read = |f: &str| std::fs::read_to_string(format!("{dir}{f}")).unwrap();
        let summary: Vec<FileSummary> =
            serde_json::from_str(&read("dbs_filesummaries_dataset_validFileOnly.json")).unwrap();
        assert_eq!(summary[0], FileSummary { num_event: 22075, file_size: 4_001_680_824, num_lumi: 7223 });
        let files: Vec<FileRecord> =
            serde_json::from_str(&read("dbs2go_files_detail_with_run_num_sample.json")).unwrap();
        assert!(files.iter().any(|f| f.event_count.is_none()), "dbs2go answers null event counts");
        let datasets: Vec<DatasetInfo> = serde_json::from_str(&read("dbs_datasets_detail.json")).unwrap();
        assert_eq!(datasets[0].dataset_access_type, "VALID");
        let names: Vec<DatasetName> = serde_json::from_str(&read("dbs_datasets_nodetail.json")).unwrap();
        assert!(!names.is_empty());
        let active: ResultEnvelope<ActiveRequest> =
            serde_json::from_str(&read("DERIVED_wmstats_filtered_requests_mask_RequestName.json")).unwrap();
        assert_eq!(active.result.len(), 20);
        let changes: Changes = serde_json::from_str(&read("couchdb_changes_style_all_docs_example.json")).unwrap();
        assert!(changes.last_seq.is_string() && changes.results[1].deleted && !changes.results[0].deleted);
        let nulls: FileSummary = serde_json::from_str(r#"{"num_event": null, "file_size": 5}"#).unwrap();
        assert_eq!(nulls, FileSummary { num_event: 0, file_size: 5, num_lumi: 0 });
    }
}
