//! The incremental updater (U18–U43): ReqMgr2 changes and DBS counts into Stats2 documents,
//! with the fixes of section X. One run at a time per store (run lock).

mod announced;
pub mod backfill;
pub mod build;
pub mod dataset_lists;
pub mod derive;
pub mod documents;
pub mod feed;
pub mod history;
pub mod lock;
mod memo;
pub mod metadata;
pub mod recalc;
pub mod run;
pub mod settings;
pub mod single;

use std::sync::Arc;
use std::time::Duration;

use indicatif::ProgressBar;

use crate::store::{SharedStore, StoreError};
use crate::upstream::{Upstream, UpstreamError};
use build::RunCaches;

/// Why a workflow (or a run) could not be updated.
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    /// cmsweb failed.
    #[error(transparent)]
    Upstream(#[from] UpstreamError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The request cannot be turned into a document.
    #[error(transparent)]
    Derive(#[from] derive::DeriveError),
    /// A stored document is not a workflow document.
    #[error(transparent)]
    Model(#[from] app::model::ModelError),
    /// Something else about the data is invalid.
    #[error("{0}")]
    Invalid(String),
    /// Another run holds the lock.
    #[error(transparent)]
    Lock(#[from] lock::LockError),
    /// The process was told to stop (SIGTERM, Ctrl-C); what was complete is checkpointed.
    #[error("stopped on request; the next run continues from the last checkpoint")]
    Stopped,
}

/// How the updater runs.
#[derive(Debug, Clone)]
pub struct UpdaterConfig {
    /// Workflows processed at once (their upstream calls are bounded by the client too).
    pub concurrency: usize,
    /// Datasets per DBS `datasetlist` call.
    pub dataset_batch: usize,
    /// Notify production PdmV services (callbacks are delivered by the dispatcher).
    pub trigger_prod: bool,
    /// Notify development PdmV services.
    pub trigger_dev: bool,
    /// How long a single-workflow update waits for a running update (docs/decisions.md "Run lock").
    pub lock_wait: Duration,
    /// A run lock whose holder is silent this long is taken over.
    pub lock_stale: Duration,
    /// Changes per page of ReqMgr2's feed (U33: 500); each page is checkpointed once done.
    pub feed_page: u64,
}

impl UpdaterConfig {
    /// The same configuration with callbacks off: single-workflow updates (U42) and the
    /// history recalculation that follows one never announce.
    pub fn without_callbacks(&self) -> Self {
        UpdaterConfig { trigger_prod: false, trigger_dev: false, ..self.clone() }
    }
}

impl Default for UpdaterConfig {
    fn default() -> Self {
        UpdaterConfig {
            concurrency: 16,
            dataset_batch: 100,
            trigger_prod: false,
            trigger_dev: false,
            lock_wait: Duration::from_secs(30),
            lock_stale: lock::STALE_AFTER,
            feed_page: 500,
        }
    }
}

/// Everything one run (or one single-workflow update) works with.
pub struct RunContext {
    /// The store.
    pub store: SharedStore,
    /// cmsweb.
    pub up: Arc<dyn Upstream>,
    /// Caches of this run only (U43).
    pub caches: RunCaches,
    /// Settings of the updater.
    pub cfg: UpdaterConfig,
    /// Progress shown on a terminal (hidden otherwise).
    pub progress: ProgressBar,
    /// Set when the process is told to stop.
    pub stop: Stop,
}

impl RunContext {
    /// A fresh context (new caches) for one run.
    pub fn new(store: SharedStore, up: Arc<dyn Upstream>, cfg: UpdaterConfig, progress: ProgressBar) -> Self {
        RunContext { store, up, caches: RunCaches::default(), cfg, progress, stop: Stop::default() }
    }
}

/// How long a stopping run gives the requests in flight (and the page they belong to) before
/// it lets go of them, writes nothing more, and releases the lock.
pub const STOP_GRACE: Duration = Duration::from_secs(5);

/// The request to stop a run: no new upstream request starts, a page that completes within
/// [`STOP_GRACE`] is still checkpointed, and the run then ends with [`UpdateError::Stopped`].
#[derive(Clone, Debug)]
pub struct Stop(Arc<tokio::sync::watch::Sender<bool>>);

impl Default for Stop {
    fn default() -> Self {
        Stop(Arc::new(tokio::sync::watch::channel(false).0))
    }
}

impl Stop {
    /// Asks the run to stop.
    pub fn request(&self) {
        self.0.send_replace(true);
    }

    /// Whether a stop was asked for.
    pub fn is_requested(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves `grace` after a stop is asked for.
    pub async fn after(&self, grace: Duration) {
        let mut rx = self.0.subscribe();
        let _ = rx.wait_for(|s| *s).await;
        tokio::time::sleep(grace).await;
    }
}
