//! "What changed since" from the index: one pass over the filter's workflows reading what
//! each record keeps (transitions, each dataset's last status change, stall and resume
//! times), then the deletions this replica saw, each checked against the filter as the
//! record was when it went (`query::holds`: a deleted workflow has no slot to look up).

use app::changes::{Changes, DatasetChange, Named, Transition, LIST_CAP};
use app::filter::Filter;

use super::newest::Newest;
use super::query::{holds, matching};
use super::record::Record;
use super::state::State;

/// The lists of one walk, each bounded to what the answer shows, every entry counted.
struct Lists<'a> {
    new: Newest<'a, &'a Record>,
    transitions: Newest<'a, (&'a Record, &'a str, &'a str, i64)>,
    datasets: Newest<'a, (&'a Record, usize)>,
    stalled: Newest<'a, &'a Record>,
    resumed: Newest<'a, &'a Record>,
}

/// What changed among `filter`'s workflows from `since` to `now`.
pub fn changes(state: &State, filter: &Filter, since: i64, now: i64) -> Changes {
    let mut lists = Lists {
        new: Newest::new(LIST_CAP),
        transitions: Newest::new(LIST_CAP),
        datasets: Newest::new(LIST_CAP),
        stalled: Newest::new(LIST_CAP),
        resumed: Newest::new(LIST_CAP),
    };
    for r in matching(state, filter, now) {
        record_changes(r, since, now, &mut lists);
    }
    let removed = state
        .removed()
        .after(since)
        .filter(|(_, r)| holds(r, filter, now))
        .map(|(t, r)| Named { name: r.name.to_string(), time: *t })
        .collect();
    answer(lists, removed, (since, now), state.removed().since().unwrap_or(now))
}

/// The answer: the kept entries made into text, ordered and counted.
fn answer(l: Lists<'_>, removed: Vec<Named>, (since, now): (i64, i64), removed_known_since: i64) -> Changes {
    let named = |r: &Record, time: i64| Named { name: r.name.to_string(), time };
    let seen = [l.new.seen(), l.transitions.seen(), l.datasets.seen(), l.stalled.seen(), l.resumed.seen()];
    let mut out = Changes {
        since,
        now,
        removed_known_since,
        removed,
        new: l.new.into_sorted(|r| named(r, r.transitions.first().map_or(0, |(_, t)| t))),
        transitions: l.transitions.into_sorted(|(r, from, to, time)| Transition {
            name: r.name.to_string(),
            from: from.to_owned(),
            to: to.to_owned(),
            time,
        }),
        datasets: l.datasets.into_sorted(|(r, i)| {
            let d = &r.datasets[i];
            let (dataset, from, to) =
                (d.name.to_string(), d.previous.clone().unwrap_or(d.status.clone()), d.status.clone());
            DatasetChange { name: r.name.to_string(), dataset, from, to, time: d.since }
        }),
        stalled: l.stalled.into_sorted(|r| named(r, r.stalled_since().unwrap_or(0))),
        resumed: l.resumed.into_sorted(|r| named(r, r.resumed_at().unwrap_or(0))),
        ..Changes::default()
    }
    .finish();
    [out.counts.new, out.counts.transitions, out.counts.datasets, out.counts.stalled, out.counts.resumed] = seen;
    out
}

fn record_changes<'a>(r: &'a Record, since: i64, now: i64, l: &mut Lists<'a>) {
    let mut entries = r.transitions.iter();
    if let Some((_, created)) = r.transitions.first().filter(|(_, t)| *t >= since) {
        l.new.offer(created, &r.name, r);
    }
    let mut before = entries.next().map(|(s, _)| s);
    for (status, time) in entries {
        if time >= since {
            l.transitions.offer(time, &r.name, (r, before.unwrap_or_default(), status, time));
        }
        before = Some(status);
    }
    for (i, d) in r.datasets.iter().enumerate() {
        // A dataset listed twice by the workflow is one dataset.
        if d.since < since || d.since == i64::MAX || r.datasets[..i].iter().any(|e| e.name == d.name) {
            continue;
        }
        if d.previous.is_some() {
            l.datasets.offer(d.since, &d.name, (r, i));
        }
    }
    if let Some(t) = r.stalled_since().filter(|t| *t >= since && now > *t) {
        l.stalled.offer(t, &r.name, r);
    }
    if let Some(t) = r.resumed_at().filter(|t| *t >= since) {
        l.resumed.offer(t, &r.name, r);
    }
}
