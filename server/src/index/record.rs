//! One workflow as the index keeps it: everything the dashboard lists, filters, sorts, counts
//! and aggregates on, in a compact form (shared texts, no unknown fields, the history reduced
//! to each dataset's points), built once per change from the stored document with the same
//! derivations the full document would get (`app::present`, `app::history`).

use app::filter::FilterKey;
use app::forecast::{forecast, stalled_since, Settings};
use app::format::datatier;
use app::links::Service;
use app::model::{DatasetStatus, Workflow};
use app::present::{completion, lumi_completion, unreadable_row, workflow_row};
use app::rows::{DatasetRow, StatusAt, WorkflowRow};

use serde_json::Value;

use super::intern::{Interner, Sym};
use super::points::Points;
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
}

/// One indexed workflow.
pub struct Record {
    /// Document id.
    pub name: Sym,
    /// RequestName when it differs from the id.
    pub request_name: Option<Sym>,
    /// Non-empty PrepID.
    pub prepid: Option<Sym>,
    /// Request type.
    pub request_type: Option<Sym>,
    /// Distinct campaign texts (D6).
    pub campaigns: Box<[Sym]>,
    /// Distinct task PrepIDs, or the PrepID (D6).
    pub requests: Box<[Sym]>,
    /// `requests` holds the PrepID as a fallback (links use the prepid filter).
    pub requests_are_prepid: bool,
    /// PdmV service of the PrepID.
    pub service: Service,
    /// Expected events (missing: 0).
    pub total_events: i64,
    /// Expected lumisections, when an integer.
    pub total_input_lumis: Option<i64>,
    /// Lumisections are shown instead of events.
    pub shows_lumis: bool,
    /// What the datasets' points are compared with (events or lumisections; ≤ 0 unknown).
    pub expected: i64,
    /// RequestPriority.
    pub priority: Option<i64>,
    /// LastUpdate.
    pub last_update: Option<i64>,
    /// RequestTransition, in order.
    pub transitions: Box<[(Sym, i64)]>,
    /// Non-empty processing string.
    pub processing_string: Option<Sym>,
    /// Non-empty input dataset.
    pub input_dataset: Option<Sym>,
    /// One per output dataset, in stored order, duplicates kept (D11).
    pub datasets: Box<[DatasetSummary]>,
    /// The string keys the views emit for this document (S9–S12), repeats kept, when the
    /// fields do not say exactly the same (`keys.rs`); `None` for almost every workflow.
    pub view_keys: Option<Box<[(FilterKey, Sym)]>>,
    /// From when on a dataset counts as stalled (the earliest of them), if any can stall.
    pub stalled_since: Option<i64>,
    /// Why the document could not be read as a workflow, if it could not.
    pub problem: Option<Box<str>>,
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
        record.transitions =
            wf.request_transition.iter().flatten().map(|t| (i.get(&t.status), t.update_time)).collect();
        let history = wf.history_sorted();
        for d in record.datasets.iter_mut() {
            d.since = app::historical::status_since(&history, &d.name).unwrap_or(i64::MAX);
        }
        // A workflow past production is closed, not stalled (the row's forecasts say so too).
        if !record.can_progress() {
            record.stalled_since = None;
        }
        record
    }

    fn from_row(row: &WorkflowRow, points: Vec<Vec<(i64, i64)>>, expected: i64, i: &mut Interner) -> Record {
        let stalled_since = points.iter().filter_map(|p| stalled_since(p, expected, Settings::default())).min();
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
            })
            .collect();
        Record {
            name: i.get(&row.name),
            request_name: opt(i, row.request_name.as_deref()),
            prepid: opt(i, row.prepid.as_deref()),
            request_type: opt(i, row.request_type.as_deref()),
            campaigns: row.campaigns.iter().map(|c| i.get(c)).collect(),
            requests: row.requests.iter().map(|c| i.get(c)).collect(),
            requests_are_prepid: row.request_param == "prepid",
            service: row.service,
            total_events: row.total_events,
            total_input_lumis: row.total_input_lumis,
            shows_lumis: row.shows_lumis,
            expected,
            priority: row.priority,
            last_update: row.last_update,
            transitions: Box::default(),
            processing_string: opt(i, row.processing_string.as_deref()),
            input_dataset: opt(i, row.input_dataset.as_deref()),
            datasets,
            view_keys: None,
            stalled_since,
            problem: row.problem.as_deref().map(Box::from),
        }
    }

    /// The dashboard row, forecasts as seen at `now`.
    pub fn to_row(&self, now: i64) -> WorkflowRow {
        let status_at = |t: &(Sym, i64)| StatusAt { status: t.0.to_string(), time: t.1 };
        let text = |s: &Option<Sym>| s.as_deref().map(str::to_owned);
        WorkflowRow {
            name: self.name.to_string(),
            prepid: text(&self.prepid),
            request_type: text(&self.request_type),
            campaigns: self.campaigns.iter().map(|s| s.to_string()).collect(),
            requests: self.requests.iter().map(|s| s.to_string()).collect(),
            request_param: if self.requests_are_prepid { "prepid" } else { "request" }.to_owned(),
            service: self.service,
            request_name: text(&self.request_name),
            total_events: self.total_events,
            total_input_lumis: self.total_input_lumis,
            shows_lumis: self.shows_lumis,
            priority: self.priority,
            last_update: self.last_update,
            first_status: self.transitions.first().map(status_at),
            last_status: self.transitions.last().map(status_at),
            processing_string: text(&self.processing_string),
            input_dataset: text(&self.input_dataset),
            datasets: self.datasets.iter().map(|d| self.dataset_row(d, now)).collect(),
            problem: self.problem.as_deref().map(str::to_owned),
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
            lumi_completed_perc: lumi_completion(d.lumis, self.total_input_lumis),
            forecast: (!d.points.is_empty()).then(|| {
                forecast(&d.points.to_vec(), self.expected, now, Settings::default()).settled(self.can_progress())
            }),
        }
    }

    /// Whether the workflow's current status still produces events.
    pub fn can_progress(&self) -> bool {
        self.transitions.last().is_none_or(|(s, _)| app::filter::text_can_progress(s))
    }

    /// Since when the workflow has been assigned without producing an event, if it has: it
    /// can still progress, has an `assigned` transition, and no dataset counts an event.
    pub fn idle_since(&self) -> Option<i64> {
        if !self.can_progress() || self.datasets.iter().any(|d| d.events > 0) {
            return None;
        }
        self.transitions.iter().find(|(s, _)| &**s == "assigned").map(|(_, t)| *t)
    }

    /// Whether a dataset is stalled at `now` (the `stalled=1` filter).
    pub fn is_stalled(&self, now: i64) -> bool {
        self.stalled_since.is_some_and(|t| now > t)
    }

    /// The name A4 sorts by: RequestName, else the id.
    pub fn sort_name(&self) -> &str {
        self.request_name.as_deref().unwrap_or(&self.name)
    }
}
