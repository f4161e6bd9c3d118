//! `/search?q=` (A14–A15): probe the views in the original's order and redirect to the first
//! that knows the value, else to the workflow itself.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

use super::Legacy;
use app::filter::FilterKey;

use crate::listing::view_of;
use crate::store::Paging;

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

/// A14: the parameter of the first view that knows `q`, in the original's order (A2's
/// order without `workflow_name`, which has no view).
pub async fn probe(store: &dyn crate::store::Store, q: &str) -> Result<Option<&'static str>, crate::store::StoreError> {
    for key in &FilterKey::ALL[1..] {
        let Some(view) = view_of(*key) else { continue };
        if !store.view(view, q, Paging { skip: 0, limit: 1 }, false).await?.is_empty() {
            return Ok(Some(key.param()));
        }
    }
    Ok(None)
}
