//! The run lock (X21, docs/decisions.md "Run lock"): one document in the project's own database, so two
//! runs (CLI, scheduler, admin button, another replica) never overlap on one store. The
//! holder refreshes a heartbeat; a lock whose heartbeat is older than [`STALE_AFTER`] (its
//! holder died) is taken over. A holder that was taken over (it stalled longer than that)
//! learns it at its next heartbeat or when it checks before saving, and stops: two runs must
//! never both save their progress.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::watch;
use tokio::task::JoinHandle;

// Heartbeats are in milliseconds: with a short stale time, whole seconds made a fresh lock
// look stale up to a second early.
use crate::clock::now_ms;
use crate::store::{Db, SharedStore, StoreError};

/// Document id of the lock.
pub const LOCK_ID: &str = "run_lock";
/// A heartbeat older than this means the holder is gone (docs/decisions.md "Run lock": 60 s).
pub const STALE_AFTER: Duration = Duration::from_secs(60);

/// Why the lock was not taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another run holds it.
    #[error("another update run is in progress ({holder}, started {started} s ago)")]
    Busy {
        /// Who holds it.
        holder: String,
        /// Seconds since it was taken.
        started: i64,
    },
    /// This run held the lock and lost it: another run took it over after a stall.
    #[error("the run lock was taken over ({holder} holds it now); this run stops without saving")]
    Lost {
        /// Who holds it now ("nobody" when it was released).
        holder: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A held lock; released by [`RunLock::release`] (or left to go stale if the process dies).
pub struct RunLock {
    store: SharedStore,
    holder: String,
    heartbeat: JoinHandle<()>,
    /// Turns true when a heartbeat finds the lock in other hands.
    lost: watch::Receiver<bool>,
}

/// (holder, heartbeat in ms, started in s) of a held lock.
fn holder_of(doc: &Value) -> Option<(&str, i64, i64)> {
    let holder = doc.get("holder")?.as_str()?;
    Some((holder, doc.get("heartbeat_ms")?.as_i64()?, doc.get("started").and_then(Value::as_i64).unwrap_or(0)))
}

impl RunLock {
    /// Takes the lock for `what` (e.g. "update run"), waiting up to `wait` for a holder to
    /// finish; a holder silent for `stale` is taken over.
    pub async fn acquire(store: SharedStore, what: &str, wait: Duration, stale: Duration) -> Result<Self, LockError> {
        // Unique per acquisition: two runs of one process must not mistake each other's lock.
        static TAKEN: AtomicU64 = AtomicU64::new(0);
        let n = TAKEN.fetch_add(1, Ordering::Relaxed);
        let holder = format!("{what} pid {} #{n} on {}", std::process::id(), hostname());
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match Self::try_take(&store, &holder, stale.as_millis() as i64).await? {
                None => break,
                Some(busy) if tokio::time::Instant::now() >= deadline => return Err(busy),
                Some(_) => tokio::time::sleep(Duration::from_millis(250)).await,
            }
        }
        // Beat well within the stale time so a live holder is never taken over.
        let every = (stale / 4).max(Duration::from_millis(200));
        let (lost_tx, lost) = watch::channel(false);
        let heartbeat = tokio::spawn(beat(store.clone(), holder.clone(), every, lost_tx));
        Ok(RunLock { store, holder, heartbeat, lost })
    }

    /// Resolves when a heartbeat finds the lock taken over (never while it is held).
    pub async fn lost(&self) -> LockError {
        let mut lost = self.lost.clone();
        if lost.wait_for(|l| *l).await.is_err() {
            // The heartbeat ended without finding a loss (aborted): this never resolves.
            std::future::pending::<()>().await;
        }
        LockError::Lost { holder: "another run".into() }
    }

    /// Reads the lock and fails with [`LockError::Lost`] unless this run still holds it:
    /// called just before a run saves its progress.
    pub async fn check(&self) -> Result<(), LockError> {
        let current = self.store.get(Db::Stats2, LOCK_ID).await?;
        match current.as_ref().and_then(holder_of) {
            Some((h, _, _)) if h == self.holder => Ok(()),
            Some((h, _, _)) => Err(LockError::Lost { holder: h.to_owned() }),
            None => Err(LockError::Lost { holder: "nobody".into() }),
        }
    }

    /// One attempt: `None` when taken, the reason otherwise.
    async fn try_take(store: &SharedStore, holder: &str, stale_ms: i64) -> Result<Option<LockError>, StoreError> {
        let now = now_ms();
        let current = store.get(Db::Stats2, LOCK_ID).await?;
        if let Some((other, beat, started)) = current.as_ref().and_then(holder_of) {
            if now - beat < stale_ms {
                return Ok(Some(LockError::Busy { holder: other.to_owned(), started: crate::clock::now() - started }));
            }
            tracing::warn!(holder = other, silent_ms = now - beat, "taking over a stale run lock");
        }
        let mut doc = json!({"_id": LOCK_ID, "holder": holder, "heartbeat_ms": now, "started": crate::clock::now()});
        if let Some(rev) = current.as_ref().and_then(|d| d.get("_rev")) {
            doc["_rev"] = rev.clone();
        }
        match store.put(Db::Stats2, &doc).await {
            Ok(_) => Ok(None),
            // Someone else was faster: report them on the next look.
            Err(StoreError::Conflict) => Ok(Some(LockError::Busy { holder: "another run".into(), started: 0 })),
            Err(e) => Err(e),
        }
    }

    /// Releases the lock if this run still holds it.
    pub async fn release(self) -> Result<(), StoreError> {
        self.heartbeat.abort();
        let store = self.store.clone();
        let holder = self.holder.clone();
        crate::store::update(&*store, Db::Stats2, LOCK_ID, move |cur| {
            let cur = cur?;
            (holder_of(&cur).map(|h| h.0) == Some(holder.as_str())).then(|| json!({"_id": LOCK_ID, "holder": null}))
        })
        .await
        .map(|_| ())
    }
}

impl Drop for RunLock {
    /// A run dropped without `release` (cancelled, panicked) stops beating, so its lock goes
    /// stale and the next run takes it over, as after a crash.
    fn drop(&mut self) {
        self.heartbeat.abort();
    }
}

/// Refreshes the heartbeat while the lock is ours; says so on `lost` and stops when it is not.
async fn beat(store: SharedStore, holder: String, every: Duration, lost: watch::Sender<bool>) {
    let store: Arc<_> = store;
    loop {
        tokio::time::sleep(every).await;
        let h = holder.clone();
        let result = crate::store::update(&*store, Db::Stats2, LOCK_ID, move |cur| {
            let mut cur = cur?;
            (holder_of(&cur).map(|x| x.0) == Some(h.as_str())).then(|| {
                cur["heartbeat_ms"] = json!(now_ms());
                cur
            })
        })
        .await;
        match result {
            Ok(Some(_)) => {}
            // Nothing written: the lock is someone else's (or was released under us).
            Ok(None) => {
                tracing::error!(holder, "the run lock was taken over; stopping this run");
                let _ = lost.send(true);
                return;
            }
            // A store hiccup is not a loss: the next beat (or `check`) decides.
            Err(e) => tracing::warn!(error = %e, "could not refresh the run lock"),
        }
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| "localhost".into())
}
