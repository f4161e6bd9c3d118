//! The axum router: server functions under `<base>/rpc/`, the single-page app with index
//! fallback under `<base>/`, and `/` redirecting to the base path.

pub mod assets;
mod csv;
pub mod events;
pub mod legacy;
mod list_md;
pub mod listen;
pub mod ops;
mod pdf;
mod short;
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
    /// The short links.
    pub links: Arc<crate::links::Links>,
    /// The watch lists.
    pub watches: Arc<crate::watches::Watches>,
    /// What clients may take (request time, live streams, expensive queries); the listener
    /// applies the rest.
    pub limits: listen::Limits,
    alerts: crate::backend::AlertThresholds,
    closing: Arc<tokio::sync::watch::Sender<bool>>,
}

/// Server functions that change something for their caller: JSON only (see `rpc`).
const WRITES: [&str; 4] = ["admin_update", "alert_ack", "watch_save", "watch_delete"];

/// Server functions answered from the summary index: 503 until it is built.
const INDEXED: [&str; 13] = [
    "historical",
    "list_workflows",
    "workflow_row",
    "aggregate",
    "search",
    "campaigns",
    "durations",
    "duration_bin",
    "present",
    "suggest",
    "alerts",
    "changes",
    "alert_list",
];

impl AppState {
    /// State over `store`, with admin updates run by `updates` for those `auth` admits; legacy
    /// answers are cached for `cache_ttl` and go stale once the index's feed shows a change.
    /// The index stays empty (and the server functions answer 503) until
    /// [`AppState::follow_feed`] is started.
    pub fn new(
        store: crate::store::SharedStore,
        updates: Arc<crate::updater::single::UpdateService>,
        auth: crate::auth::AdminAuth,
        base: &str,
        cache_ttl: std::time::Duration,
    ) -> Self {
        let events = events::channel();
        let index = SummaryIndex::new();
        let (closing, _) = tokio::sync::watch::channel(false);
        let cache = legacy::cache::ResponseCache::new(cache_ttl);
        let legacy =
            Arc::new(legacy::Legacy { store, auth, updates, base: base.to_owned(), cache, index: index.clone() });
        let limits = listen::Limits::default();
        let alerts = crate::backend::AlertThresholds::default();
        let links = Arc::new(crate::links::Links::new(legacy.store.clone(), base));
        let watches = Arc::new(crate::watches::Watches::new(
            legacy.store.clone(),
            Arc::new(crate::watches::Targets::none()),
            crate::config::DEFAULT_EMAIL_HEADER,
        ));
        let backend = backend((&legacy, &links, &watches), &index, &alerts, &limits);
        let closing = Arc::new(closing);
        AppState { backend, legacy, links, watches, events, index, limits, alerts, closing }
    }

    /// Starts following the store's change feed into the index (and the live stream) until
    /// the server closes. Its own step, so that building the state has no side effects.
    pub fn follow_feed(&self) -> tokio::task::JoinHandle<()> {
        let (store, index) = (self.legacy.store.clone(), self.index.clone());
        tokio::spawn(crate::index::follow::run(store, index, self.events.clone(), self.closing.subscribe()))
    }

    /// The same state with its feed follower started (and left to run until the server
    /// closes): for tests and tools that do not wait for the follower at shutdown.
    pub fn following(self) -> Self {
        drop(self.follow_feed());
        self
    }

    /// The same state with the alerts counted with `alerts`' thresholds.
    pub fn with_alerts(self, alerts: crate::backend::AlertThresholds) -> Self {
        let backend = backend((&self.legacy, &self.links, &self.watches), &self.index, &alerts, &self.limits);
        AppState { backend, alerts, ..self }
    }

    /// The same state within other limits.
    pub fn with_limits(self, limits: listen::Limits) -> Self {
        let backend = backend((&self.legacy, &self.links, &self.watches), &self.index, &self.alerts, &limits);
        AppState { backend, limits, ..self }
    }

    /// The same state with watches notifying through `targets` (the proxy's e-mail header
    /// `email_header`).
    pub fn with_watches(self, targets: Arc<crate::watches::Targets>, email_header: &str) -> Self {
        let watches = Arc::new(crate::watches::Watches::new(self.legacy.store.clone(), targets, email_header));
        let backend = backend((&self.legacy, &self.links, &watches), &self.index, &self.alerts, &self.limits);
        AppState { backend, watches, ..self }
    }

    /// Starts the watch job (detection and delivery, links under `public`) until the server
    /// closes.
    pub fn watch_job(&self, targets: Arc<crate::watches::Targets>, public: &str) -> tokio::task::JoinHandle<()> {
        let parts = (self.legacy.store.clone(), self.index.clone());
        let job = crate::watches::Job::new(parts, targets, self.alerts.stuck_after.clone(), public);
        tokio::spawn(job.run(self.closing.subscribe()))
    }

    /// Sweeps the short links (expired, beyond the most kept) every six hours until the
    /// server closes. Every replica may: a link deleted twice is deleted once.
    pub fn sweep_links(&self) -> tokio::task::JoinHandle<()> {
        let links = self.links.clone();
        self.every(6 * 3600, "short links", move || {
            let links = links.clone();
            async move { links.sweep(crate::clock::now()).await }
        })
    }

    /// Sweeps the lapsed acknowledgements (`acks::sweep`) every hour until the server closes.
    pub fn sweep_acks(&self) -> tokio::task::JoinHandle<()> {
        let (store, index) = (self.legacy.store.clone(), self.index.clone());
        self.every(3600, "lapsed acknowledgements", move || {
            let (store, index) = (store.clone(), index.clone());
            async move { crate::acks::sweep(&*store, &index, crate::clock::now()).await }
        })
    }

    /// Runs `sweep` every `seconds` until the server closes, logging what it deleted.
    fn every<F, Fut>(&self, seconds: u64, what: &'static str, sweep: F) -> tokio::task::JoinHandle<()>
    where
        F: Fn() -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Result<u64, crate::store::StoreError>> + Send,
    {
        let mut closing = self.closing.subscribe();
        tokio::spawn(async move {
            loop {
                match sweep().await {
                    Ok(n) if n > 0 => tracing::info!(deleted = n, what, "swept"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, what, "sweeping failed"),
                }
                let wait = tokio::time::sleep(std::time::Duration::from_secs(seconds));
                tokio::select! {
                    () = wait => {}
                    _ = closing.wait_for(|c| *c) => return,
                }
            }
        })
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

fn backend(
    (legacy, links, watches): (&legacy::Legacy, &Arc<crate::links::Links>, &Arc<crate::watches::Watches>),
    index: &Arc<SummaryIndex>,
    alerts: &crate::backend::AlertThresholds,
    limits: &listen::Limits,
) -> SharedBackend {
    let heavy = crate::gate::Gate::new(limits.heavy_queries, limits.heavy_queue);
    let (l, a) = (legacy, alerts.clone());
    let bounds = (heavy, links.clone(), watches.clone());
    crate::backend::StoreBackend::new(l.store.clone(), index.clone(), l.auth.clone(), l.updates.clone(), a, bounds)
}

/// Builds the whole router for `base` ("" or "/stats").
pub fn router(state: AppState, spa: Arc<Spa>, base: &str) -> Router {
    let index = spa.clone();
    let legacy = state.legacy.clone();
    // One bound on bulk answers for both mounts of the legacy routes.
    let bulk = crate::gate::Gate::new(state.limits.bulk_answers, state.limits.bulk_answers * 4);
    let ops = ops::routes(legacy.store.clone(), state.index.clone());
    let links = state.links.clone();
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
        .merge(legacy::routes(legacy.clone(), bulk.clone()))
        .merge(csv::routes(legacy.index.clone(), bulk.clone()))
        .merge(list_md::routes(legacy.index.clone()))
        .merge(short::routes(links))
        .merge(pdf::routes(legacy.store.clone(), legacy.index.clone()))
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
            .merge(legacy::routes(legacy, bulk).layer(timeout))
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
        let e = app::api::ApiError::NotReady(crate::index::NotReady.to_string());
        let body = serde_json::to_string(&e).unwrap_or_default();
        let json = (header::CONTENT_TYPE, "application/json");
        return (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "5"), json], body).into_response();
    }
    // A browser sends text/plain cross-site without asking (no CORS preflight); JSON it
    // does not. What acts for its caller takes JSON only, as its client sends.
    if WRITES.contains(&fn_name.as_str()) && !is_json(req.headers()) {
        return (StatusCode::UNSUPPORTED_MEDIA_TYPE, format!("{fn_name} takes application/json\n")).into_response();
    }
    let backend = state.backend.clone();
    // The caller's headers, for the admin check of SSO proxy deployments.
    let peer = req.extensions().get::<listen::Peer>().map(|p| p.0.ip().to_string());
    let caller = app::api::ssr::Caller {
        peer,
        headers: req
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect(),
    };
    let resp = leptos_axum::handle_server_fns_with_context(
        move || {
            provide_context(backend.clone());
            provide_context(caller.clone());
        },
        req,
    )
    .await
    .into_response();
    if resp.status() == StatusCode::INTERNAL_SERVER_ERROR {
        return with_error_status(resp).await;
    }
    resp
}

/// Server functions answer every error with 500; the error itself (`ApiError`, in the body)
/// says what it was: 400 for the caller's mistake, 503 with `Retry-After` for "try again",
/// 500 only for a bug.
async fn with_error_status(resp: axum::response::Response) -> axum::response::Response {
    let (mut parts, body) = resp.into_parts();
    // Error bodies are one short message; anything longer is not one of these.
    let bytes = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    if let Ok(e) = serde_json::from_slice::<app::api::ApiError>(&bytes) {
        parts.status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if parts.status == StatusCode::SERVICE_UNAVAILABLE {
            parts.headers.insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
        }
        if parts.status == StatusCode::TOO_MANY_REQUESTS {
            parts.headers.insert(header::RETRY_AFTER, header::HeaderValue::from_static("60"));
        }
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
