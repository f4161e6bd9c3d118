//! The live announcements: which workflows changed and when a run finished, published by the
//! summary index as it follows the store's feed (so changes made by any process are
//! announced) and read by the `/events` stream and the legacy cache.
//!
//! Each announcement is numbered, and the last [`RECENT`] are kept, so a browser that
//! reconnects (a network blip, a rolling update) and says the last number it saw gets what it
//! missed, or a `resync` when that is no longer here. Numbers carry this process's epoch: a
//! number from another replica or an earlier process means nothing here, and gets a `resync`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use app::rows::{EventKind, LiveEvent};
use tokio::sync::broadcast;

/// Names in one event at most; a larger batch is announced as a `resync`.
pub const MAX_NAMES: usize = 2000;

/// Announcements kept for clients that reconnect.
pub const RECENT: usize = 256;

/// Where events are published; cheap to clone.
#[derive(Clone)]
pub struct Events {
    sender: broadcast::Sender<LiveEvent>,
    recent: Arc<Mutex<VecDeque<LiveEvent>>>,
    /// This process's epoch (Unix ms at start), the first part of every event id.
    epoch: i64,
}

/// What a client that reconnects after `Last-Event-ID` is owed.
#[derive(Debug, Clone, PartialEq)]
pub enum Missed {
    /// These events, oldest first (none when it saw the latest).
    Replay(Vec<LiveEvent>),
    /// More than is kept, or an id of another process: reload everything.
    Resync,
}

/// A channel for events; slow readers that fall behind get a `resync`.
pub fn channel() -> Events {
    Events {
        sender: broadcast::channel(RECENT).0,
        recent: Arc::new(Mutex::new(VecDeque::with_capacity(RECENT))),
        epoch: crate::clock::now_ms(),
    }
}

/// Publishes `changed` workflows; more than [`MAX_NAMES`] names become a `resync`.
pub fn publish(events: &Events, kind: EventKind, changed: Vec<String>, run_start: Option<i64>) {
    let event = if changed.len() > MAX_NAMES {
        LiveEvent { kind: EventKind::Resync, changed: Vec::new(), run_start, seq: 0 }
    } else {
        LiveEvent { kind, changed, run_start, seq: 0 }
    };
    events.send(event);
}

impl Events {
    /// Receives every event published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.sender.subscribe()
    }

    fn send(&self, mut event: LiveEvent) {
        // Numbering, keeping and sending under one lock: a reader that subscribed before it
        // looks at what is kept misses nothing between the two.
        let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        event.seq = recent.back().map_or(1, |e| e.seq + 1);
        if recent.len() == RECENT {
            recent.pop_front();
        }
        recent.push_back(event.clone());
        // No subscribers is fine: nobody is looking.
        let _ = self.sender.send(event);
    }

    /// The number of the latest event (0 before the first).
    pub fn current(&self) -> u64 {
        self.recent.lock().unwrap_or_else(|p| p.into_inner()).back().map_or(0, |e| e.seq)
    }

    /// The id sent for event number `seq`.
    pub fn id(&self, seq: u64) -> String {
        format!("{}-{seq}", self.epoch)
    }

    /// What a client whose last seen id was `last_id` missed.
    pub fn missed(&self, last_id: &str) -> Missed {
        let seq = last_id
            .split_once('-')
            .filter(|(epoch, _)| epoch.parse() == Ok(self.epoch))
            .and_then(|(_, n)| n.parse::<u64>().ok());
        let Some(seq) = seq else { return Missed::Resync };
        let recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        let latest = recent.back().map_or(0, |e| e.seq);
        let oldest_kept = recent.front().map_or(1, |e| e.seq);
        if seq > latest || seq + 1 < oldest_kept {
            return Missed::Resync;
        }
        Missed::Replay(recent.iter().filter(|e| e.seq > seq).cloned().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(m: &Missed) -> Vec<u64> {
        match m {
            Missed::Replay(v) => v.iter().map(|e| e.seq).collect(),
            Missed::Resync => vec![u64::MAX],
        }
    }

    #[test]
    fn a_client_gets_what_it_missed_or_a_resync() {
        let events = channel();
        assert_eq!(events.missed(&events.id(0)), Missed::Replay(Vec::new()), "nothing yet, nothing missed");
        for i in 0..3 {
            publish(&events, EventKind::Workflow, vec![format!("w{i}")], None);
        }
        assert_eq!(events.current(), 3);
        assert_eq!(names(&events.missed(&events.id(1))), vec![2, 3]);
        assert_eq!(names(&events.missed(&events.id(3))), Vec::<u64>::new());
        assert_eq!(events.missed(&events.id(4)), Missed::Resync, "a number from the future");
        assert_eq!(events.missed("12-1"), Missed::Resync, "another process's id");
        assert_eq!(events.missed("junk"), Missed::Resync);
        for i in 0..RECENT {
            publish(&events, EventKind::Workflow, vec![format!("x{i}")], None);
        }
        assert_eq!(events.missed(&events.id(1)), Missed::Resync, "older than what is kept");
        let last = events.current();
        assert_eq!(names(&events.missed(&events.id(last - 5))).len(), 5);
    }
}
