use super::*;

const DAY: i64 = 86_400;

#[test]
fn percentiles_are_nearest_rank() {
    let v: Vec<i64> = (1..=10).collect();
    assert_eq!(percentile(&v, 0.5), Some(5));
    assert_eq!(percentile(&v, 0.9), Some(9));
    assert_eq!(percentile(&v, 1.0), Some(10));
    assert_eq!(percentile(&[7], 0.9), Some(7));
    assert_eq!(percentile(&[], 0.5), None);
}

/// A hand-built example: ten workflows taking 1 to 10 days, four bins of 2.25 days.
#[test]
fn linear_bins_count_every_duration_once_with_the_maximum_in_the_last_bar() {
    let days: Vec<i64> = (1..=10).map(|d| d * DAY).collect();
    let h = histogram(days, 4, Scale::Linear);
    let counts: Vec<u64> = h.bins.iter().map(|b| b.count).collect();
    // Edges: 1, 3.25, 5.5, 7.75, 10 days.
    assert_eq!(counts, [3, 2, 2, 3]);
    assert_eq!(h.bins[0].lo, DAY as f64);
    assert_eq!(h.bins[3].hi, 10.0 * DAY as f64);
    assert_eq!((h.median, h.p90, h.measured), (Some(5 * DAY), Some(9 * DAY), 10));
}

#[test]
fn log_bins_grow_by_a_constant_ratio() {
    // 1 hour, 10 hours, 100 hours, 1000 hours: one per decade over three bins.
    let h = histogram(vec![3600, 36_000, 360_000, 3_600_000], 3, Scale::Log);
    let counts: Vec<u64> = h.bins.iter().map(|b| b.count).collect();
    assert_eq!(counts, [1, 1, 2], "the maximum falls in the last bar");
    let ratio = |b: &Bin| b.hi / b.lo;
    assert!((ratio(&h.bins[0]) - ratio(&h.bins[2])).abs() < 1e-6);
    assert!((h.bins[0].lo - 3600.0).abs() < 1e-6);
}

#[test]
fn equal_durations_and_zero_durations_still_make_a_chart() {
    let h = histogram(vec![5, 5, 5], 5, Scale::Linear);
    assert_eq!(h.bins.iter().map(|b| b.count).sum::<u64>(), 3);
    let h = histogram(vec![0, 0, 10], 2, Scale::Log);
    assert_eq!(h.bins.iter().map(|b| b.count).sum::<u64>(), 3, "below one second goes to the first bar");
    assert_eq!(histogram(Vec::new(), 5, Scale::Linear), DurationHistogram::default());
}

#[test]
fn columns_follow_the_lifecycle_and_queries_are_checked() {
    let mut s = vec!["announced", "zz-old", "new", "running-open"];
    s.sort_by_key(|s| status_order(s));
    assert_eq!(s, ["new", "running-open", "announced", "zz-old"]);
    let q = |bins, from, to| DurationQuery { filter: Filter::default(), from, to, bins, scale: Scale::Log };
    assert!(q(20, RequestStatus::Assigned, RequestStatus::Completed).validate().is_ok());
    assert!(q(0, RequestStatus::Assigned, RequestStatus::Completed).validate().is_err());
    assert!(q(101, RequestStatus::Assigned, RequestStatus::Completed).validate().is_err());
    assert!(q(20, RequestStatus::New, RequestStatus::New).validate().is_err());
}
