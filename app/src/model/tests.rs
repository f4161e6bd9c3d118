use super::*;
use serde_json::json;

fn round_trip(doc: Value) {
    let wf = Workflow::from_value(doc.clone()).expect("parses");
    assert_eq!(wf.to_value(), doc, "read and written back must be unchanged");
}

#[test]
fn s18_full_document_round_trips() {
    round_trip(json!({
        "_id": "pdmvserv_task_HIG-RunIISummer20UL17wmLHEGEN-00123__v1_T_230101_120000_1234",
        "_rev": "3-abc", "LastUpdate": 1_672_574_400, "TotalEvents": 1_000_000,
        "TotalInputLumis": 12, "Campaigns": ["RunIISummer20UL17wmLHEGEN"], "Requests": ["HIG-00123"],
        "OutputDatasets": ["/A/B-v1/GEN-SIM", "/A/B-v1/AODSIM"],
        "EventNumberHistory": [{"Time": 1, "Datasets": {"/A/B-v1/AODSIM": {"Type": "PRODUCTION", "Events": 5, "Size": 10}}}],
        "RequestPriority": 110000, "RequestTransition": [{"Status": "new", "UpdateTime": 1}],
        "AcquisitionEra": "RunIISummer20UL17", "CMSSWVersion": "CMSSW_10_6_17", "InputDataset": "",
        "PrepID": "HIG-RunIISummer20UL17wmLHEGEN-00123", "ProcessingString": "106X_v1",
        "RequestName": "x", "RequestType": "TaskChain", "LumiList": {}, "SizePerEvent": 1.5, "TimePerEvent": 10
    }));
}

#[test]
fn nulls_stay_null_and_absent_stays_absent() {
    // X13: a Resubmission without a sibling stores TotalInputLumis null; a stub lacks fields.
    round_trip(json!({"_id": "stub", "LastUpdate": 5}));
    round_trip(json!({"_id": "r", "TotalInputLumis": null, "InputDataset": null, "AcquisitionEra": null}));
}

#[test]
fn verbatim_values_of_any_type_are_kept() {
    round_trip(json!({
        "_id": "t", "AcquisitionEra": {"Task1": "Era1"}, "Campaigns": [{"x": 1}, 3, "c"],
        "SizePerEvent": 2.0, "TimePerEvent": 1e-5, "TotalInputLumis": -1
    }));
}

#[test]
fn unknown_fields_are_kept_everywhere() {
    round_trip(json!({
        "_id": "u", "Custom": {"a": [1, 2.5, "x"]},
        "RequestTransition": [{"Status": "new", "UpdateTime": 1, "DN": "someone"}],
        "EventNumberHistory": [{"Time": 2, "Note": "n", "Datasets": {"/a/b/RAW": {"Type": "odd", "Events": 1, "Extra": true}}}]
    }));
}

#[test]
fn integers_stay_integers_and_floats_stay_floats() {
    let wf = Workflow::from_value(json!({"_id": "n", "SizePerEvent": 3, "TimePerEvent": 3.0})).unwrap();
    let text = serde_json::to_string(&wf).unwrap();
    assert!(text.contains("\"SizePerEvent\":3,"), "{text}");
    assert!(text.contains("\"TimePerEvent\":3.0"), "{text}");
}

#[test]
fn unknown_status_is_kept_verbatim() {
    let wf = Workflow::from_value(json!({"_id": "s", "EventNumberHistory": [
        {"Time": 1, "Datasets": {"/a/b/C": {"Type": "valid", "Events": 0}}}]}))
    .unwrap();
    let rec = wf.latest_record("/a/b/C").unwrap();
    assert_eq!(rec.status, DatasetStatus::Other("valid".into()));
    assert_eq!(rec.status.css_class(), "valid");
}

#[test]
fn u22_lumi_mode() {
    let lumi = |t: &str, ll: Value, tl: Value| {
        Workflow::from_value(json!({"_id": "l", "RequestType": t, "LumiList": ll, "TotalInputLumis": tl}))
            .unwrap()
            .lumi_mode()
    };
    assert!(lumi("ReReco", json!({"1": [[1, 2]]}), json!(-1)), "-1 is truthy");
    assert!(lumi("resubmission", json!({"1": [[1, 2]]}), json!(4)));
    assert!(!lumi("ReReco", json!({}), json!(4)));
    assert!(!lumi("ReReco", json!({"1": []}), json!(0)));
    assert!(!lumi("TaskChain", json!({"1": []}), json!(4)));
}

#[test]
fn wrong_types_give_an_error_naming_the_document() {
    let err = Workflow::from_value(json!({"_id": "bad", "TotalEvents": "many"})).unwrap_err();
    assert_eq!(err.id, "bad");
}
