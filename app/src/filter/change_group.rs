//! The groups of "What changed since" as a dashboard filter names them
//! (`change=<group>&change_since=<Unix seconds>`): a group's link on the changes page opens
//! the dashboard list of exactly its workflows.

use serde::{Deserialize, Serialize};

use super::request_status::RequestStatus;

/// A group of the answer: the workflows with such a change at or after `change_since`.
/// Removals have none (they are gone from every list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum ChangeGroup {
    /// `new`: created.
    New,
    /// `transition`: any status transition.
    Transition,
    /// `reached:<status>`: a transition to this status.
    Reached(RequestStatus),
    /// `dataset`: a dataset's DBS status changed.
    Dataset,
    /// `stalled`: became stalled (and is stalled now).
    Stalled,
    /// `resumed`: produced again after stalling.
    Resumed,
}

impl ChangeGroup {
    /// The group a filter's text names.
    pub fn parse(text: &str) -> Option<ChangeGroup> {
        Some(match text {
            "new" => ChangeGroup::New,
            "transition" => ChangeGroup::Transition,
            "dataset" => ChangeGroup::Dataset,
            "stalled" => ChangeGroup::Stalled,
            "resumed" => ChangeGroup::Resumed,
            other => ChangeGroup::Reached(RequestStatus::parse(other.strip_prefix("reached:")?)?),
        })
    }

    /// What the dashboard's summary says of it.
    pub fn describe(self) -> String {
        match self {
            ChangeGroup::New => "created".to_owned(),
            ChangeGroup::Transition => "changed status".to_owned(),
            ChangeGroup::Reached(s) => format!("reached {}", s.as_str()),
            ChangeGroup::Dataset => "a dataset changed DBS status".to_owned(),
            ChangeGroup::Stalled => "became stalled".to_owned(),
            ChangeGroup::Resumed => "produced again after stalling".to_owned(),
        }
    }
}

impl std::fmt::Display for ChangeGroup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChangeGroup::New => f.write_str("new"),
            ChangeGroup::Transition => f.write_str("transition"),
            ChangeGroup::Reached(s) => write!(f, "reached:{}", s.as_str()),
            ChangeGroup::Dataset => f.write_str("dataset"),
            ChangeGroup::Stalled => f.write_str("stalled"),
            ChangeGroup::Resumed => f.write_str("resumed"),
        }
    }
}

impl From<ChangeGroup> for String {
    fn from(g: ChangeGroup) -> String {
        g.to_string()
    }
}

impl TryFrom<String> for ChangeGroup {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        ChangeGroup::parse(&text).ok_or_else(|| format!("{text:?} is not a group of what changed"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_read_back_as_they_are_written() {
        let all = [
            ChangeGroup::New,
            ChangeGroup::Transition,
            ChangeGroup::Reached(RequestStatus::Completed),
            ChangeGroup::Dataset,
            ChangeGroup::Stalled,
            ChangeGroup::Resumed,
        ];
        for g in all {
            assert_eq!(ChangeGroup::parse(&g.to_string()), Some(g));
        }
        assert_eq!(ChangeGroup::Reached(RequestStatus::Completed).to_string(), "reached:completed");
        for bad in ["", "removed", "reached:", "reached:done", "completed"] {
            assert_eq!(ChangeGroup::parse(bad), None, "{bad}");
        }
    }
}
