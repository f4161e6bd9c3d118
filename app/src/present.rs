//! Derived values of the dashboard (rules D): compact rows from documents, completion,
//! thousands separators, sizes and "ago" texts. Pure functions, shared by browser and server.

use serde_json::Value;

use crate::format::datatier;
use crate::json::py_truthy;
use crate::links;
use crate::model::{DatasetStatus, Workflow};
use crate::rows::{DatasetRow, StatusAt, WorkflowRow};

/// Builds the compact row of one workflow, forecasts as seen at `now`.
pub fn workflow_row(wf: &Workflow, now: i64) -> WorkflowRow {
    let total_events = wf.total_events.unwrap_or(0);
    let total_input_lumis = wf.total_input_lumis_int();
    let transitions = wf.request_transition.as_deref().unwrap_or_default();
    let status_at = |t: &crate::model::Transition| StatusAt { status: t.status.clone(), time: t.update_time };
    let datasets = wf
        .output_datasets
        .iter()
        .flatten()
        .map(|name| dataset_row(wf, name, total_events, total_input_lumis, now))
        .collect();
    let service = links::service(wf.prep_id_str());
    let campaigns = distinct_texts(wf.campaigns.as_deref().unwrap_or_default());
    let mut requests = distinct_texts(wf.requests.as_deref().unwrap_or_default());
    let mut request_param = "request";
    // D6: no task PrepIDs but a PrepID: link the PrepID itself, as a prepid filter.
    if requests.is_empty() {
        if let Some(p) = wf.prep_id_str() {
            requests.push(p.to_owned());
            request_param = "prepid";
        }
    }
    WorkflowRow {
        name: wf.id.clone(),
        prepid: wf.prep_id_str().map(str::to_owned),
        request_type: wf.request_type.get().cloned(),
        campaigns,
        requests,
        request_param: request_param.to_owned(),
        service,
        request_name: wf.request_name.get().filter(|n| **n != wf.id).cloned(),
        total_events,
        total_input_lumis,
        shows_lumis: wf.lumi_list.get().is_some_and(py_truthy),
        priority: wf.request_priority,
        last_update: wf.last_update,
        first_status: transitions.first().map(status_at),
        last_status: transitions.last().map(status_at),
        force_completed: wf.force_completed(),
        processing_string: wf.processing_string.get().filter(|s| !s.is_empty()).cloned(),
        input_dataset: wf.input_dataset.get().filter(|s| !s.is_empty()).cloned(),
        datasets,
        problem: None,
    }
}

/// The row shown for a stored document that is not a readable workflow document.
pub fn unreadable_row(id: &str, problem: String) -> WorkflowRow {
    WorkflowRow {
        name: id.to_owned(),
        prepid: None,
        request_type: None,
        campaigns: Vec::new(),
        requests: Vec::new(),
        request_param: "request".to_owned(),
        service: links::Service::Unknown,
        request_name: None,
        total_events: 0,
        total_input_lumis: None,
        shows_lumis: false,
        priority: None,
        last_update: None,
        first_status: None,
        last_status: None,
        force_completed: None,
        processing_string: None,
        input_dataset: None,
        datasets: Vec::new(),
        problem: Some(problem),
    }
}

fn dataset_row(wf: &Workflow, name: &str, total_events: i64, total_lumis: Option<i64>, now: i64) -> DatasetRow {
    let lumi_mode = wf.lumi_mode();
    let points = wf.dataset_points(name, lumi_mode);
    let expected = if lumi_mode { total_lumis.unwrap_or(-1) } else { total_events };
    let forecast = (!points.is_empty()).then(|| {
        crate::forecast::forecast(&points, expected, now, crate::forecast::Settings::default())
            .settled(wf.can_progress())
    });
    let record = wf.latest_record(name);
    let events = record.map_or(0, |r| r.events);
    let lumis = record.and_then(|r| r.lumis).filter(|l| *l != 0);
    let lumi_completed_perc = lumi_completion(lumis, total_lumis);
    DatasetRow {
        name: name.to_owned(),
        datatier: datatier(name).to_owned(),
        status: record.map_or(DatasetStatus::None, |r| r.status.clone()),
        events,
        lumis: lumis.filter(|_| lumi_completed_perc.is_some()),
        size: record.map_or(-1, |r| r.size.unwrap_or(-1)),
        completed_perc: completion(events, total_events),
        lumi_completed_perc,
        forecast,
    }
}

/// Completion in percent on events, when the expected total is known (D13).
pub fn completion(events: i64, total_events: i64) -> Option<f64> {
    (total_events > 0).then(|| events as f64 / total_events as f64 * 100.0)
}

/// Completion in percent on lumisections, when both are known (D13).
pub fn lumi_completion(lumis: Option<i64>, total_lumis: Option<i64>) -> Option<f64> {
    match (lumis, total_lumis) {
        (Some(l), Some(t)) if t > 0 => Some(l as f64 / t as f64 * 100.0),
        _ => None,
    }
}

/// Distinct display texts of verbatim JSON values, first occurrences kept (D6).
fn distinct_texts(values: &[Value]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        let text = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if !out.contains(&text) {
            out.push(text);
        }
    }
    out
}

#[cfg(test)]
mod tests;
