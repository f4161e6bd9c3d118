//! Single-workflow updates for `/api/update` and the admin button (U42): concurrent requests
//! for one workflow share one run; a full run holding the lock makes them wait up to 30 s,
//! then answer 409.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures::future::{BoxFuture, FutureExt, Shared};

use crate::store::SharedStore;
use crate::updater::{lock::LockError, run, RunContext, UpdateError, UpdaterConfig};
use crate::upstream::Upstream;

/// How a single-workflow update ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateOutcome {
    /// Updated (or already up to date).
    Done,
    /// A full run held the lock for longer than the wait.
    Busy(String),
    /// The update failed; the text says why.
    Failed(String),
}

type Running = Shared<BoxFuture<'static, UpdateOutcome>>;

/// Runs single-workflow updates, de-duplicated per workflow.
pub struct UpdateService {
    store: SharedStore,
    up: Arc<dyn Upstream>,
    cfg: UpdaterConfig,
    running: Mutex<HashMap<String, Running>>,
}

impl UpdateService {
    /// A service updating `store` from `up`.
    pub fn new(store: SharedStore, up: Arc<dyn Upstream>, cfg: UpdaterConfig) -> Arc<Self> {
        Arc::new(UpdateService { store, up, cfg, running: Mutex::new(HashMap::new()) })
    }

    /// Updates `name`, joining an update of the same workflow already under way. The update
    /// runs as its own task: a caller that hangs up stops waiting, not the update, which
    /// finishes, releases the run lock and leaves the map whatever its callers do.
    pub async fn update(self: &Arc<Self>, name: &str) -> UpdateOutcome {
        let fut = {
            let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(f) = running.get(name) {
                f.clone()
            } else {
                let this = self.clone();
                let owned = name.to_owned();
                let task = tokio::spawn(async move {
                    let outcome = this.run(&owned).await;
                    this.running.lock().unwrap_or_else(|p| p.into_inner()).remove(&owned);
                    outcome
                });
                let f = async move {
                    task.await.unwrap_or_else(|e| UpdateOutcome::Failed(format!("the update task ended: {e}")))
                }
                .boxed()
                .shared();
                running.insert(name.to_owned(), f.clone());
                f
            }
        };
        fut.await
    }

    /// Workflows whose update is under way (for tests and diagnostics).
    pub fn in_progress(&self) -> usize {
        self.running.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    async fn run(&self, name: &str) -> UpdateOutcome {
        // U42: no callbacks from this path, whatever the scheduled runs do.
        let cfg = self.cfg.without_callbacks();
        let ctx = RunContext::new(self.store.clone(), self.up.clone(), cfg, indicatif::ProgressBar::hidden());
        match run::update_one(&ctx, name).await {
            // Announced by every replica's index when the store's feed shows the write.
            Ok(_) => UpdateOutcome::Done,
            Err(UpdateError::Lock(LockError::Busy { holder, .. })) => UpdateOutcome::Busy(holder),
            Err(e) => {
                tracing::warn!(workflow = name, error = %e, "single-workflow update failed");
                UpdateOutcome::Failed(e.to_string())
            }
        }
    }
}
