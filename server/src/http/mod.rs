//! The axum router: server functions under `<base>/rpc/`, the single-page app with index
//! fallback under `<base>/`, and `/` redirecting to the base path.

pub mod events;
pub mod legacy;
pub mod ops;
mod spa;

use std::sync::Arc;

use app::api::ssr::SharedBackend;
use axum::body::Body;
use axum::extract::State;
use axum::http::Request;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{any, get};
use axum::Router;
use leptos::prelude::provide_context;
use tower_http::trace::TraceLayer;

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
}

impl AppState {
    /// State over `store`, with admin updates run by `updates` for those `auth` admits; legacy
    /// answers are cached for `cache_ttl` and forgotten whenever a change is announced.
    pub fn new(
        store: crate::store::SharedStore,
        updates: Arc<legacy::UpdateService>,
        auth: legacy::AdminAuth,
        base: &str,
        cache_ttl: std::time::Duration,
    ) -> Self {
        let events = events::channel();
        updates.publish_to(events.clone());
        let cache = legacy::cache::ResponseCache::new(cache_ttl);
        let legacy = Arc::new(legacy::Legacy {
            store: store.clone(),
            auth: auth.clone(),
            updates: updates.clone(),
            base: base.to_owned(),
            cache,
        });
        let weak = Arc::downgrade(&legacy);
        let mut changes = events.subscribe();
        tokio::spawn(async move {
            // Lagged or not, any event means something changed.
            while !matches!(changes.recv().await, Err(tokio::sync::broadcast::error::RecvError::Closed)) {
                match weak.upgrade() {
                    Some(l) => l.cache.clear(),
                    None => break,
                }
            }
        });
        AppState { backend: crate::backend::StoreBackend::new(store, auth, updates), legacy, events }
    }
}

/// Builds the whole router for `base` ("" or "/stats").
pub fn router(state: AppState, spa: Arc<Spa>, base: &str) -> Router {
    let index = spa.clone();
    let legacy = state.legacy.clone();
    let ops = ops::routes(legacy.store.clone());
    let live = Router::new().route("/events", get(events::stream)).with_state(state.events.clone());
    let inner = Router::new()
        .route(&format!("{}/{{*fn_name}}", app::api::RPC_PREFIX), any(server_fn))
        .with_state(state)
        .merge(live)
        .merge(legacy::routes(legacy.clone()))
        .merge(spa.router());
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
            .merge(legacy::routes(legacy))
            .merge(ops)
    };
    app.layer(axum::middleware::from_fn(ops::count_requests)).layer(TraceLayer::new_for_http())
}

async fn server_fn(State(state): State<AppState>, req: Request<Body>) -> impl IntoResponse {
    let backend = state.backend.clone();
    // The caller's headers, for the admin check of SSO proxy deployments.
    let caller = app::api::ssr::Caller {
        headers: req
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect(),
    };
    leptos_axum::handle_server_fns_with_context(
        move || {
            provide_context(backend.clone());
            provide_context(caller.clone());
        },
        req,
    )
    .await
}

/// Serves `router` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router).with_graceful_shutdown(shutdown).await
}
