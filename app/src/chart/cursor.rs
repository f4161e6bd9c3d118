//! The chart's cursor, apart from any drawing: it snaps to the nearest time that has a point,
//! steps from point to point by keyboard, reads each line's value at its time in words (what
//! a screen reader hears), and Enter zooms around it.

use super::Frame;
use crate::format::{thousands, utc_datetime};
use crate::history::{HistoryView, Series};

/// The time of the shown point nearest to `x`: where the cursor snaps.
pub fn nearest_time(series: &[Series], f: &Frame, x: f64) -> Option<i64> {
    let times = series.iter().flat_map(|s| s.points.iter().map(|p| p.0)).filter(|t| *t >= f.t0 && *t <= f.t1);
    times.min_by(|a, b| (f.x(*a) - x).abs().total_cmp(&(f.x(*b) - x).abs()))
}

/// The next (`forward`) or previous time with a point in the window after or before `from`
/// (from the window's edge when `None`): the keyboard's cursor steps.
pub fn step_time(series: &[Series], f: &Frame, from: Option<i64>, forward: bool) -> Option<i64> {
    let times = series.iter().flat_map(|s| s.points.iter().map(|p| p.0)).filter(|t| *t >= f.t0 && *t <= f.t1);
    match (forward, from) {
        (true, Some(from)) => times.filter(|t| *t > from).min(),
        (false, Some(from)) => times.filter(|t| *t < from).max(),
        (true, None) => times.min(),
        (false, None) => times.max(),
    }
}

/// Each series' value at `t` (its last point at or before it), for the series started by then.
pub fn values_at(series: &[Series], t: i64) -> Vec<(usize, i64)> {
    let at = |s: &Series| s.points.iter().take_while(|p| p.0 <= t).last().map(|p| p.1);
    series.iter().enumerate().filter_map(|(i, s)| at(s).map(|v| (i, v))).collect()
}

/// What a key pressed on the chart asks for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum KeyAnswer {
    /// Not the chart's key: left to the browser.
    Ignored,
    /// The cursor moves there (`None` hides it).
    Cursor(Option<i64>),
    /// Zoom to this window.
    Zoom((i64, i64)),
}

/// The chart's keys, the cursor being at `now`: arrows step from point to point, Home and End
/// jump to the ends, Enter zooms to half the window around the cursor, Escape hides it.
pub fn key_answer(series: &[Series], f: &Frame, now: Option<i64>, key: &str) -> KeyAnswer {
    let to = match key {
        "ArrowRight" | "ArrowUp" => step_time(series, f, now, true).or(now),
        "ArrowLeft" | "ArrowDown" => step_time(series, f, now, false).or(now),
        "Home" => step_time(series, f, None, true),
        "End" => step_time(series, f, None, false),
        "Escape" => None,
        "Enter" => return now.map_or(KeyAnswer::Ignored, |t| KeyAnswer::Zoom(half_window(f, t))),
        _ => return KeyAnswer::Ignored,
    };
    KeyAnswer::Cursor(to)
}

/// Half of `f`'s window around `t`, kept inside the window.
pub fn half_window(f: &Frame, t: i64) -> (i64, i64) {
    let quarter = ((f.t1 - f.t0) / 4).max(60);
    let start = (t - quarter).clamp(f.t0, (f.t1 - 2 * quarter).max(f.t0));
    (start, (start + 2 * quarter).max(start + 1))
}

/// The values at the cursor in words: the time, then each started series' value then.
pub fn readout(v: &HistoryView, t: i64) -> String {
    let unit = if v.lumi_mode { "lumisections" } else { "events" };
    let values: Vec<String> = values_at(&v.series, t)
        .into_iter()
        .map(|(i, value)| format!("{} {}", v.series[i].dataset, thousands(value)))
        .collect();
    let values = if values.is_empty() { "nothing produced yet".to_owned() } else { values.join("; ") };
    format!("{} UTC, {unit}: {values}", utc_datetime(t))
}
