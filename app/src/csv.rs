//! CSV downloads of the tables and charts (RFC 4180: comma-separated, CRLF line ends, a
//! field quoted when it holds a comma, a quote or a line end, quotes doubled). A text field a
//! spreadsheet would run as a formula (starting with `=`, `+`, `-` or `@`) gets a leading `'`;
//! numbers are written as numbers. Pure, shared: the server streams them.

use std::fmt::Write;

use crate::analytics::{CampaignTable, Cell};
use crate::bars::PresentView;
use crate::format::utc_datetime;
use crate::historical::HistoricalView;
use crate::history::HistoryView;
use crate::rows::{DatasetRow, WorkflowRow};

/// Line end.
const END: &str = "\r\n";

/// Appends one text field.
pub fn text(out: &mut String, value: &str) {
    let guarded = value.starts_with(['=', '+', '-', '@']);
    let quoted = value.contains([',', '"', '\r', '\n']);
    if quoted {
        out.push('"');
    }
    if guarded {
        out.push('\'');
    }
    for c in value.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    if quoted {
        out.push('"');
    }
}

/// Appends fields separated by commas, then the line end.
fn line<'a>(out: &mut String, fields: impl IntoIterator<Item = Field<'a>>) {
    for (i, f) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match f {
            Field::Text(t) => text(out, t),
            Field::Owned(t) => text(out, &t),
            Field::Int(n) => {
                let _ = write!(out, "{n}");
            }
            Field::None => {}
        }
    }
    out.push_str(END);
}

/// One field of a line.
enum Field<'a> {
    Text(&'a str),
    Owned(String),
    Int(i64),
    None,
}

impl<'a> Field<'a> {
    fn opt_int(n: Option<i64>) -> Field<'a> {
        n.map_or(Field::None, Field::Int)
    }
}

/// The header of the workflow list's CSV.
pub const WORKFLOWS_HEADER: &str = "workflow,prepid,campaigns,type,status,status_since,priority,expected_events,dataset,tier,dataset_status,events,completion,forecast\r\n";

/// A dataset's completion (two decimals; 100 once force-completed) and outlook.
fn progress(row: &WorkflowRow, d: &DatasetRow) -> (String, String) {
    let perc = if row.force_completed.is_some() { Some(100.0) } else { d.completed_perc };
    let completion = perc.map(|p| format!("{p:.2}")).unwrap_or_default();
    let forecast = match d.forecast.map(|f| f.outlook(perc)) {
        Some(crate::forecast::Outlook::Eta(t)) => format!("ETA {} UTC", utc_datetime(t)),
        Some(o) => o.words().unwrap_or_default(),
        None => String::new(),
    };
    (completion, forecast)
}

/// The lines of one workflow: one per output dataset, the workflow's columns repeated; one
/// line with empty dataset columns when it has none.
pub fn workflow_lines(out: &mut String, row: &WorkflowRow) {
    let campaigns = row.campaigns.join(" ");
    let (status, since) = row.last_status.as_ref().map_or(("", None), |s| (s.status.as_str(), Some(s.time)));
    let since = since.map(utc_datetime).unwrap_or_default();
    let expected = if row.shows_lumis { row.total_input_lumis } else { Some(row.total_events) };
    let head = || {
        [
            Field::Text(&row.name),
            Field::Text(row.prepid.as_deref().unwrap_or("")),
            Field::Text(&campaigns),
            Field::Text(row.request_type.as_deref().unwrap_or("")),
            Field::Text(status),
            Field::Text(&since),
            Field::opt_int(row.priority),
            Field::opt_int(expected),
        ]
    };
    if row.datasets.is_empty() {
        line(out, head().into_iter().chain(std::iter::repeat_with(|| Field::None).take(6)));
        return;
    }
    for d in &row.datasets {
        let (completion, forecast) = progress(row, d);
        let count = if row.shows_lumis { d.lumis.or(Some(d.events)) } else { Some(d.events) };
        let tail = [
            Field::Text(&d.name),
            Field::Text(&d.datatier),
            Field::Text(d.status.as_str()),
            Field::opt_int(count),
            Field::Owned(completion),
            Field::Owned(forecast),
        ];
        line(out, head().into_iter().chain(tail));
    }
}

fn cells(fields: &mut Vec<Field<'_>>, c: Cell) {
    fields.extend([Field::Int(c.requests as i64), Field::Int(c.done), Field::Int(c.expected)]);
}

/// The campaign table as shown: per row and status its requests, produced and expected
/// events, then the row's total; a last line with the column totals.
pub fn campaigns(t: &CampaignTable, first: &str) -> String {
    let mut out = String::new();
    let mut head = vec![Field::Text(first)];
    for s in t.statuses.iter().map(String::as_str).chain(["total"]) {
        let s = if s.is_empty() { "no status" } else { s };
        head.extend(["requests", "produced", "expected"].map(|k| Field::Owned(format!("{s} {k}"))));
    }
    line(&mut out, head);
    for r in &t.rows {
        let mut fields = vec![Field::Text(&r.campaign)];
        r.cells.iter().for_each(|c| cells(&mut fields, *c));
        cells(&mut fields, r.total);
        line(&mut out, fields);
    }
    let mut fields = vec![Field::Text("all (each workflow once)")];
    t.column_totals.iter().for_each(|c| cells(&mut fields, *c));
    cells(&mut fields, t.total);
    line(&mut out, fields);
    out
}

/// The historical view: one line per bucket end.
pub fn historical(v: &HistoricalView) -> String {
    let mut out = String::from("time_utc,unix_time,expected,produced_not_valid,valid,invalid_or_deleted\r\n");
    for (i, t) in v.ends.iter().enumerate() {
        let at = |values: &[i64]| Field::Int(values.get(i).copied().unwrap_or(0));
        let time = Field::Owned(utc_datetime(*t));
        line(&mut out, [time, Field::Int(*t), at(&v.expected), at(&v.produced), at(&v.valid), at(&v.invalid)]);
    }
    out
}

/// The per-datatier aggregate: one line per bucket end, one column per datatier (events).
pub fn aggregate(v: &HistoryView) -> String {
    let mut out = String::new();
    let head = ["time_utc", "unix_time"].into_iter().map(Field::Text);
    line(&mut out, head.chain(v.series.iter().map(|s| Field::Text(&s.dataset))));
    let ends = v.series.first().map(|s| s.points.iter().map(|p| p.0).collect::<Vec<_>>()).unwrap_or_default();
    for (i, t) in ends.iter().enumerate() {
        let values = v.series.iter().map(|s| Field::opt_int(s.points.get(i).map(|p| p.1)));
        line(&mut out, [Field::Owned(utc_datetime(*t)), Field::Int(*t)].into_iter().chain(values));
    }
    out
}

/// The Present view: one line per bar part (one per bar without a stack), the folded bars as
/// "others".
pub fn present(v: &PresentView, group: &str, stack: Option<&str>, measure: &str) -> String {
    let mut out = String::new();
    line(&mut out, [Field::Text(group), Field::Text(stack.unwrap_or("part")), Field::Text(measure)]);
    let others = v.others.iter().map(|o| ("others", o.total, &o.parts));
    for (key, total, parts) in v.bars.iter().map(|b| (b.key.as_str(), b.total, &b.parts)).chain(others) {
        if parts.is_empty() {
            line(&mut out, [Field::Text(key), Field::None, Field::Int(total)]);
        }
        for p in parts {
            line(&mut out, [Field::Text(key), Field::Text(&p.key), Field::Int(p.value)]);
        }
    }
    out
}

/// One workflow of a duration histogram: its name, the two transition times and the seconds
/// between them.
pub fn duration_line(out: &mut String, name: &str, from: i64, to: i64) {
    line(
        out,
        [Field::Text(name), Field::Owned(utc_datetime(from)), Field::Owned(utc_datetime(to)), Field::Int(to - from)],
    );
}

#[cfg(test)]
mod tests;
