use super::*;
use serde_json::json;

#[test]
fn d11_d13_dataset_rows_use_the_latest_record() {
    let wf = Workflow::from_value(json!({
        "_id": "w", "TotalEvents": 200, "TotalInputLumis": 50, "LumiList": {"1": [[1, 2]]},
        "RequestType": "ReReco", "PrepID": "", "Campaigns": ["C", "C", "D"], "Requests": [],
        "OutputDatasets": ["/a/b/AOD", "/a/b/MINIAOD", "/a/b/AOD"],
        "RequestTransition": [{"Status": "new", "UpdateTime": 1}, {"Status": "running-open", "UpdateTime": 5}],
        "EventNumberHistory": [
            {"Time": 20, "Datasets": {"/a/b/AOD": {"Type": "VALID", "Events": 150, "Size": 2000, "Lumis": 25}}},
            {"Time": 10, "Datasets": {"/a/b/AOD": {"Type": "PRODUCTION", "Events": 10, "Size": 5}}}
        ]
    }))
    .unwrap();
    let row = workflow_row(&wf, 30);
    assert_eq!(row.prepid, None, "an empty PrepID is not shown");
    assert_eq!(row.campaigns, vec!["C", "D"]);
    assert!(row.shows_lumis);
    assert_eq!(row.first_status.as_ref().unwrap().status, "new");
    assert_eq!(row.last_status.as_ref().unwrap().time, 5);
    assert_eq!(row.datasets.len(), 3, "duplicates are kept (D11)");
    let aod = &row.datasets[0];
    assert_eq!((aod.events, aod.size, aod.lumis), (150, 2000, Some(25)));
    assert_eq!(aod.status, DatasetStatus::Valid);
    assert_eq!(aod.completed_perc, Some(75.0));
    assert_eq!(aod.lumi_completed_perc, Some(50.0));
    let mini = &row.datasets[1];
    assert_eq!((mini.events, mini.size, mini.status.clone()), (0, -1, DatasetStatus::None));
    assert_eq!(mini.datatier, "MINIAOD");
}

/// A workflow past production that stopped short of its total is closed, not stalled, and a
/// still-running one with the same history is stalled.
#[test]
fn a_finished_workflow_below_its_total_is_closed_not_stalled() {
    let doc = |status: &str| {
        json!({"_id": "w", "TotalEvents": 1000, "OutputDatasets": ["/a/b/AODSIM"],
            "RequestTransition": [{"Status": "running-open", "UpdateTime": 1}, {"Status": status, "UpdateTime": 2}],
            "EventNumberHistory": [{"Time": 100, "Datasets": {"/a/b/AODSIM": {"Type": "VALID", "Events": 970}}}]})
    };
    let now = 100 + 30 * 86_400;
    let closed = workflow_row(&Workflow::from_value(doc("announced")).unwrap(), now);
    let f = closed.datasets[0].forecast.unwrap();
    assert!(f.closed && !f.stalled && f.eta.is_none(), "{f:?}");
    let running = workflow_row(&Workflow::from_value(doc("running-closed")).unwrap(), now);
    let f = running.datasets[0].forecast.unwrap();
    assert!(f.stalled && !f.closed, "{f:?}");
}
