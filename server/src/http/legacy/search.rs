//! `/search?q=` (A14–A15): probe the views in the original's order and redirect to the first
//! that knows the value, else to the workflow itself.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

use super::Legacy;
use crate::store::{Paging, View};

/// A14's probe order and the parameter each view answers for.
const PROBES: [(View, &str); 7] = [
    (View::Prepids, "prepid"),
    (View::OutputDatasets, "output_dataset"),
    (View::InputDatasets, "input_dataset"),
    (View::Campaigns, "campaign"),
    (View::Types, "type"),
    (View::ProcessingStrings, "processing_string"),
    (View::Requests, "request"),
];

/// A15 encodes what is illegal in a URI (space, quotes, <>, []{}|\^`, non-ASCII). X1: the
/// characters that would change the query's meaning (& = # % + ;) are encoded too, so the
/// target finds the value that was searched.
const LOCATION: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'\'')
    .add(b'<')
    .add(b'>')
    .add(b'[')
    .add(b']')
    .add(b'{')
    .add(b'}')
    .add(b'|')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'&')
    .add(b'=')
    .add(b'#')
    .add(b'%')
    .add(b'+')
    .add(b';');

fn redirect(location: String) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

/// The search redirect.
pub async fn search(State(l): State<Arc<Legacy>>, RawQuery(q): RawQuery) -> Response {
    let raw = q.unwrap_or_default();
    let q = form_urlencoded::parse(raw.as_bytes())
        .find(|(k, _)| k == "q")
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default();
    let home = if l.base.is_empty() { "/".to_owned() } else { l.base.clone() };
    if q.is_empty() {
        return redirect(home);
    }
    let value = utf8_percent_encode(&q, LOCATION).to_string();
    match probe(&*l.store, &q).await {
        Ok(param) => redirect(format!("{home}?{}={value}", param.unwrap_or("workflow_name"))),
        Err(e) => super::unavailable(e),
    }
}

/// A14: the parameter of the first view (in the original's order) that knows `q`.
pub async fn probe(store: &dyn crate::store::Store, q: &str) -> Result<Option<&'static str>, crate::store::StoreError> {
    for (view, param) in PROBES {
        if !store.view(view, q, Paging { skip: 0, limit: 1 }, false).await?.is_empty() {
            return Ok(Some(param));
        }
    }
    Ok(None)
}
