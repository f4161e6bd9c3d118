//! The live announcements: which workflows changed and when a run finished, published by the
//! summary index as it follows the store's feed (so changes made by any process are
//! announced) and read by the `/events` stream and the legacy cache.

use app::rows::{EventKind, LiveEvent};
use tokio::sync::broadcast;

/// Where events are published.
pub type Events = broadcast::Sender<LiveEvent>;

/// Names in one event at most; a larger batch is announced as a `resync`.
pub const MAX_NAMES: usize = 2000;

/// A channel for events; slow readers that fall behind get a `resync`.
pub fn channel() -> Events {
    broadcast::channel(256).0
}

/// Publishes `changed` workflows; more than [`MAX_NAMES`] names become a `resync`.
pub fn publish(events: &Events, kind: EventKind, changed: Vec<String>, run_start: Option<i64>) {
    let event = if changed.len() > MAX_NAMES {
        LiveEvent { kind: EventKind::Resync, changed: Vec::new(), run_start }
    } else {
        LiveEvent { kind, changed, run_start }
    };
    // No subscribers is fine: nobody is looking.
    let _ = events.send(event);
}
