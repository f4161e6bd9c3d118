//! Shared by the updater tests: an in-process simulator, clients, stores, snapshots.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use server::sim::{Sim, SimConfig};
use server::store::{self, sqlite::SqliteStore, Db, Paging, SharedStore};
use server::updater::run::{self, RunSummary};
use server::updater::{RunContext, UpdateError, UpdaterConfig};
use server::upstream::{ClientConfig, HttpUpstream, Upstream, UpstreamClient};

/// A simulator serving on a loopback port.
pub struct SimServer {
    pub sim: Arc<Sim>,
    pub url: String,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Drop for SimServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub const CLOCK: i64 = 1_764_000_000;

pub async fn sim(cfg: SimConfig) -> SimServer {
    let sim = Sim::new(cfg, CLOCK);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(sim.clone().serve(listener));
    SimServer { sim, url, task }
}

/// A client with fast retries, as tests want.
pub fn upstream(url: &str, retries: u32) -> Arc<dyn Upstream> {
    let client = UpstreamClient::new(ClientConfig {
        concurrency: 8,
        retries,
        backoff: Duration::from_millis(5),
        timeout: Duration::from_millis(800),
        slow_timeout: Duration::from_millis(800),
        ..ClientConfig::default()
    })
    .unwrap();
    Arc::new(HttpUpstream::new(client, url, url).unwrap())
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
    let ctx = RunContext::new(store.clone(), up.clone(), config(), indicatif::ProgressBar::hidden());
    run::run(&ctx).await
}

/// Every workflow document without what clocks and revisions decide (`_rev`, `LastUpdate`,
/// history `Time`), by name.
pub async fn snapshot(store: &SharedStore) -> BTreeMap<String, Value> {
    let rows = store::workflows(&**store, Paging { skip: 0, limit: 100_000 }, true).await.unwrap();
    rows.into_iter()
        .map(|r| {
            let mut doc = r.doc.unwrap();
            let obj = doc.as_object_mut().unwrap();
            obj.remove("_rev");
            obj.remove("LastUpdate");
            for h in obj.get_mut("EventNumberHistory").and_then(Value::as_array_mut).into_iter().flatten() {
                h.as_object_mut().unwrap().remove("Time");
            }
            (r.id, doc)
        })
        .collect()
}

pub async fn settings(store: &SharedStore) -> Value {
    store.get(Db::Settings, "all_settings").await.unwrap().unwrap()
}
