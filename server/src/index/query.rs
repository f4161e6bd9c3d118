//! Answers from the index: a page of a filter's workflows with the exact number that match,
//! every match of a filter (for aggregates), and the search probe. Each answer walks the
//! smallest list that can hold the matches (a posting, the stalled set, or every workflow),
//! in id order like the store's views, and never reads a document.

use std::sync::Arc;

use app::filter::{glob_matches, is_pattern, literal_prefix, Filter, FilterKey, Sort};

use super::changed::{changed_slots, record_changed};
use super::field::Field;
use super::intern::Sym;
use super::keys::Keys;
use super::record::Record;
use super::state::{Bits, Posting, Slot, State, Tally};

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

/// One constraint of a filter: a field and its alternatives (OR), each value exact or a
/// wildcard pattern. Legacy parameters have one alternative; `status`, `pwg` and `tier` as
/// many as the URL repeats them.
#[derive(Debug, Clone)]
pub struct Constraint<'a> {
    /// The field.
    pub field: Field,
    /// Its alternatives.
    pub values: Vec<&'a str>,
}

impl<'a> Constraint<'a> {
    fn new(field: Field, values: Vec<&'a str>) -> Self {
        Constraint { field, values }
    }

    /// The one exact value, when there is exactly one.
    fn exact(&self) -> Option<&'a str> {
        match self.values.as_slice() {
            [v] if !is_pattern(v) => Some(v),
            _ => None,
        }
    }
}

/// Every constraint on a field of the index: the legacy parameters that count (A3 or
/// `match=all`) and the analytics filters (the priority range is checked on the record).
pub fn constraints(filter: &Filter) -> Vec<Constraint<'_>> {
    let mut out: Vec<Constraint<'_>> =
        filter.required().into_iter().map(|(k, v)| Constraint::new(Field::View(k), vec![v])).collect();
    let f = &filter.facets;
    if !f.status.is_empty() {
        out.push(Constraint::new(Field::Status, f.status.iter().map(|s| s.as_str()).collect()));
    }
    for (field, values) in [(Field::Pwg, &f.pwg), (Field::Tier, &f.tier)] {
        if !values.is_empty() {
            out.push(Constraint::new(field, values.iter().map(String::as_str).collect()));
        }
    }
    if !f.dataset_status.is_empty() {
        out.push(Constraint::new(Field::DatasetStatus, f.dataset_status.iter().map(|s| s.as_str()).collect()));
    }
    if f.idle_days.is_some() {
        out.push(Constraint::new(Field::Idle, vec![super::field::IDLE]));
    }
    out
}

/// The smallest list holding every match, and the constraint it comes from (which then
/// holds for every candidate).
fn source<'a>(state: &'a State, filter: &Filter, cs: &[Constraint<'a>]) -> (Source<'a>, Option<usize>) {
    let mut best = (Source::All, state.len(), None);
    let mut consider = |s: Source<'a>, n: usize, from: Option<usize>| {
        if n < best.1 || matches!(s, Source::Nothing) {
            best = (s, n, from);
        }
    };
    for (i, c) in cs.iter().enumerate() {
        let Some(value) = c.exact() else { continue };
        match c.field {
            Field::View(FilterKey::WorkflowName) => consider(Source::One(value), 1, Some(i)),
            field => match state.posting(field, value) {
                Some(p) => consider(Source::Slots(p.slots()), p.slots().len(), Some(i)),
                None => consider(Source::Nothing, 0, Some(i)),
            },
        }
    }
    if filter.stalled {
        consider(Source::Stalled, state.stalled().len(), None);
    }
    (best.0, best.2)
}

fn candidates<'a>(state: &'a State, src: Source<'a>) -> Box<dyn Iterator<Item = Slot> + 'a> {
    match src {
        Source::All => Box::new(state.slots_in_order().iter().copied()),
        Source::One(name) => Box::new(state.slot_of(name).into_iter()),
        Source::Slots(slots) => Box::new(slots.iter().copied()),
        Source::Stalled => Box::new(state.stalled().values().copied()),
        Source::Nothing => Box::new(std::iter::empty()),
    }
}

/// A constraint, resolved against the index.
enum Need<'a> {
    Name(&'a str),
    /// Workflow names against alternatives or patterns.
    Names(Vec<&'a str>),
    /// A dense posting: a bit test on the slot decides, without reading the record.
    Bits(&'a Posting),
    /// The union of the postings of every value an alternative matches, by slot.
    Set(Bits),
    Key(Field, &'a Sym),
    /// No workflow has this value.
    Unknown,
}

impl<'a> Need<'a> {
    fn resolve(state: &'a State, c: Constraint<'a>) -> Need<'a> {
        let (field, one) = (c.field, c.exact());
        let values = c.values;
        match (field, one) {
            (Field::View(FilterKey::WorkflowName), Some(name)) => Need::Name(name),
            (Field::View(FilterKey::WorkflowName), None) => Need::Names(values),
            (_, Some(value)) => match (state.posting(field, value), state.key_text(field, value)) {
                (Some(p), _) if p.has_bits() => Need::Bits(p),
                (_, Some(text)) => Need::Key(field, text),
                _ => Need::Unknown,
            },
            (_, None) => Self::union(state, field, &values),
        }
    }

    /// Every workflow holding a value of `field` that one of `values` matches.
    fn union(state: &State, field: Field, values: &[&str]) -> Need<'a> {
        let mut bits = Bits::default();
        let mut any = false;
        for pattern in values {
            for (value, posting) in state.values_from(field, literal_prefix(pattern)) {
                if glob_matches(pattern, value) {
                    posting.slots().iter().for_each(|s| bits.set(*s, true));
                    any = true;
                }
            }
        }
        if any {
            Need::Set(bits)
        } else {
            Need::Unknown
        }
    }

    /// Whether deciding needs the record.
    fn reads(&self) -> bool {
        matches!(self, Need::Name(_) | Need::Names(_) | Need::Key(..))
    }

    /// Whether `slot` passes, when that can be told without its record.
    fn by_slot(&self, slot: Slot) -> Option<bool> {
        match self {
            Need::Bits(p) => p.holds(slot),
            Need::Set(bits) => Some(bits.get(slot)),
            Need::Unknown => Some(false),
            _ => None,
        }
    }

    fn holds(&self, r: &Record) -> bool {
        match self {
            Need::Name(n) => &*r.name == *n,
            Need::Names(patterns) => patterns.iter().any(|p| glob_matches(p, &r.name)),
            Need::Key(k, text) => Keys::of(r).has(*k, text),
            Need::Bits(_) | Need::Set(_) => true,
            Need::Unknown => false,
        }
    }
}

/// The slot of every workflow the filter matches, each once, in id order. Constraints that
/// can be decided on the slot (dense postings, unions) are; a record is read only for the
/// others, the priority range and the stalled flag.
pub fn matching_slots<'a>(state: &'a State, filter: &'a Filter, now: i64) -> impl Iterator<Item = Slot> + 'a {
    let mut cs = constraints(filter);
    let (src, from) = source(state, filter, &cs);
    // The constraint the candidates come from holds for all of them: not checked again.
    if let Some(i) = from {
        cs.remove(i);
    }
    let mut need: Vec<Need<'a>> = cs.into_iter().map(|c| Need::resolve(state, c)).collect();
    need.extend(changed_slots(state, &filter.facets, now).map(Need::Set));
    let facets = &filter.facets;
    let ranged = facets.priority_min.is_some() || facets.priority_max.is_some();
    // Priority blocks, the time in the current status and since when a workflow is idle are
    // in the slot's tally: no record read.
    let pmp = facets.has_pmp();
    let idle_before = facets.idle_days.map(|d| now.saturating_sub(i64::from(d) * 86_400));
    // Candidates from the stalled set are stalled (the set is brought up to `now` first).
    let stalled_unknown = filter.stalled && !matches!(src, Source::Stalled);
    let read = stalled_unknown || ranged || need.iter().any(Need::reads);
    let mut last: Option<Slot> = None;
    candidates(state, src).filter(move |&slot| {
        let repeat = last == Some(slot);
        last = Some(slot);
        if repeat || need.iter().any(|n| n.by_slot(slot) == Some(false)) {
            return false;
        }
        if pmp || idle_before.is_some() {
            let t = state.tally(slot);
            let idle_ok = idle_before.is_none_or(|b| t.idle_since().is_some_and(|i| i <= b));
            if !idle_ok || pmp && !facets.pmp_holds(t.block, t.status_since(), now) {
                return false;
            }
        }
        !read || state.record(slot).is_some_and(|r| need.iter().all(|n| n.holds(r)) && record_holds(r, filter, now))
    })
}

/// Whether `filter` matches a record, without its slot (a deleted workflow has none, and a
/// single workflow needs no walk): the constraints the slots answer, asked of its own keys.
pub fn holds(r: &Record, filter: &Filter, now: i64) -> bool {
    let keys_hold = constraints(filter).iter().all(|c| {
        Keys::of(r)
            .any(|field, value| field == c.field && c.values.iter().any(|want| glob_matches(want, value.as_str())))
    });
    let f = &filter.facets;
    let pmp_ok = !f.has_pmp() || {
        let tally = Tally::of(r);
        f.pmp_holds(tally.block, tally.status_since(), now)
    };
    keys_hold && pmp_ok && record_holds(r, filter, now) && record_changed(r, f, now)
}

/// What a filter asks of a record itself: the priority range, stalled, and (for `idle_days`)
/// assigned before then and still without events.
pub fn record_holds(r: &Record, filter: &Filter, now: i64) -> bool {
    let idle_before = filter.facets.idle_days.map(|d| now.saturating_sub(i64::from(d) * 86_400));
    filter.facets.priority_holds(r.priority())
        && (!filter.stalled || r.is_stalled(now))
        && idle_before.is_none_or(|b| r.idle_since().is_some_and(|t| t <= b))
}

/// Whether the filter matches every workflow (no constraint at all).
pub fn is_everything(filter: &Filter) -> bool {
    filter.required().is_empty() && filter.facets.is_empty() && !filter.stalled
}

/// Whether the filter is "stalled only": the stalled set is then the answer itself.
fn stalled_only(filter: &Filter) -> bool {
    filter.stalled && constraints(filter).is_empty() && filter.facets.is_empty()
}

/// How many workflows the filter matches. "Stalled only" is the stalled set's size, which
/// is kept as such (the alerts ask for it on every page).
pub fn count(state: &State, filter: &Filter, now: i64) -> u64 {
    if stalled_only(filter) {
        return state.stalled().len() as u64;
    }
    matching_slots(state, filter, now).count() as u64
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
    let mut out = window(state, filter, start, size, now);
    if filter.sorts_by_date() {
        by_date(&mut out.records);
    }
    out
}

/// A4: a page in the names' date and time order.
fn by_date(page: &mut [Arc<Record>]) {
    page.sort_by_cached_key(|r| crate::listing::date_time_key_of(r.sort_name()));
}

/// Every row of every page of the filter, in the order the pages show them (A4 sorts each
/// page on its own, as the list always did): what a download of the whole list holds.
pub fn every_row(state: &State, filter: &Filter, now: i64) -> Vec<Arc<Record>> {
    let mut all = window(state, filter, 0, usize::MAX, now).records;
    if filter.sorts_by_date() {
        all.chunks_mut(filter.size() as usize).for_each(by_date);
    }
    all
}

fn window(state: &State, filter: &Filter, start: usize, size: usize, now: i64) -> Page {
    if filter.is_combined() {
        combined_page(state, filter, start, size, now)
    } else {
        view_page(state, filter, start, size)
    }
}

fn records(state: &State, slots: impl Iterator<Item = Slot>) -> Vec<Arc<Record>> {
    slots.filter_map(|s| state.record(s)).cloned().collect()
}

fn combined_page(state: &State, filter: &Filter, start: usize, size: usize, now: i64) -> Page {
    if let Some(sort) = filter.sort {
        return sorted_page(state, filter, sort, start, size, now);
    }
    // Stalled only: the stalled set is the answer, counted and paged without a walk.
    if stalled_only(filter) {
        let set = state.stalled();
        let records = set.values().skip(start).take(size).filter_map(|s| state.record(*s)).cloned().collect();
        return Page { records, matching: set.len() as u64, has_next: set.len() > start.saturating_add(size) };
    }
    let mut matching = 0usize;
    let mut slots = Vec::with_capacity(size.min(4096));
    for slot in matching_slots(state, filter, now) {
        if matching >= start && slots.len() < size {
            slots.push(slot);
        }
        matching += 1;
    }
    let records = records(state, slots.into_iter());
    Page { records, matching: matching as u64, has_next: matching > start.saturating_add(size) }
}

/// Where a workflow goes in `sort`'s order: smaller first; those without the value last.
fn rank(sort: Sort, t: &Tally) -> i64 {
    match sort {
        Sort::StatusAge => t.status_since().unwrap_or(i64::MAX),
        Sort::Priority if t.priority == i64::MIN => i64::MAX,
        Sort::Priority => t.priority.saturating_neg(),
        Sort::Completion => t.completion().unwrap_or(i64::MAX),
    }
}

/// A page in `sort`'s order, ties in id order: every match ranked from its tally (no record
/// read), then only the rows up to the page's end put in order.
fn sorted_page(state: &State, filter: &Filter, sort: Sort, start: usize, size: usize, now: i64) -> Page {
    let mut ranked: Vec<(i64, u32, Slot)> = matching_slots(state, filter, now)
        .enumerate()
        .map(|(i, s)| (rank(sort, &state.tally(s)), i as u32, s))
        .collect();
    let matching = ranked.len();
    let end = start.saturating_add(size).min(matching);
    if start >= end {
        return Page { records: Vec::new(), matching: matching as u64, has_next: false };
    }
    if end < matching {
        ranked.select_nth_unstable(end);
        ranked.truncate(end);
    }
    ranked.sort_unstable();
    let records = records(state, ranked[start..end].iter().map(|(_, _, s)| *s));
    Page { records, matching: matching as u64, has_next: matching > end }
}

fn view_page(state: &State, filter: &Filter, start: usize, size: usize) -> Page {
    let window = |it: &mut dyn Iterator<Item = Slot>| records(state, it.skip(start).take(size));
    let (records, matching, rows) = match filter.primary() {
        None => (window(&mut state.slots_in_order().iter().copied()), state.len(), state.len()),
        // A3: a direct read, the page ignored.
        Some((FilterKey::WorkflowName, name)) => {
            let r: Vec<_> = state.get(name).cloned().into_iter().collect();
            let n = r.len();
            (r, n, n)
        }
        Some((key, value)) => match state.posting(key, value) {
            Some(p) => (window(&mut p.slots().iter().copied()), p.distinct(), p.slots().len()),
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
