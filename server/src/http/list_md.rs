//! `GET <base>/md/list?<the list's query>`: the Markdown table of exactly the page the list
//! shows (every filter, the analytics ones and the page included), in the original's table
//! format. The legacy `/md` keeps the original's answer: one legacy parameter, five pages,
//! which is not what a filtered page shows.

use std::sync::Arc;

use app::filter::Filter;
use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::json;

use super::legacy::markdown;
use crate::index::SummaryIndex;

/// The route.
pub fn routes(index: Arc<SummaryIndex>) -> Router {
    Router::new().route("/md/list", get(table)).with_state(index)
}

async fn table(State(index): State<Arc<SummaryIndex>>, RawQuery(q): RawQuery) -> Response {
    let filter = match Filter::from_query(q.as_deref().unwrap_or("")) {
        Ok(f) => f,
        Err(e) => return (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response(),
    };
    let now = crate::clock::now();
    // One page: at most a few hundred rows, walked on the blocking pool like every listing.
    let page = tokio::task::spawn_blocking(move || index.page(&filter, filter.page, now)).await;
    let Ok(Ok(page)) = page else {
        return (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "5")], "the index is not ready\n")
            .into_response();
    };
    let rows: Vec<markdown::Row> = page
        .rows
        .iter()
        .map(|r| {
            let outputs: Vec<&str> = r.datasets.iter().map(|d| d.name.as_str()).collect();
            let name = r.request_name.as_deref().unwrap_or(&r.name);
            markdown::row(&json!({"RequestName": name, "InputDataset": r.input_dataset, "OutputDatasets": outputs}))
        })
        .collect();
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], markdown::render(&rows)).into_response()
}
