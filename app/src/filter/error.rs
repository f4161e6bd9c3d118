//! What can be wrong with a filter, from a query string or from JSON alike.

use serde::{Deserialize, Serialize};

use super::{MAX_PAGE, MAX_VALUES, MAX_VALUE_LEN};

/// What was wrong with a query string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum FilterError {
    /// `page` is not a non-negative integer up to [`MAX_PAGE`].
    #[error("page must be a whole number from 0 to {MAX_PAGE}, not {0:?}")]
    InvalidPage(String),
    /// A value is longer than [`MAX_VALUE_LEN`] bytes.
    #[error("the value of {0} is longer than {MAX_VALUE_LEN} bytes")]
    TooLong(String),
    /// `page_size` is not one of [`PAGE_SIZES`].
    #[error("page_size must be one of 20, 50, 100 or 200, not {0:?}")]
    InvalidPageSize(String),
    /// A value's percent-encoding does not decode to UTF-8 text.
    #[error("the value of {0} is not valid UTF-8 after percent-decoding")]
    NotUtf8(String),
    /// `status` names no ReqMgr2 status.
    #[error("status {0:?} is not a ReqMgr2 request status")]
    UnknownStatus(String),
    /// `priority_min` or `priority_max` is not a whole number.
    #[error("{0} must be a whole number, not {1:?}")]
    InvalidPriority(String, String),
    /// `priority_min` is above `priority_max`: no workflow could match.
    #[error("priority_min ({min}) is above priority_max ({max})")]
    PriorityRange {
        /// The lower bound given.
        min: i64,
        /// The upper bound given.
        max: i64,
    },
    /// `dataset_status` names no DBS dataset status.
    #[error("dataset_status {0:?} is not one of VALID, PRODUCTION, INVALID, DELETED, DEPRECATED, NONE")]
    UnknownDatasetStatus(String),
    /// `idle_days` is not a whole number of days from 1 to 3650.
    #[error("idle_days must be a whole number of days from 1 to 3650, not {0:?}")]
    InvalidIdleDays(String),
    /// A repeated parameter carries more than [`MAX_VALUES`] values.
    #[error("{0} is given more than {MAX_VALUES} times")]
    TooManyValues(String),
    /// `priority_block` is not one of pMp's blocks 0 to 7.
    #[error("priority_block must be a block from 0 to 7, not {0:?}")]
    InvalidPriorityBlock(String),
    /// `sort` names no order the list knows.
    #[error("sort must be status_age, priority or completion, not {0:?}")]
    UnknownSort(String),
    /// `status_days` is not a whole number of days from 1 to 3650.
    #[error("status_days must be a whole number of days from 1 to 3650, not {0:?}")]
    InvalidStatusDays(String),
    /// `change` names no group of "What changed since".
    #[error("change must be new, transition, reached:<status>, dataset, stalled or resumed, not {0:?}")]
    UnknownChange(String),
    /// `change` and `change_since` are given one without the other.
    #[error("change and change_since go together")]
    ChangeWithoutSince,
}
