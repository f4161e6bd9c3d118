//! ReqMgr2 request documents from the upstream fixtures: the raw material the simulated
//! ReqMgr2 and the demo seed build their requests from.

use std::sync::LazyLock;

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
/// batch, the 20 of the WMStats cache. Parsed once: a living world makes a request from them
/// every minute or so.
pub fn requests() -> &'static [(String, Value)] {
    static PARSED: LazyLock<Vec<(String, Value)>> = LazyLock::new(parse);
    &PARSED
}

/// `YYMMDD_HHMMSS` in UTC: the date and time in a request's name, as ReqMgr2 writes them.
pub fn name_stamp(t: i64) -> String {
    let full = app::format::utc_datetime(t);
    let digits: String = full.chars().filter(char::is_ascii_digit).collect();
    format!("{}_{}", &digits[2..8], &digits[8..14])
}

fn parse() -> Vec<(String, Value)> {
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
