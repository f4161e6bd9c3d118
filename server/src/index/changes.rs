//! "What changed since" from the index: one pass over the filter's workflows reading what
//! each record keeps (transitions, each dataset's last status change, stall and resume
//! times), then the deletions this replica saw, each checked against the filter as the
//! record was when it went (`query::holds`: a deleted workflow has no slot to look up).

use app::changes::{Changes, DatasetChange, Named, Transition};
use app::filter::Filter;

use super::query::{holds, matching};
use super::record::Record;
use super::state::State;

/// What changed among `filter`'s workflows from `since` to `now`.
pub fn changes(state: &State, filter: &Filter, since: i64, now: i64) -> Changes {
    let mut out = Changes { since, now, ..Changes::default() };
    for r in matching(state, filter, now) {
        record_changes(r, since, now, &mut out);
    }
    out.removed_known_since = state.removed().since().unwrap_or(now);
    out.removed = state
        .removed()
        .after(since)
        .filter(|(_, r)| holds(r, filter, now))
        .map(|(t, r)| Named { name: r.name.to_string(), time: *t })
        .collect();
    out.finish()
}

fn record_changes(r: &Record, since: i64, now: i64, out: &mut Changes) {
    let name = || r.name.to_string();
    let mut entries = r.transitions.iter();
    if let Some((_, created)) = r.transitions.first().filter(|(_, t)| *t >= since) {
        out.new.push(Named { name: name(), time: created });
    }
    let mut before = entries.next().map(|(s, _)| s);
    for (status, time) in entries {
        if time >= since {
            let from = before.unwrap_or_default().to_owned();
            out.transitions.push(Transition { name: name(), from, to: status.to_owned(), time });
        }
        before = Some(status);
    }
    for (i, d) in r.datasets.iter().enumerate() {
        // A dataset listed twice by the workflow is one dataset.
        if d.since < since || d.since == i64::MAX || r.datasets[..i].iter().any(|e| e.name == d.name) {
            continue;
        }
        if let Some(from) = &d.previous {
            let (dataset, to) = (d.name.to_string(), d.status.clone());
            out.datasets.push(DatasetChange { name: name(), dataset, from: from.clone(), to, time: d.since });
        }
    }
    if let Some(t) = r.stalled_since().filter(|t| *t >= since && now > *t) {
        out.stalled.push(Named { name: name(), time: t });
    }
    if let Some(t) = r.resumed_at().filter(|t| *t >= since) {
        out.resumed.push(Named { name: name(), time: t });
    }
}
