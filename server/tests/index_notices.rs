//! What watches find, against the documents: every status a workflow reached, every stuck
//! workflow, from random generated stores and random starting times. Dataset changes and
//! stalls are what "What changed" says (its own oracle test compares that with the
//! documents): a watch must notify about exactly what that page lists.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use app::alerts::DEFAULT_STUCK_AFTER;
use app::filter::{Filter, RequestStatus};
use app::model::Workflow;
use app::status::DatasetStatus;
use app::watch::Condition;
use proptest::prelude::*;
use serde_json::Value;
use server::demo::scale::{workflow, Shape};
use server::index::SummaryIndex;

const NOW: i64 = 1_764_000_000;

type Found = BTreeSet<(String, String, i64)>;

fn build(seed: u64, n: usize) -> (std::sync::Arc<SummaryIndex>, Vec<Value>) {
    let docs: Vec<Value> =
        (0..n).map(|i| workflow(i, seed, Shape { campaigns: 3, max_entries: 7, now: NOW })).collect();
    (server::testkit::index_of(docs.clone()), docs)
}

fn statuses_and_stuck(docs: &[Value], since: i64) -> Found {
    let mut out = Found::new();
    for doc in docs {
        let wf = Workflow::from_value(doc.clone()).unwrap();
        let transitions: Vec<(String, i64)> =
            wf.request_transition.iter().flatten().map(|t| (t.status.clone(), t.update_time)).collect();
        for (s, t) in transitions.iter().filter(|(_, t)| *t >= since) {
            if RequestStatus::parse(s).is_some() {
                out.insert((wf.id.clone(), format!("status:{s}"), *t));
            }
        }
        let Some((status, t)) = transitions.last() else { continue };
        if let Some((_, days)) = DEFAULT_STUCK_AFTER.iter().find(|(s, _)| s.as_str() == status) {
            let at = t + i64::from(*days) * 86_400;
            if at <= NOW && at >= since {
                out.insert((wf.id.clone(), "stuck".into(), at));
            }
        }
    }
    out
}

fn found(index: &SummaryIndex, on: &[Condition], since: i64) -> Found {
    let got = index.occurrences(&Filter::default(), on, (since, NOW), &DEFAULT_STUCK_AFTER).unwrap();
    got.into_iter().map(|o| (o.workflow, o.condition.text(), o.time)).collect()
}

fn compare(seed: u64, n: usize, since: i64) {
    let (index, docs) = build(seed, n);
    let mut on: Vec<Condition> = RequestStatus::ALL.iter().map(|s| Condition::Status(*s)).collect();
    on.push(Condition::Stuck);
    assert_eq!(found(&index, &on, since), statuses_and_stuck(&docs, since), "seed {seed}, since {since}");
    let changes = index.changes(&Filter::default(), since, NOW).unwrap();
    let gone = |s: &DatasetStatus| matches!(s, DatasetStatus::Invalid | DatasetStatus::Deleted);
    let invalid: Found = changes
        .datasets
        .iter()
        .filter(|d| gone(&d.to))
        .map(|d| (d.name.clone(), "dataset_invalid".into(), d.time))
        .collect();
    assert_eq!(found(&index, &[Condition::DatasetInvalid], since), invalid);
    let stalled: Found = changes.stalled.iter().map(|s| (s.name.clone(), "stalled".into(), s.time)).collect();
    assert_eq!(found(&index, &[Condition::Stalled], since), stalled);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn watches_find_what_the_documents_say(seed in 0u64..1000, n in 1usize..100, since in NOW - 60 * 86_400..NOW) {
        compare(seed, n, since);
    }
}

/// The generated store has something for every condition (else the comparison proves
/// nothing), and completion notifies once per workflow, only at or past its percentage.
#[test]
fn every_condition_finds_something_and_completion_once() {
    let (index, _) = build(3, 150);
    let since = NOW - 60 * 86_400;
    for c in ["status:running-open", "stuck", "stalled", "dataset_invalid", "completion:50"] {
        assert!(!found(&index, &[Condition::parse(c).unwrap()], since).is_empty(), "{c}");
    }
    let done = index.occurrences(&Filter::default(), &[Condition::Completion(50)], (since, NOW), &[]).unwrap();
    let names: BTreeSet<&str> = done.iter().map(|o| o.workflow.as_str()).collect();
    assert_eq!(names.len(), done.len(), "once per workflow");
    for o in &done {
        let percent: f64 = o.detail.split(' ').next().unwrap().parse().unwrap();
        assert!(percent >= 50.0, "{o:?}");
    }
}

/// What an acknowledgement is about moves with status, events and dataset statuses, and
/// with nothing else.
#[test]
fn a_standing_moves_with_status_events_and_dataset_statuses_only() {
    let (index, docs) = build(5, 1);
    let name = docs[0]["_id"].as_str().unwrap().to_owned();
    let standing = || index.standing(&name, NOW).unwrap().unwrap();
    let before = standing();
    let mut doc = docs[0].clone();
    doc["LastUpdate"] = serde_json::json!(NOW);
    doc["RequestPriority"] = serde_json::json!(1);
    index.apply(|s| s.upsert(doc.clone()));
    assert_eq!(standing(), before, "other fields do not lapse it");
    let ds = "/Lapse/Run-v1/AODSIM";
    doc["OutputDatasets"] = serde_json::json!([ds]);
    let entry = |events: i64, status: &str| serde_json::json!({"Time": NOW - 10, "Datasets": {ds: {"Type": status, "Events": events, "Size": 1}}});
    let mut changed = Vec::new();
    for (events, status) in [(10, "PRODUCTION"), (20, "PRODUCTION"), (20, "VALID")] {
        doc["EventNumberHistory"] = serde_json::json!([entry(events, status)]);
        index.apply(|s| s.upsert(doc.clone()));
        changed.push(standing());
    }
    let mut t = doc["RequestTransition"].as_array().unwrap().clone();
    t.push(serde_json::json!({"Status": "aborted", "UpdateTime": NOW}));
    doc["RequestTransition"] = serde_json::json!(t);
    index.apply(|s| s.upsert(doc.clone()));
    changed.push(standing());
    let distinct: BTreeSet<&String> = std::iter::once(&before).chain(&changed).collect();
    assert_eq!(distinct.len(), 5, "each change moves it: {before} {changed:?}");
}

/// A ranked list's windows are pieces of the one whole ranking, and what is acknowledged is
/// counted and left out unless asked for.
#[test]
fn ranked_windows_are_pieces_of_one_ranking() {
    let (index, _) = build(9, 300);
    let none = std::collections::HashSet::new();
    let all = Filter::default();
    let whole = index.ranked(&all, (&none, false), 0..usize::MAX, NOW).unwrap();
    assert_eq!((whole.matching, whole.items.len()), (300, 300));
    let pieces: Vec<_> = [0..100, 100..200, 200..400]
        .into_iter()
        .flat_map(|w| index.ranked(&all, (&none, false), w, NOW).unwrap().items)
        .collect();
    assert_eq!(pieces, whole.items);
    assert!(whole.items.windows(2).all(|w| (w[0].block, -w[0].remaining) <= (w[1].block, -w[1].remaining)));
    let acked: std::collections::HashSet<String> = whole.items[..3].iter().map(|i| i.name.clone()).collect();
    let without = index.ranked(&all, (&acked, false), 0..usize::MAX, NOW).unwrap();
    assert_eq!((without.matching, without.acked), (297, 3));
    assert_eq!(without.items, whole.items[3..]);
    assert_eq!(index.ranked(&all, (&acked, true), 0..usize::MAX, NOW).unwrap().items, whole.items);
}
