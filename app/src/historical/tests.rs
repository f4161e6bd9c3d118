use super::*;
use serde_json::json;

const H: i64 = 3600;

fn wf(id: &str, created: i64, total: i64, entries: &[(i64, &str, i64)]) -> Workflow {
    let history: Vec<serde_json::Value> = entries
        .iter()
        .map(|(t, s, e)| json!({"Time": t, "Datasets": {"/p/q-v1/AODSIM": {"Type": s, "Events": e}}}))
        .collect();
    Workflow::from_value(json!({"_id": id, "TotalEvents": total, "OutputDatasets": ["/p/q-v1/AODSIM"],
        "RequestTransition": [{"Status": "new", "UpdateTime": created}], "EventNumberHistory": history}))
    .unwrap()
}

/// Produced while in production, VALID from the entry that made it so; a second workflow
/// created later whose dataset went INVALID.
#[test]
fn produced_events_move_to_their_final_status_when_it_begins() {
    let a = wf("a", 0, 1000, &[(H, "PRODUCTION", 100), (2 * H, "PRODUCTION", 600), (3 * H, "VALID", 1000)]);
    let b = wf("b", 2 * H, 500, &[(3 * H, "PRODUCTION", 200), (4 * H, "INVALID", 300)]);
    let v = historical_of(&[a.clone(), b.clone()], H, false);
    assert_eq!(v.ends, [H, 2 * H, 3 * H, 4 * H]);
    assert_eq!(v.produced, [100, 600, 200, 0]);
    assert_eq!(v.valid, [0, 0, 1000, 1000]);
    assert_eq!(v.invalid, [0, 0, 0, 300]);
    assert_eq!(v.expected, [1500; 4], "without growing every workflow expects from the start");
    let g = historical_of(&[a, b], H, true);
    assert_eq!(g.expected, [1000, 1500, 1500, 1500], "growing: from each creation");
    assert_eq!(g.workflows, 2);
}

#[test]
fn the_status_holds_since_its_unbroken_run_began() {
    let w = wf("w", 0, 10, &[(H, "VALID", 1), (2 * H, "PRODUCTION", 2), (3 * H, "VALID", 3), (4 * H, "VALID", 4)]);
    assert_eq!(status_since(&w.history_sorted(), "/p/q-v1/AODSIM"), Some(3 * H));
    assert_eq!(status_since(&w.history_sorted(), "/other"), None);
}

/// A force-completed workflow counts its expected events as produced from that time on,
/// whatever its dataset said after; one counted in lumisections is left out, and said.
#[test]
fn force_complete_pins_produced_to_expected_and_lumis_stay_apart() {
    let day = 86_400;
    let wf = |id: &str, fc: bool, lumi: bool| {
        let mut transitions = vec![json!({"Status": "running-open", "UpdateTime": day})];
        if fc {
            transitions.push(json!({"Status": "force-complete", "UpdateTime": 3 * day}));
        }
        let entry = |t: i64, e: i64| json!({"Time": t, "Datasets": {"/p/a-v1/AOD": {"Type": "PRODUCTION", "Events": e, "Lumis": e / 10}}});
        let mut doc = json!({"_id": id, "TotalEvents": 1000, "RequestType": "ReReco", "OutputDatasets": ["/p/a-v1/AOD"],
            "RequestTransition": transitions, "EventNumberHistory": [entry(2 * day, 400), entry(4 * day, 500)]});
        if lumi {
            doc["LumiList"] = json!({"1": [[1, 5]]});
            doc["TotalInputLumis"] = json!(100);
        }
        Workflow::from_value(doc).unwrap()
    };
    let v = historical_of(&[wf("fc", true, false)], day, false);
    assert_eq!(v.ends, [2 * day, 3 * day, 4 * day]);
    assert_eq!(v.produced, [400, 1000, 1000], "400 by day 2, the expected 1000 from the force-complete on");
    let v = historical_of(&[wf("plain", false, false), wf("lumi", false, true)], day, false);
    assert_eq!(v.produced.last(), Some(&500));
    assert_eq!((v.workflows, v.lumi_left_out), (1, 1));
}

#[test]
fn a_window_keeps_its_buckets() {
    let v = HistoricalView {
        ends: vec![10, 20, 30, 40],
        expected: vec![5, 5, 9, 9],
        produced: vec![1, 2, 3, 4],
        valid: vec![0, 0, 1, 2],
        invalid: vec![0, 0, 0, 1],
        workflows: 2,
        lumi_left_out: 1,
    };
    let w = window(&v, Some((15, 30)));
    assert_eq!((w.ends.clone(), w.produced.clone(), w.lumi_left_out), (vec![20, 30], vec![2, 3], 1));
    assert_eq!(window(&v, Some((41, 50))).ends, vec![40], "past the end: the last bucket");
    assert_eq!(window(&v, Some((21, 29))).ends, vec![30], "between two ends: the next one");
    assert_eq!(window(&v, None), v);
    assert_eq!(nearest_bucket(&v, 26), Some(2));
}
