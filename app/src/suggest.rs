//! Search suggestions: values the index knows that start with what was typed, of the kinds
//! an operator searches by, each opening its filter. Shared by the server (which finds them)
//! and the search box (which offers them).

use serde::{Deserialize, Serialize};

use crate::filter::{Filter, FilterKey};

/// Fewest characters before suggestions are asked for: one character matches too much to help.
pub const MIN_CHARS: usize = 2;
/// Most suggestions offered at once.
pub const MAX_SUGGESTIONS: usize = 8;
/// Longest text suggestions are asked for (longer is no prefix of anything useful).
pub const MAX_CHARS: usize = 300;

/// What a suggested value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuggestKind {
    /// A campaign.
    Campaign,
    /// A PrepID.
    PrepId,
    /// An output dataset.
    Dataset,
    /// An output datatier.
    Tier,
    /// A processing string.
    ProcessingString,
    /// A workflow name.
    Workflow,
}

impl SuggestKind {
    /// Every kind, in the order suggestions interleave them.
    pub const ALL: [SuggestKind; 6] = [
        SuggestKind::Campaign,
        SuggestKind::PrepId,
        SuggestKind::Workflow,
        SuggestKind::Dataset,
        SuggestKind::ProcessingString,
        SuggestKind::Tier,
    ];

    /// The word shown beside a suggestion.
    pub fn label(self) -> &'static str {
        match self {
            SuggestKind::Campaign => "campaign",
            SuggestKind::PrepId => "PrepID",
            SuggestKind::Dataset => "dataset",
            SuggestKind::Tier => "datatier",
            SuggestKind::ProcessingString => "processing string",
            SuggestKind::Workflow => "workflow",
        }
    }

    /// The list a choice opens.
    pub fn filter(self, value: &str) -> Filter {
        let key = match self {
            SuggestKind::Campaign => FilterKey::Campaign,
            SuggestKind::PrepId => FilterKey::PrepId,
            SuggestKind::Dataset => FilterKey::OutputDataset,
            SuggestKind::ProcessingString => FilterKey::ProcessingString,
            SuggestKind::Workflow => FilterKey::WorkflowName,
            SuggestKind::Tier => {
                let mut f = Filter::default();
                f.facets.tier = vec![value.to_owned()];
                return f;
            }
        };
        Filter::default().with(key, value)
    }
}

/// One suggested value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    /// What it is.
    pub kind: SuggestKind,
    /// The value.
    pub value: String,
    /// Workflows holding it.
    pub workflows: u64,
}

/// Takes suggestions from each kind's list in turn (first of each, then second of each, …)
/// up to [`MAX_SUGGESTIONS`], so one prolific kind does not crowd out the others.
pub fn interleave(mut lists: Vec<Vec<Suggestion>>) -> Vec<Suggestion> {
    let mut out = Vec::new();
    lists.iter_mut().for_each(|l| l.reverse());
    while out.len() < MAX_SUGGESTIONS && lists.iter().any(|l| !l.is_empty()) {
        for l in lists.iter_mut() {
            if let Some(s) = l.pop().filter(|_| out.len() < MAX_SUGGESTIONS) {
                out.push(s);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(kind: SuggestKind, value: &str) -> Suggestion {
        Suggestion { kind, value: value.to_owned(), workflows: 1 }
    }

    #[test]
    fn kinds_take_turns_up_to_the_limit() {
        let many: Vec<Suggestion> = (0..10).map(|i| s(SuggestKind::Dataset, &format!("/d{i}"))).collect();
        let out = interleave(vec![vec![s(SuggestKind::Campaign, "C1"), s(SuggestKind::Campaign, "C2")], many]);
        assert_eq!(out.len(), MAX_SUGGESTIONS);
        let values: Vec<&str> = out.iter().take(4).map(|s| s.value.as_str()).collect();
        assert_eq!(values, ["C1", "/d0", "C2", "/d1"]);
    }

    #[test]
    fn a_choice_opens_its_filter() {
        assert_eq!(SuggestKind::PrepId.filter("HIG-1").to_query(), "prepid=HIG-1");
        assert_eq!(SuggestKind::Tier.filter("AODSIM").to_query(), "tier=AODSIM");
        assert_eq!(SuggestKind::Workflow.filter("w").to_query(), "workflow_name=w");
    }
}
