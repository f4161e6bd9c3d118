//! What a watch's conditions find among its filter's workflows: each finding names its
//! occurrence (the transition's time, the dataset and its change, the status and when it
//! began), so that seeing the same state again, on another replica or after a restart, names
//! the same occurrence and is recorded once (the outbox's id is derived from it).
//!
//! Every replica asks this of every watch every few seconds, so it reads what the index
//! keeps for it rather than every record: statuses reached, stalls and dataset changes from
//! the dated changes since `since`, stuck and completion from the slots' tallies; a record is
//! read only for what is found.
//!
//! Only occurrences at or after `since` count: a watch notifies about what happens after it
//! was saved, and the caller bounds `since` by how long recorded notices are kept. What is
//! computed from the clock (stalled, stuck) counts once `now` has passed it.

use app::filter::{ChangeGroup, Filter, RequestStatus};
use app::status::DatasetStatus;
use app::watch::Condition;

use super::changed::rebuilt_log;
use super::posting::{Bits, Slot};
use super::query::matching_slots;
use super::state::State;
use super::timeline::{dataset_changes, reaches, Kind};

/// One condition met by one workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// The workflow.
    pub workflow: String,
    /// The condition met.
    pub condition: Condition,
    /// What tells this occurrence apart from another of the same condition and workflow.
    pub key: String,
    /// When it happened (Unix seconds).
    pub time: i64,
    /// What happened, in words.
    pub detail: String,
}

/// The occurrences of `on` among `filter`'s workflows from `since` to `now`; `stuck` gives
/// the days after which a workflow is stuck in each status.
pub fn occurrences(
    state: &State,
    filter: &Filter,
    on: &[Condition],
    (since, now): (i64, i64),
    stuck: &[(RequestStatus, u32)],
) -> Vec<Occurrence> {
    let slots: Vec<Slot> = matching_slots(state, filter, now).collect();
    let within: Bits = slots.iter().copied().collect();
    let rebuilt = rebuilt_log(state, since, || slots.iter().copied());
    let log = rebuilt.as_ref().unwrap_or(state.timeline());
    let mut out = Vec::new();
    for &condition in on {
        let mut found = |slot: Slot, key: String, time: i64, detail: String| {
            // A time ahead of this clock (an upstream's clock ahead of ours) is still news.
            if let Some(r) = state.record(slot).filter(|_| time >= since) {
                out.push(Occurrence { workflow: r.name.to_string(), condition, key, time, detail });
            }
        };
        let dated = |kind, until| log.between(kind, since, until).filter(|e| within.get(e.1));
        match condition {
            Condition::Status(s) => {
                let reached = dated(Kind::New, None).chain(dated(Kind::Transition, None));
                for &(t, slot, _) in reached.filter(|e| reaches(ChangeGroup::Reached(s), e.2)) {
                    found(slot, t.to_string(), t, format!("reached {s}"));
                }
            }
            Condition::Stalled => {
                for &(t, slot, _) in dated(Kind::Stalled, Some(now)) {
                    found(slot, t.to_string(), t, "stalled: no new events".into());
                }
            }
            Condition::DatasetInvalid => invalid(state, dated(Kind::Dataset, None), &mut found),
            Condition::Stuck => slots.iter().for_each(|s| stuck_in(state, *s, stuck, now, &mut found)),
            Condition::Completion(p) => slots.iter().for_each(|s| completion(state, *s, p, &mut found)),
        }
    }
    out
}

type Found<'a> = dyn FnMut(Slot, String, i64, String) + 'a;

/// Stuck: in its status (the slot's tally says which and since when) at least the days the
/// stuck alert gives it.
fn stuck_in(state: &State, slot: Slot, stuck: &[(RequestStatus, u32)], now: i64, found: &mut Found<'_>) {
    let t = state.tally(slot);
    let (Some(code), Some(since)) = (t.status, t.status_since()) else { return };
    let Some(status) = RequestStatus::ALL.get(usize::from(code)) else { return };
    let Some((_, days)) = stuck.iter().find(|(s, _)| s == status) else { return };
    let at = since.saturating_add(i64::from(*days) * 86_400);
    if at <= now {
        found(slot, format!("{status}@{since}"), at, format!("in {status} for {days} days or more"));
    }
}

/// A dataset turned INVALID or DELETED: each such change of the log.
fn invalid<'a>(state: &State, changes: impl Iterator<Item = &'a (i64, Slot, u32)>, found: &mut Found<'_>) {
    for &(time, slot, place) in changes {
        let Some(r) = state.record(slot) else { continue };
        let Some(change) = dataset_changes(r).nth(place as usize) else { continue };
        if matches!(change.to, DatasetStatus::Invalid | DatasetStatus::Deleted) {
            let name = &r.datasets[change.dataset].name;
            found(slot, format!("{name}@{time}"), time, format!("{name} is {}", change.to.as_str()));
        }
    }
}

/// Completion reached `percent` when its events last changed at or past it: one occurrence
/// per workflow and percentage (its time is that change, so a workflow already there when
/// the watch was saved does not notify until it produces again).
fn completion(state: &State, slot: Slot, percent: u8, found: &mut Found<'_>) {
    let Some(permille) = state.tally(slot).completion() else { return };
    if permille < i64::from(percent) * 10 {
        return;
    }
    let Some(r) = state.record(slot) else { return };
    let last = r.datasets.iter().filter_map(|d| d.points.iter().last().map(|(t, _)| t)).max();
    let time = r.force_completed().into_iter().chain(last).max();
    if let Some(t) = time {
        found(slot, String::new(), t, format!("{}.{} % complete", permille / 10, permille % 10));
    }
}
