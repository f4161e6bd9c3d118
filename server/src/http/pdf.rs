//! Vector PDFs of the charts: `GET <base>/pdf/workflow/<name>` (a workflow's chart, from its
//! document) and `GET <base>/pdf/<view>?<the view's query>` for `aggregate`, `historical`,
//! `durations` and `present` (from the index). Each is the markup the page draws, turned into
//! PDF by `crate::pdf`, titled and stamped with what it shows, when it was made and the data's
//! last update.

use std::sync::Arc;

use app::filter::Filter;
use app::format::utc_datetime;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::index::SummaryIndex;
use crate::store::{Db, SharedStore};

#[derive(Clone)]
struct Pdfs {
    store: SharedStore,
    index: Arc<SummaryIndex>,
}

/// The PDF routes.
pub fn routes(store: SharedStore, index: Arc<SummaryIndex>) -> Router {
    Router::new()
        .route("/pdf/workflow/{name}", get(workflow))
        .route("/pdf/{view}", get(view))
        .with_state(Pdfs { store, index })
}

/// A chart ready to write: its markup, title and stamp.
struct Chart {
    svg: String,
    title: String,
    stamp: String,
}

/// "Stats2 · what · exported <now> UTC", and the data's last point when the chart has one.
fn stamp(what: &str, last: Option<i64>) -> String {
    let now = utc_datetime(crate::clock::now());
    let last = last.map_or_else(String::new, |t| format!(" · last update {} UTC", utc_datetime(t)));
    format!("Stats2 · {what} · exported {now} UTC{last}")
}

fn answer(file: &str, c: Chart) -> Response {
    let bytes = crate::pdf::from_svg(&c.svg, &c.title, &c.stamp);
    let disposition = format!("inline; filename=\"{file}.pdf\"");
    let headers = [(header::CONTENT_TYPE, "application/pdf".to_owned()), (header::CONTENT_DISPOSITION, disposition)];
    (headers, bytes).into_response()
}

fn refused(status: StatusCode, message: impl std::fmt::Display) -> Response {
    (status, format!("{message}\n")).into_response()
}

async fn workflow(State(p): State<Pdfs>, Path(name): Path<String>) -> Response {
    let Ok(valid) = app::names::WorkflowName::parse(&name) else {
        return refused(StatusCode::NOT_FOUND, "No such workflow.");
    };
    let doc = match p.store.get(Db::Requests, valid.as_str()).await {
        Ok(Some(doc)) => doc,
        Ok(None) => return refused(StatusCode::NOT_FOUND, "No such workflow."),
        Err(e) => return refused(StatusCode::SERVICE_UNAVAILABLE, format!("The database is unavailable ({e}).")),
    };
    let Ok(wf) = app::model::Workflow::from_value(doc) else {
        return refused(StatusCode::UNPROCESSABLE_ENTITY, "This document is not a readable workflow.");
    };
    let v = app::history::history_view(&wf, crate::clock::now());
    let (labels, frame) = app::chart::label_rows(&v, app::chart::Look::default());
    let last = v.series.iter().filter_map(|s| s.points.last().map(|p| p.0)).max();
    let svg = app::draw::history::svg(&v, &frame, &labels, None, None);
    answer(&format!("stats2-{name}"), Chart { svg, title: name.clone(), stamp: stamp(&name, last) })
}

/// Why a view has no chart to write.
enum NoChart {
    Bad(String),
    NotReady,
    Unknown,
}

impl From<crate::index::NotReady> for NoChart {
    fn from(_: crate::index::NotReady) -> Self {
        NoChart::NotReady
    }
}

async fn view(State(p): State<Pdfs>, Path(view): Path<String>, RawQuery(query): RawQuery) -> Response {
    let query = query.unwrap_or_default();
    let file = format!("stats2-{view}");
    let made = tokio::task::spawn_blocking(move || chart(&p.index, &view, &query)).await;
    match made {
        Ok(Ok(c)) => answer(&file, c),
        Ok(Err(NoChart::Bad(m))) => refused(StatusCode::BAD_REQUEST, m),
        Ok(Err(NoChart::NotReady)) => super::not_ready(),
        Ok(Err(NoChart::Unknown)) => refused(StatusCode::NOT_FOUND, "No such chart."),
        Err(e) => refused(StatusCode::INTERNAL_SERVER_ERROR, format!("drawing failed: {e}")),
    }
}

/// What a filter shows, for titles and stamps.
fn what(f: &Filter) -> String {
    let q = f.to_query();
    if q.is_empty() {
        "all workflows".to_owned()
    } else {
        q
    }
}

fn chart(index: &SummaryIndex, view: &str, query: &str) -> Result<Chart, NoChart> {
    let now = crate::clock::now();
    let filter = || Filter::from_query(query).map_err(|e| NoChart::Bad(e.to_string()));
    match view {
        "aggregate" | "historical" => series(index, view == "historical", &filter()?, query),
        "durations" => {
            let q = app::analytics::duration_query(query).map_err(NoChart::Bad)?;
            let h = index.durations(&q, now)?;
            let svg =
                app::draw::histogram::svg(&h, q.scale == app::analytics::Scale::Log, None, app::draw::histogram::W);
            let title = format!("Time from {} to {}: {}", q.from, q.to, what(&q.filter));
            Ok(Chart { svg, title, stamp: stamp(&what(&q.filter), None) })
        }
        "present" => {
            let f = filter()?;
            let p = app::bar_chart::Params::from_query(query);
            let v = index.present(&f, (p.group, p.stack, p.measure), now)?;
            let cols = app::bar_chart::columns(&v, (p.order, p.group), &|_| None);
            let keys = app::bar_chart::part_keys(&v, p.stack);
            let svg = app::bar_chart::svg(&cols, &keys, p.measure.unit(), p.log, &|_, _| None);
            let by = p.stack.map_or_else(String::new, |s| format!(" by {}", s.label()));
            let title = format!("{} per {}{by}: {}", p.measure.unit(), p.group.label(), what(&f));
            Ok(Chart { svg, title, stamp: stamp(&what(&f), None) })
        }
        _ => Err(NoChart::Unknown),
    }
}

/// The aggregate's two charts: per datatier, or historical (stacked).
fn series(index: &SummaryIndex, historical: bool, f: &Filter, query: &str) -> Result<Chart, NoChart> {
    let now = crate::clock::now();
    let param = |name| app::chart::param(query, name);
    let bucket = app::aggregate::bucket_seconds(&param("bucket").unwrap_or_default());
    if historical {
        let growing = param("growing").as_deref() == Some("1");
        let v = index.historical(f, bucket, growing, now)?;
        let svg = app::draw::stacked::svg(&v, app::chart::WIDTH, None, None);
        return Ok(Chart {
            svg,
            title: format!("Historical: {}", what(f)),
            stamp: stamp(&what(f), v.ends.last().copied()),
        });
    }
    let v = index.aggregate(&what(f), f, bucket, now)?;
    let (labels, frame) = app::chart::label_rows(&v, app::chart::Look::default());
    let last = v.series.iter().filter_map(|s| s.points.last().map(|p| p.0)).max();
    let svg = app::draw::history::svg(&v, &frame, &labels, None, None);
    Ok(Chart { svg, title: format!("Aggregate: {}", what(f)), stamp: stamp(&what(f), last) })
}
