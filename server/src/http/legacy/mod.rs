//! The original's HTTP API (A1–A15), byte-compatible where scripts depend on it, with the
//! defects of section X fixed: ids validated (X2), values encoded (X1), one bounded query
//! (X5), authenticated updates (X3). Mounted under the base path and at the root, for
//! deployments behind a prefix-stripping proxy.

pub mod cache;
mod fetch;
mod flight;
pub(crate) mod markdown;
mod pyjson;
pub mod search;
mod stream;

use std::sync::Arc;

use app::filter::Filter;
use app::names::WorkflowName;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::json;

pub use pyjson::{dumps_compact, dumps_indented};

use crate::auth::{AdminAuth, Denied};
use crate::gate::Gate;
use crate::store::{Db, SharedStore, StoreError};
use crate::updater::single::{UpdateOutcome, UpdateService};

/// What the legacy routes need.
pub struct Legacy {
    /// The store.
    pub store: SharedStore,
    /// Who may update.
    pub auth: AdminAuth,
    /// Single-workflow updates.
    pub updates: Arc<UpdateService>,
    /// Public base path ("" or "/stats"), for redirects.
    pub base: String,
    /// Recent answers of the read-only routes.
    pub cache: cache::ResponseCache,
    /// The summary index: its generation tells which cached answers are stale.
    pub index: Arc<crate::index::SummaryIndex>,
}

impl Legacy {
    /// The cached answer of `key`, or `compute`'s, kept when it is a 200 or a 404.
    async fn cached<F, Fut>(&self, key: String, compute: F) -> Response
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<cache::Answer, Response>>,
    {
        // Taken before the read: a change the feed shows meanwhile makes this answer stale.
        let generation = self.index.generation();
        if let Some((status, ctype, body)) = self.cache.get(&key, generation) {
            return (status, [(header::CONTENT_TYPE, ctype)], body).into_response();
        }
        match compute().await {
            Ok(answer) => {
                if matches!(answer.0, StatusCode::OK | StatusCode::NOT_FOUND) {
                    self.cache.put(key, answer.clone(), generation);
                }
                let (status, ctype, body) = answer;
                (status, [(header::CONTENT_TYPE, ctype)], body).into_response()
            }
            Err(response) => response,
        }
    }
}

/// The legacy routes, relative to wherever they are mounted; answers of many documents are
/// built at most as `gate` lets through.
pub fn routes(legacy: Arc<Legacy>, gate: Arc<Gate>) -> Router {
    let bulk = Bulk { legacy: legacy.clone(), gate, flights: Arc::default() };
    Router::new()
        .route("/get_json/{*name}", get(get_json))
        .route("/api/get_json/{*name}", get(get_json))
        // An empty name is no workflow either (the wildcard needs one character).
        .route("/get_json/", get(no_workflow))
        .route("/api/get_json/", get(no_workflow))
        .route("/api/fetch", get(api_fetch).with_state(bulk.clone()))
        .route("/md", get(md).with_state(bulk))
        .route("/search", get(search::search))
        .route("/api/update", get(update_route).post(update_route))
        .with_state(legacy)
}

pub(super) const JSON: &str = "application/json";

fn json_response(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, JSON)], body).into_response()
}

/// A store failure: 503, never a 500 with internals.
fn unavailable(e: StoreError) -> Response {
    tracing::warn!(error = %e, "store unavailable for a legacy route");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "The database is unavailable; try again shortly.\n",
    )
        .into_response()
}

fn bad_filter(e: app::filter::FilterError) -> Response {
    (StatusCode::BAD_REQUEST, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("Invalid filter: {e}\n"))
        .into_response()
}

async fn no_workflow() -> Response {
    json_response(StatusCode::NOT_FOUND, "{}".into())
}

/// A5: the stored document (A6 formatting), or 404 `{}` for anything that is not a stored
/// workflow, including names that cannot be one (X2).
async fn get_json(State(l): State<Arc<Legacy>>, Path(name): Path<String>) -> Response {
    let Ok(name) = WorkflowName::parse(&name) else { return json_response(StatusCode::NOT_FOUND, "{}".into()) };
    let store = l.store.clone();
    l.cached(format!("get_json/{name}"), || async move {
        match store.get(Db::Requests, name.as_str()).await {
            Ok(Some(doc)) => Ok((StatusCode::OK, JSON, dumps_indented(&doc))),
            Ok(None) => Ok((StatusCode::NOT_FOUND, JSON, "{}".to_owned())),
            Err(e) => Err(unavailable(e)),
        }
    })
    .await
}

/// What the routes that answer many documents need: the rest of the legacy state and the
/// bound on how many such answers are built at once.
#[derive(Clone)]
pub struct Bulk {
    legacy: Arc<Legacy>,
    gate: Arc<Gate>,
    flights: Arc<flight::Flights>,
}

fn busy(e: crate::gate::Full) -> Response {
    (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "5")], format!("{e}\n")).into_response()
}

/// A7 with X5: every page of the filter in one answer, written a page at a time (the same
/// bytes) under the bound on bulk answers; identical requests at the same time share one
/// writer. An answer of one page is cached, as before.
async fn api_fetch(State(b): State<Bulk>, RawQuery(q): RawQuery) -> Response {
    let filter = match Filter::from_legacy_query(q.as_deref().unwrap_or("")) {
        Ok(f) => f,
        Err(e) => return bad_filter(e),
    };
    // Keyed by the filter, not the raw query: junk parameters do not make new entries.
    let key = format!("fetch?{filter}");
    let generation = b.legacy.index.generation();
    if let Some((status, ctype, body)) = b.legacy.cache.get(&key, generation) {
        return (status, [(header::CONTENT_TYPE, ctype)], body).into_response();
    }
    let flight = format!("{key}@{generation}");
    let (reader, shared) = match b.flights.join(&flight) {
        Some(reader) => (reader, "yes"),
        None => {
            let (writer, reader) = b.flights.start(flight);
            let (l, gate) = (b.legacy.clone(), b.gate.clone());
            tokio::spawn(stream::write(l, gate, filter, 100, key, writer));
            (reader, "no")
        }
    };
    crate::metrics::count("stats2_legacy_bulk_answers_total", &[("shared", shared)], 1.0);
    if let Err(e) = reader.started().await {
        return (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "5")], format!("{e}\n")).into_response();
    }
    let body = axum::body::Body::from_stream(reader.stream());
    (StatusCode::OK, [(header::CONTENT_TYPE, JSON)], body).into_response()
}

/// A8–A11: at most 5 pages as a Markdown table; nothing found is an empty 200. Documents are
/// read a page at a time and kept only as their table rows.
async fn md(State(b): State<Bulk>, RawQuery(q): RawQuery) -> Response {
    let filter = match Filter::from_legacy_query(q.as_deref().unwrap_or("")) {
        Ok(f) => f,
        Err(e) => return bad_filter(e),
    };
    let l = b.legacy.clone();
    b.legacy
        .cached(format!("md?{filter}"), || async {
            let _pass = b.gate.enter().await.map_err(busy)?;
            let pages = pages(&l, &filter, 5).await?;
            let mut rows = Vec::new();
            for k in 0..pages.len() {
                rows.extend(pages.page(k).await.map_err(unavailable)?.iter().map(markdown::row));
            }
            Ok((StatusCode::OK, "text/plain; charset=utf-8", markdown::render(&rows)))
        })
        .await
}

/// The pages of the query's filter, at most `pages` of them, or the error answer.
async fn pages(l: &Legacy, filter: &Filter, pages: u32) -> Result<fetch::Pages, Response> {
    let names = fetch::names(&*l.store, filter, pages).await.map_err(unavailable)?;
    Ok(fetch::Pages::new(l.store.clone(), names, filter))
}

/// A12 bodies: compact, sorted, ASCII-escaped JSON with a final newline.
fn update_body(status: StatusCode, body: serde_json::Value) -> Response {
    json_response(status, format!("{}\n", dumps_compact(&body)))
}

/// A12–A13 behind authentication (X3): GET and POST, `workflow_name` or `workflow`, in the
/// query string or a form or JSON body.
async fn update_route(
    State(l): State<Arc<Legacy>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: String,
) -> Response {
    match l.auth.check(&headers) {
        Ok(user) => tracing::info!(user, "admin update request"),
        Err(Denied::Unauthenticated) => {
            return update_body(
                StatusCode::UNAUTHORIZED,
                json!({"error": "Authentication required: send Authorization: Bearer <admin token>"}),
            );
        }
        Err(Denied::Forbidden(user)) => {
            return update_body(
                StatusCode::FORBIDDEN,
                json!({"error": format!("User {user} is not allowed to update workflows")}),
            );
        }
        Err(Denied::CrossSite) => {
            return update_body(
                StatusCode::FORBIDDEN,
                json!({"error": "Refused: the browser sent this request for another site; scripts send Authorization: Bearer <admin token>"}),
            );
        }
    }
    let name = workflow_param(q.as_deref().unwrap_or(""), &headers, &body);
    let Some(name) = name.filter(|n| !n.is_empty()) else {
        return update_body(
            StatusCode::BAD_REQUEST,
            json!({"msg": "Please provide the workflow name via 'workflow_name' query parameter"}),
        );
    };
    let Ok(valid) = WorkflowName::parse(&name) else { return json_response(StatusCode::NOT_FOUND, "{}".into()) };
    match l.updates.update(valid.as_str()).await {
        UpdateOutcome::Done => {
            // The announcement clears the cache too, but asynchronously: the caller's next read
            // must see the update.
            l.cache.clear();
            update_body(StatusCode::OK, json!({"msg": format!("Workflow {name} has been updated successfully")}))
        }
        UpdateOutcome::Busy(holder) => update_body(
            StatusCode::CONFLICT,
            json!({"error": format!("An update run is in progress ({holder}); try again when it has finished")}),
        ),
        UpdateOutcome::Failed(e) => update_body(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"error": format!("Unfortunately, there were issues updating workflow: {name}, there are described below:\n{e}")}),
        ),
    }
}

/// `workflow_name`, else `workflow`, from the query, a form body or a JSON body.
fn workflow_param(query: &str, headers: &HeaderMap, body: &str) -> Option<String> {
    let from_pairs = |text: &str| {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(text.as_bytes()).into_owned().collect();
        ["workflow_name", "workflow"].iter().find_map(|k| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
    };
    if let Some(v) = from_pairs(query) {
        return Some(v);
    }
    let is_json = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|c| c.contains("json"));
    if is_json {
        let v: serde_json::Value = serde_json::from_str(body).ok()?;
        return ["workflow_name", "workflow"].iter().find_map(|k| v.get(k)?.as_str().map(str::to_owned));
    }
    from_pairs(body)
}
