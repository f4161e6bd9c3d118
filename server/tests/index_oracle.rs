//! The summary index against a brute-force oracle: random generated stores, random filters
//! (legacy precedence, `match=all`, stalled, the analytics filters, wildcards), random
//! changes and deletions; every count, page, row and aggregate the index gives must equal a
//! full scan of the documents.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use app::filter::{glob_matches, pwg_of, Facets, Filter, FilterKey, RequestStatus};
use app::model::DatasetStatus;
use app::model::Workflow;
use proptest::prelude::*;
use serde_json::Value;
use server::demo::scale::{workflow, Shape};
use server::index::{State, SummaryIndex};
use server::listing::{date_time_key, view_of};

const NOW: i64 = 1_764_000_000;

fn shape() -> Shape {
    Shape { campaigns: 3, max_entries: 7, now: NOW }
}

/// How often the document matches `key = value` (a value or a wildcard pattern), as the
/// views emit it (S10–S12).
fn hits(doc: &Value, key: FilterKey, value: &str) -> usize {
    let matches = |text: Option<&str>| text.is_some_and(|t| glob_matches(value, t));
    match view_of(key) {
        Some(view) => view.emit(doc).iter().filter(|k| matches(k.as_str())).count(),
        None => usize::from(matches(doc["_id"].as_str())),
    }
}

/// The analytics filters, read straight from the document.
fn facets_hold(doc: &Value, f: &Facets) -> bool {
    let status = doc["RequestTransition"].as_array().and_then(|t| t.last()).and_then(|t| t["Status"].as_str());
    let status_ok = f.status.is_empty() || status.is_some_and(|s| f.status.iter().any(|w| w.as_str() == s));
    let pwg = doc["PrepID"].as_str().and_then(pwg_of);
    let pwg_ok = f.pwg.is_empty() || pwg.is_some_and(|p| Facets::any_holds(&f.pwg, p));
    let tiers: Vec<&str> =
        doc["OutputDatasets"].as_array().into_iter().flatten().filter_map(|d| d.as_str()?.rsplit('/').next()).collect();
    let tier_ok = f.tier.is_empty() || tiers.iter().any(|t| Facets::any_holds(&f.tier, t));
    let wf = Workflow::from_value(doc.clone()).unwrap();
    let row = app::present::workflow_row(&wf, NOW);
    let ds_ok = f.dataset_status.is_empty() || row.datasets.iter().any(|d| f.dataset_status.contains(&d.status));
    let idle_ok = f.idle_days.is_none_or(|days| {
        let assigned = wf.request_transition.iter().flatten().find(|t| t.status == "assigned").map(|t| t.update_time);
        wf.can_progress()
            && row.datasets.iter().all(|d| d.events == 0)
            && assigned.is_some_and(|t| t <= NOW - i64::from(days) * 86_400)
    });
    let priority = doc["RequestPriority"].as_i64();
    let block_ok = f.priority_block.is_empty() || f.priority_block.contains(&app::priority::block_of(priority));
    let since = doc["RequestTransition"].as_array().and_then(|t| t.last()).and_then(|t| t["UpdateTime"].as_i64());
    let days_ok = f.status_days.is_none_or(|d| since.is_some_and(|t| t <= NOW - i64::from(d) * 86_400));
    status_ok && pwg_ok && tier_ok && ds_ok && idle_ok && f.priority_holds(priority) && block_ok && days_ok
}

fn stalled(doc: &Value) -> bool {
    let wf = Workflow::from_value(doc.clone()).unwrap();
    app::present::workflow_row(&wf, NOW).datasets.iter().any(|d| d.forecast.is_some_and(|f| f.stalled))
}

/// The oracle: listing rows in id order (a workflow repeated as often as the deciding
/// view lists it, for legacy listings) and the distinct matches.
fn oracle(docs: &BTreeMap<String, Value>, f: &Filter) -> (Vec<String>, Vec<String>) {
    let need: Vec<(FilterKey, &str)> =
        if f.match_all { f.active().collect() } else { f.primary().into_iter().collect() };
    let mut rows = Vec::new();
    let mut distinct = Vec::new();
    for (id, doc) in docs {
        let stalled_ok = !f.stalled || stalled(doc);
        if !need.iter().all(|(k, v)| hits(doc, *k, v) > 0) || !stalled_ok || !facets_hold(doc, &f.facets) {
            continue;
        }
        distinct.push(id.clone());
        let times = match (f.is_combined(), f.primary()) {
            (false, Some((k, v))) => hits(doc, k, v),
            _ => 1,
        };
        rows.extend(std::iter::repeat_n(id.clone(), times));
    }
    (rows, distinct)
}

fn value_of(doc: &Value, key: FilterKey) -> String {
    let v = match key {
        FilterKey::WorkflowName => doc["_id"].clone(),
        FilterKey::PrepId => doc["PrepID"].clone(),
        FilterKey::OutputDataset => doc["OutputDatasets"][0].clone(),
        FilterKey::InputDataset => doc["InputDataset"].clone(),
        FilterKey::Campaign => doc["Campaigns"][0].clone(),
        FilterKey::Type => doc["RequestType"].clone(),
        FilterKey::ProcessingString => doc["ProcessingString"].clone(),
        FilterKey::Request => doc["Requests"][0].clone(),
    };
    v.as_str().unwrap_or("").to_owned()
}

fn filter(docs: &[Value], picks: &[(usize, usize)], match_all: bool, stalled: bool) -> Filter {
    let mut f = Filter { match_all, stalled, page_size: Some(20), ..Filter::default() };
    for (d, k) in picks {
        let key = FilterKey::ALL[*k % FilterKey::ALL.len()];
        f.set(key, Some(value_of(&docs[*d % docs.len()], key)));
    }
    f
}

/// Analytics additions: statuses (indices into `RequestStatus::ALL`), a priority range, PWG
/// and tier picks (documents), and how picked values become patterns (0: exact, 1: a
/// prefix and `*`, 2: `*` and a suffix).
/// Then the alerts' filters (dataset statuses, idle days) and pMp's (priority blocks, days in
/// the current status).
type Extra =
    (Vec<usize>, Option<(i64, i64)>, Vec<usize>, Vec<usize>, u8, (Vec<usize>, Option<u32>), (Vec<u8>, Option<u32>));

fn pattern(value: &str, mode: u8) -> String {
    let cut = value.char_indices().nth(value.chars().count() / 2).map_or(value.len(), |(i, _)| i);
    match mode {
        1 => format!("{}*", &value[..cut]),
        2 => format!("*{}", &value[cut..]),
        _ => value.to_owned(),
    }
}

fn with_extra(mut f: Filter, docs: &[Value], extra: Extra) -> Filter {
    let (statuses, priority, pwgs, tiers, mode, alerts, pmp) = extra;
    for key in FilterKey::ALL {
        if let Some(v) = f.get(key).map(|v| pattern(v, mode)) {
            f.set(key, Some(v));
        }
    }
    let facets = &mut f.facets;
    for s in statuses {
        let status = RequestStatus::ALL[s % RequestStatus::ALL.len()];
        if !facets.status.contains(&status) {
            facets.status.push(status);
        }
    }
    (facets.priority_min, facets.priority_max) =
        priority.map_or((None, None), |(a, b)| (Some(a.min(b)), Some(a.max(b))));
    let doc = |i: usize| &docs[i % docs.len()];
    facets.pwg =
        pwgs.iter().filter_map(|i| doc(*i)["PrepID"].as_str().and_then(pwg_of)).map(|p| pattern(p, mode)).collect();
    facets.tier = tiers
        .iter()
        .filter_map(|i| doc(*i)["OutputDatasets"][0].as_str()?.rsplit('/').next())
        .map(|t| pattern(t, mode))
        .collect();
    facets.pwg.dedup();
    facets.tier.dedup();
    let known = [DatasetStatus::Valid, DatasetStatus::Production, DatasetStatus::Invalid, DatasetStatus::None];
    for i in alerts.0 {
        if !facets.dataset_status.contains(&known[i % known.len()]) {
            facets.dataset_status.push(known[i % known.len()].clone());
        }
    }
    facets.idle_days = alerts.1;
    for b in pmp.0 {
        if !facets.priority_block.contains(&b) {
            facets.priority_block.push(b);
        }
    }
    facets.status_days = pmp.1;
    f
}

fn check(index: &SummaryIndex, docs: &BTreeMap<String, Value>, f: &Filter) {
    let (rows, distinct) = oracle(docs, f);
    assert_eq!(index.count(f, NOW).unwrap(), distinct.len() as u64, "count of {f:?}");
    let size = f.size() as usize;
    let direct = !f.is_combined() && matches!(f.primary(), Some((FilterKey::WorkflowName, _)));
    let pages = if direct { 1 } else { rows.len().div_ceil(size).max(1) + 1 };
    for p in 0..pages {
        let got = index.page(f, p as u32, NOW).unwrap();
        let mut want: Vec<&String> = rows.iter().skip(p * size).take(size).collect();
        if direct {
            want = rows.iter().collect();
        }
        if f.sorts_by_date() {
            want.sort_by_cached_key(|n| date_time_key(&docs[*n]));
        }
        let names: Vec<&String> = got.rows.iter().map(|r| &r.name).collect();
        assert_eq!(names, want, "page {p} of {f:?}");
        assert_eq!(got.matching, distinct.len() as u64);
        assert_eq!(got.has_next, !direct && rows.len() > (p + 1) * size, "has_next of page {p}");
    }
    let wfs: Vec<Workflow> = distinct.iter().map(|n| Workflow::from_value(docs[n].clone()).unwrap()).collect();
    for bucket in [3600, 86_400, 7 * 86_400, 900] {
        let want = app::aggregate::aggregate_view("x", &wfs, bucket, NOW);
        assert_eq!(index.aggregate("x", f, bucket, NOW).unwrap(), want, "aggregate of {f:?} by {bucket} s");
    }
    // The campaign table from the per-slot tallies, after rewrites and deletions too.
    let table = index.campaigns(f, false, NOW).unwrap();
    let expected: i64 = distinct.iter().map(|n| docs[n]["TotalEvents"].as_i64().unwrap_or(0).max(0)).sum();
    assert_eq!((table.total.requests, table.total.expected), (distinct.len() as u64, expected), "table of {f:?}");
    let in_rows: u64 = table.rows.iter().map(|r| r.total.requests).sum();
    assert_eq!(in_rows + table.without_campaign, distinct.len() as u64, "one campaign each here");
    for (bucket, growing) in [(86_400, true), (3600, false), (900, true)] {
        let want = app::historical::historical_of(&wfs, bucket, growing);
        assert_eq!(index.historical(f, bucket, growing, NOW).unwrap(), want, "historical of {f:?} by {bucket} s");
    }
}

/// A random filter: (document, parameter) picks, `match=all`, stalled only.
type Pick = (Vec<(usize, usize)>, bool, bool);

/// Builds an index of `n` generated workflows, applies `later` (rewrites and deletions),
/// and compares every row and every filter's answers with a full scan.
fn compare(seed: u64, n: usize, later: Vec<(usize, bool)>, filters: Vec<Pick>, extras: Vec<(Pick, Extra)>) {
    let docs: Vec<Value> = (0..n).map(|i| workflow(i, seed, shape())).collect();
    let mut stored: BTreeMap<String, Value> =
        docs.iter().map(|d| (d["_id"].as_str().unwrap().to_owned(), d.clone())).collect();
    let index = SummaryIndex::new();
    let mut built = State::building();
    docs.iter().for_each(|d| built.upsert(d.clone()));
    index.install(built);
    // Changes after the build: rewrites (other generated content, same id) and deletions.
    for (i, delete) in later {
        let id = docs[i % n]["_id"].as_str().unwrap().to_owned();
        if delete {
            stored.remove(&id);
            index.apply(|s| s.remove(&id));
        } else {
            let mut doc = workflow(i + 1000, seed, shape());
            doc["_id"] = Value::String(id.clone());
            doc["RequestName"] = Value::String(id.clone());
            stored.insert(id, doc.clone());
            index.apply(|s| s.upsert(doc));
        }
    }
    for (name, doc) in &stored {
        let wf = Workflow::from_value(doc.clone()).unwrap();
        assert_eq!(index.row(name, NOW).unwrap(), Some(app::present::workflow_row(&wf, NOW)));
    }
    for (picks, match_all, stalled) in filters {
        check(&index, &stored, &filter(&docs, &picks, match_all, stalled));
    }
    for ((picks, match_all, stalled), extra) in extras {
        check(&index, &stored, &with_extra(filter(&docs, &picks, match_all, stalled), &docs, extra));
    }
}

fn extras() -> impl Strategy<Value = Vec<(Pick, Extra)>> {
    let pick = (proptest::collection::vec((0usize..400, 0usize..8), 0..3), any::<bool>(), any::<bool>());
    let indices = |n| proptest::collection::vec(0usize..400, 0..n);
    let priority = proptest::option::of((59_000i64..121_000, 59_000i64..121_000));
    let alerts = (proptest::collection::vec(0usize..4, 0..2), proptest::option::of(1u32..400));
    let pmp = (proptest::collection::vec(0u8..8, 0..3), proptest::option::of(1u32..400));
    let extra = (proptest::collection::vec(0usize..19, 0..3), priority, indices(3), indices(3), 0u8..3, alerts, pmp);
    proptest::collection::vec((pick, extra), 0..4)
}

fn picks() -> impl Strategy<Value = Vec<Pick>> {
    proptest::collection::vec(
        (proptest::collection::vec((0usize..400, 0usize..8), 0..4), any::<bool>(), any::<bool>()),
        1..6,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn index_answers_equal_a_full_scan(
        seed in 0u64..1_000,
        n in 5usize..60,
        later in proptest::collection::vec((0usize..80, any::<bool>()), 0..20),
        filters in picks(),
        extras in extras(),
    ) {
        compare(seed, n, later, filters, extras);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    /// Stores large enough that campaign and type postings keep bits, so AND filters are
    /// decided on slots; deletions and rewrites move postings across the density threshold.
    #[test]
    fn dense_postings_answer_equal_a_full_scan(
        seed in 0u64..1_000,
        n in 200usize..400,
        later in proptest::collection::vec((0usize..400, any::<bool>()), 0..150),
        filters in picks(),
        extras in extras(),
    ) {
        compare(seed, n, later, filters, extras);
    }
}

/// The generated stores exercise what the oracle compares: stalled and complete workflows,
/// filters that match many, and AND filters that match fewer.
#[test]
fn generated_stores_have_stalled_matches_and_combinations() {
    let docs: Vec<Value> = (0..60).map(|i| workflow(i, 3, shape())).collect();
    let stored: BTreeMap<String, Value> =
        docs.iter().map(|d| (d["_id"].as_str().unwrap().to_owned(), d.clone())).collect();
    let index = SummaryIndex::new();
    let mut built = State::building();
    docs.iter().for_each(|d| built.upsert(d.clone()));
    index.install(built);
    let stalled = Filter { stalled: true, ..Filter::default() };
    let n = index.count(&stalled, NOW).unwrap();
    assert!(n > 0 && n < 60, "{n} stalled");
    let campaign = filter(&docs, &[(0, 4)], false, false);
    let both = filter(&docs, &[(0, 4), (1, 5)], true, false);
    let (c, b) = (index.count(&campaign, NOW).unwrap(), index.count(&both, NOW).unwrap());
    assert!(c >= 15 && b < c && b >= 1, "campaign {c}, AND {b}");
    check(&index, &stored, &both);
    let agg = index.aggregate("x", &Filter::default(), 86_400, NOW).unwrap();
    assert!(agg.series.len() >= 3 && agg.expected > 0);
    // The analytics filters match some but not all, alone and combined with wildcards.
    let count = |q: &str| index.count(&Filter::from_query(q).unwrap(), NOW).unwrap();
    let some = |n: u64| n > 0 && n < 60;
    let (running, either) = (count("status=running-open"), count("status=running-open&status=new"));
    assert!(some(running) && either > running, "status: {running}, {either}");
    let pwg = docs[0]["PrepID"].as_str().and_then(pwg_of).unwrap();
    let (by_pwg, by_prefix) = (count(&format!("pwg={pwg}")), count(&format!("prepid={pwg}-*")));
    assert!(some(by_pwg) && by_prefix == by_pwg, "pwg {by_pwg}, prepid prefix {by_prefix}");
    assert!(some(count("tier=*SIM")) && some(count("output_dataset=*/MINIAODSIM")));
    assert!(some(count("priority_min=80000&priority_max=100000")));
    assert!(some(count("dataset_status=INVALID&dataset_status=VALID")));
    assert!(some(count("idle_days=1")), "some assigned workflows have produced nothing");
    let blocks: Vec<u64> = (0..8).map(|b| count(&format!("priority_block={b}"))).collect();
    assert!(blocks.iter().filter(|n| some(**n)).count() >= 3, "workflows in several blocks: {blocks:?}");
    assert_eq!(blocks.iter().sum::<u64>(), count(""), "every workflow is in exactly one block");
    let (week, year) = (count("status_days=7"), count("status_days=365"));
    assert!(some(week) && week >= year, "in their status a week: {week}, a year: {year}");
    for q in ["priority_block=1&priority_block=2&status_days=3", "status_days=20&status=running-open&tier=*SIM"] {
        check(&index, &stored, &Filter { page_size: Some(20), ..Filter::from_query(q).unwrap() });
    }
    // The stuck alerts' lists, at their default thresholds (in id order here: the sorts have
    // their own oracle, `index_present.rs`).
    for (status, days) in app::alerts::DEFAULT_STUCK_AFTER {
        check(&index, &stored, &Filter { page_size: Some(20), sort: None, ..app::alerts::stuck_filter(status, days) });
    }
    for q in ["dataset_status=PRODUCTION&idle_days=3", "idle_days=30&status=assigned&status=acquired"] {
        check(&index, &stored, &Filter { page_size: Some(20), ..Filter::from_query(q).unwrap() });
    }
    for q in ["status=running-open&tier=*SIM&campaign=*2*&match=all", "prepid=*-0000*&priority_max=90000"] {
        check(&index, &stored, &Filter { page_size: Some(20), ..Filter::from_query(q).unwrap() });
    }
}

/// At a few hundred workflows the campaign and type postings are dense enough to keep bits,
/// and lose them when most of their workflows go.
#[test]
fn dense_postings_keep_bits_and_drop_them_when_thinned() {
    let docs: Vec<Value> = (0..300).map(|i| workflow(i, 5, shape())).collect();
    let mut state = State::building();
    docs.iter().for_each(|d| state.upsert(d.clone()));
    state.finish_build();
    let campaign = docs[0]["Campaigns"][0].as_str().unwrap().to_owned();
    assert!(state.posting(FilterKey::Campaign, &campaign).unwrap().has_bits());
    let members: Vec<String> = docs
        .iter()
        .filter(|d| d["Campaigns"][0] == campaign.as_str())
        .map(|d| d["_id"].as_str().unwrap().to_owned())
        .collect();
    members.iter().skip(5).for_each(|id| state.remove(id));
    let p = state.posting(FilterKey::Campaign, &campaign).unwrap();
    assert_eq!(p.distinct(), 5);
    assert!(!p.has_bits());
}
