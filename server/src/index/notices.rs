//! What a watch's conditions find among its filter's workflows, read from the records: each
//! finding names its occurrence (the transition's time, the dataset and its change, the
//! status and when it began), so that seeing the same state again, on another replica or
//! after a restart, names the same occurrence and is recorded once (the outbox's id is
//! derived from it).
//!
//! Only occurrences at or after `since` count: a watch notifies about what happens after it
//! was saved, and the caller bounds `since` by how long recorded notices are kept. What is
//! computed from the clock (stalled, stuck) counts once `now` has passed it.

use app::filter::{Filter, RequestStatus};
use app::status::DatasetStatus;
use app::watch::Condition;

use super::query::matching;
use super::record::Record;
use super::state::{State, Tally};

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
    let mut out = Vec::new();
    for r in matching(state, filter, now) {
        for &condition in on {
            let mut found = |key: String, time: i64, detail: String| {
                // A time ahead of this clock (an upstream's clock ahead of ours) is still news.
                if time >= since {
                    let workflow = r.name.to_string();
                    out.push(Occurrence { workflow, condition, key, time, detail });
                }
            };
            match condition {
                Condition::Status(s) => reached(r, s, &mut found),
                Condition::Stuck => stuck_in(r, stuck, now, &mut found),
                Condition::Stalled => {
                    if let Some(t) = r.stalled_since().filter(|t| *t < now) {
                        found(t.to_string(), t, "stalled: no new events".into());
                    }
                }
                Condition::DatasetInvalid => invalid(r, &mut found),
                Condition::Completion(p) => completion(r, p, &mut found),
            }
        }
    }
    out
}

type Found<'a> = dyn FnMut(String, i64, String) + 'a;

fn reached(r: &Record, status: RequestStatus, found: &mut Found<'_>) {
    for (s, t) in r.transitions.iter() {
        if s == status.as_str() {
            found(t.to_string(), t, format!("reached {status}"));
        }
    }
}

fn stuck_in(r: &Record, stuck: &[(RequestStatus, u32)], now: i64, found: &mut Found<'_>) {
    let Some((status, since)) = r.transitions.last() else { return };
    let Some((_, days)) = stuck.iter().find(|(s, _)| s.as_str() == status) else { return };
    let at = since.saturating_add(i64::from(*days) * 86_400);
    if at <= now {
        found(format!("{status}@{since}"), at, format!("in {status} for {days} days or more"));
    }
}

fn invalid(r: &Record, found: &mut Found<'_>) {
    for d in r.datasets.iter() {
        let gone = matches!(d.status, DatasetStatus::Invalid | DatasetStatus::Deleted);
        if gone && d.previous.is_some() && d.since != i64::MAX {
            found(format!("{}@{}", d.name, d.since), d.since, format!("{} is {}", d.name, d.status.as_str()));
        }
    }
}

/// Completion reached `percent` when its events last changed at or past it: one occurrence
/// per workflow and percentage (its time is that change, so a workflow already there when
/// the watch was saved does not notify until it produces again).
fn completion(r: &Record, percent: u8, found: &mut Found<'_>) {
    let Some(permille) = Tally::of(r).completion() else { return };
    if permille < i64::from(percent) * 10 {
        return;
    }
    let last = r.datasets.iter().filter_map(|d| d.points.iter().last().map(|(t, _)| t)).max();
    let time = r.force_completed().into_iter().chain(last).max();
    if let Some(t) = time {
        found(String::new(), t, format!("{}.{} % complete", permille / 10, permille % 10));
    }
}
