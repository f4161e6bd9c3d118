//! "What changed since": for a filter's workflows, what happened from a moment on, grouped
//! and counted exactly: new workflows, status transitions, dataset status changes, workflows
//! that stalled or moved again, and workflows removed (as far as the replica answering saw
//! deletions). Each list newest first and capped; the counts are the lists' full lengths.

use serde::{Deserialize, Serialize};

use crate::status::DatasetStatus;

/// The farthest back `since` may be (seconds).
pub const MAX_BACK: i64 = 90 * 86_400;
/// `since` when none is given: a day back.
pub const DEFAULT_BACK: i64 = 86_400;
/// Most entries a list carries (its count is exact all the same).
pub const LIST_CAP: usize = 1000;

/// A workflow and when something happened to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Named {
    /// Workflow name.
    pub name: String,
    /// Unix seconds.
    pub time: i64,
}

/// A status transition: `from` is the status before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// Workflow name.
    pub name: String,
    /// The status before.
    pub from: String,
    /// The status reached.
    pub to: String,
    /// Unix seconds.
    pub time: i64,
}

/// A dataset's DBS status change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetChange {
    /// Workflow name.
    pub name: String,
    /// Dataset name.
    pub dataset: String,
    /// The status before.
    pub from: DatasetStatus,
    /// The status now.
    pub to: DatasetStatus,
    /// When the history first recorded the new status.
    pub time: i64,
}

/// Each list's exact length.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// New workflows.
    pub new: u64,
    /// Status transitions.
    pub transitions: u64,
    /// Dataset status changes.
    pub datasets: u64,
    /// Workflows that became stalled.
    pub stalled: u64,
    /// Stalled workflows that moved again.
    pub resumed: u64,
    /// Workflows removed.
    pub removed: u64,
}

/// The answer of `changes`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Changes {
    /// From when (Unix seconds).
    pub since: i64,
    /// Until when: the answer's time.
    pub now: i64,
    /// Workflows created (first RequestTransition) at or after `since`.
    pub new: Vec<Named>,
    /// Every later RequestTransition at or after `since`.
    pub transitions: Vec<Transition>,
    /// Every DBS status change of a dataset at or after `since` (when the history first
    /// recorded the new status).
    pub datasets: Vec<DatasetChange>,
    /// Workflows that became stalled at or after `since` (and are stalled now).
    pub stalled: Vec<Named>,
    /// Workflows that had stalled and produced again at or after `since` (the latest time).
    pub resumed: Vec<Named>,
    /// Workflows deleted at or after `since`, as this replica saw them.
    pub removed: Vec<Named>,
    /// Each list's exact length.
    pub counts: Counts,
    /// Since when this replica has seen deletions: none before it are known.
    pub removed_known_since: i64,
}

/// Sorts `list` newest first (ties by name, for a stable answer), cuts it to [`LIST_CAP`],
/// and answers its full length.
pub fn newest_first<T>(list: &mut Vec<T>, key: impl Fn(&T) -> (i64, &str)) -> u64 {
    let n = list.len() as u64;
    list.sort_by(|a, b| {
        let (ta, na) = key(a);
        let (tb, nb) = key(b);
        tb.cmp(&ta).then_with(|| na.cmp(nb))
    });
    list.truncate(LIST_CAP);
    n
}

impl Changes {
    /// Orders and caps every list and counts them.
    pub fn finish(mut self) -> Changes {
        self.counts = Counts {
            new: newest_first(&mut self.new, |e| (e.time, &e.name)),
            transitions: newest_first(&mut self.transitions, |e| (e.time, &e.name)),
            datasets: newest_first(&mut self.datasets, |e| (e.time, &e.dataset)),
            stalled: newest_first(&mut self.stalled, |e| (e.time, &e.name)),
            resumed: newest_first(&mut self.resumed, |e| (e.time, &e.name)),
            removed: newest_first(&mut self.removed, |e| (e.time, &e.name)),
        };
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_come_newest_first_capped_with_exact_counts() {
        let new = (0..1500).map(|i| Named { name: format!("w{i:04}"), time: i % 700 }).collect();
        let c = Changes { new, ..Changes::default() }.finish();
        assert_eq!((c.counts.new, c.new.len()), (1500, LIST_CAP));
        assert_eq!((c.new[0].time, c.new[0].name.as_str(), c.new[1].name.as_str()), (699, "w0699", "w1399"));
        assert!(c.new.windows(2).all(|w| w[0].time >= w[1].time));
    }
}
