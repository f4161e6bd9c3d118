//! The ranked list behind an alert: its filter's workflows by priority block (0 first), then
//! events still to produce (most first), then time in the alert's state (longest first), so
//! that the few that matter come before the thousands that do not. And what an
//! acknowledgement is about: a workflow's standing (its status and since when, its events,
//! its datasets' statuses), which any change of those moves, so the acknowledgement lapses.

use std::collections::HashSet;
use std::fmt::Write;
use std::ops::Range;

use app::filter::Filter;

use super::query::{holds, matching_slots};
use super::record::Record;
use super::state::{Slot, State};

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

/// One window of a ranked list, and the sizes around it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RankedSlice {
    /// The window's workflows, in rank order.
    pub items: Vec<RankedItem>,
    /// Workflows in the list.
    pub matching: u64,
    /// Of `filter`'s workflows, those in `acked`.
    pub acked: u64,
}

/// Window `window` of `filter`'s workflows, ranked; those named in `acked` left out unless
/// `with_acked`. The first two keys come from the slots' tallies (a contiguous array); only
/// the workflows that can be in the window are read for the third key and turned into text:
/// a stalled list can hold 100,000.
pub fn ranked(
    state: &State,
    filter: &Filter,
    (acked, with_acked): (&HashSet<String>, bool),
    window: Range<usize>,
    now: i64,
) -> RankedSlice {
    let acked: HashSet<Slot> = acked.iter().filter_map(|n| state.slot_of(n)).collect();
    let mut acked_n = 0u64;
    let mut slots: Vec<Slot> = matching_slots(state, filter, now)
        .filter(|slot| {
            let is_acked = acked.contains(slot);
            acked_n += u64::from(is_acked);
            with_acked || !is_acked
        })
        .collect();
    // The tallies read front to back: in id order a stalled list's 100,000 reads jump about.
    slots.sort_unstable();
    let mut keyed: Vec<(u8, i64, Slot)> = slots
        .into_iter()
        .map(|slot| {
            let t = state.tally(slot);
            (t.block, -(t.expected_events() - t.produced()).max(0), slot)
        })
        .collect();
    let matching = keyed.len() as u64;
    let end = window.end.min(keyed.len());
    if end > 0 && end < keyed.len() {
        // Everything up to the window's last (block, remaining), ties included.
        keyed.select_nth_unstable_by_key(end - 1, |k| (k.0, k.1));
        let last = (keyed[end - 1].0, keyed[end - 1].1);
        keyed.retain(|k| (k.0, k.1) <= last);
    }
    let mut full: Vec<(u8, i64, i64, &Record)> = keyed
        .into_iter()
        .filter_map(|(block, rem, slot)| {
            let r = state.record(slot)?;
            Some((block, rem, since_of(r, filter, state.tally(slot).since), &**r))
        })
        .collect();
    full.sort_unstable_by(|a, b| (a.0, a.1, a.2, &*a.3.name).cmp(&(b.0, b.1, b.2, &*b.3.name)));
    let items = full
        .get(window.start.min(end)..end)
        .unwrap_or_default()
        .iter()
        .map(|&(block, remaining, since, r)| RankedItem {
            name: r.name.to_string(),
            status: r.transitions.last_status().unwrap_or_default().to_owned(),
            block,
            remaining: -remaining,
            since,
            standing: standing(r),
        })
        .collect();
    RankedSlice { items, matching, acked: acked_n }
}

/// Since when a workflow is in the state the list is about: stalled, idle, or its status.
fn since_of(r: &Record, filter: &Filter, status_since: i64) -> i64 {
    let since = if filter.stalled {
        r.stalled_since()
    } else if filter.facets.idle_days.is_some() {
        r.idle_since()
    } else {
        None
    };
    since.unwrap_or(status_since)
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
