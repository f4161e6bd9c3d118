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

    /// Serves `store` with admin updates from `up` (run with `cfg`) for whoever `auth` admits.
    pub async fn start_with(
        store: SharedStore,
        base: &str,
        up: Arc<dyn Upstream>,
        auth: AdminAuth,
        cfg: UpdaterConfig,
    ) -> anyhow::Result<Self> {
        let dist = std::env::var_os("STATS_DIST_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| crate::repo_root().join("target/dist"));
        let spa: Arc<Spa> = Spa::load(&dist, base);
        anyhow::ensure!(spa.is_built(), "no SPA build in {}: run `trunk build --release` first", dist.display());
        let updates = UpdateService::new(store.clone(), up, cfg);
        let state = AppState::new(store, updates, auth, base, std::time::Duration::from_secs(2)).following();
        let events = state.events.clone();
        let index = state.index.clone();
        let close = state.closer();
        let router = http::router(state, spa, base);
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
