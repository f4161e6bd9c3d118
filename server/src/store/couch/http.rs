//! HTTP plumbing of the CouchDB store: URL building with percent-encoding (X1), the
//! Authorization header (S2), status mapping and retries of idempotent reads.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::store::{StoreError, DESIGN_PREFIX};

pub use crate::encode::component as enc;

/// Path of a document: design documents keep their '/', every other id is one segment.
pub fn doc_path(id: &str) -> String {
    match id.strip_prefix(DESIGN_PREFIX) {
        Some(rest) => format!("_design/{}", enc(rest)),
        None => enc(id),
    }
}

/// A CouchDB HTTP endpoint with its credentials.
#[derive(Clone)]
pub struct CouchHttp {
    client: reqwest::Client,
    base: String,
    auth: Option<String>,
}

/// A decoded answer: status and JSON body (`Null` when the body was empty or not JSON).
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
}

impl CouchHttp {
    /// A client for `base` (e.g. `http://localhost:5984`), sending `auth` verbatim when given.
    pub fn new(base: &str, auth: Option<String>) -> Result<Self, StoreError> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| StoreError::Unavailable(format!("HTTP client: {e}")))?;
        Ok(CouchHttp { client, base: base.trim_end_matches('/').to_owned(), auth: auth.filter(|a| !a.is_empty()) })
    }

    /// Sends one request; `path` is already encoded. Idempotent methods are retried on
    /// transport errors and 5xx answers, with a short backoff.
    pub async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Answer, StoreError> {
        let idempotent = matches!(method, Method::GET | Method::HEAD);
        let attempts = if idempotent { 3 } else { 1 };
        let mut last = StoreError::Unavailable("no attempt made".into());
        for attempt in 0..attempts {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(200 * (1 << attempt))).await;
            }
            match self.once(method.clone(), path, body).await {
                Ok(a) if a.status.is_server_error() && attempt + 1 < attempts => {
                    last = StoreError::Unavailable(format!("{} answered {}", path_only(path), a.status));
                }
                Ok(a) => return Ok(a),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    async fn once(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Answer, StoreError> {
        let url = format!("{}/{}", self.base, path);
        let mut req = self.client.request(method, &url).header(reqwest::header::ACCEPT, "application/json");
        if let Some(auth) = &self.auth {
            req = req.header(reqwest::header::AUTHORIZATION, auth);
        }
        // A content type only with a body: pouchdb-server never answers a long poll that
        // announces a JSON body it does not send.
        if let Some(b) = body {
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(serde_json::to_vec(b).map_err(|e| StoreError::BadRequest(e.to_string()))?);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| StoreError::Unavailable(format!("{}: {}", path_only(path), without_url(&e))))?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| StoreError::Unavailable(format!("{}: {}", path_only(path), without_url(&e))))?;
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Ok(Answer { status, body })
    }
}

impl Answer {
    /// The error this non-2xx answer means; `what` names the object for messages.
    pub fn error(&self, what: &str) -> StoreError {
        let reason = self.body.get("reason").and_then(Value::as_str).unwrap_or("").to_owned();
        let error = self.body.get("error").and_then(Value::as_str).unwrap_or("");
        let text = if reason.is_empty() { format!("{what}: {}", self.status) } else { format!("{what}: {reason}") };
        match self.status {
            StatusCode::CONFLICT => StoreError::Conflict,
            StatusCode::FORBIDDEN => StoreError::Forbidden(text),
            StatusCode::UNAUTHORIZED => StoreError::Unauthorized(text),
            StatusCode::BAD_REQUEST => StoreError::BadRequest(text),
            StatusCode::NOT_FOUND => StoreError::NotFound(text),
            s if s.is_server_error() => StoreError::Unavailable(text),
            _ => StoreError::Protocol(format!("{text} ({error})")),
        }
    }

    /// Whether a 404 means "the database itself is missing" rather than "no such document".
    pub fn is_missing_database(&self) -> bool {
        self.status == StatusCode::NOT_FOUND
            && self.body.get("reason").and_then(Value::as_str).is_some_and(|r| r.contains("Database does not exist"))
    }
}

/// The path without its query, for log and error messages (queries can be long).
fn path_only(path: &str) -> &str {
    path.split('?').next().unwrap_or(path)
}

/// A reqwest error's whole chain, without the URL (it could carry credentials).
fn without_url(e: &reqwest::Error) -> String {
    crate::causes::http(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x1_ids_and_keys_are_encoded() {
        assert_eq!(enc("a b\"#&+/é"), "a%20b%22%23%26%2B%2F%C3%A9");
        assert_eq!(doc_path("_design/_designDoc"), "_design/_designDoc");
        assert_eq!(doc_path("x/y"), "x%2Fy");
    }
}
