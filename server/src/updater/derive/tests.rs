use super::*;
use serde_json::json;

fn fixture(name: &str) -> Value {
    let path = format!("{}/fixtures/upstream/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn u16_u17_tier_order_unknown_first_and_stable() {
    let mut ds =
        vec!["/a/b/AODSIM".to_owned(), "/a/b/aod".to_owned(), "/a/b/GEN-SIM".to_owned(), "/a/c/aod".to_owned()];
    sort_datasets(&mut ds);
    assert_eq!(ds, ["/a/b/aod", "/a/c/aod", "/a/b/GEN-SIM", "/a/b/AODSIM"]);
    assert_eq!(tier_index("/x/y/NANOAODSIM"), 54);
}

#[test]
fn u3_task1_overrides_top_level_input_and_processing_string() {
    let r = fixture("reqmgr2_request_TaskChain.json");
    let doc = base_document("n", &r).unwrap();
    assert_eq!(doc["InputDataset"], r["Task1"]["InputDataset"]);
    // U7: the TaskChain's top-level ProcessingString is an object; Task1's is a string.
    assert!(doc.get("ProcessingString").is_none_or(Value::is_string));
    assert!(doc.get("PrepID").is_none(), "a null PrepID is dropped");
}

#[test]
fn u5_u6_transitions_trimmed_outputs_sorted() {
    let r = fixture("reqmgr2_request_ReReco.json");
    let doc = base_document("given-name", &r).unwrap();
    assert_eq!(doc["_id"], "given-name");
    for t in doc["RequestTransition"].as_array().unwrap() {
        assert_eq!(t.as_object().unwrap().len(), 2);
    }
    let outs: Vec<i64> =
        doc["OutputDatasets"].as_array().unwrap().iter().map(|d| tier_index(d.as_str().unwrap())).collect();
    assert!(outs.windows(2).all(|w| w[0] <= w[1]), "{outs:?}");
    assert_eq!(doc["EventNumberHistory"], json!([]));
    assert!(base_document("x", &json!({"RequestTransition": [{"Status": "new"}], "OutputDatasets": []})).is_err());
    assert_eq!(base_document("x", &json!({})), Err(DeriveError::NoOutputDatasets));
}

#[test]
fn u9_total_events_rules() {
    let rereco = fixture("reqmgr2_request_ReReco.json");
    let r = rereco.as_object().unwrap();
    let expected = (filter_efficiency(r) * r["TotalInputEvents"].as_f64().unwrap()) as i64;
    assert_eq!(static_total_events(r).unwrap(), Some(expected));
    let step = fixture("reqmgr2_request_StepChain.json");
    assert_eq!(static_total_events(step.as_object().unwrap()).unwrap(), Some(20000), "U10 (d) Step1.RequestNumEvents");
    let multi = fixture("reqmgr2_request_StepChain_MultiPU.json");
    assert_ne!(multi["TotalInputFiles"], json!(1), "TotalInputFiles 0 skips (a)");
    let resub = json!({"RequestType": "Resubmission", "RequestNumEvents": 5});
    assert_eq!(static_total_events(resub.as_object().unwrap()).unwrap(), None);
}

#[test]
fn u14_u15_campaigns_from_steps_and_requests() {
    let step = fixture("reqmgr2_request_StepChain.json");
    let (campaigns, requests) = campaigns_and_requests(step.as_object().unwrap());
    assert!(!campaigns.is_empty());
    assert!(!requests.is_empty(), "step PrepIDs are collected");
    let (c, r) = campaigns_and_requests(json!({"Campaign": "", "AcquisitionEra": {"T": 1}}).as_object().unwrap());
    assert_eq!(c, vec![json!({"T": 1})], "fallback is verbatim, any type");
    assert!(r.is_empty());
}

#[test]
fn py_int_truncates_and_parses() {
    assert_eq!(py_int(&json!(2.9)), Some(2));
    assert_eq!(py_int(&json!(-2.9)), Some(-2));
    assert_eq!(py_int(&json!("42")), Some(42));
    assert_eq!(py_int(&json!(null)), None);
}
