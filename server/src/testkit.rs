//! Helpers for tests and benchmarks: the simulator on a loopback port, a client with fast
//! retries, and documents normalised for comparison across runs.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::sim::{Sim, SimConfig};
use crate::store::{self, Paging, SharedStore, StoreError};
use crate::upstream::{ClientConfig, HttpUpstream, Upstream, UpstreamClient, UpstreamError};

/// A simulator serving on a loopback port until dropped.
pub struct SimServer {
    /// The simulator (step it, change its fault rate, read its counters).
    pub sim: Arc<Sim>,
    /// Its base URL, for CMSWEB_URL and CMSWEB_PROD_URL.
    pub url: String,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Drop for SimServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts a simulator on a free loopback port with its clock at `clock`.
pub async fn start_sim(cfg: SimConfig, clock: i64) -> std::io::Result<SimServer> {
    let sim = Sim::new(cfg, clock);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let task = tokio::spawn(sim.clone().serve(listener));
    Ok(SimServer { sim, url, task })
}

/// A client of `url` with `retries` quick retries and short timeouts.
pub fn fast_upstream(url: &str, retries: u32, concurrency: usize) -> Result<Arc<dyn Upstream>, UpstreamError> {
    let client = UpstreamClient::new(ClientConfig {
        concurrency,
        retries,
        backoff: Duration::from_millis(5),
        timeout: Duration::from_millis(800),
        slow_timeout: Duration::from_millis(800),
        ..ClientConfig::default()
    })?;
    Ok(Arc::new(HttpUpstream::new(client, url, url)?))
}

/// Every workflow document without what clocks and revisions decide (`_rev`, `LastUpdate`,
/// history `Time`), by name.
pub async fn snapshot(store: &SharedStore) -> Result<BTreeMap<String, Value>, StoreError> {
    let rows = store::workflows(&**store, Paging { skip: 0, limit: u64::MAX >> 1 }, true).await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let mut doc = r.doc?;
            let obj = doc.as_object_mut()?;
            obj.remove("_rev");
            obj.remove("LastUpdate");
            for h in obj.get_mut("EventNumberHistory").and_then(Value::as_array_mut).into_iter().flatten() {
                if let Some(h) = h.as_object_mut() {
                    h.remove("Time");
                }
            }
            Some((r.id, doc))
        })
        .collect())
}

/// A summary index built from `docs` (as if read from a store's feed), ready to answer.
pub fn index_of(docs: impl IntoIterator<Item = Value>) -> Arc<crate::index::SummaryIndex> {
    let index = crate::index::SummaryIndex::new();
    let mut built = crate::index::State::building();
    docs.into_iter().for_each(|d| built.upsert(d));
    index.install(built);
    index
}
