//! The Present view (pMp's "Present" page): the filter's workflows as one bar per value of a
//! dimension (`group`), each bar split into parts by another (`stack`), heights in a measure.
//! The server sums the bars from its index; this module holds the question, the answer, and
//! what a click on a bar means (the bar's values added to the filter).

use serde::{Deserialize, Serialize};

use crate::filter::{Filter, FilterKey, RequestStatus};
use crate::status::DatasetStatus;

/// Most bars an answer draws; the smallest of any more fold into [`PresentView::others`].
pub const MAX_BARS: usize = 40;

/// What bars and parts are keyed by. A workflow with several values (campaigns, datatiers,
/// dataset statuses) counts in the bar of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// The campaigns the `campaigns` view emits.
    Campaign,
    /// The current status.
    Status,
    /// pMp's priority block, "0" to "7".
    PriorityBlock,
    /// The PrepID's physics group.
    Pwg,
    /// The request type.
    Type,
    /// The output datasets' datatiers.
    Tier,
    /// The output datasets' latest DBS statuses.
    DatasetStatus,
}

impl Dimension {
    /// Every dimension, in the order the page offers them.
    pub const ALL: [Dimension; 7] = [
        Dimension::Campaign,
        Dimension::Status,
        Dimension::PriorityBlock,
        Dimension::Pwg,
        Dimension::Type,
        Dimension::Tier,
        Dimension::DatasetStatus,
    ];

    /// The URL value.
    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Campaign => "campaign",
            Dimension::Status => "status",
            Dimension::PriorityBlock => "priority_block",
            Dimension::Pwg => "pwg",
            Dimension::Type => "type",
            Dimension::Tier => "tier",
            Dimension::DatasetStatus => "dataset_status",
        }
    }

    /// The dimension of a URL value.
    pub fn parse(text: &str) -> Option<Dimension> {
        Dimension::ALL.into_iter().find(|d| d.as_str() == text)
    }

    /// How the page names it.
    pub fn label(self) -> &'static str {
        match self {
            Dimension::Campaign => "campaign",
            Dimension::Status => "status",
            Dimension::PriorityBlock => "priority block",
            Dimension::Pwg => "PWG",
            Dimension::Type => "type",
            Dimension::Tier => "datatier",
            Dimension::DatasetStatus => "dataset status",
        }
    }

    /// Whether a workflow can have several values.
    pub fn is_multiple(self) -> bool {
        matches!(self, Dimension::Campaign | Dimension::Tier | Dimension::DatasetStatus)
    }

    /// `filter` narrowed to the workflows with value `key`: what a click on a bar opens.
    /// `None` for a value no filter can name (a status ReqMgr2 does not list).
    pub fn narrow(self, filter: &Filter, key: &str) -> Option<Filter> {
        let mut f = filter.clone().with_page(0);
        let facets = &mut f.facets;
        match self {
            Dimension::Campaign => return Some(with_legacy(f, FilterKey::Campaign, key)),
            Dimension::Type => return Some(with_legacy(f, FilterKey::Type, key)),
            Dimension::Status => facets.status = vec![RequestStatus::parse(key)?],
            Dimension::PriorityBlock => facets.priority_block = vec![key.parse().ok()?],
            Dimension::Pwg => facets.pwg = vec![key.to_owned()],
            Dimension::Tier => facets.tier = vec![key.to_owned()],
            Dimension::DatasetStatus => {
                let status = DatasetStatus::parse(key);
                facets.dataset_status = vec![status];
            }
        }
        f.validate().ok().map(|()| f)
    }
}

/// `f` with `key = value` required beside the legacy parameters that already counted (only
/// those: with `match=all` the others would start counting too).
fn with_legacy(mut f: Filter, key: FilterKey, value: &str) -> Filter {
    let counted: Vec<(FilterKey, String)> = f.required().into_iter().map(|(k, v)| (k, v.to_owned())).collect();
    FilterKey::ALL.into_iter().for_each(|k| f.set(k, None));
    counted.into_iter().for_each(|(k, v)| f.set(k, Some(v)));
    f.set(key, Some(value.to_owned()));
    f.match_all = true;
    f
}

/// What a bar's height counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Workflows.
    #[default]
    Workflows,
    /// Events asked for (TotalEvents).
    Expected,
    /// Events produced: the largest output dataset's newest events (a force-completed
    /// workflow's expected events).
    Produced,
    /// Expected minus produced, not below 0 (0 once force-completed).
    Remaining,
}

impl Measure {
    /// Every measure.
    pub const ALL: [Measure; 4] = [Measure::Workflows, Measure::Expected, Measure::Produced, Measure::Remaining];

    /// The URL value.
    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Workflows => "workflows",
            Measure::Expected => "expected",
            Measure::Produced => "produced",
            Measure::Remaining => "remaining",
        }
    }

    /// The measure of a URL value.
    pub fn parse(text: &str) -> Option<Measure> {
        Measure::ALL.into_iter().find(|m| m.as_str() == text)
    }

    /// Whether it counts events: workflows counted in lumisections are then left out.
    pub fn is_events(self) -> bool {
        self != Measure::Workflows
    }

    /// The unit an axis says.
    pub fn unit(self) -> &'static str {
        match self {
            Measure::Workflows => "workflows",
            Measure::Expected => "expected events",
            Measure::Produced => "produced events",
            Measure::Remaining => "remaining events",
        }
    }
}

/// What the bars are: the group, the stack (if any) and the measure, checked
/// ([`crate::api::args::present`]).
pub type Shape = (Dimension, Option<Dimension>, Measure);

/// One part of a bar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    /// The stack dimension's value.
    pub key: String,
    /// Its height.
    pub value: i64,
}

/// One bar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bar {
    /// The group dimension's value.
    pub key: String,
    /// Its height (the sum of its parts when stacked).
    pub total: i64,
    /// Its parts, in key order; empty without a stack.
    pub parts: Vec<Part>,
}

/// The bars folded away when there are more than [`MAX_BARS`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Others {
    /// How many bars.
    pub bars: u64,
    /// Their summed height.
    pub total: i64,
    /// Their parts, summed per key.
    pub parts: Vec<Part>,
}

/// The answer of `present`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresentView {
    /// One per value a matching workflow has (zero heights too), in key order; at most
    /// [`MAX_BARS`].
    pub bars: Vec<Bar>,
    /// Distinct workflows matching the filter, exactly.
    pub matching: u64,
    /// The smallest bars beyond [`MAX_BARS`], folded; `None` when none were.
    pub others: Option<Others>,
    /// Matching workflows counted in more than one bar (several campaigns, tiers, ...).
    #[serde(default)]
    pub in_several: u64,
    /// Matching workflows with no value of the group (no campaign, no PrepID's PWG, ...).
    #[serde(default)]
    pub without_group: u64,
    /// Matching workflows left out of an events measure because they count lumisections.
    #[serde(default)]
    pub lumi_left_out: u64,
}

/// The order of keys on the axis: statuses in their lifecycle order, the rest by text.
pub fn key_order(dim: Dimension, key: &str) -> (usize, &str) {
    match dim {
        Dimension::Status => crate::analytics::status_order(key),
        _ => (0, key),
    }
}

/// Folds all but the [`MAX_BARS`] - 1 largest bars (ties: the first in key order) into
/// [`Others`] when there are more than [`MAX_BARS`]; `bars` is in key order and stays so.
pub fn fold(bars: Vec<Bar>, stack: Option<Dimension>) -> (Vec<Bar>, Option<Others>) {
    if bars.len() <= MAX_BARS {
        return (bars, None);
    }
    let mut by_size: Vec<usize> = (0..bars.len()).collect();
    by_size.sort_by(|a, b| bars[*b].total.cmp(&bars[*a].total).then(a.cmp(b)));
    let mut keep = vec![false; bars.len()];
    by_size.iter().take(MAX_BARS - 1).for_each(|i| keep[*i] = true);
    let mut others = Others::default();
    let mut kept = Vec::with_capacity(MAX_BARS - 1);
    for (bar, keep) in bars.into_iter().zip(keep) {
        if keep {
            kept.push(bar);
            continue;
        }
        others.bars += 1;
        others.total = others.total.saturating_add(bar.total);
        for p in bar.parts {
            match others.parts.iter_mut().find(|o| o.key == p.key) {
                Some(o) => o.value = o.value.saturating_add(p.value),
                None => others.parts.push(p),
            }
        }
    }
    if let Some(dim) = stack {
        others.parts.sort_by(|a, b| key_order(dim, &a.key).cmp(&key_order(dim, &b.key)));
    }
    (kept, Some(others))
}

#[cfg(test)]
mod tests;
