//! The workflows this replica saw deleted, with their last records, for "what changed since".
//! The feed says that a document was deleted, not when, and the initial build reads every
//! deletion since the store began; so the replica remembers only what it sees while it
//! follows, stamped with when it saw it, and says from when it has been watching. A bounded
//! number is kept; dropping the oldest moves that moment forward, so an answer never claims
//! to know deletions it has forgotten.

use std::collections::VecDeque;
use std::sync::Arc;

use super::record::Record;

/// Most deletions remembered.
pub const KEEP: usize = 10_000;

/// Deletions seen while following.
#[derive(Default)]
pub struct Removed {
    since: Option<i64>,
    log: VecDeque<(i64, Arc<Record>)>,
}

impl Removed {
    /// Starts watching at `now` (the state went live), unless it already did.
    pub fn begin(&mut self, now: i64) {
        self.since.get_or_insert(now);
    }

    /// A deletion of `record` seen at `now`.
    pub fn push(&mut self, now: i64, record: Arc<Record>) {
        if self.log.len() >= KEEP {
            if let Some((t, _)) = self.log.pop_front() {
                self.since = Some(self.since.map_or(t, |s| s.max(t)));
            }
        }
        self.log.push_back((now, record));
    }

    /// Since when deletions are known (`None`: not watching yet).
    pub fn since(&self) -> Option<i64> {
        self.since
    }

    /// The deletions seen at or after `from`, oldest first.
    pub fn after(&self, from: i64) -> impl Iterator<Item = &(i64, Arc<Record>)> {
        self.log.iter().filter(move |(t, _)| *t >= from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::intern::Interner;

    #[test]
    fn forgetting_the_oldest_moves_the_known_moment_forward() {
        let mut r = Removed::default();
        r.begin(100);
        r.begin(200);
        assert_eq!(r.since(), Some(100), "the first start counts");
        let record = Arc::new(Record::from_doc(serde_json::json!({"_id": "w"}), &mut Interner::default()));
        for t in 0..KEEP as i64 + 5 {
            r.push(1000 + t, record.clone());
        }
        assert_eq!(r.since(), Some(1004), "the fifth forgotten was seen at 1004");
        assert_eq!(r.after(0).count(), KEEP);
        assert_eq!(r.after(1000 + KEEP as i64).count(), 5);
    }
}
