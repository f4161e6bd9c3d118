//! ReqMgr2 request documents from the upstream fixtures: the raw material the simulated
//! ReqMgr2 and the demo seed build their requests from.

use serde_json::Value;

const REQUESTS: [&str; 5] = [
    include_str!("../../fixtures/upstream/reqmgr2_request_ReReco.json"),
    include_str!("../../fixtures/upstream/reqmgr2_request_TaskChain.json"),
    include_str!("../../fixtures/upstream/reqmgr2_request_StepChain.json"),
    include_str!("../../fixtures/upstream/reqmgr2_request_StepChain_IncludeParents.json"),
    include_str!("../../fixtures/upstream/reqmgr2_request_StepChain_MultiPU.json"),
];
const BATCH: &str = include_str!("../../fixtures/upstream/reqmgr2_requests_batch_by_name.json");
const WMSTATS: &str = include_str!("../../fixtures/upstream/wmstats_datacache_20_requests.json");

/// Every fixture request (name, document), in a fixed order: 5 single dumps, the 3 of the
/// batch, the 20 of the WMStats cache.
pub fn requests() -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for text in REQUESTS {
        if let Ok(doc) = serde_json::from_str::<Value>(text) {
            let name = doc.get("RequestName").and_then(Value::as_str).unwrap_or("unnamed").to_owned();
            out.push((name, doc));
        }
    }
    for text in [BATCH, WMSTATS] {
        if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) {
            out.extend(map);
        }
    }
    out
}
