//! The dashboard's `change` filter (`change=<group>&change_since=<T>`): the workflows with a
//! change of one group of "What changed since" from T on, the list a group's link opens.
//! Told from the dated changes without reading a record, except for a question from before
//! their horizon, which the records answer (slower, never partial).

use app::filter::Facets;

use super::posting::{Bits, Slot};
use super::record::Record;
use super::state::State;
use super::timeline::{record_has, Timeline};

/// The slots the filter's `change` admits, when it has one.
pub fn changed_slots(state: &State, facets: &Facets, now: i64) -> Option<Bits> {
    let (group, since) = (facets.change?, facets.change_since?);
    let rebuilt = rebuilt_log(state, since, || state.slots_in_order().iter().copied());
    Some(rebuilt.as_ref().unwrap_or(state.timeline()).slots(group, (since, now)))
}

/// For a question from before the index's horizon, a log of the dated changes of the
/// workflows `slots` yields, built from their records; `None` when the index's own log
/// reaches back to `since` (the caller reads that one).
pub fn rebuilt_log<I: Iterator<Item = Slot>>(state: &State, since: i64, slots: impl FnOnce() -> I) -> Option<Timeline> {
    (since < state.timeline().horizon()).then(|| Timeline::of(slots().filter_map(|s| Some((s, &**state.record(s)?)))))
}

/// Whether a record (one without a slot: a deleted workflow) passes the filter's `change`.
pub fn record_changed(r: &Record, facets: &Facets, now: i64) -> bool {
    match (facets.change, facets.change_since) {
        (Some(group), Some(since)) => record_has(r, group, since, now),
        _ => true,
    }
}
