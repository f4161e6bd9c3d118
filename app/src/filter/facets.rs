//! The analytics filters beside the eight legacy parameters: the workflow's current status,
//! a priority range, the physics group (PWG, from the PrepID) and an output datatier; and `*`
//! wildcards in any text value. They combine with AND with everything else, and a repeated
//! parameter means OR within it (`status=running-open&status=running-closed`).
//!
//! The legacy routes never read them: their URLs keep the meaning they always had, and a
//! parameter they did not know stays ignored there instead of becoming an error.

use serde::{Deserialize, Serialize};

use super::change_group::ChangeGroup;
use super::request_status::RequestStatus;
use super::{FilterError, MAX_VALUE_LEN};
use crate::priority::{block_of, LAST_BLOCK};
use crate::status::DatasetStatus;

/// Most values one repeated parameter may carry: enough for every status, small enough that
/// a hostile URL cannot make a filter of thousands of alternatives.
pub const MAX_VALUES: usize = 32;

/// The analytics filters. Empty means "no constraint" for each.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Facets {
    /// `status`: the current status (the last RequestTransition) is one of these.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub status: Vec<RequestStatus>,
    /// `priority_min`: RequestPriority at least this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority_min: Option<i64>,
    /// `priority_max`: RequestPriority at most this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority_max: Option<i64>,
    /// `pwg`: the PrepID's physics group is one of these (wildcards allowed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pwg: Vec<String>,
    /// `tier`: some output dataset has one of these datatiers (wildcards allowed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tier: Vec<String>,
    /// `dataset_status`: some output dataset's latest DBS status is one of these.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dataset_status: Vec<DatasetStatus>,
    /// `idle_days`: assigned at least this many days ago, still able to progress, and no
    /// output dataset has any event yet (WMStats' "assigned but nothing produced").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idle_days: Option<u32>,
    /// `priority_block`: pMp's priority block (0 to 7, [`crate::priority::block_of`]) is
    /// one of these.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub priority_block: Vec<u8>,
    /// `status_days`: in its current status (since the last RequestTransition) for at least
    /// this many days.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_days: Option<u32>,
    /// `change`: had a change of this group ("What changed since") at or after
    /// `change_since`; the two go together.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<ChangeGroup>,
    /// `change_since`: Unix seconds, from when `change` counts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_since: Option<i64>,
}

/// Longest `idle_days` accepted: ten years is older than any request.
pub const MAX_IDLE_DAYS: u32 = 3650;

/// The dataset statuses the `dataset_status` filter knows.
const DATASET_STATUSES: [DatasetStatus; 6] = [
    DatasetStatus::Valid,
    DatasetStatus::Production,
    DatasetStatus::Invalid,
    DatasetStatus::Deleted,
    DatasetStatus::Deprecated,
    DatasetStatus::None,
];

impl Facets {
    /// Whether no analytics filter is set.
    pub fn is_empty(&self) -> bool {
        self == &Facets::default()
    }

    /// The query parameter names.
    pub const PARAMS: [&'static str; 11] = [
        "status",
        "priority_min",
        "priority_max",
        "pwg",
        "tier",
        "dataset_status",
        "idle_days",
        "priority_block",
        "status_days",
        "change",
        "change_since",
    ];

    /// Reads one decoded query parameter named in [`Facets::PARAMS`].
    pub(super) fn take(&mut self, name: &str, value: &str) -> Result<(), FilterError> {
        // An empty field of a submitted form means "not set", for every analytics filter.
        let value = value.trim();
        match name {
            "status" if !value.is_empty() => {
                let status = RequestStatus::parse(value).ok_or_else(|| FilterError::UnknownStatus(shorten(value)))?;
                push_once(&mut self.status, status, name)?;
            }
            "dataset_status" if !value.is_empty() => {
                let status = DATASET_STATUSES
                    .into_iter()
                    .find(|s| s.as_str() == value)
                    .ok_or_else(|| FilterError::UnknownDatasetStatus(shorten(value)))?;
                push_once(&mut self.dataset_status, status, name)?;
            }
            "idle_days" if !value.is_empty() => match value.parse::<u32>() {
                Ok(d) if (1..=MAX_IDLE_DAYS).contains(&d) => self.idle_days = Some(d),
                _ => return Err(FilterError::InvalidIdleDays(shorten(value))),
            },
            "status_days" if !value.is_empty() => match value.parse::<u32>() {
                Ok(d) if (1..=MAX_IDLE_DAYS).contains(&d) => self.status_days = Some(d),
                _ => return Err(FilterError::InvalidStatusDays(shorten(value))),
            },
            "priority_block" if !value.is_empty() => match value.parse::<u8>() {
                Ok(b) if b <= LAST_BLOCK => push_once(&mut self.priority_block, b, name)?,
                _ => return Err(FilterError::InvalidPriorityBlock(shorten(value))),
            },
            "change" if !value.is_empty() => {
                self.change =
                    Some(ChangeGroup::parse(value).ok_or_else(|| FilterError::UnknownChange(shorten(value)))?);
            }
            "change_since" if !value.is_empty() => self.change_since = Some(priority(name, value)?),
            "priority_min" if !value.is_empty() => self.priority_min = Some(priority(name, value)?),
            "priority_max" if !value.is_empty() => self.priority_max = Some(priority(name, value)?),
            "pwg" | "tier" if !value.is_empty() => {
                if value.len() > MAX_VALUE_LEN {
                    return Err(FilterError::TooLong(name.to_owned()));
                }
                let list = if name == "pwg" { &mut self.pwg } else { &mut self.tier };
                push_once(list, value.to_owned(), name)?;
            }
            _ => {}
        }
        Ok(())
    }

    /// The checks a filter from JSON gets too.
    pub(super) fn validate(&self) -> Result<(), FilterError> {
        if let Some(s) = self.dataset_status.iter().find(|s| !DATASET_STATUSES.contains(s)) {
            return Err(FilterError::UnknownDatasetStatus(shorten(s.as_str())));
        }
        if let Some(d) = self.idle_days.filter(|d| !(1..=MAX_IDLE_DAYS).contains(d)) {
            return Err(FilterError::InvalidIdleDays(d.to_string()));
        }
        if let Some(d) = self.status_days.filter(|d| !(1..=MAX_IDLE_DAYS).contains(d)) {
            return Err(FilterError::InvalidStatusDays(d.to_string()));
        }
        if let Some(b) = self.priority_block.iter().find(|b| **b > LAST_BLOCK) {
            return Err(FilterError::InvalidPriorityBlock(b.to_string()));
        }
        let counts = [
            ("status", self.status.len()),
            ("pwg", self.pwg.len()),
            ("tier", self.tier.len()),
            ("dataset_status", self.dataset_status.len()),
        ];
        for (name, n) in counts {
            if n > MAX_VALUES {
                return Err(FilterError::TooManyValues(name.to_owned()));
            }
        }
        if let Some(name) = [("pwg", &self.pwg), ("tier", &self.tier)]
            .into_iter()
            .find_map(|(name, list)| list.iter().any(|v| v.len() > MAX_VALUE_LEN).then_some(name))
        {
            return Err(FilterError::TooLong(name.to_owned()));
        }
        if self.change.is_some() != self.change_since.is_some() {
            return Err(FilterError::ChangeWithoutSince);
        }
        match (self.priority_min, self.priority_max) {
            (Some(min), Some(max)) if min > max => Err(FilterError::PriorityRange { min, max }),
            _ => Ok(()),
        }
    }

    /// Appends the set parameters to a query string.
    pub(super) fn write(&self, out: &mut form_urlencoded::Serializer<'_, String>) {
        for s in &self.status {
            out.append_pair("status", s.as_str());
        }
        if let Some(p) = self.priority_min {
            out.append_pair("priority_min", &p.to_string());
        }
        if let Some(p) = self.priority_max {
            out.append_pair("priority_max", &p.to_string());
        }
        for (name, list) in [("pwg", &self.pwg), ("tier", &self.tier)] {
            for v in list {
                out.append_pair(name, v);
            }
        }
        for s in &self.dataset_status {
            out.append_pair("dataset_status", s.as_str());
        }
        if let Some(d) = self.idle_days {
            out.append_pair("idle_days", &d.to_string());
        }
        for b in &self.priority_block {
            out.append_pair("priority_block", &b.to_string());
        }
        if let Some(d) = self.status_days {
            out.append_pair("status_days", &d.to_string());
        }
        if let (Some(group), Some(since)) = (self.change, self.change_since) {
            out.append_pair("change", &group.to_string());
            out.append_pair("change_since", &since.to_string());
        }
    }

    /// Whether the filters read from a workflow's record hold: the priority range and blocks,
    /// and the time in the current status (`status_since`, the last RequestTransition's time)
    /// as of `now`.
    pub fn record_holds(&self, priority: Option<i64>, status_since: Option<i64>, now: i64) -> bool {
        self.priority_holds(priority) && self.pmp_holds(block_of(priority), status_since, now)
    }

    /// Whether pMp's filters hold: the priority `block` and the days since `status_since`.
    pub fn pmp_holds(&self, block: u8, status_since: Option<i64>, now: i64) -> bool {
        let block_ok = self.priority_block.is_empty() || self.priority_block.contains(&block);
        let days_ok = self
            .status_days
            .is_none_or(|d| status_since.is_some_and(|t| t <= now.saturating_sub(i64::from(d) * 86_400)));
        block_ok && days_ok
    }

    /// Whether any of pMp's filters is set.
    pub fn has_pmp(&self) -> bool {
        !self.priority_block.is_empty() || self.status_days.is_some()
    }

    /// Whether a workflow's RequestPriority is within the range (one without a priority is
    /// outside any bound).
    pub fn priority_holds(&self, priority: Option<i64>) -> bool {
        match (self.priority_min, self.priority_max, priority) {
            (None, None, _) => true,
            (_, _, None) => false,
            (min, max, Some(p)) => min.is_none_or(|m| p >= m) && max.is_none_or(|m| p <= m),
        }
    }

    /// One phrase per analytics filter set, for the summary above the list.
    pub fn describe(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.status.is_empty() {
            let names: Vec<&str> = self.status.iter().map(|s| s.as_str()).collect();
            out.push(format!("status: {}", names.join(" or ")));
        }
        match (self.priority_min, self.priority_max) {
            (Some(a), Some(b)) => out.push(format!("priority {a} to {b}")),
            (Some(a), None) => out.push(format!("priority at least {a}")),
            (None, Some(b)) => out.push(format!("priority at most {b}")),
            (None, None) => {}
        }
        for (name, list) in [("pwg", &self.pwg), ("tier", &self.tier)] {
            if !list.is_empty() {
                out.push(format!("{name}: {}", list.join(" or ")));
            }
        }
        if !self.dataset_status.is_empty() {
            let names: Vec<&str> = self.dataset_status.iter().map(DatasetStatus::as_str).collect();
            out.push(format!("a dataset {}", names.join(" or ")));
        }
        if let Some(d) = self.idle_days {
            out.push(format!("assigned over {d} days ago without events"));
        }
        if !self.priority_block.is_empty() {
            let blocks: Vec<String> = self.priority_block.iter().map(u8::to_string).collect();
            out.push(format!("priority block {}", blocks.join(" or ")));
        }
        if let Some(d) = self.status_days {
            out.push(format!("in its status for at least {d} days"));
        }
        if let (Some(group), Some(since)) = (self.change, self.change_since) {
            out.push(format!("{} since {} UTC", group.describe(), crate::format::utc_datetime(since)));
        }
        out
    }

    /// Whether a text value is one of `values` (wildcards allowed); true when `values` is
    /// empty.
    pub fn any_holds(values: &[String], text: &str) -> bool {
        values.is_empty() || values.iter().any(|v| glob_matches(v, text))
    }
}

fn push_once<T: PartialEq>(list: &mut Vec<T>, value: T, name: &str) -> Result<(), FilterError> {
    if !list.contains(&value) {
        if list.len() == MAX_VALUES {
            return Err(FilterError::TooManyValues(name.to_owned()));
        }
        list.push(value);
    }
    Ok(())
}

fn shorten(text: &str) -> String {
    text.chars().take(40).collect()
}

fn priority(name: &str, value: &str) -> Result<i64, FilterError> {
    value.parse::<i64>().map_err(|_| FilterError::InvalidPriority(name.to_owned(), shorten(value)))
}

/// The physics group of a PrepID: its part before the first '-' (`HIG-RunIII…-00042` → `HIG`).
pub fn pwg_of(prepid: &str) -> Option<&str> {
    prepid.split_once('-').map(|(pwg, _)| pwg).filter(|p| !p.is_empty())
}

/// Whether a value is a wildcard pattern rather than an exact value.
pub fn is_pattern(value: &str) -> bool {
    value.contains('*')
}

/// Whether `text` matches `pattern`, where each `*` stands for any run of characters
/// (none included) and everything else is literal. A value without `*` must equal the text.
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else { return false };
    let middle: Vec<&str> = parts.collect();
    let Some((last, middle)) = middle.split_last() else { return rest.is_empty() };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// The literal text a pattern's matches all start with.
pub fn literal_prefix(pattern: &str) -> &str {
    pattern.split('*').next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_runs_of_any_characters() {
        assert!(glob_matches("HIG-*", "HIG-Run3-0001"));
        assert!(!glob_matches("HIG-*", "xHIG-Run3"));
        assert!(glob_matches("*/MINIAODSIM", "/a/b-v1/MINIAODSIM"));
        assert!(!glob_matches("*/MINIAODSIM", "/a/b-v1/MINIAODSIM/x"));
        assert!(glob_matches("*Run*2022*", "ReReco-Run2022C"));
        assert!(!glob_matches("*Run*2023*", "ReReco-Run2022C"));
        assert!(glob_matches("a*a", "aa") && !glob_matches("a*a", "a"), "prefix and suffix may not overlap");
        assert!(glob_matches("*", "") && glob_matches("**", "x"));
        assert!(glob_matches("exact", "exact") && !glob_matches("exact", "exactly"));
        assert_eq!(literal_prefix("HIG-*-v1"), "HIG-");
    }

    #[test]
    fn pwg_is_the_prepid_part_before_the_first_dash() {
        assert_eq!(pwg_of("HIG-RunIISummer20UL17wmLHEGEN-00042"), Some("HIG"));
        assert_eq!(pwg_of("ReReco-Run2022C-ZeroBias-27Jun2023-00001"), Some("ReReco"));
        assert_eq!(pwg_of("nodash"), None);
        assert_eq!(pwg_of("-x"), None);
    }

    #[test]
    fn priority_range_is_inclusive_and_excludes_unknown_priorities() {
        let f = Facets { priority_min: Some(10), priority_max: Some(20), ..Facets::default() };
        assert!(f.priority_holds(Some(10)) && f.priority_holds(Some(20)));
        assert!(!f.priority_holds(Some(9)) && !f.priority_holds(Some(21)) && !f.priority_holds(None));
        assert!(Facets::default().priority_holds(None));
    }
}
