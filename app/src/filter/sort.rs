//! The list's orders beside the default (A4's date order, else id order): the ones operators
//! ask for every day. Each is decided by what the index keeps per workflow, so a sorted first
//! page costs what a count costs.

use serde::{Deserialize, Serialize};

/// `sort=`: how the list is ordered. Ties keep id order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Longest in its current status first; workflows without a status last.
    StatusAge,
    /// Highest RequestPriority first; workflows without one last.
    Priority,
    /// Lowest completion first (the largest dataset's events over the expected events; a
    /// force-completed workflow is complete); workflows expecting nothing last.
    Completion,
}

/// The order of a `sort` query value: none for an empty one (an empty form field).
pub(super) fn parse_param(value: &str) -> Result<Option<Sort>, super::FilterError> {
    match value.trim() {
        "" => Ok(None),
        v => Sort::parse(v).map(Some).ok_or_else(|| super::FilterError::UnknownSort(v.chars().take(40).collect())),
    }
}

impl Sort {
    /// Every order.
    pub const ALL: [Sort; 3] = [Sort::StatusAge, Sort::Priority, Sort::Completion];

    /// The URL value.
    pub fn as_str(self) -> &'static str {
        match self {
            Sort::StatusAge => "status_age",
            Sort::Priority => "priority",
            Sort::Completion => "completion",
        }
    }

    /// The order of a URL value.
    pub fn parse(text: &str) -> Option<Sort> {
        Sort::ALL.into_iter().find(|s| s.as_str() == text)
    }
}
