//! The dashboard filter: the eight legacy query parameters (A2) and the page, parsed from and
//! written to a URL query string.
//!
//! Parsing never panics: any input gives a [`Filter`] or a [`FilterError`] that says what is
//! wrong. Values are kept literally (quotes, '#', '&', '+', spaces, non-ASCII); encoding them
//! for a URL or a store query is the writer's job, never the reader's.

use std::fmt;

use percent_encoding::percent_decode_str;
use serde::{Deserialize, Serialize};

mod change_group;
mod error;
mod facets;
mod request_status;
mod sort;

pub use change_group::ChangeGroup;
pub use error::FilterError;
pub use facets::{glob_matches, is_pattern, literal_prefix, pwg_of, Facets, MAX_IDLE_DAYS, MAX_VALUES};
pub use request_status::{text_can_progress, RequestStatus};
pub use sort::Sort;

/// Rows per page (S7).
pub const PAGE_SIZE: u32 = 100;
/// Longest accepted filter value, in bytes. Dataset names are a few hundred bytes at most.
pub const MAX_VALUE_LEN: usize = 2048;
/// Highest accepted page number; `skip` beyond this is never useful and costs the store.
pub const MAX_PAGE: u32 = 1_000_000;
/// Page sizes the dashboard offers (the legacy routes always use [`PAGE_SIZE`]).
pub const PAGE_SIZES: [u32; 4] = [20, 50, 100, 200];

/// One of the eight legacy filter parameters, in precedence order (A3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum FilterKey {
    /// `workflow_name`: direct document read.
    WorkflowName,
    /// `prepid`: view `prepids`.
    PrepId,
    /// `output_dataset`: view `outputDatasets`.
    OutputDataset,
    /// `input_dataset`: view `inputDatasets`.
    InputDataset,
    /// `campaign`: view `campaigns`.
    Campaign,
    /// `type`: view `types`.
    Type,
    /// `processing_string`: view `processingStrings`.
    ProcessingString,
    /// `request`: view `requests`.
    Request,
}

impl FilterKey {
    /// All keys, highest precedence first (A3).
    pub const ALL: [FilterKey; 8] = [
        FilterKey::WorkflowName,
        FilterKey::PrepId,
        FilterKey::OutputDataset,
        FilterKey::InputDataset,
        FilterKey::Campaign,
        FilterKey::Type,
        FilterKey::ProcessingString,
        FilterKey::Request,
    ];

    /// The URL query parameter name.
    pub fn param(self) -> &'static str {
        match self {
            FilterKey::WorkflowName => "workflow_name",
            FilterKey::PrepId => "prepid",
            FilterKey::OutputDataset => "output_dataset",
            FilterKey::InputDataset => "input_dataset",
            FilterKey::Campaign => "campaign",
            FilterKey::Type => "type",
            FilterKey::ProcessingString => "processing_string",
            FilterKey::Request => "request",
        }
    }

    /// The key for a query parameter name.
    pub fn from_param(name: &str) -> Option<Self> {
        FilterKey::ALL.into_iter().find(|k| k.param() == name)
    }

    /// Whether a listing filtered by this key is sorted by the name's date and time (A4).
    pub fn sorts_by_date(self) -> bool {
        matches!(self, FilterKey::PrepId | FilterKey::OutputDataset | FilterKey::InputDataset | FilterKey::Request)
    }
}

/// The legacy filters and the page. A parameter counts when present, even empty (A2).
/// Its JSON form (server-function calls) uses the query parameter names; omitted fields are
/// absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Filter {
    /// `workflow_name`
    pub workflow_name: Option<String>,
    /// `prepid`
    pub prepid: Option<String>,
    /// `output_dataset`
    pub output_dataset: Option<String>,
    /// `input_dataset`
    pub input_dataset: Option<String>,
    /// `campaign`
    pub campaign: Option<String>,
    /// `type`
    #[serde(rename = "type")]
    pub request_type: Option<String>,
    /// `processing_string`
    pub processing_string: Option<String>,
    /// `request`
    pub request: Option<String>,
    /// Zero-based page number.
    pub page: u32,
    /// Rows per page; `None` is the legacy [`PAGE_SIZE`]. Only values of [`PAGE_SIZES`].
    pub page_size: Option<u32>,
    /// `match=all`: every parameter must match (AND). Without it, legacy URLs keep A3's
    /// precedence: only the highest parameter counts.
    pub match_all: bool,
    /// `stalled=1`: only workflows with a stalled dataset (no change for two days, not done).
    pub stalled: bool,
    /// The analytics filters (status, priority range, PWG, datatier), ANDed with the rest.
    #[serde(flatten)]
    pub facets: Facets,
    /// `sort`: an order other than the default (A4's date order, else id order).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort: Option<Sort>,
}

impl Filter {
    /// The value of one parameter.
    pub fn get(&self, key: FilterKey) -> Option<&str> {
        self.slot(key).as_deref()
    }

    /// Sets (or clears) one parameter.
    pub fn set(&mut self, key: FilterKey, value: Option<String>) {
        *self.slot_mut(key) = value;
    }

    /// Builder form of [`Filter::set`].
    pub fn with(mut self, key: FilterKey, value: impl Into<String>) -> Self {
        self.set(key, Some(value.into()));
        self
    }

    /// The same filter on another page.
    pub fn with_page(mut self, page: u32) -> Self {
        self.page = page;
        self
    }

    /// Rows per page.
    pub fn size(&self) -> u32 {
        self.page_size.unwrap_or(PAGE_SIZE)
    }

    /// Whether the listing pages over distinct workflows rather than a view's rows: several
    /// parameters combined with AND, the stalled filter, an analytics filter or a wildcard.
    pub fn is_combined(&self) -> bool {
        (self.match_all && self.active().count() > 1)
            || self.stalled
            || !self.facets.is_empty()
            || self.sort.is_some()
            || self.required().iter().any(|(_, v)| is_pattern(v))
    }

    /// The legacy parameters a workflow must match: all of them with `match=all`, else the
    /// one that wins by A3's precedence.
    pub fn required(&self) -> Vec<(FilterKey, &str)> {
        if self.match_all {
            self.active().collect()
        } else {
            self.primary().into_iter().collect()
        }
    }

    /// The parameter that decides the listing (A3), with its value.
    pub fn primary(&self) -> Option<(FilterKey, &str)> {
        FilterKey::ALL.into_iter().find_map(|k| self.get(k).map(|v| (k, v)))
    }

    /// Every parameter that is set, in precedence order.
    pub fn active(&self) -> impl Iterator<Item = (FilterKey, &str)> {
        FilterKey::ALL.into_iter().filter_map(|k| self.get(k).map(|v| (k, v)))
    }

    /// Whether the listing is sorted by the names' date and time (A4): any of prepid,
    /// output_dataset, input_dataset or request is present, even when another key won, and
    /// no other order is asked for.
    pub fn sorts_by_date(&self) -> bool {
        self.sort.is_none() && self.active().any(|(k, _)| k.sorts_by_date())
    }

    /// Parses a URL query string (with or without the leading '?'). Unknown parameters are
    /// ignored; for a repeated legacy parameter the first occurrence wins, as in the original,
    /// while a repeated analytics parameter adds an alternative.
    pub fn from_query(query: &str) -> Result<Self, FilterError> {
        Self::parse(query, true)
    }

    /// Parses a legacy route's query string: the analytics parameters are ignored, as the
    /// original ignored every parameter it did not know.
    pub fn from_legacy_query(query: &str) -> Result<Self, FilterError> {
        Self::parse(query, false)
    }

    fn parse(query: &str, analytics: bool) -> Result<Self, FilterError> {
        let mut filter = Filter::default();
        let mut page_seen = false;
        for pair in query.strip_prefix('?').unwrap_or(query).split('&') {
            if pair.is_empty() {
                continue;
            }
            let (raw_name, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = decode(raw_name).unwrap_or_default();
            if name == "page_size" {
                let value = decode(raw_value).unwrap_or_default();
                match value.parse::<u32>() {
                    Ok(n) if PAGE_SIZES.contains(&n) => filter.page_size = Some(n),
                    _ => return Err(FilterError::InvalidPageSize(value.chars().take(20).collect())),
                }
                continue;
            }
            if name == "stalled" {
                filter.stalled = matches!(decode(raw_value).as_deref(), Some("1" | "true" | "yes"));
                continue;
            }
            if name == "match" {
                filter.match_all = decode(raw_value).as_deref() == Some("all");
                continue;
            }
            if name == "page" {
                if !page_seen {
                    page_seen = true;
                    let value = decode(raw_value).ok_or_else(|| FilterError::NotUtf8("page".into()))?;
                    filter.page = parse_page(&value)?;
                }
                continue;
            }
            if analytics && name == "sort" {
                filter.sort = sort::parse_param(&decode(raw_value).unwrap_or_default())?;
                continue;
            }
            if analytics && Facets::PARAMS.contains(&name.as_str()) {
                let value = decode(raw_value).ok_or_else(|| FilterError::NotUtf8(name.clone()))?;
                filter.facets.take(&name, &value)?;
                continue;
            }
            let Some(key) = FilterKey::from_param(&name) else { continue };
            if filter.get(key).is_some() {
                continue;
            }
            if raw_value.len() > MAX_VALUE_LEN * 3 {
                return Err(FilterError::TooLong(name));
            }
            let value = decode(raw_value).ok_or_else(|| FilterError::NotUtf8(name.clone()))?;
            if value.len() > MAX_VALUE_LEN {
                return Err(FilterError::TooLong(name));
            }
            filter.set(key, Some(value));
        }
        filter.validate()?;
        Ok(filter)
    }

    /// The checks every way in applies (a query string, a server function's JSON): the page
    /// within [`MAX_PAGE`], a page size of [`PAGE_SIZES`], values of at most [`MAX_VALUE_LEN`]
    /// bytes. A filter that passes is safe to answer.
    pub fn validate(&self) -> Result<(), FilterError> {
        if self.page > MAX_PAGE {
            return Err(FilterError::InvalidPage(self.page.to_string()));
        }
        if let Some(size) = self.page_size.filter(|s| !PAGE_SIZES.contains(s)) {
            return Err(FilterError::InvalidPageSize(size.to_string()));
        }
        match FilterKey::ALL.into_iter().find(|&k| self.get(k).is_some_and(|v| v.len() > MAX_VALUE_LEN)) {
            Some(key) => Err(FilterError::TooLong(key.param().to_owned())),
            None => self.facets.validate(),
        }
    }

    /// The query string without '?': parameters in precedence order, `page` last and only
    /// when not 0. Values are form-encoded, so `from_query(to_query(f)) == f`.
    pub fn to_query(&self) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (key, value) in self.active() {
            out.append_pair(key.param(), value);
        }
        self.facets.write(&mut out);
        if let Some(sort) = self.sort {
            out.append_pair("sort", sort.as_str());
        }
        if self.match_all {
            out.append_pair("match", "all");
        }
        if self.stalled {
            out.append_pair("stalled", "1");
        }
        if let Some(size) = self.page_size {
            out.append_pair("page_size", &size.to_string());
        }
        if self.page > 0 {
            out.append_pair("page", &self.page.to_string());
        }
        out.finish()
    }

    /// The query string of the filter without its page (for pager links of the legacy form).
    pub fn to_query_without_page(&self) -> String {
        self.clone().with_page(0).to_query()
    }

    fn slot(&self, key: FilterKey) -> &Option<String> {
        match key {
            FilterKey::WorkflowName => &self.workflow_name,
            FilterKey::PrepId => &self.prepid,
            FilterKey::OutputDataset => &self.output_dataset,
            FilterKey::InputDataset => &self.input_dataset,
            FilterKey::Campaign => &self.campaign,
            FilterKey::Type => &self.request_type,
            FilterKey::ProcessingString => &self.processing_string,
            FilterKey::Request => &self.request,
        }
    }

    fn slot_mut(&mut self, key: FilterKey) -> &mut Option<String> {
        match key {
            FilterKey::WorkflowName => &mut self.workflow_name,
            FilterKey::PrepId => &mut self.prepid,
            FilterKey::OutputDataset => &mut self.output_dataset,
            FilterKey::InputDataset => &mut self.input_dataset,
            FilterKey::Campaign => &mut self.campaign,
            FilterKey::Type => &mut self.request_type,
            FilterKey::ProcessingString => &mut self.processing_string,
            FilterKey::Request => &mut self.request,
        }
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_query())
    }
}

/// Parses a page number as it appears in a path (`/stats/<page>`) or in `page=`.
pub fn parse_page(text: &str) -> Result<u32, FilterError> {
    let invalid = || FilterError::InvalidPage(text.chars().take(40).collect());
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    match text.parse::<u32>() {
        Ok(p) if p <= MAX_PAGE => Ok(p),
        _ => Err(invalid()),
    }
}

/// Form-decoding ('+' is a space) that refuses invalid UTF-8 instead of replacing it.
fn decode(raw: &str) -> Option<String> {
    let spaced = raw.replace('+', " ");
    percent_decode_str(&spaced).decode_utf8().ok().map(|c| c.into_owned())
}

#[cfg(test)]
mod tests;
