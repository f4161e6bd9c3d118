//! The simulated cmsweb world: ReqMgr2 requests derived from the fixtures, the DBS datasets
//! they produce, and how both change step by step.

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Map, Value};

use super::templates;

/// Statuses a request walks through; from `running-open` its datasets grow.
pub(super) const STATUSES: [&str; 8] =
    ["new", "assignment-approved", "assigned", "acquired", "running-open", "running-closed", "completed", "announced"];

/// A request as ReqMgr2 stores it, plus its progress.
#[derive(Debug, Clone)]
pub struct SimRequest {
    /// The ReqMgr2 document (without `_rev`).
    pub doc: Map<String, Value>,
    /// Sequence of its last change.
    pub seq: u64,
    /// Index into the status walk.
    pub status: usize,
    /// Fraction produced, 0..=1.
    pub progress: f64,
    /// Progress per step.
    pub speed: f64,
    /// Events each output dataset reaches at the end.
    pub target_events: i64,
    /// Production paused (a living world's stall): no events until it resumes.
    pub paused: bool,
    /// Its datasets end INVALID instead of VALID (a living world's failed validation).
    pub fails: bool,
}

/// A DBS dataset.
#[derive(Debug, Clone)]
pub struct SimDataset {
    /// Access type; `None` while DBS does not know it.
    pub access: Option<&'static str>,
    /// Events, bytes and lumisections of valid files.
    pub events: i64,
    /// Bytes.
    pub size: i64,
    /// Lumisections.
    pub lumis: i64,
    /// Last modification time.
    pub ldate: i64,
}

/// The whole simulated state.
pub struct World {
    /// Last sequence handed out.
    pub seq: u64,
    /// Requests by name.
    pub requests: BTreeMap<String, SimRequest>,
    /// Deleted requests with the sequence of their deletion.
    pub deleted: BTreeMap<String, u64>,
    /// DBS datasets by name.
    pub datasets: HashMap<String, SimDataset>,
    /// Simulated clock (Unix seconds).
    pub clock: i64,
    rng: u64,
}

impl World {
    /// `scale` requests derived from the fixture requests; with `outputs`, every request has
    /// exactly that many output datasets.
    pub fn generate(scale: usize, outputs: Option<usize>, seed: u64, clock: i64) -> Self {
        World::generate_named(scale, outputs, seed, clock, None)
    }

    /// As [`World::generate`], the names' date and time from `stamp` when given (a living
    /// world's requests are named after when they were made, as ReqMgr2 names them).
    pub(super) fn generate_named(
        scale: usize,
        outputs: Option<usize>,
        seed: u64,
        clock: i64,
        stamp: Option<i64>,
    ) -> Self {
        let templates = templates::requests();
        let mut w = World {
            seq: 0,
            requests: BTreeMap::new(),
            deleted: BTreeMap::new(),
            datasets: HashMap::new(),
            clock,
            rng: seed | 1,
        };
        let mut last_prep_id = String::new();
        for i in 0..scale {
            let (name, doc) = derived_request(i, templates, outputs, &last_prep_id, (clock, stamp));
            if let Some(p) = doc.get("PrepID").and_then(Value::as_str) {
                last_prep_id = p.to_owned();
            }
            w.insert_request(name, doc);
        }
        // Input datasets of the templates are complete, valid datasets.
        for (_, r) in templates {
            for task in ["Task1", "Step1"] {
                if let Some(d) = r.get(task).and_then(|t| t.get("InputDataset")).and_then(Value::as_str) {
                    let valid = SimDataset {
                        access: Some("VALID"),
                        events: 1_234_567,
                        size: 9_876_543_210,
                        lumis: 4321,
                        ldate: clock - 86_400 * 30,
                    };
                    w.datasets.insert(d.to_owned(), valid);
                }
            }
        }
        w
    }

    /// Adds a request in its first status, with a target and a speed of its own.
    pub(super) fn insert_request(&mut self, name: String, doc: Map<String, Value>) {
        let target_events = target_events(&doc, self.next());
        self.seq += 1;
        let speed = 0.1 + (self.next() % 40) as f64 / 100.0;
        // Every 25th fails validation (no draw from the generator: the tests' worlds stay
        // the same as before living worlds had failures).
        let fails = self.seq.is_multiple_of(25);
        let r = SimRequest { doc, seq: self.seq, status: 0, progress: 0.0, speed, target_events, paused: false, fails };
        self.requests.insert(name, r);
    }

    pub(super) fn next(&mut self) -> u64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng
    }

    /// Advances every request: status transitions (a ReqMgr2 change each), growing output
    /// datasets (a DBS modification each), now and then a deletion.
    pub fn step(&mut self, seconds: i64, deletions: bool) {
        self.clock += seconds;
        let names: Vec<String> = self.requests.keys().cloned().collect();
        for name in names {
            if deletions && self.next().is_multiple_of(400) {
                self.requests.remove(&name);
                self.seq += 1;
                self.deleted.insert(name, self.seq);
                continue;
            }
            let roll = self.next();
            let clock = self.clock;
            let Some(r) = self.requests.get_mut(&name) else { continue };
            let changed = advance(r, roll, clock);
            let access = if r.status == STATUSES.len() - 1 { "VALID" } else { "PRODUCTION" };
            if changed {
                self.seq += 1;
                r.seq = self.seq;
            }
            self.grow_outputs(&name, access);
        }
    }

    /// Grows request `name`'s output datasets to its progress (each a little behind the one
    /// before), with DBS access type `access`.
    pub(super) fn grow_outputs(&mut self, name: &str, access: &'static str) {
        let Some(r) = self.requests.get(name) else { return };
        let (progress, target) = (r.progress, r.target_events);
        if progress <= 0.0 {
            return;
        }
        let outputs: Vec<String> = r.doc["OutputDatasets"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| d.as_str().map(str::to_owned))
            .collect();
        for (k, d) in outputs.iter().enumerate() {
            self.grow(d, access, (target as f64 * progress * (1.0 - 0.05 * k as f64)) as i64);
        }
    }

    /// Sets a dataset's access type and events (a DBS modification when either changed).
    pub(super) fn grow(&mut self, dataset: &str, access: &'static str, events: i64) {
        let clock = self.clock;
        let entry = self.datasets.entry(dataset.to_owned()).or_insert(SimDataset {
            access: None,
            events: 0,
            size: 0,
            lumis: 0,
            ldate: clock,
        });
        if entry.events != events || entry.access != Some(access) {
            *entry =
                SimDataset { access: Some(access), events, size: events * 1500, lumis: events / 200, ldate: clock };
        }
    }

    /// Stores a design document in ReqMgr2's database (it shows in the feed like any change,
    /// and is never a workflow).
    pub fn put_design(&mut self, id: &str) {
        self.seq += 1;
        let doc = json!({"_id": id, "language": "javascript", "views": {}});
        let doc = doc.as_object().cloned().unwrap_or_default();
        let (status, progress) = (STATUSES.len() - 1, 1.0);
        let r = SimRequest {
            doc,
            seq: self.seq,
            status,
            progress,
            speed: 0.0,
            target_events: 0,
            paused: false,
            fails: false,
        };
        self.requests.insert(id.to_owned(), r);
    }

    /// Whether WMStats lists the request as active.
    pub fn is_active(r: &SimRequest) -> bool {
        (1..STATUSES.len() - 1).contains(&r.status)
    }
}

/// Events each output dataset of `doc` reaches: 90 to 100 % of what the request asks for
/// (as the updater derives it), one request in forty a little over (a real overshoot: an
/// extension, or events counted twice by a retry), as production looks. Requests whose
/// total DBS decides get a plausible size of their own.
fn target_events(doc: &Map<String, Value>, roll: u64) -> i64 {
    let Some(asked) = asked_events(doc) else {
        return 1000 * (5 + (roll % 500) as i64);
    };
    let share = if roll.is_multiple_of(40) { 1.08 } else { 0.9 + (roll % 11) as f64 / 100.0 };
    (asked as f64 * share).round() as i64
}

/// What a request asks for, read as the updater does for the requests the simulator makes
/// (the input's events times the filter efficiency when it reads files, else
/// RequestNumEvents at the top, in Task1 or in Step1); `None` when DBS decides.
fn asked_events(doc: &Map<String, Value>) -> Option<i64> {
    let num = |v: Option<&Value>| v.and_then(|n| n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)));
    let first = |key: &str| {
        let tasks = ["Task1", "Step1"].map(|t| doc.get(t).and_then(|t| t.get(key)));
        std::iter::once(doc.get(key)).chain(tasks).flatten().find(|v| !v.is_null())
    };
    let asked = if num(doc.get("TotalInputFiles")).unwrap_or(0) > 0 && doc.contains_key("TotalInputEvents") {
        let efficiency = first("FilterEfficiency").and_then(Value::as_f64).unwrap_or(1.0);
        num(doc.get("TotalInputEvents")).map(|e| (efficiency * e as f64) as i64)
    } else {
        num(first("RequestNumEvents"))
    };
    asked.filter(|n| *n > 0)
}

/// Request `i`: its template renamed, with generated output datasets and PrepID; every 23rd
/// is a Resubmission of the previous request's PrepID. Created a day before `clock`, named
/// after `stamp`'s date and time when given.
pub(super) fn derived_request(
    i: usize,
    templates: &[(String, Value)],
    outputs: Option<usize>,
    last_prep_id: &str,
    (clock, stamp): (i64, Option<i64>),
) -> (String, Map<String, Value>) {
    let (tname, template) = &templates[i % templates.len()];
    let mut doc = template.as_object().cloned().unwrap_or_default();
    let prefix = tname.split('_').next().unwrap_or("sim");
    let resubmission = i % 23 == 22 && !last_prep_id.is_empty();
    let kind = if resubmission { "ACDC0" } else { "Sim" };
    let when = match stamp {
        Some(t) => templates::name_stamp(t),
        None => format!("2611{:02}_{:06}", 1 + i % 28, 100_000 + i),
    };
    let name = format!("{prefix}_{kind}{}_{}_{when}_{:04}", i / templates.len(), tname.len() % 97, i % 10_000);
    let datasets = output_datasets(i, &doc, outputs);
    doc.insert("RequestName".into(), json!(name));
    doc.insert("_id".into(), json!(name));
    doc.insert("OutputDatasets".into(), json!(datasets));
    if resubmission {
        doc.insert("RequestType".into(), json!("Resubmission"));
        doc.insert("PrepID".into(), json!(last_prep_id));
        doc.insert("OriginalRequestName".into(), json!("parent"));
    } else if doc.get("PrepID").and_then(Value::as_str).is_none_or(|p| p.is_empty() || i >= templates.len()) {
        doc.insert("PrepID".into(), json!(format!("SIM-Campaign{}-{:05}", i % 6, i)));
    }
    doc.insert("RequestTransition".into(), json!([{"Status": "new", "UpdateTime": clock - 86_400, "DN": "sim"}]));
    doc.insert("RequestStatus".into(), json!("new"));
    (name, doc)
}

/// Request `i`'s output datasets: the template's tiers (or `outputs` of them) under names
/// of its own.
fn output_datasets(i: usize, template: &Map<String, Value>, outputs: Option<usize>) -> Vec<String> {
    let mut template_outputs = Vec::new();
    app::json::flatten(template.get("OutputDatasets").unwrap_or(&json!([])), &mut template_outputs);
    (0..outputs.unwrap_or(template_outputs.len()))
        .map(|k| {
            let tier = template_outputs
                .get(k)
                .and_then(Value::as_str)
                .map(app::format::datatier)
                .unwrap_or(["AODSIM", "MINIAODSIM", "NANOAODSIM"][k % 3]);
            format!("/Sim{}/Campaign{}-Proc{i}_{k}-v1/{tier}", i % 13, i % 6)
        })
        .collect()
}

/// One step of a request's walk: the next status while it is being set up, then production,
/// and after it the remaining statuses now and then. Whether ReqMgr2 changed it.
fn advance(r: &mut SimRequest, roll: u64, clock: i64) -> bool {
    let mut changed = false;
    if r.status < 4 || (r.progress >= 1.0 && r.status < STATUSES.len() - 1 && roll.is_multiple_of(2)) {
        r.status += 1;
        changed = true;
    } else if r.status >= 4 && r.progress < 1.0 {
        r.progress = (r.progress + r.speed).min(1.0);
        if r.progress >= 1.0 && r.status == 4 {
            r.status = 5;
            changed = true;
        }
    }
    if changed {
        let status = STATUSES[r.status];
        r.doc.insert("RequestStatus".into(), json!(status));
        if let Some(Value::Array(t)) = r.doc.get_mut("RequestTransition") {
            t.push(json!({"Status": status, "UpdateTime": clock, "DN": "sim"}));
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The demo's production: a clock that keeps to the wall clock never stamps the future,
    /// and datasets end near what their request asks for, a rare one a little over.
    #[test]
    fn production_stays_near_what_was_asked_and_never_in_the_future() {
        let start = 1_800_000_000;
        let mut w = World::generate(120, None, 7, start);
        for _ in 0..200 {
            w.step(5, false);
        }
        let mut over = 0;
        for r in w.requests.values() {
            for t in r.doc["RequestTransition"].as_array().unwrap() {
                assert!(t["UpdateTime"].as_i64().unwrap() <= w.clock, "{t}");
            }
            let Some(asked) = asked_events(&r.doc) else { continue };
            assert!(
                r.target_events <= asked * 11 / 10,
                "{} asks {asked}, makes {}",
                r.doc["RequestName"],
                r.target_events
            );
            over += usize::from(r.target_events > asked);
        }
        assert!(over <= 6, "{over} overshoots");
        assert!(w.datasets.values().all(|d| d.ldate <= w.clock));
    }
}
