//! The Present view and the list's sorts from the index against a full scan of generated
//! documents: for random filters, every group, every stack and every measure, the bars equal
//! a brute-force sum read straight from the documents (force-completed workflows done,
//! lumisection workflows left out of events), and each sort's pages equal the documents
//! sorted by the same key.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};

use app::bars::{fold, key_order, Bar, Dimension, Measure, Part, PresentView};
use app::filter::{pwg_of, Filter, FilterKey, Sort};
use app::model::Workflow;
use proptest::prelude::*;
use serde_json::Value;
use server::demo::scale::{workflow, Shape};
use server::index::{State, SummaryIndex};
use server::listing::view_of;

const NOW: i64 = 1_764_000_000;

fn build(seed: u64, n: usize) -> (SummaryIndex, BTreeMap<String, Value>) {
    let docs: BTreeMap<String, Value> = (0..n)
        .map(|i| workflow(i, seed, Shape { campaigns: 5, max_entries: 6, now: NOW }))
        .map(|d| (d["_id"].as_str().unwrap().to_owned(), d))
        .collect();
    let index = SummaryIndex::default();
    let mut built = State::building();
    docs.values().for_each(|d| built.upsert(d.clone()));
    index.install(built);
    (index, docs)
}

/// A document's values of `dim`, read from the document.
fn values(doc: &Value, dim: Dimension) -> BTreeSet<String> {
    let wf = Workflow::from_value(doc.clone()).unwrap();
    let row = app::present::workflow_row(&wf, NOW);
    let emitted = |key| view_of(key).unwrap().emit(doc).iter().filter_map(|v| v.as_str().map(str::to_owned)).collect();
    match dim {
        Dimension::Campaign => emitted(FilterKey::Campaign),
        Dimension::Type => emitted(FilterKey::Type),
        Dimension::Status => row.last_status.map(|s| s.status).into_iter().collect(),
        Dimension::PriorityBlock => [app::priority::block_of(row.priority).to_string()].into(),
        Dimension::Pwg => row.prepid.as_deref().and_then(pwg_of).map(str::to_owned).into_iter().collect(),
        Dimension::Tier => row.datasets.iter().map(|d| d.datatier.clone()).collect(),
        Dimension::DatasetStatus => row.datasets.iter().map(|d| d.status.as_str().to_owned()).collect(),
    }
}

/// A document's height in `measure`, `None` when it counts lumisections and `measure` events.
fn height(doc: &Value, measure: Measure) -> Option<i64> {
    let wf = Workflow::from_value(doc.clone()).unwrap();
    if measure.is_events() && wf.lumi_mode() {
        return None;
    }
    let row = app::present::workflow_row(&wf, NOW);
    let expected = row.total_events.max(0);
    let done = row.datasets.iter().map(|d| d.events).max().unwrap_or(0);
    let produced = if row.force_completed.is_some() && row.total_events > 0 { row.total_events } else { done };
    Some(match measure {
        Measure::Workflows => 1,
        Measure::Expected => expected,
        Measure::Produced => produced,
        Measure::Remaining => (expected - produced).max(0),
    })
}

fn brute_force(docs: &[&Value], group: Dimension, stack: Option<Dimension>, measure: Measure) -> PresentView {
    let mut view = PresentView { matching: docs.len() as u64, ..PresentView::default() };
    let mut bars: BTreeMap<String, (i64, BTreeMap<String, i64>)> = BTreeMap::new();
    for doc in docs {
        let v = height(doc, measure);
        view.lumi_left_out += u64::from(v.is_none());
        let (g, s) = (values(doc, group), stack.map(|d| values(doc, d)).unwrap_or_default());
        view.without_group += u64::from(g.is_empty());
        view.in_several += u64::from(!g.is_empty() && (g.len() > 1 || s.len() > 1));
        for key in g {
            let bar = bars.entry(key).or_default();
            bar.0 += v.unwrap_or(0);
            for part in &s {
                *bar.1.entry(part.clone()).or_default() += v.unwrap_or(0);
            }
        }
    }
    let mut bars: Vec<Bar> = bars
        .into_iter()
        .map(|(key, (total, parts))| Bar {
            key,
            total,
            parts: parts.into_iter().map(|(key, value)| Part { key, value }).collect(),
        })
        .collect();
    let order = |dim: Dimension| move |a: &String, b: &String| key_order(dim, a).cmp(&key_order(dim, b));
    bars.sort_by(|a, b| order(group)(&a.key, &b.key));
    if let Some(dim) = stack {
        bars.iter_mut().for_each(|b| b.parts.sort_by(|x, y| order(dim)(&x.key, &y.key)));
    }
    let (bars, others) = fold(bars, stack);
    PresentView { bars, others, ..view }
}

fn matching<'a>(index: &SummaryIndex, docs: &'a BTreeMap<String, Value>, f: &Filter) -> Vec<&'a Value> {
    let all = Filter { page_size: Some(200), ..f.clone() };
    let mut names = Vec::new();
    for page in 0.. {
        let p = index.page(&all, page, NOW).unwrap();
        names.extend(p.rows.into_iter().map(|r| r.name));
        if !p.has_next {
            break;
        }
    }
    names.iter().map(|n| &docs[n]).collect()
}

/// Where a document goes in `sort`'s order, from the document (smaller first).
fn rank(doc: &Value, sort: Sort) -> i64 {
    let row = app::present::workflow_row(&Workflow::from_value(doc.clone()).unwrap(), NOW);
    match sort {
        Sort::StatusAge => row.last_status.map_or(i64::MAX, |s| s.time),
        Sort::Priority => row.priority.map_or(i64::MAX, |p| -p),
        Sort::Completion if row.force_completed.is_some() => 1000,
        Sort::Completion if row.total_events > 0 => {
            row.datasets.iter().map(|d| d.events).max().unwrap_or(0) * 1000 / row.total_events
        }
        Sort::Completion => i64::MAX,
    }
}

/// Every page of `f` in each order equals the matching documents, in id order, sorted
/// (stably) by the document's rank.
fn compare_sorts(index: &SummaryIndex, docs: &BTreeMap<String, Value>, f: &Filter) {
    let chosen: BTreeSet<&str> = matching(index, docs, f).iter().map(|d| d["_id"].as_str().unwrap()).collect();
    for sort in Sort::ALL {
        let mut want: Vec<(&String, &Value)> = docs.iter().filter(|(n, _)| chosen.contains(n.as_str())).collect();
        want.sort_by_key(|(_, d)| rank(d, sort));
        let sorted = Filter { sort: Some(sort), page_size: Some(20), ..f.clone() };
        let mut got = Vec::new();
        for page in 0..=want.len() / 20 {
            let p = index.page(&sorted, page as u32, NOW).unwrap();
            assert_eq!(p.matching, want.len() as u64);
            assert_eq!(p.has_next, want.len() > (page + 1) * 20, "has_next of page {page}");
            got.extend(p.rows.into_iter().map(|r| r.name));
        }
        let want: Vec<&String> = want.into_iter().map(|(n, _)| n).collect();
        assert_eq!(got.iter().collect::<Vec<_>>(), want, "{sorted}");
    }
}

fn compare_present(index: &SummaryIndex, docs: &BTreeMap<String, Value>, f: &Filter) {
    let chosen = matching(index, docs, f);
    assert_eq!(chosen.len() as u64, index.count(f, NOW).unwrap());
    for group in Dimension::ALL {
        for stack in std::iter::once(None).chain(Dimension::ALL.map(Some)) {
            for measure in Measure::ALL {
                let got = index.present(f, (group, stack, measure), NOW).unwrap();
                assert_eq!(got, brute_force(&chosen, group, stack, measure), "{f} by {group:?}/{stack:?}/{measure:?}");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn present_equals_a_full_scan(seed in 0u64..1_000, n in 20usize..120, q in 0usize..6) {
        let (index, docs) = build(seed, n);
        let first = docs.values().next().unwrap();
        let campaign = first["Campaigns"][0].as_str().unwrap();
        let queries = [
            String::new(),
            format!("campaign={campaign}"),
            "status=running-open&status=completed&status=force-complete".to_owned(),
            "tier=*SIM&priority_block=6&priority_block=7".to_owned(),
            format!("prepid=*&campaign={campaign}&match=all&status_days=30"),
            "type=ReReco".to_owned(),
        ];
        let f = Filter::from_query(&queries[q]).unwrap();
        compare_present(&index, &docs, &f);
        compare_sorts(&index, &docs, &f);
    }
}

/// The generated stores hold what the Present view treats apart, and a campaign with many
/// values folds.
#[test]
fn generated_stores_hold_force_completed_and_lumi_workflows() {
    let (index, docs) = build(4, 300);
    let count = |q: &str| index.count(&Filter::from_query(q).unwrap(), NOW).unwrap();
    let fc = docs.values().filter(|d| Workflow::from_value((*d).clone()).unwrap().force_completed().is_some()).count();
    let lumi = docs.values().filter(|d| Workflow::from_value((*d).clone()).unwrap().lumi_mode()).count();
    assert!(fc > 10 && lumi > 5, "{fc} force-completed, {lumi} in lumi mode");
    assert!(count("status=force-complete") > 0);
    let view = index.present(&Filter::default(), (Dimension::Type, None, Measure::Produced), NOW).unwrap();
    assert_eq!(view.lumi_left_out, lumi as u64);
    let by_tier = index.present(&Filter::default(), (Dimension::Tier, None, Measure::Workflows), NOW).unwrap();
    assert!(by_tier.in_several > 0, "workflows with several tiers");
}
