//! "What changed since" against a brute-force oracle: random generated stores (random
//! histories and transitions), random `since`, a few filters, deletions seen while following.
//! Every list and count must equal what the documents themselves say. Which workflows a
//! filter matches is the index oracle's subject (`index_oracle.rs`): here the matches are the
//! index's listing, and each one's changes are read from its document.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use app::changes::{Changes, DatasetChange, Named, Transition};
use app::filter::{ChangeGroup, Filter, FilterKey, RequestStatus};
use app::forecast::{resumed_at, stalled_since, Settings};
use app::model::Workflow;
use proptest::prelude::*;
use serde_json::Value;
use server::demo::scale::{workflow, Shape};
use server::index::{State, SummaryIndex};

const NOW: i64 = 1_764_000_000;

fn shape() -> Shape {
    Shape { campaigns: 3, max_entries: 7, now: NOW }
}

/// One workflow's changes from `since`, read from its document.
fn oracle_one(doc: &Value, since: i64, out: &mut Changes) {
    let wf = Workflow::from_value(doc.clone()).unwrap();
    let name = wf.id.clone();
    let transitions: Vec<(String, i64)> =
        wf.request_transition.iter().flatten().map(|t| (t.status.clone(), t.update_time)).collect();
    if let Some((_, t)) = transitions.first().filter(|(_, t)| *t >= since) {
        out.new.push(Named { name: name.clone(), time: *t });
    }
    for w in transitions.windows(2).filter(|w| w[1].1 >= since) {
        out.transitions.push(Transition { name: name.clone(), from: w[0].0.clone(), to: w[1].0.clone(), time: w[1].1 });
    }
    let history = wf.history_sorted();
    let mut seen = Vec::new();
    let lumi_mode = wf.lumi_mode();
    let row = app::present::workflow_row(&wf, NOW);
    let expected = if lumi_mode { row.total_input_lumis.unwrap_or(-1) } else { row.total_events };
    let (mut stall, mut resumed) = (None::<i64>, None::<i64>);
    for d in &row.datasets {
        let points = wf.dataset_points(&d.name, lumi_mode);
        stall = stall.into_iter().chain(stalled_since(&points, expected, Settings::default())).min();
        resumed = resumed.into_iter().chain(resumed_at(&points, Settings::default())).max();
        if seen.contains(&d.name) {
            continue;
        }
        seen.push(d.name.clone());
        // Every change: an entry whose status differs from the one before it (time order).
        let mut before = None;
        for (time, to) in
            history.iter().filter_map(|e| Some((e.time.unwrap_or(0), e.datasets.get(&d.name)?.status.clone())))
        {
            if let Some(from) = before.replace(to.clone()).filter(|b| *b != to) {
                if time >= since {
                    out.datasets.push(DatasetChange { name: name.clone(), dataset: d.name.clone(), from, to, time });
                }
            }
        }
    }
    if let Some(t) = stall.filter(|t| *t >= since && NOW > *t && wf.can_progress()) {
        out.stalled.push(Named { name: name.clone(), time: t });
    }
    if let Some(t) = resumed.filter(|t| *t >= since) {
        out.resumed.push(Named { name, time: t });
    }
}

fn check(index: &SummaryIndex, docs: &BTreeMap<String, Value>, removed: &[(String, i64)], f: &Filter, since: i64) {
    let got = index.changes(f, since, NOW).unwrap();
    let matching = index.every_row(f, NOW).unwrap();
    let mut want = Changes { since, now: NOW, ..Changes::default() };
    for r in &matching {
        oracle_one(&docs[&*r.name], since, &mut want);
    }
    // Removals: every filter here is a campaign or none, which the removed documents say.
    let campaign = f.get(FilterKey::Campaign);
    want.removed = removed
        .iter()
        .filter(|(_, t)| *t >= since)
        .filter(|(n, _)| campaign.is_none_or(|c| n.contains(&format!("#{c}#"))))
        .map(|(n, t)| Named { name: n.split('#').next().unwrap().to_owned(), time: *t })
        .collect();
    want.removed_known_since = got.removed_known_since;
    let want = want.finish();
    assert_eq!(got, want, "since {since}, filter {}", f.to_query());
    check_groups(index, f, since, &want);
}

/// Each group's dashboard list (`change=<group>&change_since=<since>`) holds exactly the
/// workflows the group lists (the generated stores stay under the lists' cap).
fn check_groups(index: &SummaryIndex, f: &Filter, since: i64, want: &Changes) {
    let names = |list: Vec<&String>| list.into_iter().cloned().collect::<std::collections::BTreeSet<String>>();
    let reached = ChangeGroup::Reached(RequestStatus::Completed);
    let groups = [
        (ChangeGroup::New, names(want.new.iter().map(|e| &e.name).collect())),
        (ChangeGroup::Transition, names(want.transitions.iter().map(|e| &e.name).collect())),
        (reached, names(want.transitions.iter().filter(|e| e.to == "completed").map(|e| &e.name).collect())),
        (ChangeGroup::Dataset, names(want.datasets.iter().map(|e| &e.name).collect())),
        (ChangeGroup::Stalled, names(want.stalled.iter().map(|e| &e.name).collect())),
        (ChangeGroup::Resumed, names(want.resumed.iter().map(|e| &e.name).collect())),
    ];
    for (group, want) in groups {
        let mut narrowed = f.clone();
        (narrowed.facets.change, narrowed.facets.change_since) = (Some(group), Some(since));
        let got = index.every_row(&narrowed, NOW).unwrap();
        let got = got.iter().map(|r| r.name.to_string()).collect::<std::collections::BTreeSet<_>>();
        assert_eq!(got, want, "{group} since {since}, filter {}", f.to_query());
    }
}

fn compare(seed: u64, n: usize, deletions: Vec<usize>, sinces: Vec<i64>) {
    let docs: Vec<Value> = (0..n).map(|i| workflow(i, seed, shape())).collect();
    let mut stored: BTreeMap<String, Value> =
        docs.iter().map(|d| (d["_id"].as_str().unwrap().to_owned(), d.clone())).collect();
    let index = SummaryIndex::new();
    let mut built = State::building();
    docs.iter().for_each(|d| built.upsert(d.clone()));
    built.begin_watching(NOW - 10 * 86_400);
    index.install(built);
    // Deletions seen while following, a day apart; each remembered with its campaign.
    let mut removed = Vec::new();
    for (k, i) in deletions.into_iter().enumerate() {
        let id = docs[i % n]["_id"].as_str().unwrap().to_owned();
        let Some(doc) = stored.remove(&id) else { continue };
        let seen = NOW - 9 * 86_400 + k as i64 * 86_400;
        index.apply(|s| s.remove_seen(&id, seen));
        let campaign = doc["Campaigns"][0].as_str().unwrap_or("").to_owned();
        removed.push((format!("{id}#{campaign}#"), seen));
    }
    let campaign = docs[0]["Campaigns"][0].as_str().unwrap().to_owned();
    // A server keeps dated changes back to a horizon; a question from before it is answered
    // from the records, the same.
    let mut pruned = State::building();
    pruned.forget_changes_before(NOW - 40 * 86_400);
    stored.values().for_each(|d| pruned.upsert(d.clone()));
    pruned.forget_changes_before(NOW - 30 * 86_400);
    let horizon = SummaryIndex::new();
    horizon.install(pruned);
    // Queries at odd times (a probe asks at i64::MIN) must not move the horizon: one did, to
    // past every change, and every answer then rebuilt the log from all records (900 ms at
    // 200,000 workflows). Only the follower moves it, with the server's clock.
    horizon.probe("x").unwrap();
    horizon.move_horizon(NOW);
    for since in sinces {
        let all = |i: &SummaryIndex| Changes {
            removed: vec![],
            removed_known_since: 0,
            ..i.changes(&Filter::default(), since, NOW).unwrap()
        };
        let mut want = all(&index);
        want.counts.removed = 0;
        assert_eq!(all(&horizon), want, "past the horizon, since {since}");
        check(&index, &stored, &removed, &Filter::default(), since);
        check(&index, &stored, &removed, &Filter::default().with(FilterKey::Campaign, campaign.clone()), since);
    }
    assert_eq!(index.changes(&Filter::default(), NOW, NOW).unwrap().removed_known_since, NOW - 10 * 86_400);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn changes_equal_the_documents(
        seed in 0u64..1000,
        n in 1usize..120,
        deletions in proptest::collection::vec(0usize..200, 0..6),
        sinces in proptest::collection::vec(NOW - 60 * 86_400..NOW + 3600, 1..4),
    ) {
        compare(seed, n, deletions, sinces);
    }
}

/// The generated stores have something in every list the oracle compares (else it proves
/// nothing).
#[test]
fn generated_stores_change_in_every_way() {
    compare(3, 150, vec![1, 2], vec![NOW - 60 * 86_400]);
    let index = server::testkit::index_of((0..150).map(|i| workflow(i, 3, shape())));
    let c = index.changes(&Filter::default(), NOW - 60 * 86_400, NOW).unwrap().counts;
    assert!(c.new > 0 && c.transitions > 0 && c.datasets > 0 && c.stalled > 0 && c.resumed > 0, "{c:?}");
    let all = index.changes(&Filter::default(), NOW - 60 * 86_400, NOW).unwrap();
    let twice = all.datasets.iter().filter(|d| d.from == app::model::DatasetStatus::Valid).count();
    assert!(twice > 0, "some dataset changed twice (VALID, then INVALID)");
}
