//! Rule tests of the look-ups, with an `Upstream` answering from the recorded fixtures.

use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use serde_json::json;

use super::*;
use crate::upstream::types::FileRecord;
use crate::upstream::{Changes, DatasetInfo, Documents, UpstreamError, UpstreamStats};

fn fixture(name: &str) -> Value {
    let path = format!("{}/fixtures/upstream/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Answers from the fixtures and counts calls.
#[derive(Default)]
struct Recorded {
    summaries: AtomicUsize,
    files: AtomicUsize,
}

#[async_trait]
impl Upstream for Recorded {
    async fn request(&self, _: &str) -> Result<Map<String, Value>, UpstreamError> {
        unreachable!("build gets the request")
    }
    async fn requests(&self, _: &[String]) -> Result<Documents, UpstreamError> {
        unreachable!("build gets the request")
    }
    async fn changes(&self, _: &Value, _: bool, _: u64) -> Result<Changes, UpstreamError> {
        unreachable!()
    }
    async fn requests_by_prep_id(&self, prep_id: &str, field: &str) -> Result<Vec<(String, Value)>, UpstreamError> {
        assert_eq!(prep_id, "TEST-TEST-HIG-RunIISummer15wmLHEGS-00744");
        let mut rows: Vec<(String, Value)> = fixture("DERIVED_reqmgr2_data_request_mask_prep_id.json")["result"][0]
            .as_object()
            .unwrap()
            .clone()
            .into_iter()
            .collect();
        if field == "TotalInputLumis" {
            for (_, v) in rows.iter_mut() {
                let lumis = if v["TotalInputEvents"].is_null() { Value::Null } else { json!(40) };
                *v = json!({"RequestType": v["RequestType"], "TotalInputLumis": lumis});
            }
        }
        Ok(rows)
    }
    async fn active_requests(&self) -> Result<Vec<String>, UpstreamError> {
        unreachable!()
    }
    async fn dataset_list(&self, _: &[String]) -> Result<Vec<DatasetInfo>, UpstreamError> {
        unreachable!()
    }
    async fn file_summary(&self, _: &str, valid_only: bool) -> Result<FileSummary, UpstreamError> {
        assert!(!valid_only, "U11 input counts never ask for validFileOnly");
        self.summaries.fetch_add(1, Ordering::Relaxed);
        let rows: Vec<FileSummary> =
            serde_json::from_value(fixture("dbs_filesummaries_dataset_validFileOnly.json")).unwrap();
        Ok(rows[0])
    }
    async fn modified_datasets(&self, _: i64) -> Result<Vec<String>, UpstreamError> {
        unreachable!()
    }
    async fn run_files(&self, _: &str, run: i64, _: &Value) -> Result<Vec<FileRecord>, UpstreamError> {
        self.files.fetch_add(1, Ordering::Relaxed);
        let mut files: Vec<FileRecord> =
            serde_json::from_value(fixture("dbs2go_files_detail_with_run_num_sample.json")).unwrap();
        // The same first file answers for every run: counted once (X12).
        for (i, f) in files.iter_mut().enumerate().skip(1) {
            f.logical_file_name = Some(format!("/store/run{run}/{i}"));
        }
        Ok(files)
    }
    fn stats(&self) -> UpstreamStats {
        UpstreamStats::default()
    }
}

fn request(name: &str) -> Map<String, Value> {
    fixture(name).as_object().unwrap().clone()
}

#[tokio::test]
async fn u12_u13_resubmission_takes_totals_from_the_first_non_resubmission_sibling() {
    let mut r = request("reqmgr2_request_StepChain.json");
    r.insert("RequestType".into(), json!("Resubmission"));
    r.insert("FilterEfficiency".into(), json!(0.5));
    let doc = build(&Recorded::default(), &RunCaches::default(), "acdc", &r).await.unwrap();
    // The first sibling has TotalInputEvents null and is skipped; the second has 4000.
    assert_eq!(doc["TotalEvents"], 2000, "U12 with U8's filter efficiency");
    assert_eq!(doc["TotalInputLumis"], 40, "U13");
}

#[tokio::test]
async fn x25_resubmission_without_prep_id_is_unknown_not_an_error() {
    let mut r = request("reqmgr2_request_StepChain.json");
    r.insert("RequestType".into(), json!("Resubmission"));
    r.remove("PrepID");
    let doc = build(&Recorded::default(), &RunCaches::default(), "acdc", &r).await.unwrap();
    assert_eq!((doc["TotalEvents"].clone(), doc["TotalInputLumis"].clone()), (json!(-1), Value::Null));
}

#[tokio::test]
async fn u10e_u11_h9_masked_input_counts_unique_files_once_per_run_and_caches() {
    let r = request("reqmgr2_request_TaskChain.json");
    let up = Recorded::default();
    let caches = RunCaches::default();
    let doc = build(&up, &caches, "tc", &r).await.unwrap();
    let sample: Vec<FileRecord> =
        serde_json::from_value(fixture("dbs2go_files_detail_with_run_num_sample.json")).unwrap();
    let first = sample[0].event_count.unwrap_or(0);
    let rest: i64 = sample.iter().skip(1).filter_map(|f| f.event_count).sum();
    // Two runs in the mask: the shared first file once, the others per run.
    assert_eq!(doc["TotalEvents"], json!(first + 2 * rest));
    assert_eq!(up.files.load(Ordering::Relaxed), 2, "one files call per run (H9)");
    build(&up, &caches, "tc", &r).await.unwrap();
    assert_eq!(up.files.load(Ordering::Relaxed), 2, "cached per (dataset, mask) for the run (U43)");
}

#[tokio::test]
async fn u10f_u11_unmasked_input_uses_filesummaries_once() {
    let mut r = request("reqmgr2_request_StepChain_IncludeParents.json");
    r.remove("TotalInputFiles");
    r.remove("RequestNumEvents");
    if let Some(step) = r.get_mut("Step1").and_then(Value::as_object_mut) {
        step.remove("RequestNumEvents");
        step.remove("LumiList");
    }
    let up = Recorded::default();
    let caches = RunCaches::default();
    let doc = build(&up, &caches, "sc", &r).await.unwrap();
    assert_eq!(doc["TotalEvents"], 22075, "num_event of filesummaries without validFileOnly");
    build(&up, &caches, "sc2", &r).await.unwrap();
    assert_eq!(up.summaries.load(Ordering::Relaxed), 1);
}

#[tokio::test]
async fn u4_u7_u13_kept_fields_priority_and_lumis() {
    let r = request("reqmgr2_request_ReReco.json");
    let doc = build(&Recorded::default(), &RunCaches::default(), "rr", &r).await.unwrap();
    assert_eq!(doc["TotalInputLumis"], r["TotalInputLumis"], "U13 verbatim for non-Resubmission");
    assert_eq!(doc["RequestPriority"], json!(super::py_int(&r["RequestPriority"]).unwrap()));
    let keys: Vec<&str> = doc.keys().map(String::as_str).collect();
    for k in [
        "AcquisitionEra",
        "CMSSWVersion",
        "PrepID",
        "RequestName",
        "RequestType",
        "LumiList",
        "SizePerEvent",
        "TimePerEvent",
    ] {
        assert_eq!(doc.contains_key(k), r.contains_key(k), "{k}: {keys:?}");
    }
    assert!(!doc.contains_key("RequestStatus") && !doc.contains_key("Task1"), "only U4's keys are kept");
    let mut no_lumis = r.clone();
    no_lumis.remove("TotalInputLumis");
    let doc = build(&Recorded::default(), &RunCaches::default(), "rr", &no_lumis).await.unwrap();
    assert_eq!(doc["TotalInputLumis"], -1, "U13: -1 when the key is absent");
}
