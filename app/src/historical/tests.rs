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
