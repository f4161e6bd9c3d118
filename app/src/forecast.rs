//! Where a dataset is heading: the recent production rate and an estimated completion time
//! from its event history (U30–U32), robust to bursts (a duration-weighted median of interval
//! rates) and to flat periods ("stalled" when nothing changed for a while although not
//! complete).

use serde::{Deserialize, Serialize};

/// How the forecast looks at a history.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Only points this recent (seconds before now) set the rate.
    pub window: i64,
    /// No change for this long while not complete means stalled.
    pub stall_after: i64,
    /// The farthest completion worth estimating: at the recent rate, a dataset due later
    /// than this is as good as stuck, and a date centuries away only misleads.
    pub horizon: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { window: 3 * 86_400, stall_after: 2 * 86_400, horizon: 365 * 86_400 }
    }
}

/// The forecast of one dataset (or a workflow: its slowest dataset).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    /// Events (or lumisections) per hour over the window.
    pub rate_per_hour: f64,
    /// Estimated Unix time of completion, when progressing.
    pub eta: Option<i64>,
    /// Reached the expected total.
    pub complete: bool,
    /// Not complete, and nothing changed for `stall_after`.
    pub stalled: bool,
    /// Not complete, but the workflow is in a status where it no longer produces (closed-out,
    /// announced, aborted, rejected, completed, …): neither stalled nor heading anywhere.
    #[serde(default)]
    pub closed: bool,
}

impl Forecast {
    /// The forecast of a dataset of a workflow that can (`true`) or cannot still progress.
    pub fn settled(self, can_progress: bool) -> Forecast {
        if can_progress || self.complete {
            return self;
        }
        Forecast { eta: None, stalled: false, closed: true, ..self }
    }
}

/// What a forecast tells a reader; the table's badge and the chart's legend word it alike.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Outlook {
    /// Reached the expected total.
    Complete,
    /// Can no longer progress; the share of the expected total reached, when known (percent).
    Closed(Option<f64>),
    /// Nothing changed for a while although it could.
    Stalled,
    /// Estimated completion (Unix seconds).
    Eta(i64),
    /// Progressing too slowly, or too little history, to say when.
    NoEstimate,
}

impl Outlook {
    /// The words for every outlook but an estimate, which each place formats to its room.
    pub fn words(self) -> Option<String> {
        match self {
            Outlook::Complete => Some("complete".into()),
            Outlook::Closed(Some(p)) => Some(format!("closed at {p:.0} %")),
            Outlook::Closed(None) => Some("closed".into()),
            Outlook::Stalled => Some("stalled".into()),
            Outlook::NoEstimate => Some("no estimate".into()),
            Outlook::Eta(_) => None,
        }
    }

    /// The CSS class of its badge.
    pub fn css_class(self) -> &'static str {
        match self {
            Outlook::Complete => "badge complete",
            Outlook::Closed(_) => "badge closed",
            Outlook::Stalled => "badge stalled",
            Outlook::Eta(_) => "badge eta",
            Outlook::NoEstimate => "badge",
        }
    }
}

impl Forecast {
    /// The outlook, `done` being the share of the expected total reached (percent).
    pub fn outlook(&self, done: Option<f64>) -> Outlook {
        if self.complete {
            Outlook::Complete
        } else if self.closed {
            Outlook::Closed(done)
        } else if self.stalled {
            Outlook::Stalled
        } else {
            self.eta.map_or(Outlook::NoEstimate, Outlook::Eta)
        }
    }
}

/// Forecast from `(time, value)` points (any order), the expected `total` (≤ 0: unknown).
pub fn forecast(points: &[(i64, i64)], total: i64, now: i64, s: Settings) -> Forecast {
    let mut pts: Vec<(i64, i64)> = points.to_vec();
    pts.sort_by_key(|p| p.0);
    let last = pts.last().copied();
    let complete = total > 0 && last.is_some_and(|(_, v)| v >= total);
    let stalled = stalled_since(&pts, total, s).is_some_and(|t| now > t);
    // The window ends now, so a flat tail up to now counts as no progress.
    let mut recent: Vec<(i64, i64)> = pts.iter().copied().filter(|(t, _)| now - t <= s.window).collect();
    if let (Some(l), Some(first)) = (last, recent.first().copied()) {
        if recent.len() < pts.len() && first.0 > now - s.window {
            // Anchor the window's start with the value it had then (the point before).
            if let Some(before) = pts.iter().rev().find(|p| p.0 <= now - s.window) {
                recent.insert(0, (now - s.window, before.1));
            }
        }
        if l.0 < now {
            recent.push((now, l.1));
        }
    }
    let rate = median_slope(&recent).max(0.0) * 3600.0;
    let eta = match (complete, last) {
        (false, Some((_, v))) if total > 0 && rate > 0.0 && !stalled => {
            let wait = ((total - v) as f64 / rate * 3600.0).ceil();
            (wait <= s.horizon as f64).then(|| now + wait as i64)
        }
        _ => None,
    };
    Forecast { rate_per_hour: rate, eta, complete, stalled, closed: false }
}

/// From when on points sorted by time count as stalled: `stall_after` past their last change,
/// unless they reached `total`. `None` for no points or a complete dataset. Stalled at `now`
/// means `now` is later than this (the summary index keeps it to answer "stalled" at any
/// time without the points).
pub fn stalled_since(sorted: &[(i64, i64)], total: i64, s: Settings) -> Option<i64> {
    let complete = total > 0 && sorted.last().is_some_and(|(_, v)| *v >= total);
    // When the value last changed: the stall clock starts there.
    let last_change =
        sorted.windows(2).rev().find(|w| w[1].1 != w[0].1).map(|w| w[1].0).or(sorted.first().map(|p| p.0))?;
    (!complete).then(|| last_change.saturating_add(s.stall_after))
}

/// The last time points sorted by time changed value after a pause longer than
/// `stall_after` (stalled, then moving again), if they ever did.
pub fn resumed_at(sorted: &[(i64, i64)], s: Settings) -> Option<i64> {
    let mut last_change = sorted.first()?.0;
    let mut out = None;
    for w in sorted.windows(2).filter(|w| w[1].1 != w[0].1) {
        if w[1].0.saturating_sub(last_change) > s.stall_after {
            out = Some(w[1].0);
        }
        last_change = w[1].0;
    }
    out
}

/// Duration-weighted median of the rates of consecutive intervals (per second): a burst is
/// one short interval and weighs little; a long flat stretch weighs as long as it lasted.
fn median_slope(p: &[(i64, i64)]) -> f64 {
    let mut rates: Vec<(f64, i64)> = p
        .windows(2)
        .filter(|w| w[1].0 > w[0].0)
        .map(|w| ((w[1].1 - w[0].1) as f64 / (w[1].0 - w[0].0) as f64, w[1].0 - w[0].0))
        .collect();
    let total: i64 = rates.iter().map(|r| r.1).sum();
    if total == 0 {
        return 0.0;
    }
    rates.sort_by(|x, y| x.0.total_cmp(&y.0));
    let mut acc = 0;
    for (rate, weight) in &rates {
        acc += weight;
        if 2 * acc >= total {
            return *rate;
        }
    }
    rates.last().map_or(0.0, |r| r.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3600;

    #[test]
    fn outlooks_are_worded_once_for_the_table_and_the_chart() {
        let f = Forecast { rate_per_hour: 1.0, eta: None, complete: false, stalled: false, closed: false };
        assert_eq!(f.outlook(None), Outlook::NoEstimate);
        assert_eq!(Forecast { eta: Some(9), ..f }.outlook(None), Outlook::Eta(9));
        assert_eq!(Forecast { stalled: true, eta: Some(9), ..f }.outlook(None).words().unwrap(), "stalled");
        let closed = Forecast { closed: true, ..f };
        assert_eq!(closed.outlook(Some(96.6)).words().unwrap(), "closed at 97 %");
        assert_eq!(closed.outlook(None).words().unwrap(), "closed");
        assert_eq!(Forecast { complete: true, closed: true, ..f }.outlook(Some(100.0)), Outlook::Complete);
        assert_eq!(Outlook::Eta(1).words(), None);
        assert_eq!(Outlook::Stalled.css_class(), "badge stalled");
    }

    fn s() -> Settings {
        Settings::default()
    }

    #[test]
    fn steady_growth_gives_its_rate_and_an_eta() {
        let pts: Vec<(i64, i64)> = (0..10).map(|i| (i * H, i * 100)).collect();
        let f = forecast(&pts, 2000, 9 * H, s());
        assert!((f.rate_per_hour - 100.0).abs() < 1e-9, "{f:?}");
        assert_eq!(f.eta, Some(9 * H + 11 * H));
        assert!(!f.complete && !f.stalled);
    }

    #[test]
    fn a_burst_does_not_dominate_the_rate() {
        let mut pts: Vec<(i64, i64)> = (0..12).map(|i| (i * H, i * 100)).collect();
        for p in pts.iter_mut().skip(6) {
            p.1 += 5000; // one jump of 5,000 events between hours 5 and 6
        }
        let f = forecast(&pts, 100_000, 11 * H, s());
        assert!(f.rate_per_hour < 150.0, "median of slopes ignores the burst: {f:?}");
        assert!(f.rate_per_hour >= 100.0);
    }

    #[test]
    fn a_flat_tail_means_stalled_and_no_eta() {
        let pts = vec![(0, 0), (H, 500), (2 * H, 1000)];
        let f = forecast(&pts, 5000, 2 * H + 3 * 86_400, s());
        assert!(f.stalled, "{f:?}");
        assert_eq!(f.eta, None);
        let f = forecast(&pts, 5000, 2 * H + 3600, s());
        assert!(!f.stalled && f.eta.is_some(), "an hour of calm is not a stall: {f:?}");
    }

    #[test]
    fn complete_and_unknown_totals() {
        let pts = vec![(0, 0), (H, 1000)];
        let done = forecast(&pts, 1000, 5 * 86_400, s());
        assert!(done.complete && !done.stalled && done.eta.is_none());
        let unknown = forecast(&pts, -1, H, s());
        assert!(!unknown.complete && unknown.eta.is_none() && unknown.rate_per_hour > 0.0);
        assert_eq!(
            forecast(&[], 10, 0, s()),
            Forecast { rate_per_hour: 0.0, eta: None, complete: false, stalled: false, closed: false }
        );
    }

    #[test]
    fn no_estimate_beyond_the_horizon() {
        // 10 events an hour with 1,000,000 to go: over 11 years.
        let pts: Vec<(i64, i64)> = (0..10).map(|i| (i * H, i * 10)).collect();
        let f = forecast(&pts, 1_000_000, 9 * H, s());
        assert!(f.rate_per_hour > 0.0 && !f.stalled);
        assert_eq!(f.eta, None, "no date centuries away");
        assert!(forecast(&pts, 1_000, 9 * H, s()).eta.is_some(), "a near completion is still estimated");
    }

    #[test]
    fn a_closed_workflow_is_neither_stalled_nor_heading_anywhere() {
        let pts = vec![(0, 0), (H, 500)];
        let f = forecast(&pts, 5000, 10 * 86_400, s());
        assert!(f.stalled);
        let closed = f.settled(false);
        assert!(closed.closed && !closed.stalled && closed.eta.is_none());
        assert_eq!(f.settled(true), f);
        let done = forecast(&[(0, 0), (H, 5000)], 5000, H, s());
        assert_eq!(done.settled(false), done, "complete stays complete");
    }

    #[test]
    fn old_points_outside_the_window_do_not_set_the_rate() {
        // Fast long ago, slow lately: the recent rate wins.
        let mut pts: Vec<(i64, i64)> = (0..10).map(|i| (i * H, i * 10_000)).collect();
        let base = 30 * 86_400;
        pts.extend((0..10).map(|i| (base + i * H, 90_000 + i * 10)));
        let f = forecast(&pts, 1_000_000, base + 9 * H, s());
        assert!(f.rate_per_hour <= 10.0 + 1e-9, "{f:?}");
    }
}
