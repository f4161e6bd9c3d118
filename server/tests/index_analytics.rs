//! The analytics views from the index against a full scan of generated documents: the
//! campaign × status table cell by cell, and the status-duration histogram's counts,
//! percentiles, lacking workflows and the workflows of each bar.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use app::analytics::{histogram, Cell, DurationQuery, Scale};
use app::filter::{Filter, RequestStatus};
use app::model::Workflow;
use serde_json::Value;
use server::demo::scale::{workflow, Shape};
use server::index::{State, SummaryIndex};

const NOW: i64 = 1_764_000_000;

fn store(n: usize, seed: u64) -> (SummaryIndex, Vec<Value>) {
    let docs: Vec<Value> =
        (0..n).map(|i| workflow(i, seed, Shape { campaigns: 4, max_entries: 6, now: NOW })).collect();
    let index = SummaryIndex::default();
    let mut built = State::building();
    docs.iter().for_each(|d| built.upsert(d.clone()));
    index.install(built);
    (index, docs)
}

fn status(doc: &Value) -> String {
    doc["RequestTransition"].as_array().and_then(|t| t.last()).map_or("", |t| t["Status"].as_str().unwrap()).to_owned()
}

fn done(doc: &Value) -> i64 {
    let wf = Workflow::from_value(doc.clone()).unwrap();
    app::present::workflow_row(&wf, NOW).datasets.iter().map(|d| d.events).max().unwrap_or(0)
}

fn matches(doc: &Value, f: &Filter) -> bool {
    let campaign_ok = f.campaign.as_ref().is_none_or(|c| doc["Campaigns"][0] == c.as_str());
    let status_ok = f.facets.status.is_empty() || f.facets.status.iter().any(|s| s.as_str() == status(doc));
    campaign_ok && status_ok
}

#[test]
fn campaign_table_equals_a_full_scan() {
    let (index, docs) = store(300, 11);
    for f in [Filter::default(), Filter::from_query("status=new&status=assigned&status=running-open").unwrap()] {
        let table = index.campaigns(&f, false, NOW).unwrap();
        let mut want: BTreeMap<(String, String), Cell> = BTreeMap::new();
        let mut total = Cell::default();
        for doc in docs.iter().filter(|d| matches(d, &f)) {
            let campaign = doc["Campaigns"][0].as_str().unwrap().to_owned();
            want.entry((campaign, status(doc))).or_default().add(doc["TotalEvents"].as_i64().unwrap(), done(doc));
            total.add(doc["TotalEvents"].as_i64().unwrap(), done(doc));
        }
        let mut got: BTreeMap<(String, String), Cell> = BTreeMap::new();
        for row in &table.rows {
            for (s, c) in table.statuses.iter().zip(&row.cells) {
                if c.requests > 0 {
                    got.insert((row.campaign.clone(), s.clone()), *c);
                }
            }
            assert_eq!(row.total.requests, row.cells.iter().map(|c| c.requests).sum::<u64>());
        }
        assert_eq!(got, want, "cells of {f:?}");
        assert_eq!(table.total, total);
        assert_eq!(table.column_totals.iter().map(|c| c.requests).sum::<u64>(), total.requests);
        assert!(table.rows.len() >= 3 && table.statuses.len() >= 3, "a table worth comparing");
        let order: Vec<usize> = table.statuses.iter().map(|s| RequestStatus::parse(s).unwrap() as usize).collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "columns in lifecycle order: {:?}", table.statuses);
    }
}

/// With priority-block rows every workflow is in the row of its block (pMp's floors), cell by
/// cell as a full scan counts them.
#[test]
fn priority_block_table_equals_a_full_scan() {
    let (index, docs) = store(300, 13);
    for f in [Filter::default(), Filter::from_query("status=new&status=assigned&status=running-open").unwrap()] {
        let table = index.campaigns(&f, true, NOW).unwrap();
        let mut want: BTreeMap<(String, String), Cell> = BTreeMap::new();
        for doc in docs.iter().filter(|d| matches(d, &f)) {
            let block = app::priority::block_of(doc["RequestPriority"].as_i64()).to_string();
            want.entry((block, status(doc))).or_default().add(doc["TotalEvents"].as_i64().unwrap(), done(doc));
        }
        let mut got: BTreeMap<(String, String), Cell> = BTreeMap::new();
        for row in &table.rows {
            for (s, c) in table.statuses.iter().zip(&row.cells) {
                if c.requests > 0 {
                    got.insert((row.campaign.clone(), s.clone()), *c);
                }
            }
        }
        assert_eq!(got, want, "cells of {f:?}");
        assert_eq!(table.without_campaign, 0, "every workflow has a block");
        assert!(
            table.rows.len() >= 3,
            "several blocks: {:?}",
            table.rows.iter().map(|r| &r.campaign).collect::<Vec<_>>()
        );
    }
}

/// Seconds from the first `from` to the first `to` after it, read from the document.
fn oracle_duration(doc: &Value, from: &str, to: &str) -> Option<i64> {
    let t: Vec<(String, i64)> = doc["RequestTransition"]
        .as_array()?
        .iter()
        .map(|x| (x["Status"].as_str().unwrap().to_owned(), x["UpdateTime"].as_i64().unwrap()))
        .collect();
    let start = t.iter().position(|(s, _)| s == from)?;
    let end = t[start..].iter().find(|(s, _)| s == to)?;
    Some(end.1 - t[start].1)
}

#[test]
fn duration_histogram_and_its_bars_equal_a_full_scan() {
    let (index, docs) = store(300, 5);
    for scale in [Scale::Linear, Scale::Log] {
        let q = DurationQuery {
            filter: Filter::default(),
            from: RequestStatus::AssignmentApproved,
            to: RequestStatus::RunningOpen,
            bins: 12,
            scale,
        };
        let durations: Vec<i64> =
            docs.iter().filter_map(|d| oracle_duration(d, "assignment-approved", "running-open")).collect();
        let lacking = docs.len() - durations.len();
        let h = index.durations(&q, NOW).unwrap();
        let want = histogram(durations, 12, scale);
        assert_eq!((h.bins.clone(), h.median, h.p90, h.measured), (want.bins, want.median, want.p90, want.measured));
        assert!(h.measured > 20 && lacking > 20, "{} measured, {lacking} lacking", h.measured);
        assert_eq!(h.lacking, lacking as u64);
        assert_eq!(h.lacking_names.len(), lacking.min(app::analytics::LACKING_NAMES));
        let mut listed = 0;
        for (i, bar) in h.bins.iter().enumerate() {
            let w = index.duration_bin(&q, i, NOW).unwrap();
            assert_eq!(w.count, bar.count, "bar {i}");
            listed += w.count;
        }
        assert_eq!(listed, h.measured, "every measured workflow is in exactly one bar");
    }
}

/// Suggestions start with the typed text whatever its case, come from every kind, count their
/// workflows like the list would, and are the first values of each kind in order.
#[test]
fn suggestions_are_the_first_values_of_each_kind_with_their_counts() {
    use app::suggest::{SuggestKind, MAX_SUGGESTIONS};
    let (index, docs) = store(200, 3);
    let values = |kind: SuggestKind| -> Vec<String> {
        let mut v: Vec<String> = docs
            .iter()
            .flat_map(|d| match kind {
                SuggestKind::Campaign => vec![d["Campaigns"][0].clone()],
                SuggestKind::PrepId => vec![d["PrepID"].clone()],
                SuggestKind::Workflow => vec![d["_id"].clone()],
                SuggestKind::ProcessingString => vec![d["ProcessingString"].clone()],
                SuggestKind::Dataset => d["OutputDatasets"].as_array().unwrap().clone(),
                SuggestKind::Tier => d["OutputDatasets"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| Value::from(x.as_str().unwrap().rsplit('/').next().unwrap()))
                    .collect(),
            })
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let starts = |v: &str, p: &str| v.len() >= p.len() && v.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes());
    for prefix in ["Run3", "run3", "HIG-", "hig-", "pdmvserv_task_HIG", "/Sample1", "/sAMPLE1", "MINI", "mini", "zzz"] {
        let got = index.suggest(prefix).unwrap();
        assert!(got.len() <= MAX_SUGGESTIONS);
        for kind in SuggestKind::ALL {
            let mine: Vec<&str> = got.iter().filter(|s| s.kind == kind).map(|s| s.value.as_str()).collect();
            let want: Vec<String> = values(kind).into_iter().filter(|v| starts(v, prefix)).take(mine.len()).collect();
            assert_eq!(mine, want, "{kind:?} for {prefix:?}");
            let exists = values(kind).iter().any(|v| starts(v, prefix));
            assert!(mine.is_empty() != exists || got.len() == MAX_SUGGESTIONS, "{kind:?} for {prefix:?} found");
        }
        for s in &got {
            let count = index.count(&s.kind.filter(&s.value), NOW).unwrap();
            assert_eq!(s.workflows, count, "{s:?} counts what its list shows");
        }
        if prefix != "zzz" {
            assert!(!got.is_empty(), "{prefix:?} suggests something");
        }
    }
}

/// The historical aggregate from the index equals the one computed from whole documents,
/// for every workflow and for a filter, growing or not, at two bucket sizes.
#[test]
fn historical_aggregate_equals_a_full_scan() {
    let (index, docs) = store(300, 7);
    for f in [Filter::default(), Filter::from_query("tier=AODSIM&status=completed&status=running-open").unwrap()] {
        let wfs: Vec<Workflow> =
            docs.iter().filter(|d| matches_facets(d, &f)).map(|d| Workflow::from_value(d.clone()).unwrap()).collect();
        assert_eq!(wfs.len() as u64, index.count(&f, NOW).unwrap());
        assert!(wfs.len() > 10);
        for (bucket, growing) in [(86_400, false), (86_400, true), (7 * 86_400, true)] {
            let got = index.historical(&f, bucket, growing, NOW).unwrap();
            assert_eq!(
                got,
                app::historical::historical_of(&wfs, bucket, growing),
                "{f:?} by {bucket}, growing {growing}"
            );
            assert!(got.valid.iter().any(|v| *v > 0) && got.produced.iter().any(|v| *v > 0));
        }
    }
}

fn matches_facets(doc: &Value, f: &Filter) -> bool {
    let tier_ok = f.facets.tier.is_empty()
        || doc["OutputDatasets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| f.facets.tier.iter().any(|t| d.as_str().unwrap().ends_with(&format!("/{t}"))));
    tier_ok && matches(doc, f)
}

/// A workflow with no history point yet, created on a bucket's end: the historical and the
/// aggregate view answer one bucket (they used to panic on an empty bucket list, a 503 to an
/// anonymous request).
#[test]
fn a_workflow_without_history_created_on_a_bucket_end_answers() {
    let day = 86_400;
    let doc = serde_json::json!({"_id": "fresh", "RequestName": "fresh", "TotalEvents": 1000,
        "Campaigns": ["C"], "OutputDatasets": ["/p/a-v1/AODSIM"], "EventNumberHistory": [],
        "RequestTransition": [{"Status": "new", "UpdateTime": 20_000 * day}]});
    let index = SummaryIndex::default();
    let mut built = State::building();
    built.upsert(doc);
    index.install(built);
    for growing in [false, true] {
        let v = index.historical(&Filter::default(), day, growing, NOW).unwrap();
        assert!(!v.ends.is_empty(), "one bucket at least: {v:?}");
    }
    index.aggregate("all", &Filter::default(), day, NOW).unwrap();
}
