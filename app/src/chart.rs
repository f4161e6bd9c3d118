//! The history chart's geometry, apart from any drawing: where the plot sits, how times and
//! values map to it (linear or log, whole history or a zoomed window), the axis ticks, step
//! paths clipped to the window, transition labels placed in rows so none overlaps another,
//! colours and line styles, the nearest point to the pointer, and the zoom in the URL. Pure,
//! so it is tested natively; `ui/chart.rs` turns it into SVG.

use crate::analytics::short_count;
use crate::format::utc_datetime;
use crate::history::HistoryView;
use crate::model::DatasetStatus;

/// The drawing's size in SVG units.
pub const WIDTH: f64 = 1100.0;
/// Height of the plot itself, below the label band.
pub const PLOT_HEIGHT: f64 = 400.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 16.0;
const LABEL_ROW: f64 = 15.0;
const BELOW: f64 = 46.0;
/// Width of one character of the 11-unit label font, generously (labels must not touch).
const CHAR: f64 = 6.6;

/// Okabe and Ito's palette, distinguishable with the common colour-vision deficiencies; one
/// colour per dataset (or datatier), in order.
pub const PALETTE: [&str; 8] = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000", "#B8A000"];

/// A series' colour.
pub fn colour(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// A dataset's line style by its status (colour says which dataset): VALID solid, still in
/// production dashed, INVALID / DELETED / DEPRECATED dotted.
pub fn dash(status: &DatasetStatus) -> Option<&'static str> {
    match status {
        DatasetStatus::Valid => None,
        DatasetStatus::Invalid | DatasetStatus::Deleted | DatasetStatus::Deprecated => Some("2 4"),
        _ => Some("9 4"),
    }
}

/// A long dataset name shortened for the legend: the primary dataset cut to `keep`
/// characters, the processed part elided, the tier kept (`/Prim…/…/AODSIM`).
pub fn short_name(name: &str, max: usize) -> String {
    if name.chars().count() <= max {
        return name.to_owned();
    }
    let parts: Vec<&str> = name.trim_start_matches('/').split('/').collect();
    let keep = max.saturating_sub(8).max(8) / 2;
    let cut = |s: &str| {
        if s.chars().count() > keep {
            format!("{}…", s.chars().take(keep).collect::<String>())
        } else {
            s.to_owned()
        }
    };
    match parts.as_slice() {
        [primary, .., tier] => format!("/{}/…/{tier}", cut(primary)),
        _ => format!("{}…", name.chars().take(max).collect::<String>()),
    }
}

/// Narrowest drawing: a phone's width less the page's margins.
pub const MIN_WIDTH: f64 = 300.0;

/// How a history chart is asked to look: the reader's choices and the room it has.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Look {
    /// Log value axis.
    pub log: bool,
    /// The time window zoomed to, if any.
    pub zoom: Option<(i64, i64)>,
    /// Forecasts drawn to their end however far; otherwise they widen the time axis by a
    /// quarter of the history's span at most, so the history keeps most of the width.
    pub whole_forecast: bool,
    /// The drawing's width in SVG units. The page keeps it equal to the CSS pixels it has, so
    /// the 11-unit text stays 11 px on a phone instead of being scaled down to 4.
    pub width: f64,
}

impl Default for Look {
    fn default() -> Self {
        Look { log: false, zoom: None, whole_forecast: false, width: WIDTH }
    }
}

/// Where the plot sits and what it shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    /// Total width.
    pub width: f64,
    /// Total height (label band, plot, time axis).
    pub height: f64,
    /// Plot edges in SVG units.
    pub left: f64,
    /// Right edge.
    pub right: f64,
    /// Top edge (below the label band).
    pub top: f64,
    /// Bottom edge (above the time axis).
    pub bottom: f64,
    /// Time window shown.
    pub t0: i64,
    /// End of the window.
    pub t1: i64,
    /// Top of the value axis.
    pub ymax: f64,
    /// Log value axis.
    pub log: bool,
}

impl Frame {
    /// The frame of `v`, with `rows` rows of transition labels above the plot.
    pub fn new(v: &HistoryView, look: Look, rows: usize) -> Frame {
        let (t0, t1) = look.zoom.filter(|(a, b)| b > a).unwrap_or_else(|| span(v, look.whole_forecast));
        let visible = v.series.iter().flat_map(|s| clip(&s.points, t0, t1)).map(|p| p.1);
        let expected = if look.zoom.is_none() { expected_max(v) } else { 0 };
        let top = visible.chain([expected]).max().unwrap_or(1).max(1) as f64 * 1.08;
        // On a log axis the top is the next power of ten, so a tick labels every decade up to
        // the data's maximum.
        let ymax = if look.log { 10f64.powf(top.max(10.0).log10().ceil()) } else { top };
        let width = look.width.clamp(MIN_WIDTH, WIDTH);
        let (log, right) = (look.log, width - RIGHT);
        let f = Frame { width, height: 0.0, left: LEFT, right, top: 0.0, bottom: 0.0, t0, t1, ymax, log };
        f.with_label_rows(rows)
    }

    /// How many time ticks fit: one per 90 units, two to seven.
    pub fn time_tick_room(&self) -> usize {
        ((self.right - self.left) / 90.0).floor().clamp(2.0, 7.0) as usize
    }

    /// Where a time label at `x` is anchored: centred on its tick, unless that would cut it
    /// off at the right edge, where it ends at the tick instead.
    pub fn tick_anchor(&self, x: f64, label: &str) -> &'static str {
        let half = label.len() as f64 * 3.4;
        if x + half > self.width - 2.0 {
            "end"
        } else {
            "middle"
        }
    }

    /// The same frame below `rows` rows of transition labels (times keep their x).
    pub fn with_label_rows(self, rows: usize) -> Frame {
        let band = 8.0 + rows as f64 * LABEL_ROW;
        Frame { height: band + PLOT_HEIGHT + BELOW, top: band, bottom: band + PLOT_HEIGHT, ..self }
    }

    /// The x of time `t`.
    pub fn x(&self, t: i64) -> f64 {
        self.left + (t - self.t0) as f64 / (self.t1 - self.t0).max(1) as f64 * (self.right - self.left)
    }

    /// The time at `x` (within the window).
    pub fn t_at(&self, x: f64) -> i64 {
        let f = ((x - self.left) / (self.right - self.left)).clamp(0.0, 1.0);
        self.t0 + (f * (self.t1 - self.t0) as f64).round() as i64
    }

    /// The y of `value`.
    pub fn y(&self, value: i64) -> f64 {
        let f = if self.log { (value.max(1) as f64).ln() / self.ymax.ln() } else { value as f64 / self.ymax };
        self.bottom - f.clamp(0.0, 1.0) * (self.bottom - self.top)
    }
}

/// The highest expected line drawn: the workflow's, or in an aggregate each tier's own.
fn expected_max(v: &HistoryView) -> i64 {
    if v.aggregate {
        v.series.iter().filter_map(|s| s.expected).max().unwrap_or(0)
    } else {
        v.expected
    }
}

/// The whole history's time span, widened for forecasts by a quarter of it at most, or to the
/// farthest forecast when `whole`. The forecasts come from the points, whatever the bucket.
fn span(v: &HistoryView, whole: bool) -> (i64, i64) {
    let times = v.series.iter().flat_map(|s| s.points.iter().map(|p| p.0)).chain(v.transitions.iter().map(|t| t.time));
    let (mut t0, mut t1) = times.fold((i64::MAX, i64::MIN), |(a, b), t| (a.min(t), b.max(t)));
    if t0 > t1 {
        (t0, t1) = (0, 1);
    }
    let width = (t1 - t0).max(3600);
    let eta = v.series.iter().filter_map(|s| s.forecast.eta).max().unwrap_or(t1);
    let eta = if whole { eta } else { eta.min(t1 + width / 4) };
    (t0, eta.max(t1 + width / 50).max(t0 + 1))
}

/// The step line's corners within `[t0, t1]`: the value at `t0` first (the last record before
/// it), then every record inside, held to `t1` if the series goes on past it.
pub fn clip(points: &[(i64, i64)], t0: i64, t1: i64) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    if let Some(before) = points.iter().rev().find(|p| p.0 < t0) {
        out.push((t0, before.1));
    }
    out.extend(points.iter().copied().filter(|p| p.0 >= t0 && p.0 <= t1));
    if let (Some(last), true) = (out.last().copied(), points.iter().any(|p| p.0 > t1)) {
        out.push((t1, last.1));
    }
    out
}

/// The SVG path of a series' step line in the frame's window.
pub fn step_path(points: &[(i64, i64)], f: &Frame) -> String {
    let mut d = String::new();
    for (i, (t, v)) in clip(points, f.t0, f.t1).into_iter().enumerate() {
        let (x, y) = (f.x(t), f.y(v));
        if i == 0 {
            d.push_str(&format!("M{x:.1} {y:.1}"));
        } else {
            d.push_str(&format!("H{x:.1}V{y:.1}"));
        }
    }
    d
}

/// Time ticks: a round step giving at most `most`, labelled with the date (and the time for
/// windows of a few days).
pub fn time_ticks(t0: i64, t1: i64, most: usize) -> Vec<(i64, String)> {
    const H: i64 = 3600;
    const D: i64 = 86_400;
    let steps = [H, 3 * H, 6 * H, 12 * H, D, 2 * D, 7 * D, 14 * D, 30 * D, 91 * D, 182 * D, 365 * D, 730 * D];
    let span = (t1 - t0).max(1);
    let most = most.max(1) as i64;
    let step = steps.into_iter().find(|s| span / s <= most).unwrap_or(5 * 365 * D);
    let short = span < 3 * D;
    let first = t0.div_euclid(step) * step + if t0.rem_euclid(step) == 0 { 0 } else { step };
    (0..)
        .map(|k| first + k * step)
        .take_while(|t| *t <= t1)
        .map(|t| (t, if short { utc_datetime(t)[5..16].to_owned() } else { utc_datetime(t)[..10].to_owned() }))
        .collect()
}

/// Value ticks: 1, 2 or 5 times a power of ten, at most six (linear); powers of ten (log).
pub fn value_ticks(ymax: f64, log: bool) -> Vec<(f64, String)> {
    if log {
        return (0..=18)
            .map(|e| 10f64.powi(e))
            .take_while(|v| *v <= ymax)
            .map(|v| (v, short_count(v as i64)))
            .collect();
    }
    let raw = ymax / 5.0;
    let mag = 10f64.powf(raw.max(1.0).log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * mag).find(|s| ymax / s <= 6.0).unwrap_or(10.0 * mag);
    (0..).map(|k| k as f64 * step).take_while(|v| *v <= ymax).map(|v| (v, short_count(v as i64))).collect()
}

/// One placed transition label.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    /// Index of the transition.
    pub index: usize,
    /// The line's x.
    pub x: f64,
    /// Where the text starts.
    pub text_x: f64,
    /// Row from the top (0 is the highest).
    pub row: usize,
}

/// Places one label per transition (x, text) in rows above the plot: each goes into the first
/// row where it does not touch the previous label, so no two labels overlap, and a label near
/// the right edge extends leftwards so it stays inside. Returns the labels and the rows used.
pub fn place_labels(marks: &[(f64, &str)], left: f64, right: f64) -> (Vec<Label>, usize) {
    let mut order: Vec<usize> = (0..marks.len()).collect();
    order.sort_by(|a, b| marks[*a].0.total_cmp(&marks[*b].0));
    let mut ends: Vec<f64> = Vec::new();
    let mut out = Vec::new();
    for i in order {
        let (x, text) = marks[i];
        let w = text.chars().count() as f64 * CHAR + 4.0;
        let start = if x + w > right { (x - w).max(left) } else { x };
        let row = match ends.iter().position(|end| start >= end + 4.0) {
            Some(r) => r,
            None => {
                ends.push(f64::MIN);
                ends.len() - 1
            }
        };
        ends[row] = start + w;
        out.push(Label { index: i, x, text_x: start, row });
    }
    out.sort_by_key(|l| l.index);
    (out, ends.len())
}

/// The label rows `v`'s transitions need (the frame depends on it).
pub fn label_rows(v: &HistoryView, look: Look) -> (Vec<Label>, Frame) {
    let draft = Frame::new(v, look, 0);
    let marks: Vec<(f64, &str)> = v
        .transitions
        .iter()
        .filter(|t| t.time >= draft.t0 && t.time <= draft.t1)
        .map(|t| (draft.x(t.time), t.status.as_str()))
        .collect();
    let (labels, rows) = place_labels(&marks, draft.left, draft.right);
    (labels, draft.with_label_rows(rows))
}

/// Moves label baselines apart so no two are closer than `gap`, within `[top, bottom]` where
/// there is room; answered in the order given. Labels drawn at the same edge (the expected
/// totals of an aggregate's tiers) would otherwise print over one another.
pub fn spread(ys: &[f64], gap: f64, top: f64, bottom: f64) -> Vec<f64> {
    let mut order: Vec<usize> = (0..ys.len()).collect();
    order.sort_by(|a, b| ys[*a].total_cmp(&ys[*b]));
    let mut placed: Vec<f64> = order.iter().map(|i| ys[*i].max(top)).collect();
    for k in 1..placed.len() {
        placed[k] = placed[k].max(placed[k - 1] + gap);
    }
    // Pushed past the bottom: move up from there, as far as the top allows.
    if let Some(last) = placed.last_mut() {
        *last = last.min(bottom);
    }
    for k in (0..placed.len().saturating_sub(1)).rev() {
        placed[k] = placed[k].min(placed[k + 1] - gap).max(top);
    }
    let mut out = vec![0.0; ys.len()];
    for (k, i) in order.into_iter().enumerate() {
        out[i] = placed[k];
    }
    out
}

mod cursor;
mod query;
pub use cursor::{half_window, key_answer, nearest_time, readout, step_time, values_at, KeyAnswer};
pub use query::{param, with_param, with_zoom, zoom_of};

#[cfg(test)]
mod tests;
