//! The alerts in the header, as WMStats shows its operators: how many workflows are stalled,
//! how many were assigned long ago without producing anything, how many have a dataset that
//! went INVALID or DELETED, and per status how many are stuck in it. Each count is the size of
//! a filter, so it links to its list.

use serde::{Deserialize, Serialize};

use crate::filter::{Filter, RequestStatus};
use crate::status::DatasetStatus;

/// The statuses a workflow can stay in too long, and after how many days it counts as stuck
/// there, unless the server is told otherwise (`--stuck-after STATUS=DAYS`).
pub const DEFAULT_STUCK_AFTER: [(RequestStatus, u32); 8] = [
    (RequestStatus::AssignmentApproved, 7),
    (RequestStatus::Assigned, 7),
    (RequestStatus::Acquired, 3),
    (RequestStatus::RunningOpen, 14),
    (RequestStatus::RunningClosed, 14),
    (RequestStatus::Completed, 7),
    (RequestStatus::ClosedOut, 30),
    (RequestStatus::ForceComplete, 3),
];

/// Workflows stuck in one status: in it for at least `days` days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stuck {
    /// The status.
    pub status: RequestStatus,
    /// The threshold.
    pub days: u32,
    /// Workflows in `status` for at least `days` days.
    pub count: u64,
}

/// Days after assignment without any event before a workflow counts as idle, unless the
/// server is told otherwise (`STATS_IDLE_ALERT_DAYS`).
pub const DEFAULT_IDLE_DAYS: u32 = 7;

/// The three counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alerts {
    /// Workflows with a stalled dataset.
    pub stalled: u64,
    /// Workflows assigned at least `idle_days` ago without any event.
    pub idle: u64,
    /// The threshold `idle` was counted with.
    pub idle_days: u32,
    /// Workflows with an INVALID or DELETED dataset.
    pub broken: u64,
    /// Per status of [`DEFAULT_STUCK_AFTER`] (thresholds as configured), the workflows stuck
    /// in it.
    #[serde(default)]
    pub stuck: Vec<Stuck>,
}

/// Longest note of an acknowledgement, in characters.
pub const MAX_NOTE: usize = 500;
/// Rows of one page of a ranked list.
pub const RANKED_PAGE: usize = 100;

/// Who acknowledged a workflow's alerts, when, and why: it leaves the counts and the ranked
/// list until the workflow changes status, produces events, or a dataset's status changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    /// The admin ("token" for the admin token).
    pub by: String,
    /// Their note (a ticket link, say).
    pub note: String,
    /// When (Unix seconds).
    pub time: i64,
}

/// One workflow of a ranked alert list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ranked {
    /// The workflow.
    pub name: String,
    /// Its status.
    pub status: String,
    /// Its priority block (0 first).
    pub block: u8,
    /// Events still to produce (expected minus produced, not below 0).
    pub remaining: i64,
    /// Since when it is in the alert's state: stalled, idle, or in its status.
    pub since: i64,
    /// Its acknowledgement, while it holds.
    pub ack: Option<Ack>,
}

/// A page of the ranked list of an alert's filter: by priority block, then remaining events
/// (most first), then time in the alert's state (longest first).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankedPage {
    /// The rows of this page.
    pub rows: Vec<Ranked>,
    /// Workflows of the list (acknowledged ones left out unless asked for).
    pub matching: u64,
    /// Of the filter's workflows, those acknowledged.
    pub acknowledged: u64,
    /// This page (0-based).
    pub page: u32,
    /// Whether a next page exists.
    pub has_next: bool,
}

/// The list behind the stalled count.
pub fn stalled_filter() -> Filter {
    Filter { stalled: true, ..Filter::default() }
}

/// The list behind the idle count.
pub fn idle_filter(days: u32) -> Filter {
    let mut f = Filter::default();
    f.facets.idle_days = Some(days);
    f
}

/// The list behind a stuck count: in `status` for at least `days` days ("stuck" is the same
/// as `status_days`).
pub fn stuck_filter(status: RequestStatus, days: u32) -> Filter {
    let mut f = Filter::default();
    f.facets.status = vec![status];
    f.facets.status_days = Some(days);
    // Longest stuck first: the ones to look at.
    f.sort = Some(crate::filter::Sort::StatusAge);
    f
}

/// The list behind the INVALID / DELETED count.
pub fn broken_filter() -> Filter {
    let mut f = Filter::default();
    f.facets.dataset_status = vec![DatasetStatus::Invalid, DatasetStatus::Deleted];
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_alert_is_a_shareable_filter() {
        assert_eq!(stalled_filter().to_query(), "stalled=1");
        assert_eq!(idle_filter(7).to_query(), "idle_days=7");
        assert_eq!(broken_filter().to_query(), "dataset_status=INVALID&dataset_status=DELETED");
        assert_eq!(
            stuck_filter(RequestStatus::RunningOpen, 14).to_query(),
            "status=running-open&status_days=14&sort=status_age"
        );
        for f in [stalled_filter(), idle_filter(3), broken_filter()] {
            assert_eq!(Filter::from_query(&f.to_query()).unwrap(), f);
        }
    }
}
