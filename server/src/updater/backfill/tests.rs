//! U44–U46 on fixture-shaped documents: the ReReco request recorded from ReqMgr2, rebuilt
//! as the updater builds it, against a stored document whose history predates lumisections.

use serde_json::json;

use super::*;

fn rebuilt(lumi_list: Value) -> Map<String, Value> {
    let path = format!("{}/fixtures/upstream/reqmgr2_request_ReReco.json", env!("CARGO_MANIFEST_DIR"));
    let mut r: Map<String, Value> = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    r.insert("LumiList".into(), lumi_list);
    r.insert("TotalInputLumis".into(), json!(8110));
    r
}

fn stored() -> Value {
    json!({
        "_id": "w", "_rev": "3-a", "RequestType": "ReReco", "PrepID": "ReReco-Run2017F-00001",
        "TotalEvents": 1000,
        "EventNumberHistory": [
            {"Time": 300, "Datasets": {"/a/b/AOD": {"Type": "VALID", "Events": 900, "Size": 9}, "/a/b/MINIAOD": {"Type": "PRODUCTION", "Events": 800, "Size": 8}}},
            {"Time": 100, "Datasets": {"/a/b/AOD": {"Type": "PRODUCTION", "Events": 100, "Size": 1, "Lumis": 7}}},
            {"Time": 200, "Datasets": {"/a/b/AOD": {"Type": "PRODUCTION", "Events": 500, "Size": 5}}}
        ]
    })
}

#[test]
fn u44_selects_rereco_and_resubmissions_of_rereco_only() {
    assert!(selected(&json!({"RequestType": "ReReco"})));
    assert!(selected(&json!({"RequestType": "Resubmission", "PrepID": "ReReco-Run2017F-00001"})));
    assert!(!selected(&json!({"RequestType": "Resubmission", "PrepID": "HIG-Run3-00001"})));
    assert!(!selected(&json!({"RequestType": "Resubmission"})));
    assert!(!selected(&json!({"RequestType": "rereco"})), "the selector is exact, as the Mango query is");
    assert!(!selected(&json!({"RequestType": "TaskChain", "PrepID": "ReReco-x"})));
}

#[test]
fn u45_u46_copy_the_lumi_fields_count_the_newest_entry_and_zero_older_ones() {
    let lumis = HashMap::from([("/a/b/AOD".to_owned(), 4200), ("/a/b/MINIAOD".to_owned(), 4100)]);
    let doc = rewrite(&stored(), &rebuilt(json!({"305040": [[1, 80]]})), &lumis).unwrap();
    assert_eq!(doc["TotalInputLumis"], 8110);
    assert_eq!(doc["LumiList"], json!({"305040": [[1, 80]]}));
    let h = doc["EventNumberHistory"].as_array().unwrap();
    assert_eq!(h.iter().map(|e| e["Time"].as_i64().unwrap()).collect::<Vec<_>>(), [100, 200, 300], "ascending");
    assert_eq!(h[0]["Datasets"]["/a/b/AOD"]["Lumis"], 7, "an older record keeps its Lumis");
    assert_eq!(h[1]["Datasets"]["/a/b/AOD"]["Lumis"], 0, "an older record without Lumis gets 0");
    assert_eq!(h[2]["Datasets"]["/a/b/AOD"]["Lumis"], 4200, "the newest gets num_lumi");
    assert_eq!(h[2]["Datasets"]["/a/b/MINIAOD"]["Lumis"], 4100);
    assert_eq!(h[2]["Datasets"]["/a/b/AOD"]["Events"], 900, "nothing else changes");
    assert_eq!(doc["_rev"], "3-a");
    assert_eq!(rewrite(&doc, &rebuilt(json!({"305040": [[1, 80]]})), &lumis), Some(doc.clone()), "idempotent");
}

#[test]
fn u45_leaves_alone_what_is_not_in_lumi_mode_or_has_no_history() {
    let lumis = HashMap::new();
    assert_eq!(rewrite(&stored(), &rebuilt(json!({})), &lumis), None, "an empty LumiList is not lumi mode");
    let mut empty = stored();
    empty["EventNumberHistory"] = json!([]);
    assert_eq!(rewrite(&empty, &rebuilt(json!({"1": [[1, 2]]})), &lumis), None);
    let mut taskchain = rebuilt(json!({"1": [[1, 2]]}));
    taskchain.insert("RequestType".into(), json!("TaskChain"));
    assert_eq!(rewrite(&stored(), &taskchain, &lumis), None);
}

#[test]
fn a_dataset_of_the_newest_entry_missing_from_dbs_counts_zero() {
    let doc = rewrite(&stored(), &rebuilt(json!({"1": [[1, 2]]})), &HashMap::new()).unwrap();
    assert_eq!(doc["EventNumberHistory"][2]["Datasets"]["/a/b/MINIAOD"]["Lumis"], 0);
}
