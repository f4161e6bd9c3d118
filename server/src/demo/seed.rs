//! Generates realistic Stats2 documents from the fixture requests: the pure derive rules
//! applied to each template, then varied names (ReqMgr2's
//! `<requestor>_<description>_<YYMMDD>_<HHMMSS>_<4 digits>` form), campaigns, PrepIDs routed
//! to McM, ReReco and RelVal, datasets, transitions and growing event histories.

use app::filter::RequestStatus;
use serde_json::{json, Map, Value};

use crate::sim::templates::{self, name_stamp as stamp};
use crate::updater::derive::{base_document, campaigns_and_requests, static_total_events};

const CAMPAIGNS: [&str; 6] =
    ["RunIISummer20UL16", "RunIISummer20UL17", "RunIISummer20UL18", "Run3Summer22", "Run3Summer23BPix", "Run3Winter24"];
const PWGS: [&str; 6] = ["HIG", "EXO", "SUS", "TOP", "SMP", "B2G"];
const ERAS: [&str; 4] = ["Run2022C", "Run2022D", "Run2023C", "Run2024F"];
/// The statuses a demo workflow walks through, in order: ReqMgr2's happy path up to
/// `announced`, without `force-complete`.
pub(crate) static STATUSES: std::sync::LazyLock<Vec<RequestStatus>> = std::sync::LazyLock::new(|| {
    RequestStatus::ALL.into_iter().take(12).filter(|s| *s != RequestStatus::ForceComplete).collect()
});

/// Small deterministic generator (xorshift64*), so the demo is the same on every machine.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Generates `n` workflow documents whose newest activity is before `now`.
pub fn generate(n: usize, now: i64) -> Vec<Value> {
    let templates = templates::requests();
    (0..n).filter_map(|i| workflow(i, &templates[i % templates.len()], now)).collect()
}

fn workflow(i: usize, (tname, r): &(String, Value), now: i64) -> Option<Value> {
    let mut rng = Rng::new(i as u64 + 1);
    let variant = i / 28;
    let created = now - 3600 * (2 + rng.below(24 * 60) as i64) - rng.below(3600) as i64;
    let requestor = tname.split('_').next().unwrap_or("pdmvserv");
    let parts: Vec<&str> = tname.split('_').collect();
    let desc = parts.get(1..parts.len().saturating_sub(3)).map(|p| p.join("_")).unwrap_or_default();
    let campaign = CAMPAIGNS[(i / 3) % CAMPAIGNS.len()];
    let kind = r.get("RequestType").and_then(Value::as_str).unwrap_or("TaskChain").to_owned();
    let route = i % 7;
    let resubmission = i % 23 == 11;
    let (prepid, name_tag) = match (kind.as_str(), route) {
        ("ReReco", _) | (_, 5) => {
            (format!("ReReco-{}-JetMET{}-27Jun2023-{:05}", ERAS[i % 4], variant % 2, 1 + i % 97), String::new())
        }
        (_, 6) => (
            format!("CMSSW_13_0_{}__RelVal_2023-{}-{:05}", variant % 4, 1_690_000_000 + i, 1 + i % 89),
            "RVCMSSW_13_0_".into(),
        ),
        // A McM request often has several workflows (clones, ACDCs): four share a PrepID.
        _ => (format!("{}-{campaign}wmLHEGS-{:05}", PWGS[(i / 4) % PWGS.len()], 100 + i / 4), String::new()),
    };
    let prefix = if resubmission { "ACDC0_" } else { "" };
    let name = format!("{requestor}_{prefix}{name_tag}{desc}_{campaign}_{}_{:04}", stamp(created), (i * 7919) % 10_000);

    let mut doc = base_document(&name, r).ok()?;
    doc.insert("RequestName".into(), Value::String(name.clone()));
    doc.insert("PrepID".into(), Value::String(prepid.clone()));
    let (mut campaigns, mut requests) = campaigns_and_requests(r.as_object()?);
    if variant > 0 || campaigns.is_empty() {
        campaigns = vec![json!(campaign)];
    }
    if requests.is_empty() || variant > 0 {
        requests = vec![json!(prepid)];
    }
    let outputs = vary_datasets(&doc, variant, campaign);
    doc.insert("OutputDatasets".into(), json!(outputs));
    doc.insert("Campaigns".into(), Value::Array(campaigns));
    doc.insert("Requests".into(), Value::Array(requests));
    if resubmission {
        doc.insert("RequestType".into(), json!("Resubmission"));
    }
    let total = static_total_events(r.as_object()?)
        .ok()
        .flatten()
        .filter(|t| *t > 0)
        .unwrap_or(10_000 * (1 + rng.below(500) as i64));
    doc.insert("TotalEvents".into(), json!(total));
    let lumis = doc.get("TotalInputLumis").and_then(Value::as_i64).filter(|l| *l > 0);
    doc.insert("TotalInputLumis".into(), lumis.map_or(json!(-1), Value::from));
    if doc.get("RequestPriority").and_then(Value::as_i64) == Some(0) {
        doc.insert("RequestPriority".into(), json!(80_000 + 1000 * rng.below(40) as i64));
    }
    let progress = progress_for(&mut rng, i);
    add_history(&mut doc, &outputs, total, lumis, created, now, progress, &mut rng);
    Some(Value::Object(doc))
}

/// Output datasets of the template, moved to this workflow's campaign and version.
fn vary_datasets(doc: &Map<String, Value>, variant: usize, campaign: &str) -> Vec<String> {
    let outputs: Vec<String> =
        doc["OutputDatasets"].as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_owned)).collect();
    if variant == 0 {
        return outputs;
    }
    outputs
        .iter()
        .map(|d| {
            let mut p: Vec<String> = d.split('/').map(str::to_owned).collect();
            if p.len() == 4 {
                p[2] = format!("{campaign}-{}-v{}", p[2].split('-').nth(1).unwrap_or("Prod"), variant + 1);
            }
            p.join("/")
        })
        .collect()
}

/// How far a workflow has come: some not started, most running, a fifth done.
fn progress_for(rng: &mut Rng, i: usize) -> f64 {
    match i % 10 {
        0 => 0.0,
        1 | 2 => 1.0,
        _ => 0.05 + 0.9 * rng.unit(),
    }
}

#[expect(clippy::too_many_arguments, reason = "one history is shaped by all of them; a struct would only rename them")]
fn add_history(
    doc: &mut Map<String, Value>,
    outputs: &[String],
    total: i64,
    lumis: Option<i64>,
    created: i64,
    now: i64,
    progress: f64,
    rng: &mut Rng,
) {
    let span = (now - created).max(3600);
    let steps = if progress == 0.0 { 0 } else { 2 + rng.below(14) as i64 };
    let done_statuses = (3.0 + progress * 7.0).round() as usize;
    let transitions: Vec<Value> = (0..done_statuses.min(STATUSES.len()))
        .map(|k| json!({"Status": STATUSES[k].as_str(), "UpdateTime": created + k as i64 * span / 24}))
        .collect();
    doc.insert("RequestTransition".into(), Value::Array(transitions));
    let invalid = rng.below(25) == 0;
    let lumi_mode = lumis.is_some() && doc.get("LumiList").is_some_and(app::json::py_truthy);
    let mut history = Vec::new();
    for k in 1..=steps {
        let t = created + span * k / (steps + 1);
        let frac = progress * (k as f64 / steps as f64).powf(1.3);
        let last = k == steps;
        let mut datasets = Map::new();
        for (j, d) in outputs.iter().enumerate() {
            let events = (total as f64 * frac * (1.0 - 0.03 * j as f64)).round() as i64;
            let status = match (last, progress >= 1.0, invalid) {
                (true, _, true) => "INVALID",
                (true, true, _) => "VALID",
                _ => "PRODUCTION",
            };
            let mut rec = json!({"Type": status, "Events": events, "Size": events * (800 + 150 * j as i64)});
            if lumi_mode {
                rec["Lumis"] = json!((lumis.unwrap_or(0) as f64 * frac).round() as i64);
            }
            datasets.insert(d.clone(), rec);
        }
        history.push(json!({"Time": t, "Datasets": datasets}));
    }
    let last_update = history.last().and_then(|h| h["Time"].as_i64()).unwrap_or(created + 60);
    doc.insert("EventNumberHistory".into(), Value::Array(history));
    doc.insert("LastUpdate".into(), json!(last_update));
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::forecast::{forecast, Settings};
    use app::model::Workflow;

    #[test]
    fn the_status_path_runs_from_new_to_announced_without_force_complete() {
        let path: Vec<&str> = STATUSES.iter().map(|s| s.as_str()).collect();
        assert_eq!((path.len(), path[0], path[10]), (11, "new", "announced"));
        assert!(!path.contains(&"force-complete"));
    }

    #[test]
    fn forecasts_of_the_fixture_derived_histories_are_sane() {
        let now = 1_764_000_000;
        let mut with_eta = 0;
        for d in generate(320, now) {
            let wf = Workflow::from_value(d).unwrap();
            let total = wf.total_events.unwrap_or(-1);
            for ds in wf.output_datasets.iter().flatten() {
                let pts: Vec<(i64, i64)> =
                    wf.history_sorted().iter().filter_map(|h| Some((h.time?, h.datasets.get(ds)?.events))).collect();
                let f = forecast(&pts, total, now, Settings::default());
                assert!(f.rate_per_hour >= 0.0 && f.rate_per_hour.is_finite(), "{ds}: {f:?}");
                if let Some(eta) = f.eta {
                    assert!(eta > now && !f.complete && !f.stalled, "{ds}: {f:?}");
                    with_eta += 1;
                }
                if pts.is_empty() {
                    assert_eq!(f.eta, None);
                }
            }
        }
        assert!(with_eta > 50, "running workflows get an estimate ({with_eta})");
    }

    #[test]
    fn generates_distinct_well_formed_names_and_readable_documents() {
        let docs = generate(320, 1_764_000_000);
        assert_eq!(docs.len(), 320);
        let names: std::collections::HashSet<&str> = docs.iter().map(|d| d["_id"].as_str().unwrap()).collect();
        assert_eq!(names.len(), 320, "names are unique");
        for d in &docs {
            let name = d["_id"].as_str().unwrap();
            let parts: Vec<&str> = name.rsplitn(4, '_').collect();
            assert_eq!(parts[0].len(), 4, "{name}");
            assert_eq!((parts[1].len(), parts[2].len()), (6, 6), "{name}");
            let wf = Workflow::from_value(d.clone()).unwrap();
            // Round trip: the typed model keeps everything the generator wrote.
            assert_eq!(&wf.to_value(), d);
        }
        let types: std::collections::HashSet<&str> = docs.iter().filter_map(|d| d["RequestType"].as_str()).collect();
        assert!(types.len() >= 7, "{types:?}");
        let rerecos = docs.iter().filter(|d| d["PrepID"].as_str().unwrap().starts_with("ReReco-")).count();
        let relvals = docs.iter().filter(|d| d["_id"].as_str().unwrap().contains("RVCMSSW")).count();
        assert!(rerecos > 20 && relvals > 20, "{rerecos} {relvals}");
        let mut per_prepid = std::collections::HashMap::new();
        for d in &docs {
            *per_prepid.entry(d["PrepID"].as_str().unwrap()).or_insert(0) += 1;
        }
        assert!(per_prepid.values().any(|n| *n >= 3), "some PrepIDs have several workflows");
    }
}
