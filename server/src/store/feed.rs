//! The change feed of a database, the same on both stores: every write and delete gets a
//! position (a sequence) that only grows, deletions stay visible as tombstones, and a
//! follower asks for what came after the position it has seen. This is what lets every
//! process (each `serve` replica, a cron `stats2 update`) see every other process's writes:
//! state that matters travels through the store, never only through one process's memory.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An opaque position in a change feed. CouchDB 3 gives strings (`"12-g1AAAA…"`), the
/// embedded store decimal numbers; both are passed back verbatim as `since`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Seq(pub String);

impl Seq {
    /// The beginning of the feed.
    pub fn zero() -> Self {
        Seq("0".to_owned())
    }
}

impl std::fmt::Display for Seq {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One change: the document's id, whether it was deleted, and (when asked for and not
/// deleted) the document as stored now.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// Document id.
    pub id: String,
    /// The document was deleted (a tombstone).
    pub deleted: bool,
    /// The current document, with `_id` and `_rev`.
    pub doc: Option<Value>,
}

/// What to ask of the feed.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedQuery {
    /// Changes after this position.
    pub since: Seq,
    /// At most this many changes (a follower pages through a large backlog).
    pub limit: u64,
    /// Send the documents along.
    pub include_docs: bool,
    /// When there is nothing new, wait up to this long for a change (long polling) before
    /// answering an empty page; zero answers at once.
    pub wait: Duration,
}

/// One page of the feed.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangesPage {
    /// Changes in feed order; a document appears at most once (its newest change).
    pub changes: Vec<Change>,
    /// The position to ask from next time.
    pub last_seq: Seq,
}
