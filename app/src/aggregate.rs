//! The aggregate chart (pure, shared): many workflows' dataset histories summed per datatier
//! at the end of each time bucket. Each point adds its change over the dataset's previous
//! value to the first bucket ending at or after it, and a running sum per tier gives every
//! bucket's value: linear in points plus buckets, whatever the number of datasets. The same
//! deltas can be kept pre-summed per hour (the server's index does, for every workflow and
//! each campaign), since every bucket of a whole number of hours ends on an hour.

use std::collections::BTreeMap;

use crate::history::{history_view, HistoryView, Series};
use crate::model::{DatasetStatus, Workflow};

mod tiers;
pub use tiers::{fold, hour_end, recent_from, TierSums, MAX_SERIES};

/// Shortest and longest accepted bucket (seconds): anything else is refused by the server
/// function, and clamped here so no input can overflow the bucket arithmetic.
pub const BUCKET_RANGE: (i64, i64) = (60, 366 * 86_400);

/// The buckets the aggregate view offers, by the name its URL uses (`bucket=1d`).
pub const BUCKET_NAMES: [(&str, i64); 4] = [("1h", 3600), ("6h", 6 * 3600), ("1d", 86_400), ("1w", 7 * 86_400)];

/// The name of the URL's bucket (a day when it names none of [`BUCKET_NAMES`]).
pub fn bucket_name(wanted: Option<&str>) -> &'static str {
    BUCKET_NAMES.iter().find(|(n, _)| Some(*n) == wanted).map_or("1d", |(n, _)| n)
}

/// The seconds of a bucket name of [`BUCKET_NAMES`] (a day for any other).
pub fn bucket_seconds(name: &str) -> i64 {
    BUCKET_NAMES.iter().find(|(n, _)| *n == name).map_or(86_400, |(_, s)| *s)
}

/// Most buckets in one chart; a finer bucket is widened to a multiple of itself.
pub const MAX_BUCKETS: i64 = 5000;

/// `n / d` rounded up, for `n >= 0` and `d > 0` (`i64::div_ceil` is not stable).
fn ceil_div(n: i64, d: i64) -> i64 {
    n / d + i64::from(n % d != 0)
}

/// The buckets of a chart spanning `t_min..=t_max`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Buckets {
    /// Seconds per bucket.
    pub size: i64,
    /// End of the first bucket.
    pub first: i64,
    /// Every bucket's end.
    pub ends: Vec<i64>,
}

impl Buckets {
    /// Buckets of `requested` seconds (clamped to [`BUCKET_RANGE`], widened to a multiple of
    /// itself when the span would need more than [`MAX_BUCKETS`]), aligned to multiples of the
    /// size, the first ending after `t_min`, the last at or after `t_max`.
    pub fn new(t_min: i64, t_max: i64, requested: i64) -> Buckets {
        let size = requested.clamp(BUCKET_RANGE.0, BUCKET_RANGE.1);
        let t_max = t_max.max(t_min);
        let need = t_max.saturating_sub(t_min) / MAX_BUCKETS + 1;
        let size = if need > size { ceil_div(need, size).saturating_mul(size) } else { size };
        let first = t_min.div_euclid(size).saturating_mul(size).saturating_add(size);
        // An empty span (a workflow without history points, created on a bucket's end) still
        // has one bucket: the first end is after `t_min`, so it is at or after `t_max` too.
        let after = t_max.saturating_sub(first);
        let more = if after <= 0 { 0 } else { ceil_div(after, size).min(MAX_BUCKETS + 1) };
        let ends = (0..=more).map(|k| first.saturating_add(k.saturating_mul(size))).collect();
        Buckets { size, first, ends }
    }

    /// The bucket a point at `t` counts in from: the first ending at or after it.
    pub fn index(&self, t: i64) -> usize {
        let k = if t <= self.first {
            0
        } else {
            usize::try_from(ceil_div(t.saturating_sub(self.first), self.size)).unwrap_or(usize::MAX)
        };
        k.min(self.ends.len().saturating_sub(1))
    }

    /// The chart from per-tier sums and per-tier expected totals, at most [`MAX_SERIES`]
    /// series (see [`fold`]).
    pub fn view(
        &self,
        label: &str,
        tiers: BTreeMap<&str, TierSums>,
        tier_expected: &BTreeMap<String, i64>,
        expected: i64,
        now: i64,
    ) -> HistoryView {
        let series = fold(tiers, tier_expected)
            .into_iter()
            .map(|(tier, sums, own)| {
                let points: Vec<(i64, i64)> = self
                    .ends
                    .iter()
                    .zip(&sums.deltas)
                    .scan(0i64, |sum, (e, d)| {
                        *sum = sum.saturating_add(*d);
                        Some((*e, *sum))
                    })
                    .collect();
                Series {
                    forecast: sums.forecast(own, now),
                    dataset: tier,
                    status: DatasetStatus::Production,
                    points,
                    expected: Some(own),
                }
            })
            .collect();
        HistoryView { series, ..empty(label, expected) }
    }
}

/// An aggregate with nothing to draw.
pub fn empty(label: &str, expected: i64) -> HistoryView {
    HistoryView {
        name: label.to_owned(),
        lumi_mode: false,
        expected,
        series: Vec::new(),
        transitions: Vec::new(),
        aggregate: true,
        lumi_left_out: 0,
    }
}

/// Summed events of `workflows` per datatier, sampled at the end of every `bucket` seconds:
/// each dataset counts with its last value at or before the bucket's end. Workflows counted
/// in lumisections are left out (and counted as such): lumisections are no events.
pub fn aggregate_view(label: &str, workflows: &[Workflow], bucket: i64, now: i64) -> HistoryView {
    let lumi_left_out = workflows.iter().filter(|wf| wf.lumi_mode()).count() as u64;
    let workflows = workflows.iter().filter(|wf| !wf.lumi_mode());
    let mut expected = 0;
    let mut per_dataset: Vec<(String, Vec<(i64, i64)>)> = Vec::new();
    let mut tier_expected = BTreeMap::new();
    for wf in workflows {
        let v = history_view(wf, now);
        if v.expected > 0 {
            expected += v.expected;
            let tiers = v.series.iter().filter(|s| !s.points.is_empty()).map(|s| crate::format::datatier(&s.dataset));
            add_tier_expected(&mut tier_expected, tiers, v.expected);
        }
        per_dataset.extend(
            v.series
                .into_iter()
                .filter(|s| !s.points.is_empty())
                .map(|s| (crate::format::datatier(&s.dataset).to_owned(), s.points)),
        );
    }
    let refs = per_dataset.iter().map(|(t, p)| (t.as_str(), p.iter().copied()));
    HistoryView { lumi_left_out, ..aggregate_series(label, refs, &tier_expected, expected, bucket, now) }
}

/// Adds a workflow's expected total to each of its datatiers, once per tier however many of
/// its datasets share it.
pub fn add_tier_expected<'a>(to: &mut BTreeMap<String, i64>, tiers: impl Iterator<Item = &'a str>, expected: i64) {
    let mut seen: Vec<&str> = Vec::new();
    for tier in tiers {
        if !seen.contains(&tier) {
            seen.push(tier);
            *to.entry(tier.to_owned()).or_default() += expected;
        }
    }
}

/// The aggregate of `(datatier, points)` pairs (points in time order, none empty). The
/// points are read twice (span, then sums), so they come as re-readable iterators.
pub fn aggregate_series<'a, P>(
    label: &str,
    datasets: impl Iterator<Item = (&'a str, P)> + Clone,
    tier_expected: &BTreeMap<String, i64>,
    expected: i64,
    bucket: i64,
    now: i64,
) -> HistoryView
where
    P: Iterator<Item = (i64, i64)>,
{
    let span = datasets.clone().filter_map(|(_, mut p)| {
        let first = p.next()?;
        Some((first.0, p.last().unwrap_or(first).0))
    });
    let (t_min, t_max) = span.fold((i64::MAX, i64::MIN), |(lo, hi), (a, b)| (lo.min(a), hi.max(b)));
    if t_min > t_max {
        return empty(label, expected);
    }
    let buckets = Buckets::new(t_min, t_max, bucket);
    let from = recent_from(now);
    let mut tiers: BTreeMap<&str, TierSums> = BTreeMap::new();
    for (tier, points) in datasets {
        let sums = tiers.entry(tier).or_insert_with(|| TierSums::new(buckets.ends.len()));
        let mut previous = 0;
        for (t, v) in points {
            if let Some(d) = sums.deltas.get_mut(buckets.index(t)) {
                *d += v - previous;
            }
            sums.add_recent(t, v - previous, from);
            previous = v;
        }
    }
    buckets.view(label, tiers, tier_expected, expected, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn widened_buckets_stay_multiples_of_the_request_and_cover_the_span() {
        let b = Buckets::new(0, 3600 * 20_000, 3600);
        assert_eq!(b.size % 3600, 0);
        assert!(b.ends.len() as i64 <= MAX_BUCKETS + 1 && *b.ends.last().unwrap() >= 3600 * 20_000);
        let b = Buckets::new(10, 20, 60);
        assert_eq!((b.first, b.ends.clone()), (60, vec![60]));
        assert_eq!((b.index(10), b.index(60), b.index(61)), (0, 0, 0));
    }

    /// A workflow without history points spans nothing: when its creation time is a
    /// multiple of the bucket size there used to be no bucket at all, and the index's sums
    /// panicked on `sums[0]`.
    #[test]
    fn an_empty_span_on_a_bucket_end_has_one_bucket() {
        let b = Buckets::new(86_400 * 3, 86_400 * 3, 86_400);
        assert_eq!(b.ends, vec![86_400 * 4]);
        assert_eq!(b.index(86_400 * 3), 0);
    }

    use proptest::strategy::Strategy;

    proptest::proptest! {
        /// Whatever the ends and the size (equal, multiples, negative, huge): at least one
        /// bucket, ends strictly increasing and aligned, the last at or after `t_max`, within
        /// the cap, and every time in the span indexed inside the buckets.
        #[test]
        fn buckets_always_cover_their_span(
            a in proptest::prop_oneof![proptest::num::i64::ANY, -10_000_000_000i64..10_000_000_000, (0i64..1000).prop_map(|k| k * 3600)],
            span in proptest::prop_oneof![proptest::strategy::Just(0i64), 0i64..100_000_000, proptest::num::i64::ANY],
            size in proptest::prop_oneof![proptest::num::i64::ANY, 60i64..1_000_000, proptest::strategy::Just(3600i64)],
        ) {
            use proptest::prop_assert;
            let b_max = a.saturating_add(span);
            let b = Buckets::new(a, b_max, size);
            prop_assert!(!b.ends.is_empty());
            prop_assert!(b.ends.len() as i64 <= MAX_BUCKETS + 2);
            prop_assert!(b.ends.windows(2).all(|w| w[0] < w[1] || w[1] == i64::MAX));
            prop_assert!(*b.ends.last().unwrap() >= b_max.max(a) || *b.ends.last().unwrap() == i64::MAX);
            prop_assert!(b.index(a) < b.ends.len() && b.index(b_max) < b.ends.len());
        }
    }

    /// Each tier's expected total counts only the workflows that have that tier: one
    /// workflow with AOD and MINIAOD datasets expects 1,000, one with NANOAOD only 500.
    #[test]
    fn each_tier_expects_what_its_own_workflows_expect() {
        let wf = |id: &str, total: i64, datasets: &[&str]| {
            let history: serde_json::Map<String, serde_json::Value> =
                datasets.iter().map(|d| ((*d).to_owned(), json!({"Type": "PRODUCTION", "Events": 10}))).collect();
            Workflow::from_value(json!({"_id": id, "TotalEvents": total, "OutputDatasets": datasets,
                "EventNumberHistory": [{"Time": 3600, "Datasets": history}]}))
            .unwrap()
        };
        let v = aggregate_view(
            "x",
            &[wf("a", 1000, &["/p/a-v1/AOD", "/p/b-v1/AOD", "/p/a-v1/MINIAOD"]), wf("b", 500, &["/p/c-v1/NANOAOD"])],
            3600,
            7200,
        );
        let own: Vec<(&str, Option<i64>)> = v.series.iter().map(|s| (s.dataset.as_str(), s.expected)).collect();
        assert_eq!(own, [("AOD", Some(1000)), ("MINIAOD", Some(1000)), ("NANOAOD", Some(500))]);
        assert_eq!(v.expected, 1500, "the view's total still sums every workflow once");
    }

    #[test]
    fn aggregate_sums_per_tier_with_values_carried_forward() {
        let a = crate::history::tests::wf();
        let b = Workflow::from_value(json!({"_id": "b", "TotalEvents": 100, "OutputDatasets": ["/c/d/AOD"],
            "EventNumberHistory": [{"Time": 15, "Datasets": {"/c/d/AOD": {"Type": "PRODUCTION", "Events": 7, "Size": 1}}}]}))
        .unwrap();
        let v = aggregate_view("all", &[a, b], 60, 100);
        assert!(v.aggregate);
        assert_eq!(v.expected, 400);
        let tiers: Vec<&str> = v.series.iter().map(|s| s.dataset.as_str()).collect();
        assert_eq!(tiers, ["AOD", "MINIAOD"]);
        // One bucket ending at 60: AOD = 300 (a, last value by then) + 7 (b); MINIAOD = 50.
        assert_eq!(v.series[0].points, [(60, 307)]);
        assert_eq!(v.series[1].points, [(60, 50)]);
        let v = aggregate_view("all", &[crate::history::tests::wf()], 60, 100);
        assert_eq!(v.series[0].points.len(), 1);
        assert!(aggregate_view("none", &[], 60, 0).series.is_empty());
    }

    #[test]
    fn aggregate_buckets_are_bounded_whatever_is_asked() {
        for bucket in [i64::MIN, -1, 0, 1, 4_611_686_018_427_387_904, i64::MAX] {
            let v = aggregate_view("all", &[crate::history::tests::wf()], bucket, 100);
            assert!(!v.series.is_empty() && v.series[0].points.len() <= 5002, "{bucket}");
        }
    }
}
