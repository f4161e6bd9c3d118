//! Shared by the updater tests: the simulator, clients, stores and snapshots of testkit.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use server::sim::SimConfig;
use server::store::{sqlite::SqliteStore, Db, SharedStore};
use server::testkit::{self, SimServer};
use server::updater::run::{self, RunSummary};
use server::updater::{RunContext, UpdateError, UpdaterConfig};
use server::upstream::Upstream;

/// Clock of the simulated world.
pub const CLOCK: i64 = 1_764_000_000;

pub async fn sim(cfg: SimConfig) -> SimServer {
    testkit::start_sim(cfg, CLOCK).await.unwrap()
}

pub fn upstream(url: &str, retries: u32) -> Arc<dyn Upstream> {
    testkit::fast_upstream(url, retries, 8).unwrap()
}

pub async fn sqlite() -> (SharedStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store: SharedStore = Arc::new(SqliteStore::open(&dir.path().join("u.sqlite")).unwrap());
    store.init().await.unwrap();
    (store, dir)
}

pub fn config() -> UpdaterConfig {
    UpdaterConfig { lock_stale: Duration::from_secs(1), lock_wait: Duration::from_secs(5), ..UpdaterConfig::default() }
}

pub async fn run(store: &SharedStore, up: &Arc<dyn Upstream>) -> Result<RunSummary, UpdateError> {
    run_with(store, up, config()).await
}

pub async fn run_with(
    store: &SharedStore,
    up: &Arc<dyn Upstream>,
    cfg: UpdaterConfig,
) -> Result<RunSummary, UpdateError> {
    let ctx = RunContext::new(store.clone(), up.clone(), cfg, indicatif::ProgressBar::hidden());
    run::run(&ctx).await
}

pub async fn snapshot(store: &SharedStore) -> BTreeMap<String, Value> {
    testkit::snapshot(store).await.unwrap()
}

pub async fn settings(store: &SharedStore) -> Value {
    store.get(Db::Settings, "all_settings").await.unwrap().unwrap()
}

/// Credentials the simulator's SSO accepts, with `secret`.
pub fn creds(url: &str, secret: &str) -> server::callbacks::token::Credentials {
    server::callbacks::token::Credentials::from_parts(
        &format!("{url}/auth/realms/cern/api-access/token"),
        Some(server::sim::pdmv::CLIENT_ID),
        Some(secret),
        Some("prod-aud"),
        Some("dev-aud"),
    )
    .unwrap()
}

/// A deliverer to the simulator's sinks (prod and dev hosts both the simulator).
pub fn deliverer(url: &str) -> Arc<server::callbacks::Deliverer> {
    server::callbacks::Deliverer::new(creds(url, server::sim::pdmv::CLIENT_SECRET), url, url, 4).unwrap()
}

/// The highest of `read()` (bytes a counting allocator holds) seen every 200 µs from
/// [`Peak::start`] until [`Peak::stop`], on a thread of its own.
pub struct Peak {
    peak: Arc<std::sync::atomic::AtomicUsize>,
    done: Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl Peak {
    pub fn start(read: fn() -> usize) -> Peak {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        let peak = Arc::new(AtomicUsize::new(read()));
        let done = Arc::new(AtomicBool::new(false));
        let (p, d) = (peak.clone(), done.clone());
        let thread = std::thread::spawn(move || {
            while !d.load(Ordering::Relaxed) {
                p.fetch_max(read(), Ordering::Relaxed);
                std::thread::sleep(Duration::from_micros(200));
            }
        });
        Peak { peak, done, thread }
    }

    /// The highest value seen.
    pub fn stop(self) -> usize {
        self.done.store(true, std::sync::atomic::Ordering::Relaxed);
        self.thread.join().unwrap();
        self.peak.load(std::sync::atomic::Ordering::Relaxed)
    }
}
