//! `GET <base>/s/<code>`: a short link, answered with 303 to the path it stands for (any
//! replica: the links live in the store), or a 404 page for a code nobody made.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::links::Links;

/// The short-link route.
pub fn routes(links: Arc<Links>) -> Router {
    Router::new().route("/s/{code}", get(resolve)).with_state(links)
}

async fn resolve(State(links): State<Arc<Links>>, Path(code): Path<String>) -> Response {
    match links.resolve(&code, crate::clock::now()).await {
        Ok(Some(path)) => (StatusCode::SEE_OTHER, [(header::LOCATION, path)]).into_response(),
        Ok(None) => {
            let page = "<!doctype html><title>Unknown short link</title><h1>Unknown short link</h1>\
                <p>This short link does not exist, or it was not used for 400 days and has expired.</p>";
            (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()
        }
        Err(e) => {
            tracing::warn!(error = %e, "resolving a short link failed");
            let retry = [(header::RETRY_AFTER, "5")];
            (StatusCode::SERVICE_UNAVAILABLE, retry, "The database is unavailable; try again shortly.\n")
                .into_response()
        }
    }
}
