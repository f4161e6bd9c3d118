//! One workflow as the index keeps it: everything the dashboard lists, filters, sorts, counts
//! and aggregates on, in a compact form (shared texts, no unknown fields, the history reduced
//! to each dataset's points), built once per change from the stored document with the same
//! derivations the full document would get (`app::present`, `app::history`).

use app::filter::FilterKey;
use app::forecast::{forecast, resumed_at, stalled_since, Settings};
use app::format::datatier;
use app::links::Service;
use app::model::{DatasetStatus, Workflow};
use app::present::{completion, lumi_completion, unreadable_row, workflow_row};
use app::rows::{DatasetRow, StatusAt, WorkflowRow};

use serde_json::Value;

use super::intern::{Interner, Sym};
use super::points::Points;
use super::transitions::Transitions;
use crate::listing::view_of;

/// The latest state and the history points of one output dataset.
pub struct DatasetSummary {
    /// Dataset name.
    pub name: Sym,
    /// Latest DBS status.
    pub status: DatasetStatus,
    /// Latest events.
    pub events: i64,
    /// Latest lumisections, when shown.
    pub lumis: Option<i64>,
    /// Bytes, -1 when unknown.
    pub size: i64,
    /// (time, events or lumisections) in time order: the forecasts' and the aggregates' input.
    pub points: Points,
    /// Since when the latest status has held (the historical aggregate); `i64::MAX` unknown.
    pub since: i64,
    /// The status before the latest, when it had another ("what changed since").
    pub previous: Option<DatasetStatus>,
}

/// One indexed workflow. Kept small (about 200 bytes without its lists): 200,000 of them are
/// most of the index, so what few workflows have lives apart in [`Rare`], and the optional
/// numbers share one flag byte instead of eight bytes of `Option` each.
pub struct Record {
    /// Document id.
    pub name: Sym,
    /// Non-empty PrepID.
    pub prepid: Option<Sym>,
    /// Request type.
    pub request_type: Option<Sym>,
    /// Distinct campaign texts (D6).
    pub campaigns: Box<[Sym]>,
    /// Distinct task PrepIDs, or the PrepID (D6).
    pub requests: Box<[Sym]>,
    /// RequestTransition, in order.
    pub transitions: Transitions,
    /// Non-empty processing string.
    pub processing_string: Option<Sym>,
    /// Non-empty input dataset.
    pub input_dataset: Option<Sym>,
    /// One per output dataset, in stored order, duplicates kept (D11).
    pub datasets: Box<[DatasetSummary]>,
    /// What few workflows have.
    pub rare: Option<Box<Rare>>,
    /// Expected events (missing: 0).
    pub total_events: i64,
    /// What the datasets' points are compared with (events or lumisections; ≤ 0 unknown).
    pub expected: i64,
    pub(super) numbers: Numbers,
    /// `requests` holds the PrepID as a fallback (links use the prepid filter).
    pub requests_are_prepid: bool,
    /// PdmV service of the PrepID.
    pub service: Service,
    /// Lumisections are shown instead of events.
    pub shows_lumis: bool,
    /// Progress is counted in lumisections (U22): `expected` and the points are lumisections,
    /// never added to events.
    pub lumi_mode: bool,
}

/// What few workflows have, boxed apart from the record.
#[derive(Default)]
pub struct Rare {
    /// RequestName when it differs from the id.
    pub request_name: Option<Sym>,
    /// The string keys the views emit for this document (S9–S12), repeats kept, when the
    /// fields do not say exactly the same (`keys.rs`).
    pub view_keys: Option<Box<[(FilterKey, Sym)]>>,
    /// Why the document could not be read as a workflow, if it could not.
    pub problem: Option<Box<str>>,
    /// Each dataset's status changes before its latest, oldest first (few datasets have any).
    pub earlier: Box<[EarlierChange]>,
}

/// A dataset's status change before its latest (which its summary keeps).
#[derive(Clone)]
pub struct EarlierChange {
    /// The dataset's place in the record's datasets.
    pub dataset: u16,
    /// When the history first recorded `to`.
    pub time: i64,
    /// The status before.
    pub from: DatasetStatus,
    /// The status after.
    pub to: DatasetStatus,
}

/// The record's optional numbers.
#[derive(Clone, Copy)]
enum Number {
    /// RequestPriority.
    Priority,
    /// LastUpdate.
    LastUpdate,
    /// Expected lumisections, when an integer.
    InputLumis,
    /// From when on a dataset counts as stalled (the earliest of them), if any can stall.
    StalledSince,
    /// The last time a dataset produced again after stalling, if one did.
    ResumedAt,
}

/// Optional numbers with one flag bit each: every value of `i64` stays a value.
#[derive(Default, Clone, Copy)]
pub(super) struct Numbers {
    values: [i64; 5],
    present: u8,
}

impl Numbers {
    fn get(&self, n: Number) -> Option<i64> {
        (self.present >> n as u8 & 1 == 1).then(|| self.values[n as usize])
    }

    fn put(&mut self, n: Number, value: Option<i64>) {
        self.values[n as usize] = value.unwrap_or(0);
        self.present = self.present & !(1 << n as u8) | u8::from(value.is_some()) << n as u8;
    }
}

fn opt(i: &mut Interner, s: Option<&str>) -> Option<Sym> {
    s.map(|s| i.get(s))
}

fn emitted_keys(doc: &Value, i: &mut Interner) -> Vec<(FilterKey, Sym)> {
    FilterKey::ALL
        .into_iter()
        .filter_map(|k| view_of(k).map(|v| (k, v)))
        .flat_map(|(k, view)| view.emit(doc).into_iter().filter_map(move |v| Some((k, v.as_str()?.to_owned()))))
        .map(|(k, v)| (k, i.get(&v)))
        .collect()
}

impl Record {
    /// The record of a stored workflow document.
    pub fn from_doc(doc: Value, i: &mut Interner) -> Record {
        let keys = emitted_keys(&doc, i);
        let id = doc.get("_id").and_then(Value::as_str).unwrap_or_default().to_owned();
        let mut record = match Workflow::from_value(doc) {
            Ok(wf) => Self::from_workflow(&wf, i),
            Err(e) => Self::from_row(&unreadable_row(&id, e.to_string()), Vec::new(), -1, i),
        };
        record.keep_view_keys(keys);
        record
    }

    fn from_workflow(wf: &Workflow, i: &mut Interner) -> Record {
        // Forecasts depend on the time they are asked at: computed per request from the points.
        let row = workflow_row(wf, 0);
        let lumi_mode = wf.lumi_mode();
        let expected = if lumi_mode { row.total_input_lumis.unwrap_or(-1) } else { row.total_events };
        let points = row.datasets.iter().map(|d| wf.dataset_points(&d.name, lumi_mode)).collect();
        let mut record = Self::from_row(&row, points, expected, i);
        record.lumi_mode = lumi_mode;
        record.transitions =
            Transitions::pack(wf.request_transition.iter().flatten().map(|t| (t.status.as_str(), t.update_time)));
        let history = wf.history_sorted();
        let mut earlier = Vec::new();
        for (k, d) in record.datasets.iter_mut().enumerate() {
            let change = app::historical::status_change(&history, &d.name);
            d.since = change.as_ref().map_or(i64::MAX, |c| c.0);
            d.previous = change.and_then(|c| c.1);
            let mut all = app::historical::status_changes(&history, &d.name);
            all.pop();
            let dataset = u16::try_from(k).unwrap_or(u16::MAX);
            earlier.extend(all.into_iter().map(|(time, from, to)| EarlierChange { dataset, time, from, to }));
        }
        if !earlier.is_empty() {
            record.rare.get_or_insert_with(Box::default).earlier = earlier.into();
        }
        // A workflow past production is closed, not stalled (the row's forecasts say so too).
        if !record.can_progress() {
            record.numbers.put(Number::StalledSince, None);
        }
        record
    }

    fn from_row(row: &WorkflowRow, points: Vec<Vec<(i64, i64)>>, expected: i64, i: &mut Interner) -> Record {
        let stalled_since = points.iter().filter_map(|p| stalled_since(p, expected, Settings::default())).min();
        let resumed_at = points.iter().filter_map(|p| resumed_at(p, Settings::default())).max();
        let datasets: Box<[DatasetSummary]> = row
            .datasets
            .iter()
            .zip(points.iter().map(|p| Points::pack(p)).chain(std::iter::repeat_with(Points::default)))
            .map(|(d, points)| DatasetSummary {
                name: i.get(&d.name),
                status: d.status.clone(),
                events: d.events,
                lumis: d.lumis,
                size: d.size,
                points,
                since: i64::MAX,
                previous: None,
            })
            .collect();
        let mut numbers = Numbers::default();
        numbers.put(Number::Priority, row.priority);
        numbers.put(Number::LastUpdate, row.last_update);
        numbers.put(Number::InputLumis, row.total_input_lumis);
        numbers.put(Number::StalledSince, stalled_since);
        numbers.put(Number::ResumedAt, resumed_at);
        let rare = Rare {
            request_name: opt(i, row.request_name.as_deref()),
            view_keys: None,
            problem: row.problem.as_deref().map(Box::from),
            earlier: Box::default(),
        };
        Record {
            name: i.get(&row.name),
            prepid: opt(i, row.prepid.as_deref()),
            request_type: opt(i, row.request_type.as_deref()),
            campaigns: row.campaigns.iter().map(|c| i.get(c)).collect(),
            requests: row.requests.iter().map(|c| i.get(c)).collect(),
            requests_are_prepid: row.request_param == "prepid",
            service: row.service,
            total_events: row.total_events,
            shows_lumis: row.shows_lumis,
            lumi_mode: false,
            expected,
            numbers,
            transitions: Transitions::default(),
            processing_string: opt(i, row.processing_string.as_deref()),
            input_dataset: opt(i, row.input_dataset.as_deref()),
            datasets,
            rare: (rare.request_name.is_some() || rare.problem.is_some()).then(|| Box::new(rare)),
        }
    }

    /// The dashboard row, forecasts as seen at `now`.
    pub fn to_row(&self, now: i64) -> WorkflowRow {
        let status_at = |(status, time): (&str, i64)| StatusAt { status: status.to_owned(), time };
        let text = |s: &Option<Sym>| s.as_deref().map(str::to_owned);
        WorkflowRow {
            name: self.name.to_string(),
            prepid: text(&self.prepid),
            request_type: text(&self.request_type),
            campaigns: self.campaigns.iter().map(|s| s.to_string()).collect(),
            requests: self.requests.iter().map(|s| s.to_string()).collect(),
            request_param: if self.requests_are_prepid { "prepid" } else { "request" }.to_owned(),
            service: self.service,
            request_name: self.request_name().map(str::to_owned),
            total_events: self.total_events,
            total_input_lumis: self.total_input_lumis(),
            shows_lumis: self.shows_lumis,
            priority: self.priority(),
            last_update: self.numbers.get(Number::LastUpdate),
            first_status: self.transitions.first().map(status_at),
            last_status: self.transitions.last().map(status_at),
            force_completed: self.force_completed(),
            processing_string: text(&self.processing_string),
            input_dataset: text(&self.input_dataset),
            datasets: self.datasets.iter().map(|d| self.dataset_row(d, now)).collect(),
            problem: self.rare.as_ref().and_then(|r| r.problem.as_deref()).map(str::to_owned),
        }
    }

    fn dataset_row(&self, d: &DatasetSummary, now: i64) -> DatasetRow {
        DatasetRow {
            name: d.name.to_string(),
            datatier: datatier(&d.name).to_owned(),
            status: d.status.clone(),
            events: d.events,
            lumis: d.lumis,
            size: d.size,
            completed_perc: completion(d.events, self.total_events),
            lumi_completed_perc: lumi_completion(d.lumis, self.total_input_lumis()),
            forecast: (!d.points.is_empty()).then(|| {
                forecast(&d.points.to_vec(), self.expected, now, Settings::default()).settled(self.can_progress())
            }),
        }
    }

    /// When it was force-completed, if it was.
    pub fn force_completed(&self) -> Option<i64> {
        self.transitions.find(*super::transitions::FORCE_COMPLETE, 0).map(|(_, t)| t)
    }

    /// Whether the workflow's current status still produces events.
    pub fn can_progress(&self) -> bool {
        self.transitions.last_status().is_none_or(app::filter::text_can_progress)
    }

    /// Since when the workflow has been assigned without producing an event, if it has: it
    /// can still progress, has an `assigned` transition, and no dataset counts an event.
    pub fn idle_since(&self) -> Option<i64> {
        if !self.can_progress() || self.datasets.iter().any(|d| d.events > 0) {
            return None;
        }
        self.transitions.find(*super::transitions::ASSIGNED, 0).map(|(_, t)| t)
    }

    /// Whether a dataset is stalled at `now` (the `stalled=1` filter).
    pub fn is_stalled(&self, now: i64) -> bool {
        self.stalled_since().is_some_and(|t| now > t)
    }

    /// The name A4 sorts by: RequestName, else the id.
    pub fn sort_name(&self) -> &str {
        self.request_name().unwrap_or(&self.name)
    }

    /// RequestName when it differs from the id.
    pub fn request_name(&self) -> Option<&str> {
        self.rare.as_ref()?.request_name.as_deref()
    }

    /// RequestPriority.
    pub fn priority(&self) -> Option<i64> {
        self.numbers.get(Number::Priority)
    }

    /// Expected lumisections, when an integer.
    pub fn total_input_lumis(&self) -> Option<i64> {
        self.numbers.get(Number::InputLumis)
    }

    /// From when on a dataset counts as stalled (the earliest of them), if any can stall.
    pub fn stalled_since(&self) -> Option<i64> {
        self.numbers.get(Number::StalledSince)
    }

    /// The last time a dataset produced again after stalling, if one did.
    pub fn resumed_at(&self) -> Option<i64> {
        self.numbers.get(Number::ResumedAt)
    }
}

/// The view keys a record answers to (S9–S12): kept beside its fields only when they differ.
impl Record {
    /// The view keys, from the stored list or else from the fields they equal.
    pub fn any_view_key(&self, f: &mut dyn FnMut(FilterKey, &Sym) -> bool) -> bool {
        if let Some(stored) = self.rare.as_ref().and_then(|r| r.view_keys.as_ref()) {
            return stored.iter().any(|(k, s)| f(*k, s));
        }
        let one = |k: FilterKey, s: &Option<Sym>, f: &mut dyn FnMut(FilterKey, &Sym) -> bool| {
            s.as_ref().is_some_and(|s| f(k, s))
        };
        one(FilterKey::PrepId, &self.prepid, f)
            || self.datasets.iter().any(|d| f(FilterKey::OutputDataset, &d.name))
            || one(FilterKey::InputDataset, &self.input_dataset, f)
            || self.campaigns.iter().any(|c| f(FilterKey::Campaign, c))
            || one(FilterKey::Type, &self.request_type, f)
            || one(FilterKey::ProcessingString, &self.processing_string, f)
            || (!self.requests_are_prepid && self.requests.iter().any(|r| f(FilterKey::Request, r)))
    }

    /// Keeps `emitted` (the view keys of the stored document) only if the fields do not say
    /// exactly the same, in the same order.
    pub(super) fn keep_view_keys(&mut self, emitted: Vec<(FilterKey, Sym)>) {
        let mut at = 0;
        let same = !self.any_view_key(&mut |k, s| {
            let differs = emitted.get(at).is_none_or(|(ek, es)| *ek != k || **es != **s);
            at += 1;
            differs
        }) && at == emitted.len();
        if !same {
            self.rare.get_or_insert_with(Box::default).view_keys = Some(emitted.into_boxed_slice());
        }
    }
}
