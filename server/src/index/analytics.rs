//! The analytics views from the index: the campaign × status table and the status-duration
//! histogram, each one pass over the filter's matching records (their transitions, campaign
//! keys and latest counts are in the record), never a document.

use std::collections::{BTreeMap, HashMap};

use app::analytics::{
    bin_of, edges, histogram, status_order, BinWorkflows, CampaignRow, CampaignTable, Cell, DurationHistogram,
    DurationQuery, LACKING_NAMES,
};
use app::filter::{FilterKey, PAGE_SIZE};

use super::field::Field;
use super::query::matching;
use super::record::Record;
use super::state::State;

/// A workflow's produced events: its largest output dataset's latest count.
fn done(r: &Record) -> i64 {
    r.datasets.iter().map(|d| d.events).max().unwrap_or(0)
}

/// The current status: the last transition's, or "" when it has none.
fn current_status(r: &Record) -> &str {
    r.transitions.last().map_or("", |(s, _)| s)
}

/// The campaign × current status table of `filter`'s workflows.
pub fn campaign_table(state: &State, q: &app::filter::Filter, now: i64) -> CampaignTable {
    let mut cells: BTreeMap<&str, HashMap<&str, Cell>> = BTreeMap::new();
    let mut columns: HashMap<&str, Cell> = HashMap::new();
    let mut table = CampaignTable::default();
    for r in matching(state, q, now) {
        let (status, expected, done) = (current_status(r), r.total_events, done(r));
        columns.entry(status).or_default().add(expected, done);
        table.total.add(expected, done);
        let mut campaigns: Vec<&str> = campaign_keys(r).collect();
        campaigns.sort_unstable();
        campaigns.dedup();
        if campaigns.is_empty() {
            table.without_campaign += 1;
        }
        for c in campaigns {
            cells.entry(c).or_default().entry(status).or_default().add(expected, done);
        }
    }
    let mut statuses: Vec<&str> = columns.keys().copied().collect();
    statuses.sort_by_key(|s| status_order(s));
    table.column_totals = statuses.iter().map(|s| columns[s]).collect();
    table.rows = cells
        .into_iter()
        .map(|(campaign, by_status)| {
            let row: Vec<Cell> = statuses.iter().map(|s| by_status.get(s).copied().unwrap_or_default()).collect();
            let mut total = Cell::default();
            for c in &row {
                total.requests += c.requests;
                total.expected = total.expected.saturating_add(c.expected);
                total.done = total.done.saturating_add(c.done);
            }
            CampaignRow { campaign: campaign.to_owned(), cells: row, total }
        })
        .collect();
    table.statuses = statuses.into_iter().map(str::to_owned).collect();
    table
}

/// The campaign keys the campaign filter matches a record by.
fn campaign_keys(r: &Record) -> impl Iterator<Item = &str> {
    r.keys.iter().filter(|(f, _)| *f == Field::View(FilterKey::Campaign)).map(|(_, v)| &**v)
}

/// Seconds from the record's first `from` transition to its first `to` transition after it.
fn duration(r: &Record, q: &DurationQuery) -> Option<i64> {
    let (from, to) = (q.from.as_str(), q.to.as_str());
    let start = r.transitions.iter().position(|(s, _)| &**s == from)?;
    let end = r.transitions[start..].iter().find(|(s, _)| &**s == to)?;
    Some((end.1 - r.transitions[start].1).max(0))
}

/// The histogram of the time `q`'s workflows took between its two statuses.
pub fn durations(state: &State, q: &DurationQuery, now: i64) -> DurationHistogram {
    let mut measured = Vec::new();
    let (mut lacking, mut names) = (0u64, Vec::new());
    for r in matching(state, &q.filter, now) {
        match duration(r, q) {
            Some(d) => measured.push(d),
            None => {
                lacking += 1;
                if names.len() < LACKING_NAMES {
                    names.push(r.name.to_string());
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
        matching(state, &q.filter, now).filter_map(|r| Some((&**r, duration(r, q)?))).collect();
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
