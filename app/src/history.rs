//! What the workflow chart draws (pure, shared): one series per output dataset (events, or
//! lumisections in lumi mode, U22), the expected total, the status transitions, forecasts, and
//! the CSV export of the plotted series.

use serde::{Deserialize, Serialize};

use crate::forecast::{forecast, Forecast, Settings};
use crate::model::{DatasetStatus, Workflow};
use crate::present::utc_datetime;
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
}

/// The chart data of a workflow, forecasts computed at `now`.
pub fn history_view(wf: &Workflow, now: i64) -> HistoryView {
    let lumi_mode = wf.lumi_mode();
    let expected = if lumi_mode { wf.total_input_lumis_int().unwrap_or(-1) } else { wf.total_events.unwrap_or(-1) };
    let history = wf.history_sorted();
    let mut names: Vec<&String> = Vec::new();
    for d in wf.output_datasets.iter().flatten() {
        if !names.contains(&d) {
            names.push(d);
        }
    }
    let series = names
        .into_iter()
        .map(|d| {
            let records: Vec<(i64, &crate::model::DatasetRecord)> =
                history.iter().filter_map(|h| Some((h.time.unwrap_or(0), h.datasets.get(d)?))).collect();
            let points: Vec<(i64, i64)> =
                records.iter().map(|(t, r)| (*t, if lumi_mode { r.lumis.unwrap_or(0) } else { r.events })).collect();
            Series {
                dataset: d.clone(),
                status: records.last().map_or(DatasetStatus::None, |(_, r)| r.status.clone()),
                forecast: forecast(&points, expected, now, Settings::default()),
                points,
            }
        })
        .collect();
    let transitions = wf
        .request_transition
        .iter()
        .flatten()
        .map(|t| StatusAt { status: t.status.clone(), time: t.update_time })
        .collect();
    HistoryView { name: wf.id.clone(), lumi_mode, expected, series, transitions }
}

/// Line colour of a dataset: VALID blue, INVALID or DELETED red, anything produced orange.
pub fn color(status: &DatasetStatus) -> (u8, u8, u8) {
    match status {
        DatasetStatus::Valid => (0x34, 0x98, 0xdb),
        DatasetStatus::Invalid | DatasetStatus::Deleted => (0xC0, 0x39, 0x2B),
        _ => (0xF3, 0x9C, 0x12),
    }
}

/// Colour of the expected-total line.
pub const EXPECTED_COLOR: (u8, u8, u8) = (0x9a, 0x9a, 0x9a);

/// Points of a step line: the value holds until the next record.
pub fn steps(points: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let mut out = Vec::with_capacity(points.len() * 2);
    for (i, p) in points.iter().enumerate() {
        if i > 0 {
            out.push((p.0, points[i - 1].1));
        }
        out.push(*p);
    }
    out
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
mod tests {
    use super::*;
    use serde_json::json;

    fn wf() -> Workflow {
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
    fn steps_hold_values_and_csv_lists_every_point() {
        assert_eq!(steps(&[(1, 10), (3, 30), (5, 50)]), [(1, 10), (3, 10), (3, 30), (5, 30), (5, 50)]);
        let text = csv(&history_view(&wf(), 30));
        assert_eq!(text.lines().count(), 1 + 3);
        assert!(text.starts_with("dataset,time_utc,unix_time,events\n/a/b/AOD,1970-01-01 00:00:10,10,100\n"), "{text}");
    }
}
