//! ReqMgr2's request statuses: the closed set the `status` filter accepts. A status outside it
//! is refused where the filter enters (a typo would otherwise look like "nothing matches").
//! Stored documents may still carry statuses of older ReqMgr versions; the index keeps those
//! verbatim, they just cannot be asked for by name.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A ReqMgr2 request status, in the order a request normally passes through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RequestStatus {
    /// `new`
    New,
    /// `assignment-approved`
    AssignmentApproved,
    /// `assigned`
    Assigned,
    /// `staging`
    Staging,
    /// `staged`
    Staged,
    /// `acquired`
    Acquired,
    /// `running-open`
    RunningOpen,
    /// `running-closed`
    RunningClosed,
    /// `force-complete`
    ForceComplete,
    /// `completed`
    Completed,
    /// `closed-out`
    ClosedOut,
    /// `announced`
    Announced,
    /// `normal-archived`
    NormalArchived,
    /// `failed`
    Failed,
    /// `aborted`
    Aborted,
    /// `aborted-completed`
    AbortedCompleted,
    /// `aborted-archived`
    AbortedArchived,
    /// `rejected`
    Rejected,
    /// `rejected-archived`
    RejectedArchived,
}

impl RequestStatus {
    /// Every status, in lifecycle order (the filter bar and the campaign table use it).
    pub const ALL: [RequestStatus; 19] = [
        RequestStatus::New,
        RequestStatus::AssignmentApproved,
        RequestStatus::Assigned,
        RequestStatus::Staging,
        RequestStatus::Staged,
        RequestStatus::Acquired,
        RequestStatus::RunningOpen,
        RequestStatus::RunningClosed,
        RequestStatus::ForceComplete,
        RequestStatus::Completed,
        RequestStatus::ClosedOut,
        RequestStatus::Announced,
        RequestStatus::NormalArchived,
        RequestStatus::Failed,
        RequestStatus::Aborted,
        RequestStatus::AbortedCompleted,
        RequestStatus::AbortedArchived,
        RequestStatus::Rejected,
        RequestStatus::RejectedArchived,
    ];

    /// ReqMgr2's spelling.
    pub fn as_str(self) -> &'static str {
        const NAMES: [&str; 19] = [
            "new",
            "assignment-approved",
            "assigned",
            "staging",
            "staged",
            "acquired",
            "running-open",
            "running-closed",
            "force-complete",
            "completed",
            "closed-out",
            "announced",
            "normal-archived",
            "failed",
            "aborted",
            "aborted-completed",
            "aborted-archived",
            "rejected",
            "rejected-archived",
        ];
        NAMES[self as usize]
    }

    /// The status of ReqMgr2's spelling (exact), if it is one.
    pub fn parse(text: &str) -> Option<Self> {
        RequestStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether a workflow in this status can still produce events. Past it, a workflow that
    /// did not reach 100 % is closed below it, not stalled.
    pub fn can_progress(self) -> bool {
        self <= RequestStatus::ForceComplete
    }
}

/// Whether a stored status text (any version's) is one a workflow can still progress in.
/// Unknown texts count as progressing: saying "stalled" of them is the safer mistake.
pub fn text_can_progress(text: &str) -> bool {
    RequestStatus::parse(text).is_none_or(RequestStatus::can_progress)
}

impl fmt::Display for RequestStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RequestStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RequestStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        RequestStatus::parse(&text).ok_or_else(|| serde::de::Error::custom(format!("unknown request status {text:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip_and_order_follows_the_lifecycle() {
        for s in RequestStatus::ALL {
            assert_eq!(RequestStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(RequestStatus::parse("Running-Open"), None, "exact spelling only");
        assert!(RequestStatus::RunningClosed.can_progress());
        assert!(!RequestStatus::Completed.can_progress());
        assert!(!RequestStatus::Rejected.can_progress());
        assert!(text_can_progress("running"), "an older ReqMgr status is not treated as finished");
    }
}
