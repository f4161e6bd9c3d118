//! One datatier's sums behind the aggregate chart: its change per bucket (what is drawn) and
//! its recent changes per hour (what its forecast reads, so the forecast is the same whatever
//! the bucket), and the folding of all but the largest tiers into one "other tiers" series,
//! so that no two series share a colour.

use std::collections::BTreeMap;

use crate::forecast::{forecast, Forecast, Settings};

/// Most series an aggregate draws: the palette's colours.
pub const MAX_SERIES: usize = 8;

const HOUR: i64 = 3600;

/// Where the forecast's window starts at `now`; an hour early, since changes count at the end
/// of their hour.
pub fn recent_from(now: i64) -> i64 {
    now.saturating_sub(Settings::default().window).saturating_sub(HOUR)
}

/// The end of the hour `t` falls in (`t` itself on the hour): every bucket of a whole number
/// of hours that holds `t` holds this end too.
pub fn hour_end(t: i64) -> i64 {
    t.div_euclid(HOUR).saturating_add(i64::from(t.rem_euclid(HOUR) != 0)).saturating_mul(HOUR)
}

/// A tier's sums.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TierSums {
    /// Change per bucket.
    pub deltas: Vec<i64>,
    /// Total before the forecast's window.
    before: i64,
    /// When that total last changed.
    changed: Option<i64>,
    /// Changes within the window, by the end of their hour.
    recent: BTreeMap<i64, i64>,
}

impl TierSums {
    /// No change yet, over `buckets` buckets.
    pub fn new(buckets: usize) -> Self {
        TierSums { deltas: vec![0; buckets], ..TierSums::default() }
    }

    /// Counts a change of `delta` at `t` for the forecast, whose window starts at `from`.
    pub fn add_recent(&mut self, t: i64, delta: i64, from: i64) {
        let hour = hour_end(t);
        if delta == 0 {
            return;
        }
        // By the hour, as the index keeps them: a change undone within its hour is no change,
        // so both ways of summing see the same points.
        if hour >= from {
            let entry = self.recent.entry(hour).or_default();
            *entry += delta;
            if *entry == 0 {
                self.recent.remove(&hour);
            }
        } else {
            self.before = self.before.saturating_add(delta);
            self.changed = self.changed.max(Some(t));
        }
    }

    /// Where the tier is heading, `own` being its expected total.
    pub fn forecast(&self, own: i64, now: i64) -> Forecast {
        let mut sum = self.before;
        // Only the value before the window matters to the forecast (the window is longer than
        // the stall time), so when it last changed is kept roughly, and only when it is not 0.
        let start = self.changed.filter(|_| sum != 0);
        let mut points: Vec<(i64, i64)> = start.map(|t| (t, sum)).into_iter().collect();
        for (&hour, &d) in &self.recent {
            sum = sum.saturating_add(d);
            points.push((hour.min(now), sum));
        }
        forecast(&points, own, now, Settings::default())
    }

    fn total(&self) -> i64 {
        self.deltas.iter().sum()
    }

    fn absorb(&mut self, other: TierSums) {
        for (a, b) in self.deltas.iter_mut().zip(other.deltas) {
            *a += b;
        }
        self.before = self.before.saturating_add(other.before);
        self.changed = self.changed.max(other.changed);
        for (hour, d) in other.recent {
            *self.recent.entry(hour).or_default() += d;
        }
    }
}

/// One series to draw: its name, sums and expected total.
pub type Drawn = (String, TierSums, i64);

/// The tiers to draw: all of them when they are [`MAX_SERIES`] or fewer, else the largest
/// (by events) less one, in name order, and the rest added up as "other tiers (names)" last.
/// Summed tiers have no expected total: a workflow with two of them would count twice.
pub fn fold(tiers: BTreeMap<&str, TierSums>, expected: &BTreeMap<String, i64>) -> Vec<Drawn> {
    let own = |tier: &str| expected.get(tier).copied().unwrap_or(0);
    if tiers.len() <= MAX_SERIES {
        return tiers.into_iter().map(|(t, s)| (t.to_owned(), s, own(t))).collect();
    }
    let mut ranked: Vec<(i64, &str)> = tiers.iter().map(|(t, s)| (s.total(), *t)).collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    let kept: Vec<&str> = ranked[..MAX_SERIES - 1].iter().map(|r| r.1).collect();
    let mut drawn = Vec::new();
    let (mut other, mut names) = (None::<TierSums>, Vec::new());
    for (tier, sums) in tiers {
        if kept.contains(&tier) {
            drawn.push((tier.to_owned(), sums, own(tier)));
        } else {
            names.push(tier);
            match other.as_mut() {
                Some(o) => o.absorb(sums),
                None => other = Some(sums),
            }
        }
    }
    if let Some(o) = other {
        drawn.push((format!("other tiers ({})", names.join(", ")), o, 0));
    }
    drawn
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_tiers_than_colours_fold_the_smallest_into_one() {
        let sums = |total: i64| TierSums { deltas: vec![total, 0], ..TierSums::default() };
        let names: Vec<String> = (0..11).map(|i| format!("T{i:02}")).collect();
        let tiers: BTreeMap<&str, TierSums> =
            names.iter().enumerate().map(|(i, n)| (n.as_str(), sums(i as i64))).collect();
        let expected = names.iter().map(|n| (n.clone(), 5)).collect();
        let drawn = fold(tiers, &expected);
        assert_eq!(drawn.len(), MAX_SERIES);
        let kept: Vec<&str> = drawn[..7].iter().map(|d| d.0.as_str()).collect();
        assert_eq!(kept, ["T04", "T05", "T06", "T07", "T08", "T09", "T10"]);
        let (name, other, own) = &drawn[7];
        assert_eq!(name, "other tiers (T00, T01, T02, T03)");
        assert_eq!((other.deltas.clone(), *own), (vec![6, 0], 0), "summed, without an expected total");
        assert!(drawn[..7].iter().all(|d| d.2 == 5));
    }

    #[test]
    fn the_forecast_reads_the_hours_not_the_buckets() {
        let now = 100 * 86_400;
        let from = recent_from(now);
        let mut a = TierSums::new(1);
        a.add_recent(now - 10 * 86_400, 1000, from);
        for h in 1..=48 {
            a.add_recent(now - h * HOUR, 100, from);
        }
        let f = a.forecast(20_000, now);
        assert!((f.rate_per_hour - 100.0).abs() < 1.0, "{f:?}");
        assert!(f.eta.is_some() && !f.stalled);
        let mut old = TierSums::new(1);
        old.add_recent(now - 10 * 86_400, 1000, from);
        assert!(old.forecast(20_000, now).stalled, "nothing for ten days");
    }
}
