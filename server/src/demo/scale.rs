//! Workflows in bulk, for the scale benchmark and the index's oracle tests: realistic shapes
//! (1–4 output datasets of common tiers, histories of 5–25 entries, every status, priorities,
//! some stalled, some complete, a few invalid) from a seed, with pools of campaigns, types and
//! processing strings small enough that filters match many workflows and combine.

use serde_json::{json, Map, Value};

use super::seed::{Rng, STATUSES};
use crate::sim::templates::name_stamp as stamp;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Distinct campaigns.
    pub campaigns: usize,
    /// History entries per workflow at most (at least 5, or this when smaller).
    pub max_entries: usize,
    /// Newest activity before this time.
    pub now: i64,
}

impl Default for Shape {
    fn default() -> Self {
        Shape { campaigns: 12, max_entries: 25, now: 1_764_000_000 }
    }
}

const TIERS: [&str; 6] = ["AODSIM", "MINIAODSIM", "NANOAODSIM", "GEN-SIM", "DQMIO", "RECO"];
const TYPES: [&str; 5] = ["TaskChain", "StepChain", "ReReco", "MonteCarlo", "Resubmission"];
const PWGS: [&str; 6] = ["HIG", "EXO", "SUS", "TOP", "SMP", "B2G"];

/// Workflow number `i` of a store generated with `seed`.
pub fn workflow(i: usize, seed: u64, shape: Shape) -> Value {
    let mut rng = Rng::new(seed.wrapping_mul(1_000_003).wrapping_add(i as u64 + 1));
    let c = i % shape.campaigns.max(1);
    let campaign = format!("Run3Summer{}Campaign{c:02}", 20 + c % 5);
    let kind = TYPES[rng.below(TYPES.len() as u64) as usize];
    let pwg = PWGS[rng.below(PWGS.len() as u64) as usize];
    let created = shape.now - 3600 * (1 + rng.below(24 * 400) as i64);
    let name = format!("pdmvserv_task_{pwg}-{campaign}-{i:07}__v1_T_{}_{:04}", stamp(created), i % 10_000);
    let prepid = format!("{pwg}-{campaign}-{:05}", i / 3);
    let ps = format!("{}_v{}", campaign.replace("Summer", "_"), 1 + rng.below(3));
    let outputs: Vec<String> = (0..1 + rng.below(4) as usize)
        .map(|k| format!("/Sample{}/{campaign}-{ps}/{}", i % 97, TIERS[(i + k) % TIERS.len()]))
        .collect();
    let total = 1000 * (1 + rng.below(5000) as i64);
    let mut doc = Map::new();
    doc.insert("_id".into(), json!(name));
    doc.insert("RequestName".into(), json!(name));
    doc.insert("PrepID".into(), json!(prepid));
    doc.insert("RequestType".into(), json!(kind));
    doc.insert("Campaigns".into(), json!([campaign]));
    doc.insert("Requests".into(), json!([prepid]));
    doc.insert("ProcessingString".into(), json!(ps));
    doc.insert(
        "InputDataset".into(),
        json!(if kind == "ReReco" { format!("/JetMET{}/Run2024F-v1/RAW", i % 4) } else { String::new() }),
    );
    doc.insert("OutputDatasets".into(), json!(outputs));
    doc.insert("TotalEvents".into(), json!(total));
    doc.insert("TotalInputLumis".into(), json!(-1));
    doc.insert("RequestPriority".into(), json!(60_000 + 1000 * rng.below(60) as i64));
    doc.insert("LastUpdate".into(), json!(shape.now - rng.below(86_400) as i64));
    history(&mut doc, &outputs, total, created, shape, &mut rng);
    // Drawn from a generator of their own, so every other field stays what it was.
    let mut rare = Rng::new(seed.wrapping_mul(7_919).wrapping_add(i as u64 + 3));
    if rare.below(6) == 0 {
        force_complete(&mut doc);
    }
    if matches!(kind, "ReReco" | "Resubmission") && rare.below(3) == 0 {
        lumi_mode(&mut doc, total / 100);
    }
    Value::Object(doc)
}

/// Adds a force-complete transition right after running-closed, when it got that far.
fn force_complete(doc: &mut Map<String, Value>) {
    let Some(Value::Array(transitions)) = doc.get_mut("RequestTransition") else { return };
    let closed = app::filter::RequestStatus::RunningClosed.as_str();
    let Some(at) = transitions.iter().position(|t| t["Status"] == closed) else { return };
    let time = transitions[at]["UpdateTime"].as_i64().unwrap_or(0) + 600;
    transitions.insert(at + 1, json!({"Status": "force-complete", "UpdateTime": time}));
}

/// Makes a reprocessing workflow count lumisections (U22): a LumiList, its expected
/// lumisections, and a lumisection count beside the events of every history record.
fn lumi_mode(doc: &mut Map<String, Value>, lumis: i64) {
    doc.insert("LumiList".into(), json!({"1": [[1, 100]]}));
    doc.insert("TotalInputLumis".into(), json!(lumis.max(1)));
    let Some(Value::Array(entries)) = doc.get_mut("EventNumberHistory") else { return };
    for record in entries.iter_mut().filter_map(|e| e["Datasets"].as_object_mut()).flat_map(|d| d.values_mut()) {
        let events = record["Events"].as_i64().unwrap_or(0);
        record["Lumis"] = json!(events / 100);
    }
}

/// Transitions and the event history: progress up to complete, stalled ones stop early.
fn history(doc: &mut Map<String, Value>, outputs: &[String], total: i64, created: i64, shape: Shape, rng: &mut Rng) {
    let statuses = 1 + rng.below(STATUSES.len() as u64) as usize;
    let span = (shape.now - created).max(3600);
    let transitions: Vec<Value> = (0..statuses)
        .map(|k| json!({"Status": STATUSES[k].as_str(), "UpdateTime": created + k as i64 * span / (statuses as i64 + 1)}))
        .collect();
    doc.insert("RequestTransition".into(), Value::Array(transitions));
    let lo = shape.max_entries.min(5);
    let entries = lo + rng.below((shape.max_entries - lo + 1) as u64) as usize;
    // A quarter stop early (stalled unless complete), the rest run to now.
    let end = if rng.below(4) == 0 { created + span / 2 } else { shape.now - rng.below(7200) as i64 };
    // Nothing is produced before a workflow is acquired: those still assigned or staging
    // have histories of zeros (what the idle alert looks for).
    let acquired = statuses > STATUSES.iter().position(|s| *s == app::filter::RequestStatus::Acquired).unwrap_or(0);
    let target = if acquired { 0.3 + 0.8 * rng.unit() } else { 0.0 * rng.unit() };
    let invalid = rng.below(30) == 0;
    let entries: Vec<Value> = (1..=entries)
        .map(|k| {
            let t = created + (end - created) * k as i64 / entries as i64;
            let frac = (target * k as f64 / entries as f64).min(1.0);
            let (last, second_last) = (k == entries, k + 1 == entries);
            let datasets: Map<String, Value> = outputs
                .iter()
                .enumerate()
                .map(|(j, d)| {
                    let events = (total as f64 * frac * (1.0 - 0.02 * j as f64)).round() as i64;
                    // An invalidated dataset was announced first: two status changes.
                    let status = match (last, invalid, events >= total) {
                        (true, true, _) => "INVALID",
                        (true, _, true) => "VALID",
                        (false, true, _) if second_last => "VALID",
                        _ => "PRODUCTION",
                    };
                    (d.clone(), json!({"Type": status, "Events": events, "Size": events * 1500}))
                })
                .collect();
            json!({"Time": t, "Datasets": datasets})
        })
        .collect();
    doc.insert("EventNumberHistory".into(), Value::Array(entries));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_deterministic_unique_and_readable() {
        let shape = Shape::default();
        let a = workflow(7, 1, shape);
        assert_eq!(a, workflow(7, 1, shape));
        assert_ne!(a["_id"], workflow(8, 1, shape)["_id"]);
        let wf = app::model::Workflow::from_value(a).unwrap();
        let n = wf.event_number_history.as_ref().map_or(0, Vec::len);
        assert!((5..=25).contains(&n), "{n}");
    }
}
