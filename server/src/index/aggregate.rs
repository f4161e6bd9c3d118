//! The aggregate view from the index: pre-summed for every workflow and each campaign
//! (`sums.rs`), else the matching workflows' dataset points summed per datatier
//! (`app::aggregate::aggregate_series`); exact over every match either way.

use app::aggregate::add_tier_expected;
use app::aggregate::aggregate_series;
use app::filter::Filter;
use app::format::datatier;
use app::history::HistoryView;

use super::points::Points;
use super::query::matching;
use super::state::State;

/// The aggregate of `filter`'s workflows, bucketed to `bucket` seconds.
pub fn aggregate(state: &State, label: &str, filter: &Filter, bucket: i64, now: i64) -> HistoryView {
    if let Some(view) = state.sums().view(label, filter, bucket, now) {
        return view;
    }
    let mut expected = 0i64;
    let mut series: Vec<(&str, &Points)> = Vec::new();
    let mut tier_expected = std::collections::BTreeMap::new();
    let mut lumi_left_out = 0;
    for r in matching(state, filter, now) {
        // Lumisections are no events: left out, and said.
        if r.lumi_mode {
            lumi_left_out += 1;
            continue;
        }
        if r.expected > 0 {
            expected = expected.saturating_add(r.expected);
            let tiers = r.datasets.iter().filter(|d| !d.points.is_empty()).map(|d| datatier(&d.name));
            add_tier_expected(&mut tier_expected, tiers, r.expected);
        }
        for (i, d) in r.datasets.iter().enumerate() {
            // One series per distinct dataset of a workflow, as its own chart has.
            if !d.points.is_empty() && !r.datasets[..i].iter().any(|e| e.name == d.name) {
                series.push((datatier(&d.name), &d.points));
            }
        }
    }
    let view =
        aggregate_series(label, series.iter().map(|(t, p)| (*t, p.iter())), &tier_expected, expected, bucket, now);
    HistoryView { lumi_left_out, ..view }
}
