//! The historical aggregate pre-summed, like `sums.rs` does for the per-tier one: for every
//! workflow and each campaign, each workflow's contribution (expected events at its creation,
//! its largest dataset's changes split into produced / VALID / INVALID) kept as deltas per
//! hour, with the exact span, so the view costs a pass over hours instead of decoding every
//! workflow's points (270 ms at 200,000 workflows).

use std::collections::BTreeMap;

use app::aggregate::Buckets;
use app::historical::{Category, Contribution, HistoricalView};

use super::btree::{bump, compact, hour_of};
use super::record::Record;

/// One scope's sums.
#[derive(Default)]
pub struct HistSums {
    workflows: u64,
    /// Workflows counted in lumisections, left out.
    lumi: u64,
    expected: i64,
    /// Per hour: expected events created, produced, VALID, INVALID changes.
    deltas: BTreeMap<i64, [i64; 4]>,
    lows: BTreeMap<i64, u64>,
    highs: BTreeMap<i64, u64>,
}

impl HistSums {
    /// Fills the nodes of every map (after the initial build).
    pub fn compact(&mut self) {
        compact(&mut self.deltas);
        compact(&mut self.lows);
        compact(&mut self.highs);
    }

    /// Adds (`sign` 1) or takes away (-1) a record's contribution.
    pub fn apply(&mut self, r: &Record, sign: i64) {
        if r.lumi_mode {
            self.lumi = self.lumi.saturating_add_signed(sign);
            return;
        }
        let Some(c) = contribution(r) else { return };
        self.workflows = self.workflows.saturating_add_signed(sign);
        let deltas = &mut self.deltas;
        let mut add = |t: i64, slot: usize, v: i64| {
            let d = deltas.entry(hour_of(t)).or_default();
            d[slot] += sign * v;
            if d.iter().all(|x| *x == 0) {
                deltas.remove(&hour_of(t));
            }
        };
        if c.expected > 0 {
            self.expected += sign * c.expected;
            add(c.created, 0, c.expected);
        }
        let (lo, hi) = c.changes(|t, category, delta| add(t, category.slot(), delta));
        bump(&mut self.lows, lo, sign);
        bump(&mut self.highs, hi, sign);
    }

    /// The view with buckets of `bucket` seconds (a whole number of hours).
    pub fn view(&self, bucket: i64, growing: bool) -> HistoricalView {
        let (Some((&lo, _)), Some((&hi, _))) = (self.lows.first_key_value(), self.highs.last_key_value()) else {
            return HistoricalView { lumi_left_out: self.lumi, ..HistoricalView::default() };
        };
        let buckets = Buckets::new(lo, hi, bucket);
        let mut sums = vec![[0i64; 4]; buckets.ends.len()];
        for (&h, d) in &self.deltas {
            let s = &mut sums[buckets.index(h)];
            s.iter_mut().zip(d).for_each(|(a, b)| *a += b);
        }
        if !growing {
            sums.iter_mut().for_each(|s| s[0] = 0);
            if let Some(s) = sums.first_mut() {
                s[0] = self.expected;
            }
        }
        HistoricalView { lumi_left_out: self.lumi, ..app::historical::running(buckets.ends, &sums, self.workflows) }
    }

    /// Whether nothing is counted.
    pub fn is_empty(&self) -> bool {
        self.workflows == 0 && self.lumi == 0 && self.deltas.is_empty() && self.lows.is_empty()
    }
}

/// A record's part in the historical aggregate (its largest dataset, when it was created,
/// what it expects), as `app::historical::historical_of` takes it from a whole document;
/// none for a workflow counted in lumisections.
pub fn contribution(r: &Record) -> Option<Contribution<super::points::Iter<'_>>> {
    if r.lumi_mode {
        return None;
    }
    let biggest = r.datasets.iter().reduce(|a, b| if b.events > a.events { b } else { a })?;
    let created = r.transitions.first().map(|t| t.1).or(biggest.points.iter().next().map(|p| p.0))?;
    Some(Contribution {
        created,
        expected: r.expected,
        points: biggest.points.iter(),
        category: Category::of(&biggest.status),
        since: biggest.since,
        force_completed: r.force_completed(),
    })
}
