//! The one error every server function answers with, on the wire as
//! `{"error": "bad_request" | "not_ready" | "unavailable" | "too_many" | "internal", "message": "..."}`
//! and with the HTTP status that says whether to retry (400, 503, 503, 429, 500). The page shows its
//! message; a script can tell "fix your request" from "try again" by the status alone.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// Why a server function did not answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(from = "Wire", into = "Wire")]
pub enum ApiError {
    /// The request cannot be answered as asked: do not retry it unchanged (400).
    #[error("{0}")]
    BadRequest(String),
    /// The replica's summary index is still being built: retry, here or on another replica
    /// (503 with `Retry-After`).
    #[error("{0}")]
    NotReady(String),
    /// The store could not answer, or too much is running: retry later (503 with
    /// `Retry-After`).
    #[error("{0}")]
    Unavailable(String),
    /// A bug on the server: asking again will not help (500).
    #[error("{0}")]
    Internal(String),
    /// The caller asked too often: retry in a minute (429 with `Retry-After`).
    #[error("{0}")]
    TooMany(String),
    /// No credentials, or wrong ones: sign in (through the SSO proxy) or send the token (401).
    #[error("{0}")]
    Unauthorized(String),
    /// Signed in, but not allowed this (another user's watch, a request from another site):
    /// do not retry (403).
    #[error("{0}")]
    Forbidden(String),
}

/// The wire form: a kind and a message. (A plain struct and a unit enum: serde's code for an
/// adjacently tagged enum cost the browser bundle about a kilobyte more.)
#[derive(Serialize, Deserialize)]
struct Wire {
    error: Kind,
    message: String,
}

#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    BadRequest,
    NotReady,
    Unavailable,
    Internal,
    TooMany,
    Unauthorized,
    Forbidden,
}

impl From<Wire> for ApiError {
    fn from(w: Wire) -> Self {
        match w.error {
            Kind::BadRequest => ApiError::BadRequest(w.message),
            Kind::NotReady => ApiError::NotReady(w.message),
            Kind::Unavailable => ApiError::Unavailable(w.message),
            Kind::Internal => ApiError::Internal(w.message),
            Kind::TooMany => ApiError::TooMany(w.message),
            Kind::Unauthorized => ApiError::Unauthorized(w.message),
            Kind::Forbidden => ApiError::Forbidden(w.message),
        }
    }
}

impl From<ApiError> for Wire {
    fn from(e: ApiError) -> Self {
        let (error, message) = match e {
            ApiError::BadRequest(m) => (Kind::BadRequest, m),
            ApiError::NotReady(m) => (Kind::NotReady, m),
            ApiError::Unavailable(m) => (Kind::Unavailable, m),
            ApiError::Internal(m) => (Kind::Internal, m),
            ApiError::TooMany(m) => (Kind::TooMany, m),
            ApiError::Unauthorized(m) => (Kind::Unauthorized, m),
            ApiError::Forbidden(m) => (Kind::Forbidden, m),
        };
        Wire { error, message }
    }
}

impl ApiError {
    /// The HTTP status that says so.
    pub fn status(&self) -> u16 {
        match self {
            ApiError::BadRequest(_) => 400,
            ApiError::NotReady(_) | ApiError::Unavailable(_) => 503,
            ApiError::Internal(_) => 500,
            ApiError::TooMany(_) => 429,
            ApiError::Unauthorized(_) => 401,
            ApiError::Forbidden(_) => 403,
        }
    }
}

impl FromServerFnError for ApiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // Arguments that do not deserialize (an unknown status, a wrong type) are the
            // caller's mistake. On the server that is what a deserialization error is; in the
            // browser it is an answer the page cannot read.
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::MissingArg(m) => ApiError::BadRequest(m),
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Deserialization(m) => ApiError::BadRequest(m),
            // The page could not reach the server: worth another try.
            ServerFnErrorErr::Request(m) => ApiError::Unavailable(format!("the server could not be reached: {m}")),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_form_names_the_kind_and_the_message() {
        let e = ApiError::BadRequest("bucket must be from 60".into());
        let text = serde_json::to_string(&e).unwrap_or_default();
        assert_eq!(text, r#"{"error":"bad_request","message":"bucket must be from 60"}"#);
        assert_eq!(serde_json::from_str::<ApiError>(&text).ok(), Some(e));
        assert_eq!(ApiError::NotReady(String::new()).status(), 503);
    }
}
