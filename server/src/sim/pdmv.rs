//! The simulator's CERN SSO token endpoint and McM / ReReco / RelVal callback sinks.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::Sim;

/// Client id the simulated SSO accepts.
pub const CLIENT_ID: &str = "stats2-sim-client";
/// Its secret.
pub const CLIENT_SECRET: &str = "stats2-sim-secret-value";

/// A call a sink received.
#[derive(Debug, Clone, PartialEq)]
pub struct SinkCall {
    /// `mcm`, `rereco` or `relval`.
    pub service: &'static str,
    /// Workflow (McM) or PrepID (ReReco, RelVal) announced.
    pub subject: String,
    /// Audience of the token used.
    pub audience: String,
}

/// Tokens issued and calls received.
#[derive(Default)]
pub struct PdmvState {
    /// token -> (audience, expiry in simulator seconds since start).
    pub tokens: HashMap<String, (String, std::time::Instant)>,
    /// Token requests answered.
    pub token_requests: usize,
    /// Accepted sink calls, in arrival order.
    pub calls: Vec<SinkCall>,
    /// Seconds a token lives.
    pub lifetime: u64,
}

/// Token endpoint and sinks.
pub fn router(sim: Arc<Sim>) -> Router {
    Router::new()
        .route("/auth/realms/cern/api-access/token", post(token))
        .route("/rereco/api/requests/update_workflows", post(rereco))
        .route("/relval/api/relvals/update_workflows", post(relval))
        .route("/mcm/restapi/requests/fetch_stats_by_wf/{name}", get(mcm))
        .with_state(sim)
}

async fn token(State(sim): State<Arc<Sim>>, body: String) -> Response {
    let form: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    let keys: Vec<&str> = form.iter().map(|(k, _)| k.as_str()).collect();
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let ok = keys == ["grant_type", "client_id", "client_secret", "audience"]
        && get("grant_type") == Some("client_credentials")
        && get("client_id") == Some(CLIENT_ID)
        && get("client_secret") == Some(CLIENT_SECRET)
        && get("audience").is_some_and(|a| !a.is_empty());
    if !ok {
        return (StatusCode::UNAUTHORIZED, Json(json!({"error": "invalid_client"}))).into_response();
    }
    let mut p = sim.pdmv();
    p.token_requests += 1;
    let token = format!("tok-{}-{}", p.token_requests, sim.counters.requests.load(Ordering::Relaxed));
    let lifetime = if p.lifetime == 0 { 300 } else { p.lifetime };
    let expiry = std::time::Instant::now() + std::time::Duration::from_secs(lifetime);
    p.tokens.insert(token.clone(), (get("audience").unwrap_or_default().to_owned(), expiry));
    Json(json!({"access_token": token, "expires_in": lifetime, "token_type": "Bearer"})).into_response()
}

fn record(sim: &Sim, headers: &HeaderMap, service: &'static str, subject: String) -> Response {
    let token = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    let mut p = sim.pdmv();
    let valid =
        token.and_then(|t| p.tokens.get(t)).filter(|(_, exp)| *exp > std::time::Instant::now()).map(|(a, _)| a.clone());
    match valid {
        Some(audience) => {
            p.calls.push(SinkCall { service, subject, audience });
            Json(json!({"results": true})).into_response()
        }
        None => (StatusCode::FORBIDDEN, Json(json!({"results": false, "message": "invalid or expired token"})))
            .into_response(),
    }
}

fn prepid(body: &str) -> Option<String> {
    serde_json::from_str::<Value>(body).ok()?.get("prepid")?.as_str().map(str::to_owned)
}

async fn rereco(State(sim): State<Arc<Sim>>, headers: HeaderMap, body: String) -> Response {
    match prepid(&body) {
        Some(p) => record(&sim, &headers, "rereco", p),
        None => (StatusCode::BAD_REQUEST, Json(json!({"message": "prepid missing"}))).into_response(),
    }
}

async fn relval(State(sim): State<Arc<Sim>>, headers: HeaderMap, body: String) -> Response {
    match prepid(&body) {
        Some(p) => record(&sim, &headers, "relval", p),
        None => (StatusCode::BAD_REQUEST, Json(json!({"message": "prepid missing"}))).into_response(),
    }
}

async fn mcm(State(sim): State<Arc<Sim>>, headers: HeaderMap, Path(name): Path<String>) -> Response {
    record(&sim, &headers, "mcm", name)
}
