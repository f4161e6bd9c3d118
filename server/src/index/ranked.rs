//! The ranked list behind an alert: its filter's workflows by priority block (0 first), then
//! events still to produce (most first), then time in the alert's state (longest first), so
//! that the few that matter come before the thousands that do not. And what an
//! acknowledgement is about: a workflow's standing (its status and since when, its events,
//! its datasets' statuses), which any change of those moves, so the acknowledgement lapses.

use std::fmt::Write;

use app::filter::Filter;

use super::query::{holds, matching};
use super::record::Record;
use super::state::{State, Tally};

/// One workflow of a ranked list, with its standing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RankedItem {
    /// The workflow.
    pub name: String,
    /// Its status.
    pub status: String,
    /// Its priority block.
    pub block: u8,
    /// Events still to produce.
    pub remaining: i64,
    /// Since when it is in the alert's state.
    pub since: i64,
    /// What an acknowledgement of it is about.
    pub standing: String,
}

/// `filter`'s workflows, ranked.
pub fn ranked(state: &State, filter: &Filter, now: i64) -> Vec<RankedItem> {
    let mut out: Vec<RankedItem> = matching(state, filter, now)
        .map(|r| {
            let t = Tally::of(r);
            let since = if filter.stalled {
                r.stalled_since()
            } else if filter.facets.idle_days.is_some() {
                r.idle_since()
            } else {
                None
            };
            RankedItem {
                name: r.name.to_string(),
                status: r.transitions.last_status().unwrap_or_default().to_owned(),
                block: t.block,
                remaining: (t.expected_events() - t.produced()).max(0),
                since: since.unwrap_or(t.since),
                standing: standing(r),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        (a.block, std::cmp::Reverse(a.remaining), a.since, &a.name).cmp(&(
            b.block,
            std::cmp::Reverse(b.remaining),
            b.since,
            &b.name,
        ))
    });
    out
}

/// A workflow's standing: `status@time|events|dataset statuses`.
pub fn standing(r: &Record) -> String {
    let (status, time) = r.transitions.last().unwrap_or_default();
    let events: i64 = r.datasets.iter().map(|d| d.events).sum();
    let mut out = format!("{status}@{time}|{events}|");
    for d in r.datasets.iter() {
        let _ = write!(out, "{},", d.status.as_str());
    }
    out
}

/// The standing of workflow `name`, if the index has it.
pub fn standing_of(state: &State, name: &str) -> Option<String> {
    state.get(name).map(|r| standing(r))
}

/// Whether workflow `name` is among `filter`'s workflows.
pub fn holds_named(state: &State, name: &str, filter: &Filter, now: i64) -> bool {
    state.get(name).is_some_and(|r| holds(r, filter, now))
}
