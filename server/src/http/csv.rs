//! CSV downloads of every table and chart: `GET <base>/csv/<view>?<the view's own query>`
//! (`workflows`, `campaigns`, `durations`, `historical`, `aggregate`, `present`), as the view
//! shows them, with a file name that says the view, the filter and the time. The workflow
//! list is every matching workflow, not a page: its rows are written a few hundred at a
//! time from the index's shared records, so 200,000 of them never sit in memory as text.

use std::sync::Arc;

use app::bar_chart::Params;
use app::filter::Filter;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::gate::Gate;
use crate::index::{NotReady, Record, SummaryIndex};

/// Rows written per piece of the workflow list's answer.
const ROWS_PER_PIECE: usize = 256;

/// What the downloads read.
#[derive(Clone)]
struct Csv {
    index: Arc<SummaryIndex>,
    /// The bound on answers of many rows (shared with `/api/fetch` and `/md`).
    bulk: Arc<Gate>,
}

/// The download routes.
pub fn routes(index: Arc<SummaryIndex>, bulk: Arc<Gate>) -> Router {
    Router::new().route("/csv/{view}", get(download)).with_state(Csv { index, bulk })
}

/// Why a download has no CSV.
enum Refused {
    /// The query does not parse (400).
    Bad(String),
    /// The index has not caught up yet (503).
    NotReady,
    /// Too many large answers at once (503).
    Busy,
    /// No such view (404).
    Unknown,
    /// Making it failed on the server (500: a bug, not worth asking again).
    Failed(String),
}

impl From<NotReady> for Refused {
    fn from(_: NotReady) -> Self {
        Refused::NotReady
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Refused::Bad(m) => (StatusCode::BAD_REQUEST, format!("{m}\n")).into_response(),
            Refused::NotReady => super::not_ready(),
            Refused::Busy => {
                let retry = [(header::RETRY_AFTER, "5")];
                (StatusCode::SERVICE_UNAVAILABLE, retry, "Too many large downloads at once; try again shortly.\n")
                    .into_response()
            }
            Refused::Unknown => (StatusCode::NOT_FOUND, "No such view to download.\n").into_response(),
            Refused::Failed(m) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{m}\n")).into_response(),
        }
    }
}

/// The file name: `stats2-<view>[-<filter>]-<UTC time>.csv`, the filter reduced to characters
/// every file system and header takes.
fn file_name(view: &str, query: &str, now: i64) -> String {
    let slug: String =
        query.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).take(80).collect();
    let time: String = app::format::utc_datetime(now).chars().filter(char::is_ascii_digit).collect();
    let filter = if slug.is_empty() { String::new() } else { format!("-{slug}") };
    format!("stats2-{view}{filter}-{time}.csv")
}

fn attachment(name: &str, body: Body) -> Response {
    let disposition = format!("attachment; filename=\"{name}\"");
    let headers =
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, disposition)];
    (headers, body).into_response()
}

fn bad(e: impl std::fmt::Display) -> Refused {
    Refused::Bad(e.to_string())
}

async fn download(State(c): State<Csv>, Path(view): Path<String>, RawQuery(query): RawQuery) -> Response {
    let query = query.unwrap_or_default();
    let now = crate::clock::now();
    let name = file_name(&view, &query, now);
    if view == "workflows" {
        return workflows(c, &query, now, &name).await.unwrap_or_else(IntoResponse::into_response);
    }
    match table(c, view, query, now).await {
        Ok(text) => attachment(&name, Body::from(text)),
        Err(e) => e.into_response(),
    }
}

/// A view's CSV, made on the blocking pool (each walks the index) under the bound on large
/// answers.
async fn table(c: Csv, view: String, query: String, now: i64) -> Result<String, Refused> {
    let _pass = c.bulk.enter().await.map_err(|_| Refused::Busy)?;
    let made = tokio::task::spawn_blocking(move || match view.as_str() {
        "campaigns" => campaigns(&c, &query, now),
        "durations" => durations(&c, &query, now),
        "historical" | "aggregate" => charts(&c, &view, &query, now),
        "present" => present(&c, &query, now),
        _ => Err(Refused::Unknown),
    });
    made.await.map_err(|e| Refused::Failed(format!("the download failed: {e}")))?
}

/// Every matching workflow, one line per output dataset, streamed a piece at a time under
/// the bound on large answers.
async fn workflows(c: Csv, query: &str, now: i64, name: &str) -> Result<Response, Refused> {
    let filter = Filter::from_query(query).map_err(bad)?;
    let pass = c.bulk.enter().await.map_err(|_| Refused::Busy)?;
    let index = c.index.clone();
    let rows = tokio::task::spawn_blocking(move || index.every_row(&filter, now))
        .await
        .map_err(|e| Refused::Failed(format!("the list failed: {e}")))??;
    let pieces = Pieces { rows, at: 0, now, header: true, _pass: pass };
    let stream = futures::stream::iter(pieces.map(Ok::<Bytes, std::convert::Infallible>));
    Ok(attachment(name, Body::from_stream(stream)))
}

/// The list's rows turned into CSV a piece at a time, as the client reads them.
struct Pieces {
    rows: Vec<Arc<Record>>,
    at: usize,
    now: i64,
    header: bool,
    /// Held until the last piece is written.
    _pass: crate::gate::Pass,
}

impl Iterator for Pieces {
    type Item = Bytes;

    fn next(&mut self) -> Option<Bytes> {
        let mut out = String::new();
        if std::mem::take(&mut self.header) {
            out.push_str(app::csv::WORKFLOWS_HEADER);
        } else if self.at >= self.rows.len() {
            return None;
        }
        let end = (self.at + ROWS_PER_PIECE).min(self.rows.len());
        for r in &self.rows[self.at..end] {
            app::csv::workflow_lines(&mut out, &r.to_row(self.now));
        }
        self.at = end;
        Some(Bytes::from(out))
    }
}

fn campaigns(c: &Csv, query: &str, now: i64) -> Result<String, Refused> {
    let filter = Filter::from_query(query).map_err(bad)?;
    let by_block = app::chart::param(query, "rows").as_deref() == Some("priority_block");
    let table = c.index.campaigns(&filter, by_block, now)?;
    Ok(app::csv::campaigns(&table, if by_block { "priority block" } else { "campaign" }))
}

fn durations(c: &Csv, query: &str, now: i64) -> Result<String, Refused> {
    let q = app::analytics::duration_query(query).map_err(Refused::Bad)?;
    let bin = match app::chart::param(query, "bin") {
        Some(b) => Some(
            b.parse::<usize>()
                .ok()
                .filter(|b| *b < q.bins as usize)
                .ok_or_else(|| bad(format!("bin {b:?} is not a bar")))?,
        ),
        None => None,
    };
    let spans = c.index.duration_spans(&q, bin, now)?;
    let mut out = format!("workflow,{},{},seconds\r\n", q.from, q.to);
    for (r, from, to) in spans {
        app::csv::duration_line(&mut out, &r.name, from, to);
    }
    Ok(out)
}

fn charts(c: &Csv, view: &str, query: &str, now: i64) -> Result<String, Refused> {
    let filter = Filter::from_query(query).map_err(bad)?;
    let bucket = app::aggregate::bucket_seconds(&app::chart::param(query, "bucket").unwrap_or_default());
    if view == "historical" {
        let growing = app::chart::param(query, "growing").as_deref() == Some("1");
        return Ok(app::csv::historical(&c.index.historical(&filter, bucket, growing, now)?));
    }
    let label = filter.to_query();
    Ok(app::csv::aggregate(&c.index.aggregate(&label, &filter, bucket, now)?))
}

fn present(c: &Csv, query: &str, now: i64) -> Result<String, Refused> {
    let filter = Filter::from_query(query).map_err(bad)?;
    let p = Params::from_query(query);
    let v = c.index.present(&filter, (p.group, p.stack, p.measure), now)?;
    Ok(app::csv::present(&v, p.group.as_str(), p.stack.map(|s| s.as_str()), p.measure.as_str()))
}
