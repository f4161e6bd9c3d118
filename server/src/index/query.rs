//! Answers from the index: a page of a filter's workflows with the exact number that match,
//! every match of a filter (for aggregates), and the search probe. Each answer walks the
//! smallest list that can hold the matches (a posting, the stalled set, or every workflow),
//! in id order like the store's views, and never reads a document.

use std::sync::Arc;

use app::filter::{Filter, FilterKey};

use super::intern::Sym;
use super::record::Record;
use super::state::{Posting, Slot, State};

/// One page and the counts around it.
pub struct Page {
    /// The page's records, in display order.
    pub records: Vec<Arc<Record>>,
    /// Distinct workflows matching the filter.
    pub matching: u64,
    /// Whether rows follow this page.
    pub has_next: bool,
}

/// Where the candidates of a filter come from.
enum Source<'a> {
    All,
    One(&'a str),
    Slots(&'a [Slot]),
    Stalled,
    Nothing,
}

/// The parameters a workflow must match: all of them with `match=all`, else the one that
/// wins by A3's precedence.
pub fn required(filter: &Filter) -> Vec<(FilterKey, &str)> {
    if filter.match_all {
        filter.active().collect()
    } else {
        filter.primary().into_iter().collect()
    }
}

/// The smallest list holding every match, its length, and the parameter it comes from.
fn source<'a>(state: &'a State, filter: &'a Filter) -> (Source<'a>, usize, Option<(FilterKey, &'a str)>) {
    let mut best = (Source::All, state.len(), None);
    let mut consider = |s: Source<'a>, n: usize, from: Option<(FilterKey, &'a str)>| {
        if n < best.1 || matches!(s, Source::Nothing) {
            best = (s, n, from);
        }
    };
    for (key, value) in required(filter) {
        let from = Some((key, value));
        match key {
            FilterKey::WorkflowName => consider(Source::One(value), 1, from),
            _ => match state.posting(key, value) {
                Some(p) => consider(Source::Slots(&p.slots), p.slots.len(), from),
                None => consider(Source::Nothing, 0, from),
            },
        }
    }
    if filter.stalled {
        consider(Source::Stalled, state.stalls.stalled.len(), None);
    }
    best
}

fn candidates<'a>(state: &'a State, src: Source<'a>) -> Box<dyn Iterator<Item = Slot> + 'a> {
    match src {
        Source::All => Box::new(state.order.slots.iter().copied()),
        Source::One(name) => Box::new(state.slot_of(name).into_iter()),
        Source::Slots(slots) => Box::new(slots.iter().copied()),
        Source::Stalled => Box::new(state.stalls.stalled.iter().filter_map(|n| state.slot_of(n))),
        Source::Nothing => Box::new(std::iter::empty()),
    }
}

/// A required parameter, resolved against the index.
enum Need<'a> {
    Name(&'a str),
    /// A dense posting: a bit test on the slot decides, without reading the record.
    Bits(&'a Posting),
    Key(FilterKey, &'a Sym),
    /// No workflow has this value.
    Unknown,
}

impl<'a> Need<'a> {
    fn resolve(state: &'a State, key: FilterKey, value: &'a str) -> Need<'a> {
        if key == FilterKey::WorkflowName {
            return Need::Name(value);
        }
        match (state.posting(key, value), state.key_text(key, value)) {
            (Some(p), _) if p.has_bits() => Need::Bits(p),
            (_, Some(text)) => Need::Key(key, text),
            _ => Need::Unknown,
        }
    }

    /// Whether deciding needs the record.
    fn reads(&self) -> bool {
        matches!(self, Need::Name(_) | Need::Key(..))
    }

    /// Whether `slot` passes, when that can be told without its record.
    fn by_slot(&self, slot: Slot) -> Option<bool> {
        match self {
            Need::Bits(p) => p.holds(slot),
            Need::Unknown => Some(false),
            _ => None,
        }
    }

    fn holds(&self, r: &Record) -> bool {
        match self {
            Need::Name(n) => &*r.name == *n,
            Need::Key(k, text) => r.has_key(*k, text),
            Need::Bits(_) => true,
            Need::Unknown => false,
        }
    }
}

/// The slot of every workflow the filter matches, each once, in id order. Parameters whose
/// postings keep bits are checked on the slot; a record is read only for the others.
pub fn matching_slots<'a>(state: &'a State, filter: &'a Filter, now: i64) -> impl Iterator<Item = Slot> + 'a {
    let (src, _, from) = source(state, filter);
    // The parameter the candidates come from holds for all of them: not checked again.
    let need: Vec<Need<'a>> =
        required(filter).into_iter().filter(|kv| from != Some(*kv)).map(|(k, v)| Need::resolve(state, k, v)).collect();
    let read = filter.stalled || need.iter().any(Need::reads);
    let mut last: Option<Slot> = None;
    candidates(state, src).filter(move |&slot| {
        let repeat = last == Some(slot);
        last = Some(slot);
        if repeat || need.iter().any(|n| n.by_slot(slot) == Some(false)) {
            return false;
        }
        !read
            || state
                .record(slot)
                .is_some_and(|r| need.iter().all(|n| n.holds(r)) && (!filter.stalled || r.is_stalled(now)))
    })
}

/// Every workflow the filter matches, each once, in id order.
pub fn matching<'a>(state: &'a State, filter: &'a Filter, now: i64) -> impl Iterator<Item = &'a Arc<Record>> + 'a {
    matching_slots(state, filter, now).filter_map(|s| state.record(s))
}

/// Page `page` of the filter (A2–A4, S7): legacy single-parameter listings page over the
/// view's rows (a workflow listed twice by a view shows twice, as it always did); combined
/// filters page over distinct workflows. A4 sorts each page by the names' date and time.
pub fn page(state: &State, filter: &Filter, page: u32, now: i64) -> Page {
    let size = filter.size() as usize;
    let start = (page as usize).saturating_mul(size);
    let mut out = if filter.is_combined() {
        combined_page(state, filter, start, size, now)
    } else {
        view_page(state, filter, start, size)
    };
    if filter.sorts_by_date() {
        out.records.sort_by_cached_key(|r| crate::listing::date_time_key_of(r.sort_name()));
    }
    out
}

fn records(state: &State, slots: impl Iterator<Item = Slot>) -> Vec<Arc<Record>> {
    slots.filter_map(|s| state.record(s)).cloned().collect()
}

fn combined_page(state: &State, filter: &Filter, start: usize, size: usize, now: i64) -> Page {
    // Stalled only: the stalled set is the answer, counted and paged without a walk.
    if filter.stalled && required(filter).is_empty() {
        let set = &state.stalls.stalled;
        let records = set.iter().skip(start).take(size).filter_map(|n| state.get(n)).cloned().collect();
        return Page { records, matching: set.len() as u64, has_next: set.len() > start.saturating_add(size) };
    }
    let mut matching = 0usize;
    let mut slots = Vec::with_capacity(size);
    for slot in matching_slots(state, filter, now) {
        if matching >= start && slots.len() < size {
            slots.push(slot);
        }
        matching += 1;
    }
    let records = records(state, slots.into_iter());
    Page { records, matching: matching as u64, has_next: matching > start.saturating_add(size) }
}

fn view_page(state: &State, filter: &Filter, start: usize, size: usize) -> Page {
    let window = |it: &mut dyn Iterator<Item = Slot>| records(state, it.skip(start).take(size));
    let (records, matching, rows) = match filter.primary() {
        None => (window(&mut state.order.slots.iter().copied()), state.len(), state.len()),
        // A3: a direct read, the page ignored.
        Some((FilterKey::WorkflowName, name)) => {
            let r: Vec<_> = state.get(name).cloned().into_iter().collect();
            let n = r.len();
            (r, n, n)
        }
        Some((key, value)) => match state.posting(key, value) {
            Some(p) => (window(&mut p.slots.iter().copied()), p.distinct, p.slots.len()),
            None => (Vec::new(), 0, 0),
        },
    };
    let direct = matches!(filter.primary(), Some((FilterKey::WorkflowName, _)));
    Page { records, matching: matching as u64, has_next: !direct && rows > start.saturating_add(size) }
}

/// A14's probe: the first parameter whose view knows `q`, in the original's order (A3's
/// precedence without `workflow_name`).
pub fn probe(state: &State, q: &str) -> Option<FilterKey> {
    FilterKey::ALL[1..].iter().copied().find(|k| state.posting(*k, q).is_some())
}
