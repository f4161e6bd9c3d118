//! The analytics views' answers (campaign × status tables, status-duration histograms) and
//! the arithmetic they share between the server, which computes them from the summary index,
//! and the browser, which draws them. Pure: no I/O, no clock.

use serde::{Deserialize, Serialize};

use crate::filter::{Filter, RequestStatus};

mod url;

pub use url::{cell_filter, duration_query, duration_query_string, human_duration, short_count, DEFAULT_SPAN};

/// Requests and events of one table cell (or a row's or a column's total).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cell {
    /// Workflows counted.
    pub requests: u64,
    /// Their expected events (TotalEvents), summed.
    pub expected: i64,
    /// Their produced events (each workflow's largest output dataset), summed.
    pub done: i64,
}

impl Cell {
    /// Counts one more workflow.
    pub fn add(&mut self, expected: i64, done: i64) {
        self.requests += 1;
        self.expected = self.expected.saturating_add(expected.max(0));
        self.done = self.done.saturating_add(done.max(0));
    }
}

/// One campaign's row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignRow {
    /// The campaign, as the campaign filter matches it.
    pub campaign: String,
    /// One cell per status of [`CampaignTable::statuses`].
    pub cells: Vec<Cell>,
    /// The row's workflows.
    pub total: Cell,
}

/// The campaign × current-status table of a filter's workflows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignTable {
    /// The columns: statuses present, in lifecycle order (older spellings last).
    pub statuses: Vec<String>,
    /// Rows by campaign name.
    pub rows: Vec<CampaignRow>,
    /// Per status, the distinct workflows in it (a workflow of two campaigns counts once).
    pub column_totals: Vec<Cell>,
    /// Every matching workflow, once.
    pub total: Cell,
    /// Matching workflows without a campaign (in the totals, in no row).
    pub without_campaign: u64,
}

/// The order of the columns: ReqMgr2's lifecycle, then statuses it no longer has by name.
pub fn status_order(status: &str) -> (usize, &str) {
    let rank = RequestStatus::parse(status).map_or(RequestStatus::ALL.len(), |s| s as usize);
    (rank, status)
}

/// How the histogram's time axis is divided.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    /// Bins of equal width.
    #[default]
    Linear,
    /// Bins of equal ratio (from one second up): days and months on one chart.
    Log,
}

/// Most bins a histogram may have.
pub const MAX_BINS: u32 = 100;
/// Bins when the URL does not say.
pub const DEFAULT_BINS: u32 = 20;

/// What the performance view asks: the filter's workflows, the time from their first `from`
/// transition to their first `to` transition after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DurationQuery {
    /// Which workflows.
    pub filter: Filter,
    /// Start status.
    pub from: RequestStatus,
    /// End status.
    pub to: RequestStatus,
    /// Number of bins, 1 to [`MAX_BINS`].
    pub bins: u32,
    /// Bin spacing.
    pub scale: Scale,
}

impl DurationQuery {
    /// The checks every way in applies.
    pub fn validate(&self) -> Result<(), String> {
        self.filter.validate().map_err(|e| e.to_string())?;
        if !(1..=MAX_BINS).contains(&self.bins) {
            return Err(format!("bins must be from 1 to {MAX_BINS}, not {}", self.bins));
        }
        if self.from == self.to {
            return Err("from and to must be different statuses".to_owned());
        }
        Ok(())
    }
}

/// One bar: durations in `[lo, hi)` seconds (the last bar includes `hi`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bin {
    /// Lower edge, seconds.
    pub lo: f64,
    /// Upper edge, seconds.
    pub hi: f64,
    /// Workflows in it.
    pub count: u64,
}

/// The status-duration histogram of a filter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DurationHistogram {
    /// The bars, in order.
    pub bins: Vec<Bin>,
    /// Workflows measured.
    pub measured: u64,
    /// Median duration, seconds.
    pub median: Option<i64>,
    /// 90th percentile, seconds.
    pub p90: Option<i64>,
    /// Matching workflows lacking the `from` or the later `to` transition.
    pub lacking: u64,
    /// The first of them by name (at most [`LACKING_NAMES`]).
    pub lacking_names: Vec<String>,
}

/// Most names of workflows lacking a transition an answer carries.
pub const LACKING_NAMES: usize = 50;

/// The nearest-rank `q`-quantile (0 < q ≤ 1) of sorted values.
pub fn percentile(sorted: &[i64], q: f64) -> Option<i64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
    Some(sorted[rank - 1])
}

/// The bin edges for durations from `min` to `max` seconds.
pub fn edges(min: i64, max: i64, bins: u32, scale: Scale) -> Vec<f64> {
    let n = bins.max(1) as usize;
    match scale {
        Scale::Linear => {
            let (lo, hi) = (min as f64, (max as f64).max(min as f64 + 1.0));
            (0..=n).map(|i| lo + (hi - lo) * i as f64 / n as f64).collect()
        }
        Scale::Log => {
            let (lo, hi) = ((min.max(1) as f64).ln(), (max.max(2) as f64).ln());
            let hi = hi.max(lo + f64::EPSILON);
            (0..=n).map(|i| (lo + (hi - lo) * i as f64 / n as f64).exp()).collect()
        }
    }
}

/// Which bar of `edges` a duration falls in (the last bar includes its upper edge; durations
/// below one second fall in the first bar of a log scale).
pub fn bin_of(edges: &[f64], duration: i64) -> usize {
    let last = edges.len().saturating_sub(2);
    let d = duration as f64;
    edges.windows(2).position(|w| d < w[1]).unwrap_or(last).min(last)
}

/// The histogram of `durations` (seconds, any order).
pub fn histogram(mut durations: Vec<i64>, bins: u32, scale: Scale) -> DurationHistogram {
    durations.sort_unstable();
    let (Some(&min), Some(&max)) = (durations.first(), durations.last()) else {
        return DurationHistogram::default();
    };
    let edges = edges(min, max, bins, scale);
    let mut out: Vec<Bin> = edges.windows(2).map(|w| Bin { lo: w[0], hi: w[1], count: 0 }).collect();
    for d in &durations {
        out[bin_of(&edges, *d)].count += 1;
    }
    DurationHistogram {
        bins: out,
        measured: durations.len() as u64,
        median: percentile(&durations, 0.5),
        p90: percentile(&durations, 0.9),
        lacking: 0,
        lacking_names: Vec::new(),
    }
}

/// The workflows of one bar, for the list below the chart.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BinWorkflows {
    /// Names, in id order, at most [`crate::filter::PAGE_SIZE`].
    pub names: Vec<String>,
    /// Workflows in the bar.
    pub count: u64,
}

#[cfg(test)]
mod tests;
