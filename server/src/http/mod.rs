//! The axum router: server functions under `<base>/rpc/`, the single-page app with index
//! fallback under `<base>/`, and `/` redirecting to the base path.

pub mod assets;
pub mod events;
pub mod legacy;
pub mod listen;
pub mod ops;
mod spa;

use std::sync::Arc;

use app::api::ssr::SharedBackend;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, Request, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{any, get};
use axum::Router;
use leptos::prelude::provide_context;
use tower_http::trace::TraceLayer;

use crate::index::SummaryIndex;

pub use spa::Spa;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The backend of the server functions.
    pub backend: SharedBackend,
    /// The legacy API.
    pub legacy: Arc<legacy::Legacy>,
    /// The live stream's channel.
    pub events: events::Events,
    /// The summary index behind the server functions.
    pub index: Arc<SummaryIndex>,
    /// What clients may take (request time, live streams); the listener applies the rest.
    pub limits: listen::Limits,
    closing: Arc<tokio::sync::watch::Sender<bool>>,
}

/// Server functions answered from the summary index: 503 until it is built.
const INDEXED: [&str; 10] = [
    "historical",
    "list_workflows",
    "workflow_row",
    "aggregate",
    "search",
    "campaigns",
    "durations",
    "duration_bin",
    "suggest",
    "alerts",
];

impl AppState {
    /// State over `store`, with admin updates run by `updates` for those `auth` admits; legacy
    /// answers are cached for `cache_ttl` and go stale once the index's feed shows a change.
    pub fn new(
        store: crate::store::SharedStore,
        updates: Arc<crate::updater::single::UpdateService>,
        auth: crate::auth::AdminAuth,
        base: &str,
        cache_ttl: std::time::Duration,
    ) -> Self {
        let events = events::channel();
        let index = SummaryIndex::new();
        let (closing, closed) = tokio::sync::watch::channel(false);
        tokio::spawn(crate::index::follow::run(store.clone(), index.clone(), events.clone(), closed));
        let cache = legacy::cache::ResponseCache::new(cache_ttl);
        let legacy = Arc::new(legacy::Legacy {
            store: store.clone(),
            auth: auth.clone(),
            updates: updates.clone(),
            base: base.to_owned(),
            cache,
            index: index.clone(),
        });
        let idle = app::alerts::DEFAULT_IDLE_DAYS;
        let backend = crate::backend::StoreBackend::new(store, index.clone(), auth, updates, idle);
        AppState { backend, legacy, events, index, limits: listen::Limits::default(), closing: Arc::new(closing) }
    }

    /// The same state with the idle alert counting after `days` days.
    pub fn with_idle_alert(self, days: u32) -> Self {
        let l = &self.legacy;
        let backend = crate::backend::StoreBackend::new(
            l.store.clone(),
            self.index.clone(),
            l.auth.clone(),
            l.updates.clone(),
            days,
        );
        AppState { backend, ..self }
    }

    /// The same state within other limits.
    pub fn with_limits(self, limits: listen::Limits) -> Self {
        AppState { limits, ..self }
    }

    /// A closure that ends the feed follower and every live stream (the server is shutting
    /// down).
    pub fn closer(&self) -> impl FnOnce() + Send + 'static {
        let closing = self.closing.clone();
        move || {
            let _ = closing.send(true);
        }
    }
}

/// Builds the whole router for `base` ("" or "/stats").
pub fn router(state: AppState, spa: Arc<Spa>, base: &str) -> Router {
    let index = spa.clone();
    let legacy = state.legacy.clone();
    let ops = ops::routes(legacy.store.clone(), state.index.clone());
    let live = events::Live::new(state.events.clone(), state.closing.subscribe(), state.limits.max_event_streams);
    let live = Router::new().route("/events", get(events::stream)).with_state(live);
    // Every answer but the live stream's has to be done within the request timeout.
    let timeout = tower_http::timeout::TimeoutLayer::with_status_code(
        StatusCode::SERVICE_UNAVAILABLE,
        state.limits.request_timeout,
    );
    let inner = Router::new()
        .route(&format!("{}/{{*fn_name}}", app::api::RPC_PREFIX), any(server_fn))
        .with_state(state)
        .merge(legacy::routes(legacy.clone()))
        .merge(spa.router())
        .layer(timeout)
        .merge(live);
    let app = if base.is_empty() {
        inner.merge(ops)
    } else {
        let target = format!("{base}/");
        Router::new()
            .route("/", get(move || async move { Redirect::temporary(&target) }))
            // `nest` matches `<base>` and `<base>/...` but not `<base>/` itself.
            .route(&format!("{base}/"), get(move || async move { index.index_response() }))
            .nest(base, inner)
            // The same legacy routes without the prefix, behind a prefix-stripping proxy.
            .merge(legacy::routes(legacy).layer(timeout))
            .merge(ops)
    };
    app.layer(axum::middleware::from_fn(ops::count_requests)).layer(TraceLayer::new_for_http())
}

async fn server_fn(
    State(state): State<AppState>,
    Path(fn_name): Path<String>,
    req: Request<Body>,
) -> axum::response::Response {
    if !state.index.is_ready() && INDEXED.contains(&fn_name.as_str()) {
        return not_ready();
    }
    // A browser sends text/plain cross-site without asking (no CORS preflight); JSON it
    // does not. The admin action takes JSON only, as its client sends.
    if fn_name == "admin_update" && !is_json(req.headers()) {
        return (StatusCode::UNSUPPORTED_MEDIA_TYPE, "admin_update takes application/json\n").into_response();
    }
    let backend = state.backend.clone();
    // The caller's headers, for the admin check of SSO proxy deployments.
    let caller = app::api::ssr::Caller {
        headers: req
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect(),
    };
    let verdict = app::api::ssr::Verdict::default();
    let chosen = verdict.clone();
    let mut resp = leptos_axum::handle_server_fns_with_context(
        move || {
            provide_context(backend.clone());
            provide_context(caller.clone());
            provide_context(verdict.clone());
        },
        req,
    )
    .await
    .into_response();
    if let Some(status) = chosen.status().and_then(|s| StatusCode::from_u16(s).ok()) {
        *resp.status_mut() = status;
    } else if resp.status() == StatusCode::INTERNAL_SERVER_ERROR {
        return unreadable_arguments_are_400(resp).await;
    }
    resp
}

/// Arguments that do not deserialize (an unknown status, a wrong type) are the caller's
/// mistake, which the server-function layer reports as a 500: said as a 400 instead.
async fn unreadable_arguments_are_400(resp: axum::response::Response) -> axum::response::Response {
    let (mut parts, body) = resp.into_parts();
    // Error bodies are one short message; anything longer is not one of these.
    let bytes = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    if bytes.starts_with(b"Deserialization|") || bytes.starts_with(b"Args|") {
        parts.status = StatusCode::BAD_REQUEST;
    }
    axum::response::Response::from_parts(parts, Body::from(bytes))
}

fn is_json(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
}

/// 503 with `Retry-After` while the index is being built.
pub fn not_ready() -> axum::response::Response {
    let msg = "The summary index is still being built; try again in a few seconds.\n";
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, "5"), (header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        msg,
    )
        .into_response()
}

/// Serves `router` on `listener` within the default limits until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    listen::serve(listener, router, listen::Limits::default(), shutdown).await
}
