//! Pre-summed aggregates for the two scopes operators open most: every workflow, and one
//! campaign. Each dataset's point changes are kept summed per datatier and hour (an hour's
//! end is where every bucket of a whole number of hours ends), with the span of the points
//! and the expected total, so these aggregates cost a pass over hours, not over workflows.
//! Other filters are summed from the matching records' points (`aggregate.rs`).

use std::collections::{BTreeMap, HashMap};

use app::aggregate::{empty, Buckets, TierSums};
use app::filter::{Filter, FilterKey};
use app::format::datatier;
use app::history::HistoryView;

use super::btree::{bump, compact, hour_of};
use super::intern::Sym;
use super::keys::Keys;
use super::record::Record;

use super::btree::HOUR;

#[derive(Default)]
struct Tier {
    datasets: u64,
    deltas: BTreeMap<i64, i64>,
}

/// The sums of one scope.
#[derive(Default)]
pub struct Scope {
    tiers: BTreeMap<String, Tier>,
    /// Per datatier, the expected totals of the workflows with a dataset of it.
    tier_expected: BTreeMap<String, i64>,
    expected: i64,
    /// Workflows counted in lumisections, left out.
    lumi: u64,
    firsts: BTreeMap<i64, u64>,
    lasts: BTreeMap<i64, u64>,
    /// The historical mode's sums of the same workflows.
    hist: super::hist_sums::HistSums,
}

impl Scope {
    fn compact(&mut self) {
        self.tiers.values_mut().for_each(|t| compact(&mut t.deltas));
        compact(&mut self.tiers);
        compact(&mut self.tier_expected);
        compact(&mut self.firsts);
        compact(&mut self.lasts);
        self.hist.compact();
    }

    fn apply(&mut self, r: &Record, sign: i64) {
        self.hist.apply(r, sign);
        if r.lumi_mode {
            self.lumi = self.lumi.saturating_add_signed(sign);
            return;
        }
        if r.expected > 0 {
            self.expected += sign * r.expected;
            let tiers = r.datasets.iter().filter(|d| !d.points.is_empty()).map(|d| datatier(&d.name));
            app::aggregate::add_tier_expected(&mut self.tier_expected, tiers, sign * r.expected);
            self.tier_expected.retain(|_, e| *e != 0);
        }
        for (i, d) in r.datasets.iter().enumerate() {
            let (Some(first), Some(last)) = (d.points.iter().next(), d.points.iter().last()) else { continue };
            if r.datasets[..i].iter().any(|e| e.name == d.name) {
                continue;
            }
            let tier = self.tiers.entry(datatier(&d.name).to_owned()).or_default();
            tier.datasets = tier.datasets.saturating_add_signed(sign);
            let mut previous = 0;
            for (t, v) in d.points.iter() {
                let hour = hour_of(t);
                let delta = tier.deltas.entry(hour).or_default();
                *delta += sign * (v - previous);
                if *delta == 0 {
                    tier.deltas.remove(&hour);
                }
                previous = v;
            }
            bump(&mut self.firsts, first.0, sign);
            bump(&mut self.lasts, last.0, sign);
        }
        self.tiers.retain(|_, t| t.datasets > 0);
    }

    /// The aggregate with buckets of `bucket` seconds (a whole number of hours).
    fn view(&self, label: &str, bucket: i64, now: i64) -> HistoryView {
        let (Some((&t_min, _)), Some((&t_max, _))) = (self.firsts.first_key_value(), self.lasts.last_key_value())
        else {
            return HistoryView { lumi_left_out: self.lumi, ..empty(label, self.expected) };
        };
        let buckets = Buckets::new(t_min, t_max, bucket);
        let from = app::aggregate::recent_from(now);
        let tiers = self
            .tiers
            .iter()
            .map(|(name, tier)| {
                let mut sums = TierSums::new(buckets.ends.len());
                for (&hour, &d) in &tier.deltas {
                    if let Some(slot) = sums.deltas.get_mut(buckets.index(hour)) {
                        *slot += d;
                    }
                    sums.add_recent(hour, d, from);
                }
                (name.as_str(), sums)
            })
            .collect();
        HistoryView { lumi_left_out: self.lumi, ..buckets.view(label, tiers, &self.tier_expected, self.expected, now) }
    }
}

/// The scopes kept: every workflow, and each campaign (by the key its view emits).
#[derive(Default)]
pub struct Sums {
    all: Scope,
    campaigns: HashMap<Sym, Scope>,
}

impl Sums {
    /// Fills the nodes of every map (after the initial build).
    pub fn compact(&mut self) {
        std::iter::once(&mut self.all).chain(self.campaigns.values_mut()).for_each(Scope::compact);
    }

    /// Adds (`sign` 1) or takes away (`sign` -1) a record's contribution.
    pub fn apply(&mut self, r: &Record, sign: i64) {
        self.all.apply(r, sign);
        Keys::of(r).campaigns(&mut |value| {
            let scope = self.campaigns.entry(value.clone()).or_default();
            scope.apply(r, sign);
            if scope.tiers.is_empty()
                && scope.expected == 0
                && scope.lumi == 0
                && scope.firsts.is_empty()
                && scope.tier_expected.is_empty()
                && scope.hist.is_empty()
            {
                self.campaigns.remove(value);
            }
        });
    }

    /// The kept scope that answers `filter` exactly, with the bucket clamped: `Some(None)` for
    /// a campaign nobody has; `None` when `filter` is no kept scope (other parameters, an
    /// analytics filter, a wildcard, stalled) or the bucket is not a whole number of hours.
    fn kept(&self, filter: &Filter, bucket: i64) -> Option<(Option<&Scope>, i64)> {
        let bucket = bucket.clamp(app::aggregate::BUCKET_RANGE.0, app::aggregate::BUCKET_RANGE.1);
        let required = filter.required();
        let patterned = required.iter().any(|(_, v)| app::filter::is_pattern(v));
        if filter.stalled || !filter.facets.is_empty() || patterned || bucket % HOUR != 0 {
            return None;
        }
        match required.as_slice() {
            [] => Some((Some(&self.all), bucket)),
            [(FilterKey::Campaign, v)] => Some((self.campaigns.get(*v), bucket)),
            _ => None,
        }
    }

    /// The pre-summed per-tier aggregate of `filter`, when a kept scope answers it.
    pub fn view(&self, label: &str, filter: &Filter, bucket: i64, now: i64) -> Option<HistoryView> {
        let (scope, bucket) = self.kept(filter, bucket)?;
        Some(scope.map_or_else(|| empty(label, 0), |s| s.view(label, bucket, now)))
    }

    /// The pre-summed historical aggregate of `filter`, when a kept scope answers it.
    pub fn historical(&self, filter: &Filter, bucket: i64, growing: bool) -> Option<app::historical::HistoricalView> {
        let (scope, bucket) = self.kept(filter, bucket)?;
        Some(scope.map_or_else(Default::default, |s| s.hist.view(bucket, growing)))
    }
}
