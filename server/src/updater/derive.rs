//! The pure part of building a Stats2 document from a ReqMgr2 request (U3–U9, U14–U17):
//! no upstream calls here. The updater adds what needs DBS or ReqMgr2 look-ups (U10 e/f,
//! U11–U13).

use serde_json::{Map, Value};

use app::json::py_truthy;

/// Data tiers in display order (U16); unknown tiers sort first (U17).
pub const TIER_ORDER: [&str; 55] = [
    "USER",
    "FEVT",
    "RAW-HLT",
    "ALCARECO",
    "ALCAPROMPT",
    "HLT",
    "DQM",
    "DQMIO",
    "DQMROOT",
    "GEN-SIM-RECODEBUG",
    "GEN-SIM-DIGI-RECODEBUG",
    "GEN-SIM-RAWDEBUG",
    "GEN-SIM-RAW-HLTDEBUG",
    "GEN-SIM-RAW-HLTDEBUG-RECO",
    "GEN-SIM-RAW-HLTDEBUG-RECODEBUG",
    "GEN-SIM-DIGI-RAW-HLTDEBUG-RECO",
    "GEN-SIM-DIGI-RAW-HLTDEBUG",
    "GEN-SIM-DIGI-HLTDEBUG-RECO",
    "GEN-SIM-DIGI-HLTDEBUG",
    "FEVTDEBUGHLT",
    "GEN-RAWDEBUG",
    "RAWDEBUG",
    "RECODEBUG",
    "HLTDEBUG",
    "RAWRECOSIMHLT",
    "RAW-RECOSIMHLT",
    "RECOSIMHLT",
    "FEVTHLTALL",
    "PREMIXRAW",
    "PREMIX-RAW",
    "RAW",
    "RAW-RECO",
    "LHE",
    "GEN",
    "GEN-RAW",
    "GEN-SIM",
    "SIM",
    "DIGI",
    "DIGI-RECO",
    "RECO",
    "RAWAODSIM",
    "GEN-SIM-RECO",
    "GEN-SIM-RAW",
    "GEN-SIM-RAW-HLT",
    "GEN-SIM-RAW-RECO",
    "GEN-SIM-DIGI",
    "GEN-SIM-DIGI-RECO",
    "GEN-SIM-DIGI-RAW",
    "GEN-SIM-DIGI-RAW-RECO",
    "AOD",
    "AODSIM",
    "MINIAOD",
    "MINIAODSIM",
    "NANOAOD",
    "NANOAODSIM",
];

/// Why a request cannot be turned into a Stats2 document.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DeriveError {
    /// The request is not a JSON object.
    #[error("the ReqMgr2 answer is not an object")]
    NotAnObject,
    /// `OutputDatasets` is missing (U6).
    #[error("the request has no OutputDatasets")]
    NoOutputDatasets,
    /// A transition lacks `Status` or `UpdateTime` (U5).
    #[error("transition {0} lacks Status or UpdateTime")]
    BadTransition(usize),
    /// A value that must be an integer is not (U7, U9).
    #[error("{0} is not an integer")]
    NotAnInteger(&'static str),
}

/// Python `int(x)`: numbers truncated toward zero, numeric strings parsed; else `None`.
pub fn py_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f.trunc() as i64)),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

/// Tier index of a dataset name (U16–U17): -1 for an unknown tier.
pub fn tier_index(dataset: &str) -> i64 {
    let tier = app::format::datatier(dataset);
    TIER_ORDER.iter().position(|t| *t == tier).map_or(-1, |i| i as i64)
}

/// Stable ascending sort by tier index (U16–U17).
pub fn sort_datasets(datasets: &mut [String]) {
    datasets.sort_by_key(|d| tier_index(d));
}

/// The chain tasks `Task1..` or `Step1..` (U14), in order.
pub fn chain_tasks(r: &Map<String, Value>) -> Vec<&Value> {
    let prefix = if r.contains_key("StepChain") { "Step" } else { "Task" };
    (1..1000).map_while(|n| r.get(&format!("{prefix}{n}"))).collect()
}

/// Campaigns (U14–U15) and Requests (U15), neither de-duplicated.
pub fn campaigns_and_requests(r: &Map<String, Value>) -> (Vec<Value>, Vec<Value>) {
    let mut campaigns = Vec::new();
    let mut requests = Vec::new();
    let truthy = |t: &Value, k: &str| t.get(k).filter(|v| py_truthy(v)).cloned();
    for task in chain_tasks(r) {
        if let Some(c) = truthy(task, "Campaign").or_else(|| truthy(task, "AcquisitionEra")) {
            campaigns.push(c);
        }
        if let Some(p) = truthy(task, "PrepID") {
            requests.push(p);
        }
    }
    if campaigns.is_empty() {
        let top = Value::Object(r.clone());
        if let Some(c) = truthy(&top, "Campaign").or_else(|| truthy(&top, "AcquisitionEra")) {
            campaigns.push(c);
        }
    }
    (campaigns, requests)
}

/// Filter efficiency (U8): first present of top level, Task1, Step1; default 1.0.
pub fn filter_efficiency(r: &Map<String, Value>) -> f64 {
    let top = r.get("FilterEfficiency");
    let task = r.get("Task1").and_then(|t| t.get("FilterEfficiency"));
    let step = r.get("Step1").and_then(|t| t.get("FilterEfficiency"));
    top.or(task).or(step).and_then(Value::as_f64).unwrap_or(1.0)
}

/// TotalEvents by U9 (a)–(c) and U10 (d), for non-Resubmission requests; `Ok(None)` when a
/// DBS look-up (U10 e/f) or the Resubmission rule (U12) decides instead.
pub fn static_total_events(r: &Map<String, Value>) -> Result<Option<i64>, DeriveError> {
    let kind = r.get("RequestType").and_then(Value::as_str).unwrap_or("").to_lowercase();
    if kind == "resubmission" {
        return Ok(None);
    }
    let files = r.get("TotalInputFiles").and_then(py_int).unwrap_or(0);
    if files > 0 {
        if let Some(events) = r.get("TotalInputEvents") {
            let events = py_int(events).ok_or(DeriveError::NotAnInteger("TotalInputEvents"))?;
            return Ok(Some((filter_efficiency(r) * events as f64) as i64));
        }
    }
    if let Some(n) = r.get("RequestNumEvents").filter(|v| !v.is_null()) {
        return py_int(n).map(Some).ok_or(DeriveError::NotAnInteger("RequestNumEvents"));
    }
    // X12: a null Task1/Step1 RequestNumEvents falls through instead of failing.
    for task in ["Task1", "Step1"] {
        if let Some(n) = r.get(task).and_then(|t| t.get("RequestNumEvents")).filter(|v| !v.is_null()) {
            return py_int(n).map(Some).ok_or(DeriveError::NotAnInteger("RequestNumEvents"));
        }
    }
    Ok(None)
}

/// The document without TotalEvents, TotalInputLumis, Campaigns and Requests (U3–U7).
pub fn base_document(name: &str, r: &Value) -> Result<Map<String, Value>, DeriveError> {
    const KEPT: [&str; 14] = [
        "AcquisitionEra",
        "CMSSWVersion",
        "InputDataset",
        "OutputDatasets",
        "PrepID",
        "ProcessingString",
        "RequestName",
        "RequestPriority",
        "RequestTransition",
        "RequestType",
        "LumiList",
        "TotalInputLumis",
        "SizePerEvent",
        "TimePerEvent",
    ];
    let r = r.as_object().ok_or(DeriveError::NotAnObject)?;
    let mut doc = Map::new();
    doc.insert("_id".into(), Value::String(name.to_owned()));
    for key in KEPT {
        if let Some(v) = r.get(key) {
            doc.insert(key.into(), v.clone());
        }
    }
    // U3: Task1, then Step1, override the top-level value when they have the key.
    for key in ["InputDataset", "ProcessingString"] {
        if let Some(v) = ["Task1", "Step1"].iter().find_map(|t| r.get(*t).and_then(|t| t.get(key))) {
            doc.insert(key.into(), v.clone());
        }
    }
    doc.insert("RequestTransition".into(), Value::Array(transitions(r)?));
    doc.insert("OutputDatasets".into(), output_datasets(r)?.into_iter().map(Value::String).collect());
    doc.insert("EventNumberHistory".into(), Value::Array(Vec::new()));
    let priority = match r.get("RequestPriority") {
        None => 0,
        Some(p) => py_int(p).ok_or(DeriveError::NotAnInteger("RequestPriority"))?,
    };
    doc.insert("RequestPriority".into(), Value::from(priority));
    if doc.get("ProcessingString").is_some_and(|v| !v.is_string()) {
        doc.remove("ProcessingString");
    }
    if doc.get("PrepID").is_some_and(Value::is_null) {
        doc.remove("PrepID");
    }
    Ok(doc)
}

/// U5: each transition's Status and UpdateTime, in order; one lacking either is an error.
fn transitions(r: &Map<String, Value>) -> Result<Vec<Value>, DeriveError> {
    let Some(list) = r.get("RequestTransition").and_then(Value::as_array) else { return Ok(Vec::new()) };
    list.iter()
        .enumerate()
        .map(|(i, t)| match (t.get("Status"), t.get("UpdateTime")) {
            (Some(s), Some(u)) => Ok(serde_json::json!({"Status": s, "UpdateTime": u})),
            _ => Err(DeriveError::BadTransition(i)),
        })
        .collect()
}

/// U6: the output datasets flattened and sorted by tier (U16–U17); absent is an error.
fn output_datasets(r: &Map<String, Value>) -> Result<Vec<String>, DeriveError> {
    let mut flat = Vec::new();
    app::json::flatten(r.get("OutputDatasets").ok_or(DeriveError::NoOutputDatasets)?, &mut flat);
    let mut outputs: Vec<String> =
        flat.iter().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)).collect();
    sort_datasets(&mut outputs);
    Ok(outputs)
}

#[cfg(test)]
mod tests;
