//! The analytics views from the index: the campaign × status table and the status-duration
//! histogram, each one pass over the filter's matching records (their transitions, campaign
//! keys and latest counts are in the record), never a document.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use app::analytics::{
    bin_of, edges, histogram, status_order, BinWorkflows, CampaignRow, CampaignTable, Cell, DurationHistogram,
    DurationQuery, LACKING_NAMES,
};
use app::filter::{FilterKey, RequestStatus, PAGE_SIZE};
use app::historical::{Contribution, HistoricalView};

use super::field::Field;
use super::query::{matching, matching_slots};
use super::record::Record;
use super::state::{Bits, Slot, State, BLOCK_NAMES};
use super::transitions::{Needle, OTHER};

/// A column of the campaign table: a workflow's current status, told by its status byte
/// (its text read from the record only for a status ReqMgr2 does not list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Column<'a> {
    None,
    Known(u8),
    Other(&'a str),
}

impl<'a> Column<'a> {
    fn of(state: &'a State, slot: Slot, code: Option<u8>) -> Column<'a> {
        match code {
            None => Column::None,
            Some(OTHER) => {
                let text = state.record(slot).and_then(|r| r.transitions.last_status());
                text.map_or(Column::None, Column::Other)
            }
            Some(code) => Column::Known(code),
        }
    }

    fn name(self) -> &'a str {
        match self {
            Column::None => "",
            Column::Known(code) => RequestStatus::ALL.get(usize::from(code)).map_or("", |s| s.as_str()),
            Column::Other(text) => text,
        }
    }
}

/// Cells by row and column.
type Rows<'a> = BTreeMap<&'a str, HashMap<Column<'a>, Cell>>;

/// The campaign (or priority block, `by_block`) × current status table of `filter`'s
/// workflows. Counts come from the per-slot tallies (one contiguous array) and the campaign
/// postings, so no record is read unless the filter itself needs it.
pub fn campaign_table(state: &State, q: &app::filter::Filter, by_block: bool, now: i64) -> CampaignTable {
    let everything = super::query::is_everything(q);
    let mut chosen = Bits::default();
    let mut table = CampaignTable::default();
    let mut columns: HashMap<Column<'_>, Cell> = HashMap::new();
    let mut count = |slot: Slot| {
        let t = state.tally(slot);
        columns.entry(Column::of(state, slot, t.status)).or_default().add(t.expected, t.done);
        table.total.add(t.expected, t.done);
    };
    if everything {
        state.slots_in_order().iter().for_each(|s| count(*s));
    } else {
        for slot in matching_slots(state, q, now) {
            chosen.set(slot, true);
            count(slot);
        }
    }
    let wanted = |slot: Slot| everything || chosen.get(slot);
    let (rows, with) = if by_block { block_rows(state, &wanted) } else { campaign_rows(state, &wanted) };
    let without = table.total.requests - with;
    finish(table, columns, rows, without)
}

/// One row per campaign, and how many workflows have one.
fn campaign_rows<'a>(state: &'a State, wanted: &dyn Fn(Slot) -> bool) -> (Rows<'a>, u64) {
    let mut rows: Rows<'a> = BTreeMap::new();
    let (mut has_campaign, mut with) = (Bits::default(), 0u64);
    for (campaign, posting) in state.values(Field::View(FilterKey::Campaign)) {
        let mut last = None;
        for &slot in posting.slots() {
            // A workflow listed twice by the view (repeats are adjacent) counts once.
            if last.replace(slot) == Some(slot) || !wanted(slot) {
                continue;
            }
            let t = state.tally(slot);
            let column = Column::of(state, slot, t.status);
            rows.entry(&**campaign).or_default().entry(column).or_default().add(t.expected, t.done);
            if !has_campaign.get(slot) {
                has_campaign.set(slot, true);
                with += 1;
            }
        }
    }
    (rows, with)
}

/// One row per pMp priority block: every workflow is in exactly one.
fn block_rows<'a>(state: &'a State, wanted: &dyn Fn(Slot) -> bool) -> (Rows<'a>, u64) {
    let mut rows: Rows<'a> = BTreeMap::new();
    let mut with = 0;
    for &slot in state.slots_in_order().iter().filter(|s| wanted(**s)) {
        let t = state.tally(slot);
        let block = BLOCK_NAMES[usize::from(t.block.min(7))];
        rows.entry(block).or_default().entry(Column::of(state, slot, t.status)).or_default().add(t.expected, t.done);
        with += 1;
    }
    (rows, with)
}

/// The table from its cells: columns in lifecycle order, rows in key order.
fn finish<'a>(
    mut table: CampaignTable,
    columns: HashMap<Column<'a>, Cell>,
    rows: Rows<'a>,
    without: u64,
) -> CampaignTable {
    table.without_campaign = without;
    let mut statuses: Vec<Column<'_>> = columns.keys().copied().collect();
    statuses.sort_by_key(|s| status_order(s.name()));
    table.column_totals = statuses.iter().map(|s| columns[s]).collect();
    table.rows = rows
        .into_iter()
        .map(|(campaign, by_status)| {
            row(campaign, statuses.iter().map(|s| by_status.get(s).copied().unwrap_or_default()).collect())
        })
        .collect();
    table.statuses = statuses.into_iter().map(|s| s.name().to_owned()).collect();
    table
}

fn row(campaign: &str, cells: Vec<Cell>) -> CampaignRow {
    let mut total = Cell::default();
    for c in &cells {
        total.requests += c.requests;
        total.expected = total.expected.saturating_add(c.expected);
        total.done = total.done.saturating_add(c.done);
    }
    CampaignRow { campaign: campaign.to_owned(), cells, total }
}

/// The times of the record's first `from` transition and of its first `to` transition after it.
fn span(r: &Record, (from, to): (Needle<'_>, Needle<'_>)) -> Option<(i64, i64)> {
    let (at, start) = r.transitions.find(from, 0)?;
    let (_, end) = r.transitions.find(to, at)?;
    Some((start, end))
}

/// Seconds from the record's first `from` transition to its first `to` transition after it.
fn duration(r: &Record, needles: (Needle<'_>, Needle<'_>)) -> Option<i64> {
    span(r, needles).map(|(start, end)| (end - start).max(0))
}

/// Each of `q`'s workflows with its duration, if it has one. A workflow whose transitions lack
/// one of the two statuses (its slot's tally says so) is passed over without reading it.
fn durations_of<'a>(
    state: &'a State,
    q: &'a DurationQuery,
    now: i64,
) -> impl Iterator<Item = (Slot, Option<i64>)> + 'a {
    let needles = (Needle::new(q.from.as_str()), Needle::new(q.to.as_str()));
    let wanted = needles.0.bit() | needles.1.bit();
    matching_slots(state, &q.filter, now).map(move |slot| {
        let has = state.tally(slot).statuses & wanted == wanted;
        (slot, has.then(|| state.record(slot).and_then(|r| duration(r, needles))).flatten())
    })
}

/// The histogram of the time `q`'s workflows took between its two statuses.
pub fn durations(state: &State, q: &DurationQuery, now: i64) -> DurationHistogram {
    let mut measured = Vec::new();
    let (mut lacking, mut names) = (0u64, Vec::new());
    for (slot, d) in durations_of(state, q, now) {
        match d {
            Some(d) => measured.push(d),
            None => {
                lacking += 1;
                if names.len() < LACKING_NAMES {
                    names.extend(state.record(slot).map(|r| r.name.to_string()));
                }
            }
        }
    }
    let mut h = histogram(measured, q.bins, q.scale);
    h.lacking = lacking;
    h.lacking_names = names;
    h
}

/// The workflows of bar `bin` of `q`'s histogram (the edges as [`durations`] draws them).
pub fn bin_workflows(state: &State, q: &DurationQuery, bin: usize, now: i64) -> BinWorkflows {
    let measured: Vec<(&Record, i64)> =
        durations_of(state, q, now).filter_map(|(slot, d)| Some((&**state.record(slot)?, d?))).collect();
    let (Some(min), Some(max)) = (measured.iter().map(|(_, d)| *d).min(), measured.iter().map(|(_, d)| *d).max())
    else {
        return BinWorkflows::default();
    };
    let edges = edges(min, max, q.bins, q.scale);
    let mut out = BinWorkflows::default();
    for (r, _) in measured.into_iter().filter(|(_, d)| bin_of(&edges, *d) == bin) {
        out.count += 1;
        if out.names.len() < PAGE_SIZE as usize {
            out.names.push(r.name.to_string());
        }
    }
    out
}

/// Every measured workflow of `q`'s histogram (of bar `bin` only, when given), in id order,
/// with the times of its two transitions: what the histogram's download lists, all of them.
pub fn spans(state: &State, q: &DurationQuery, bin: Option<usize>, now: i64) -> Vec<(Arc<Record>, i64, i64)> {
    let needles = (Needle::new(q.from.as_str()), Needle::new(q.to.as_str()));
    let all: Vec<(Arc<Record>, i64, i64)> =
        matching(state, &q.filter, now).filter_map(|r| span(r, needles).map(|(a, b)| (r.clone(), a, b))).collect();
    let Some(bin) = bin else { return all };
    let d = |(_, a, b): &(Arc<Record>, i64, i64)| (b - a).max(0);
    let (Some(min), Some(max)) = (all.iter().map(d).min(), all.iter().map(d).max()) else { return all };
    let edges = edges(min, max, q.bins, q.scale);
    all.into_iter().filter(|s| bin_of(&edges, d(s)) == bin).collect()
}

/// The historical (stacked) aggregate of `filter`'s workflows: pre-summed for every workflow
/// and each campaign, else from the matching records.
pub fn historical(state: &State, filter: &app::filter::Filter, bucket: i64, growing: bool, now: i64) -> HistoricalView {
    if let Some(v) = state.sums().historical(filter, bucket, growing) {
        return v;
    }
    // Lumisections are no events: those workflows are left out, and counted.
    let (lumi, events): (Vec<_>, Vec<_>) = matching(state, filter, now).partition(|r| r.lumi_mode);
    let parts: Vec<Contribution<_>> = events.into_iter().filter_map(|r| super::hist_sums::contribution(r)).collect();
    let view = app::historical::historical(parts.iter().cloned(), bucket, growing);
    HistoricalView { lumi_left_out: lumi.len() as u64, ..view }
}
