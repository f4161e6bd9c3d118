//! History entries (U23–U32), pure: build an entry from DBS records, append it only when it
//! differs from the last one, back-fill Lumis in lumi mode.

use std::collections::{BTreeMap, HashMap};

use app::model::{DatasetRecord, DatasetStatus, HistoryEntry, Workflow};
use serde_json::Map;

/// What DBS says about one dataset in this run (U26; Lumis always fetched, X11).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbsRecord {
    /// `dataset_access_type`, or NONE when DBS does not know the dataset (U27).
    pub status: String,
    /// `num_event`.
    pub events: i64,
    /// `file_size`.
    pub size: i64,
    /// `num_lumi`.
    pub lumis: i64,
}

impl DbsRecord {
    /// The record of a dataset DBS does not know (U27).
    pub fn unknown() -> Self {
        DbsRecord { status: "NONE".into(), events: 0, size: 0, lumis: 0 }
    }
}

/// Whether filesummaries is asked with `validFileOnly=1` for this access type (H8, U26).
pub fn valid_files_only(access_type: &str) -> bool {
    matches!(access_type, "PRODUCTION" | "VALID")
}

/// Distinct output datasets in stored order (U23).
pub fn distinct_datasets(wf: &Workflow) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for d in wf.output_datasets.iter().flatten() {
        if !out.contains(d) {
            out.push(d.clone());
        }
    }
    out
}

/// The entry for `wf` at `now` (U23–U27), or `None` when it has no output dataset.
pub fn entry(wf: &Workflow, info: &HashMap<String, DbsRecord>, now: i64) -> Option<HistoryEntry> {
    let datasets = distinct_datasets(wf);
    if datasets.is_empty() {
        return None;
    }
    let lumi_mode = wf.lumi_mode();
    let unknown = DbsRecord::unknown();
    let records: BTreeMap<String, DatasetRecord> = datasets
        .into_iter()
        .map(|d| {
            let r = info.get(&d).unwrap_or(&unknown);
            let record = DatasetRecord {
                status: DatasetStatus::parse(&r.status),
                events: r.events,
                size: Some(r.size),
                lumis: lumi_mode.then_some(r.lumis),
                extra: Map::new(),
            };
            (d, record)
        })
        .collect();
    Some(HistoryEntry { time: Some(now), datasets: records, extra: Map::new() })
}

/// Appends `e` unless the newest entry already says the same (U30); in lumi mode every older
/// record without Lumis gets Lumis 0 (U31). Returns whether the history changed.
pub fn append(wf: &mut Workflow, e: HistoryEntry) -> bool {
    if e.datasets.is_empty() {
        return false;
    }
    let mut history = wf.event_number_history.take().unwrap_or_default();
    history.sort_by_key(|h| h.time.unwrap_or(0));
    let same = history.last().is_some_and(|last| last.datasets == e.datasets);
    if !same {
        if wf.lumi_mode() {
            for record in history.iter_mut().flat_map(|h| h.datasets.values_mut()) {
                record.lumis.get_or_insert(0);
            }
        }
        history.push(e);
    }
    wf.event_number_history = Some(history);
    !same
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn wf(v: serde_json::Value) -> Workflow {
        Workflow::from_value(v).unwrap()
    }

    fn info(pairs: &[(&str, &str, i64)]) -> HashMap<String, DbsRecord> {
        pairs
            .iter()
            .map(|(d, s, e)| {
                (d.to_string(), DbsRecord { status: s.to_string(), events: *e, size: e * 10, lumis: e / 10 })
            })
            .collect()
    }

    #[test]
    fn u23_no_output_datasets_no_entry() {
        assert!(entry(&wf(json!({"_id": "w", "OutputDatasets": []})), &HashMap::new(), 5).is_none());
        assert!(entry(&wf(json!({"_id": "w"})), &HashMap::new(), 5).is_none());
    }

    #[test]
    fn u23_u27_distinct_datasets_unknown_ones_are_none() {
        let w = wf(json!({"_id": "w", "OutputDatasets": ["/a/b/AOD", "/a/b/AOD", "/a/b/MINIAOD"]}));
        let e = entry(&w, &info(&[("/a/b/AOD", "PRODUCTION", 100)]), 7).unwrap();
        assert_eq!(e.time, Some(7));
        assert_eq!(e.datasets.len(), 2);
        assert_eq!(e.datasets["/a/b/AOD"].events, 100);
        assert_eq!(e.datasets["/a/b/AOD"].lumis, None, "Lumis only in lumi mode");
        let none = &e.datasets["/a/b/MINIAOD"];
        assert_eq!((none.status.clone(), none.events, none.size), (DatasetStatus::None, 0, Some(0)));
    }

    #[test]
    fn u30_equal_entry_is_not_appended_and_history_is_sorted() {
        let mut w = wf(json!({"_id": "w", "OutputDatasets": ["/a/b/AOD"], "EventNumberHistory": [
            {"Time": 9, "Datasets": {"/a/b/AOD": {"Type": "PRODUCTION", "Events": 100, "Size": 1000}}},
            {"Time": 3, "Datasets": {"/a/b/AOD": {"Type": "PRODUCTION", "Events": 5, "Size": 50}}}]}));
        let same = entry(&w, &info(&[("/a/b/AOD", "PRODUCTION", 100)]), 20).unwrap();
        assert!(!append(&mut w, same));
        let newer = entry(&w, &info(&[("/a/b/AOD", "PRODUCTION", 150)]), 21).unwrap();
        assert!(append(&mut w, newer));
        let times: Vec<i64> = w.event_number_history.as_ref().unwrap().iter().map(|h| h.time.unwrap()).collect();
        assert_eq!(times, [3, 9, 21]);
    }

    #[test]
    fn u30_an_older_equal_entry_does_not_stop_a_change_back() {
        let mut w = wf(json!({"_id": "w", "OutputDatasets": ["/a/b/AOD"], "EventNumberHistory": [
            {"Time": 1, "Datasets": {"/a/b/AOD": {"Type": "PRODUCTION", "Events": 1, "Size": 10}}},
            {"Time": 2, "Datasets": {"/a/b/AOD": {"Type": "VALID", "Events": 1, "Size": 10}}}]}));
        let e = entry(&w, &info(&[("/a/b/AOD", "PRODUCTION", 1)]), 3).unwrap();
        assert!(append(&mut w, e), "only the newest entry counts");
    }

    #[test]
    fn u22_u31_lumi_mode_records_lumis_and_backfills() {
        let mut w = wf(json!({"_id": "w", "RequestType": "ReReco", "LumiList": {"1": [[1, 5]]}, "TotalInputLumis": 40,
            "OutputDatasets": ["/a/b/AOD"], "EventNumberHistory": [
            {"Time": 1, "Datasets": {"/a/b/AOD": {"Type": "PRODUCTION", "Events": 1, "Size": 10}}}]}));
        let e = entry(&w, &info(&[("/a/b/AOD", "PRODUCTION", 100)]), 5).unwrap();
        assert_eq!(e.datasets["/a/b/AOD"].lumis, Some(10));
        assert!(append(&mut w, e));
        let h = w.event_number_history.as_ref().unwrap();
        assert_eq!(h[0].datasets["/a/b/AOD"].lumis, Some(0), "U31 back-fill");
    }

    #[test]
    fn h8_valid_files_only_for_production_and_valid() {
        assert!(valid_files_only("VALID") && valid_files_only("PRODUCTION"));
        assert!(!valid_files_only("INVALID") && !valid_files_only("valid"));
    }
}
