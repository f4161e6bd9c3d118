//! A bound on expensive work that anyone may ask for (aggregates, histograms, campaign
//! tables, suggestions): at most `running` at once, at most `queue` more waiting, and the rest
//! refused at once, so a few anonymous clients looping the heaviest view cannot queue up the
//! whole server's time or memory. The refusal is a 503 with `Retry-After`: try again shortly.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The gate; shared by every caller.
#[derive(Debug)]
pub struct Gate {
    permits: Arc<Semaphore>,
    /// Running plus waiting.
    inside: Arc<AtomicUsize>,
    most: usize,
}

/// Every slot and every place in the queue is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many expensive queries are running; try again in a few seconds")]
pub struct Full;

/// Leave to run; the slot is freed when it is dropped. Hold it for as long as the work runs
/// (move it into the blocking task): a caller that is cancelled must not free a slot whose
/// work is still going on.
#[derive(Debug)]
pub struct Pass {
    _permit: OwnedSemaphorePermit,
    _inside: Inside,
}

#[derive(Debug)]
struct Inside(Arc<AtomicUsize>);

impl Drop for Inside {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Gate {
    /// At most `running` at once (at least one) and `queue` waiting.
    pub fn new(running: usize, queue: usize) -> Arc<Self> {
        let running = running.max(1);
        Arc::new(Gate {
            permits: Arc::new(Semaphore::new(running)),
            inside: Arc::new(AtomicUsize::new(0)),
            most: running + queue,
        })
    }

    /// Waits for a slot, or says at once that the queue is full.
    pub async fn enter(&self) -> Result<Pass, Full> {
        if self.inside.fetch_add(1, Ordering::AcqRel) >= self.most {
            self.inside.fetch_sub(1, Ordering::AcqRel);
            return Err(Full);
        }
        // Counted from here: a caller dropped while waiting leaves the queue with this guard.
        let inside = Inside(self.inside.clone());
        let permit = self.permits.clone().acquire_owned().await.map_err(|_| Full)?;
        Ok(Pass { _permit: permit, _inside: inside })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn past_the_queue_callers_are_refused_and_slots_come_back() {
        let gate = Gate::new(1, 1);
        let running = gate.enter().await.unwrap();
        let g = gate.clone();
        let waiting = tokio::spawn(async move { g.enter().await.map(drop) });
        tokio::task::yield_now().await;
        assert_eq!(gate.enter().await.unwrap_err(), Full, "one running and one waiting: full");
        drop(running);
        waiting.await.unwrap().unwrap();
        drop(gate.enter().await.unwrap());
    }

    #[tokio::test]
    async fn a_caller_cancelled_in_the_queue_leaves_it() {
        let gate = Gate::new(1, 1);
        let running = gate.enter().await.unwrap();
        let g = gate.clone();
        let waiting = tokio::spawn(async move { g.enter().await.map(drop) });
        tokio::task::yield_now().await;
        waiting.abort();
        let _ = waiting.await;
        let g = gate.clone();
        let next = tokio::spawn(async move { g.enter().await.map(drop) });
        tokio::task::yield_now().await;
        drop(running);
        next.await.unwrap().unwrap();
    }
}
