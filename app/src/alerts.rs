//! The alerts in the header, as WMStats shows its operators: how many workflows are stalled,
//! how many were assigned long ago without producing anything, and how many have a dataset
//! that went INVALID or DELETED. Each count is the size of a filter, so it links to its list.

use serde::{Deserialize, Serialize};

use crate::filter::Filter;
use crate::status::DatasetStatus;

/// Days after assignment without any event before a workflow counts as idle, unless the
/// server is told otherwise (`STATS_IDLE_ALERT_DAYS`).
pub const DEFAULT_IDLE_DAYS: u32 = 7;

/// The three counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alerts {
    /// Workflows with a stalled dataset.
    pub stalled: u64,
    /// Workflows assigned at least `idle_days` ago without any event.
    pub idle: u64,
    /// The threshold `idle` was counted with.
    pub idle_days: u32,
    /// Workflows with an INVALID or DELETED dataset.
    pub broken: u64,
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
        for f in [stalled_filter(), idle_filter(3), broken_filter()] {
            assert_eq!(Filter::from_query(&f.to_query()).unwrap(), f);
        }
    }
}
