//! Runs the stats2 HTTP server in-process on a free loopback port.

use std::sync::Arc;

use server::auth::AdminAuth;
use server::http::{self, AppState, Spa};
use server::store::SharedStore;
use server::updater::single::UpdateService;
use server::updater::UpdaterConfig;
use server::upstream::Upstream;
use tokio::sync::oneshot;

/// A server running on a tokio task; stopped on drop.
pub struct TestServer {
    /// e.g. `http://127.0.0.1:40123`
    pub origin: String,
    /// The live stream's channel, to announce changes as a scheduled run would.
    pub events: server::http::events::Events,
    stop: Option<oneshot::Sender<()>>,
}

impl TestServer {
    /// Serves `store` under `base` ("/stats" or "") with the SPA built in target/dist; admin
    /// actions are refused (no credentials configured) and cmsweb is unreachable.
    pub async fn start(store: SharedStore, base: &str) -> anyhow::Result<Self> {
        let nowhere = server::testkit::fast_upstream("http://127.0.0.1:9", 0, 2)?;
        Self::start_with(store, base, nowhere, AdminAuth::default(), UpdaterConfig::default()).await
    }

    /// Serves `store` under `base` behind a stand-in for the SSO proxy that signs every
    /// request in as `user` (`<user>@example.org`), with watches notifying through `notify`
    /// and their job running.
    pub async fn start_signed_in(
        store: SharedStore,
        base: &str,
        user: &'static str,
        notify: &server::config::NotifyConfig,
    ) -> anyhow::Result<Self> {
        let nowhere = server::testkit::fast_upstream("http://127.0.0.1:9", 0, 2)?;
        let proxy = server::auth::ProxyAuth {
            user_header: "X-Forwarded-User".into(),
            groups_header: "X-Forwarded-Groups".into(),
            admin_group: "admins".into(),
        };
        let auth = AdminAuth { token: None, proxy: Some(proxy) };
        let targets = Arc::new(server::watches::Targets::new(notify)?);
        let email = format!("{user}@example.org");
        let sso = move |mut req: axum::extract::Request| {
            let headers = req.headers_mut();
            headers.insert("x-forwarded-user", axum::http::HeaderValue::from_static(user));
            if let Ok(v) = axum::http::HeaderValue::from_str(&email) {
                headers.insert("x-forwarded-email", v);
            }
            std::future::ready(req)
        };
        // Links in notifications only need to name the base path here.
        let public = format!("http://127.0.0.1{base}");
        let build = move |state: AppState| {
            let state = state.with_watches(targets.clone(), server::config::DEFAULT_EMAIL_HEADER);
            drop(state.watch_job(targets, &public));
            state
        };
        let updates = UpdateService::new(store.clone(), nowhere, UpdaterConfig::default());
        let state = AppState::new(store, updates, auth, base, std::time::Duration::from_secs(2)).following();
        Self::serve(build(state), base, Some(axum::middleware::map_request(sso))).await
    }

    /// Serves `store` with admin updates from `up` (run with `cfg`) for whoever `auth` admits.
    pub async fn start_with(
        store: SharedStore,
        base: &str,
        up: Arc<dyn Upstream>,
        auth: AdminAuth,
        cfg: UpdaterConfig,
    ) -> anyhow::Result<Self> {
        let updates = UpdateService::new(store.clone(), up, cfg);
        let state = AppState::new(store, updates, auth, base, std::time::Duration::from_secs(2)).following();
        Self::serve(state, base, None::<tower::layer::util::Identity>).await
    }

    async fn serve<L>(state: AppState, base: &str, layer: Option<L>) -> anyhow::Result<Self>
    where
        L: tower::Layer<axum::routing::Route> + Clone + Send + Sync + 'static,
        L::Service:
            tower::Service<axum::extract::Request, Error = std::convert::Infallible> + Clone + Send + Sync + 'static,
        <L::Service as tower::Service<axum::extract::Request>>::Response: axum::response::IntoResponse + 'static,
        <L::Service as tower::Service<axum::extract::Request>>::Future: Send + 'static,
    {
        let dist = std::env::var_os("STATS_DIST_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| crate::repo_root().join("target/dist"));
        let spa: Arc<Spa> = Spa::load(&dist, base);
        anyhow::ensure!(spa.is_built(), "no SPA build in {}: run `trunk build --release` first", dist.display());
        let events = state.events.clone();
        let index = state.index.clone();
        let close = state.closer();
        let router = http::router(state, spa, base);
        let router = match layer {
            Some(l) => router.layer(l),
            None => router,
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let origin = format!("http://{}", listener.local_addr()?);
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(http::serve(listener, router, async {
            let _ = rx.await;
            close();
        }));
        // The server functions answer 503 until the summary index has read the store.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !index.is_ready() {
            anyhow::ensure!(std::time::Instant::now() < deadline, "the summary index was not built within 60 s");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        Ok(TestServer { origin, events, stop: Some(tx) })
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

/// Calls server function `name` under `<origin>/stats` with `headers` (the caller's
/// credentials) and a JSON body: its status and its JSON answer (`null` when not JSON).
pub async fn rpc(
    origin: &str,
    name: &str,
    headers: &[(&str, &str)],
    body: serde_json::Value,
) -> (reqwest::StatusCode, serde_json::Value) {
    let mut r = reqwest::Client::new().post(format!("{origin}/stats/rpc/{name}")).json(&body);
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    match r.send().await {
        Ok(answer) => (answer.status(), answer.json().await.unwrap_or(serde_json::Value::Null)),
        Err(e) => panic!("{name} could not be called: {e}"),
    }
}
