//! What the workflow chart draws (pure, shared): one series per output dataset (events, or
//! lumisections in lumi mode, U22), the expected total, the status transitions, forecasts, and
//! the CSV export of the plotted series.

use serde::{Deserialize, Serialize};

use crate::forecast::{forecast, Forecast, Settings};
use crate::format::utc_datetime;
use crate::model::{DatasetStatus, Workflow};
use crate::rows::StatusAt;

/// One dataset's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// Dataset name.
    pub dataset: String,
    /// Latest DBS status (the line's colour).
    pub status: DatasetStatus,
    /// (Unix seconds, value) in time order.
    pub points: Vec<(i64, i64)>,
    /// Where it is heading.
    pub forecast: Forecast,
    /// In an aggregate, this datatier's own expected total: the sum over the workflows that
    /// have a dataset of the tier (a workflow's chart has one expected total for all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<i64>,
}

/// Everything the chart of one workflow needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryView {
    /// Workflow name.
    pub name: String,
    /// Lumisections instead of events (U22).
    pub lumi_mode: bool,
    /// TotalEvents, or TotalInputLumis in lumi mode (≤ 0: unknown).
    pub expected: i64,
    /// One series per distinct output dataset.
    pub series: Vec<Series>,
    /// RequestTransition, in order.
    pub transitions: Vec<StatusAt>,
    /// An aggregate over many workflows: one series per datatier, coloured by position.
    #[serde(default)]
    pub aggregate: bool,
    /// In an aggregate of events, the workflows left out because they count lumisections
    /// (U22): never added to events; the chart says how many.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub lumi_left_out: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The chart data of a workflow, forecasts computed at `now`.
pub fn history_view(wf: &Workflow, now: i64) -> HistoryView {
    let lumi_mode = wf.lumi_mode();
    let expected = if lumi_mode { wf.total_input_lumis_int().unwrap_or(-1) } else { wf.total_events.unwrap_or(-1) };
    let mut names: Vec<&String> = Vec::new();
    for d in wf.output_datasets.iter().flatten() {
        if !names.contains(&d) {
            names.push(d);
        }
    }
    let series = names
        .into_iter()
        .map(|d| {
            let points = wf.dataset_points(d, lumi_mode);
            Series {
                dataset: d.clone(),
                status: wf.latest_record(d).map_or(DatasetStatus::None, |r| r.status.clone()),
                forecast: forecast(&points, expected, now, Settings::default()).settled(wf.can_progress()),
                points,
                expected: None,
            }
        })
        .collect();
    let transitions = wf
        .request_transition
        .iter()
        .flatten()
        .map(|t| StatusAt { status: t.status.clone(), time: t.update_time })
        .collect();
    HistoryView { name: wf.id.clone(), lumi_mode, expected, series, transitions, aggregate: false, lumi_left_out: 0 }
}

/// The plotted series as CSV: `dataset,time_utc,unix_time,value` (value = events or lumis).
pub fn csv(v: &HistoryView) -> String {
    let unit = if v.lumi_mode { "lumisections" } else { "events" };
    let mut out = format!("dataset,time_utc,unix_time,{unit}\n");
    for s in &v.series {
        for (t, value) in &s.points {
            let name = if s.dataset.contains([',', '"']) {
                format!("\"{}\"", s.dataset.replace('"', "\"\""))
            } else {
                s.dataset.clone()
            };
            out.push_str(&format!("{name},{},{t},{value}\n", utc_datetime(*t)));
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    /// Two datasets, one of them listed twice, with two history entries.
    pub(crate) fn wf() -> Workflow {
        Workflow::from_value(
            json!({"_id": "w", "TotalEvents": 300, "OutputDatasets": ["/a/b/AOD", "/a/b/MINIAOD", "/a/b/AOD"],
            "RequestTransition": [{"Status": "new", "UpdateTime": 5}],
            "EventNumberHistory": [
                {"Time": 20, "Datasets": {"/a/b/AOD": {"Type": "VALID", "Events": 300, "Size": 1}}},
                {"Time": 10, "Datasets": {"/a/b/AOD": {"Type": "PRODUCTION", "Events": 100, "Size": 1},
                                          "/a/b/MINIAOD": {"Type": "PRODUCTION", "Events": 50, "Size": 1}}}]}),
        )
        .unwrap()
    }

    #[test]
    fn series_per_distinct_dataset_in_time_order_with_latest_status() {
        let v = history_view(&wf(), 30);
        assert_eq!(v.series.len(), 2);
        assert_eq!(v.series[0].points, [(10, 100), (20, 300)]);
        assert_eq!(v.series[0].status, DatasetStatus::Valid);
        assert!(v.series[0].forecast.complete);
        assert_eq!(v.series[1].points, [(10, 50)]);
        assert_eq!(v.expected, 300);
        assert_eq!(v.transitions[0].status, "new");
    }

    #[test]
    fn u22_lumi_mode_plots_lumisections_against_total_input_lumis() {
        let w = Workflow::from_value(json!({"_id": "l", "RequestType": "ReReco", "LumiList": {"1": [[1, 2]]}, "TotalInputLumis": 40,
            "TotalEvents": 9999, "OutputDatasets": ["/a/b/AOD"],
            "EventNumberHistory": [{"Time": 1, "Datasets": {"/a/b/AOD": {"Type": "PRODUCTION", "Events": 500, "Size": 1, "Lumis": 12}}}]}))
        .unwrap();
        let v = history_view(&w, 2);
        assert!(v.lumi_mode);
        assert_eq!((v.expected, v.series[0].points.clone()), (40, vec![(1, 12)]));
    }

    #[test]
    fn csv_lists_every_point() {
        let text = csv(&history_view(&wf(), 30));
        assert_eq!(text.lines().count(), 1 + 3);
        assert!(text.starts_with("dataset,time_utc,unix_time,events\n/a/b/AOD,1970-01-01 00:00:10,10,100\n"), "{text}");
    }
}
