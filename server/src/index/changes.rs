//! "What changed since" from the index's dated changes (`timeline.rs`): each list walks its
//! entries from `since` on, newest first, counting those of the filter's workflows (a bit per
//! slot, or none for every workflow) and keeping the first thousand; only those are read and
//! made into text. Then the deletions this replica saw, each checked against the filter as
//! the record was when it went (`query::holds`: a deleted workflow has no slot to look up).

use std::cmp::Reverse;

use app::changes::{Changes, DatasetChange, Named, Transition, LIST_CAP};
use app::filter::Filter;
use app::model::DatasetStatus;

use super::changed::rebuilt_log;
use super::posting::{Bits, Slot};
use super::query::{holds, is_everything, matching_slots};
use super::record::Record;
use super::state::State;
use super::timeline::{dataset_changes, transition_place, Entry, Kind};

/// What changed among `filter`'s workflows from `since` to `now`.
pub fn changes(state: &State, filter: &Filter, since: i64, now: i64) -> Changes {
    let within = within(state, filter, now);
    let rebuilt = rebuilt_log(state, since, || -> Box<dyn Iterator<Item = Slot>> {
        match &within {
            Some(bits) => Box::new(bits.ones()),
            None => Box::new(state.slots_in_order().iter().copied()),
        }
    });
    let timeline = rebuilt.as_ref().unwrap_or(state.timeline());
    let walk = |kind: Kind, until: Option<i64>| newest(timeline.between(kind, since, until), within.as_ref());
    let (new, transitions, datasets) = (walk(Kind::New, None), walk(Kind::Transition, None), walk(Kind::Dataset, None));
    let (stalled, resumed) = (walk(Kind::Stalled, Some(now)), walk(Kind::Resumed, None));
    let removed = state
        .removed()
        .after(since)
        .filter(|(_, r)| holds(r, filter, now))
        .map(|(t, r)| Named { name: r.name.to_string(), time: *t })
        .collect();
    let named = |(time, r, _): (i64, &Record, u32)| Named { name: r.name.to_string(), time };
    let mut out = Changes {
        since,
        now,
        removed_known_since: state.removed().since().unwrap_or(now),
        removed,
        new: new.read(state, |e| e.1.name.as_ref(), named),
        transitions: transitions.read(state, |e| e.1.name.as_ref(), transition),
        datasets: datasets.read(state, dataset_name, dataset),
        stalled: stalled.read(state, |e| e.1.name.as_ref(), named),
        resumed: resumed.read(state, |e| e.1.name.as_ref(), named),
        ..Changes::default()
    }
    .finish();
    let seen = [new.seen, transitions.seen, datasets.seen, stalled.seen, resumed.seen];
    [out.counts.new, out.counts.transitions, out.counts.datasets, out.counts.stalled, out.counts.resumed] = seen;
    out
}

/// The filter's workflows as a bit per slot; `None` when it is every workflow.
fn within(state: &State, filter: &Filter, now: i64) -> Option<Bits> {
    (!is_everything(filter)).then(|| matching_slots(state, filter, now).collect())
}

/// The newest entries of one list and how many there are.
struct Newest {
    /// The first [`LIST_CAP`] entries newest first, and every one as new as the last of
    /// them: ties at the cut are ordered by name when read.
    kept: Vec<Entry>,
    seen: u64,
}

fn newest<'a>(entries: impl DoubleEndedIterator<Item = &'a Entry>, within: Option<&Bits>) -> Newest {
    let mut out = Newest { kept: Vec::new(), seen: 0 };
    for e in entries.rev().filter(|e| within.is_none_or(|b| b.get(e.1))) {
        out.seen += 1;
        if out.kept.len() < LIST_CAP || out.kept.last().is_some_and(|last| last.0 == e.0) {
            out.kept.push(*e);
        }
    }
    out
}

impl Newest {
    /// The kept entries as answers, in answer order: newest first, then by `name` (the
    /// workflow's, or the dataset's), then the workflow and the entry's place.
    fn read<'s, T>(
        &self,
        state: &'s State,
        name: impl Fn(&(i64, &'s Record, u32)) -> &'s str,
        make: impl Fn((i64, &'s Record, u32)) -> T,
    ) -> Vec<T> {
        let mut read: Vec<(i64, &Record, u32)> =
            self.kept.iter().filter_map(|&(t, slot, place)| Some((t, &**state.record(slot)?, place))).collect();
        read.sort_by(|a, b| {
            // A transition's place carries its status byte above the place: masked off here.
            let key = |e: &(i64, &'s Record, u32)| (Reverse(e.0), name(e), e.1.name.as_ref(), transition_place(e.2));
            key(a).cmp(&key(b))
        });
        read.truncate(LIST_CAP);
        read.into_iter().map(make).collect()
    }
}

fn transition((time, r, place): (i64, &Record, u32)) -> Transition {
    let mut entries = r.transitions.iter().skip(transition_place(place).saturating_sub(1));
    let from = entries.next().map_or("", |(s, _)| s).to_owned();
    let to = entries.next().map_or("", |(s, _)| s).to_owned();
    Transition { name: r.name.to_string(), from, to, time }
}

fn dataset_name<'s>(&(_, r, place): &(i64, &'s Record, u32)) -> &'s str {
    dataset_changes(r).nth(place as usize).and_then(|c| r.datasets.get(c.dataset)).map_or("", |d| &d.name)
}

fn dataset((time, r, place): (i64, &Record, u32)) -> DatasetChange {
    let change = dataset_changes(r).nth(place as usize);
    let dataset =
        change.as_ref().and_then(|c| r.datasets.get(c.dataset)).map_or_else(String::new, |d| d.name.to_string());
    let (from, to) = change.map_or((DatasetStatus::None, DatasetStatus::None), |c| (c.from.clone(), c.to.clone()));
    DatasetChange { name: r.name.to_string(), dataset, from, to, time }
}
