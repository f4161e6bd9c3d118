//! The workflow list behind the dashboard (A2–A4, S7–S8): one store query per page, design
//! documents left out (X19, X24), rows built with `app::present`.

use app::filter::{Filter, FilterKey};
use serde_json::Value;

use crate::store::{self, Db, Paging, Store, StoreError, View, DESIGN_PREFIX};

/// How a filter is answered (A3, S7–S8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup<'a> {
    /// `workflow_name`: one direct read, the page ignored.
    Direct(&'a str),
    /// A view lookup with the value as key.
    View(View, &'a str),
    /// No filter: every workflow in id order.
    All,
}

impl<'a> Lookup<'a> {
    /// The lookup of the filter's winning parameter.
    pub fn of(filter: &'a Filter) -> Self {
        let Some((key, value)) = filter.primary() else { return Lookup::All };
        match view_of(key) {
            Some(view) => Lookup::View(view, value),
            None => Lookup::Direct(value),
        }
    }
}

/// The view answering a parameter (S8); `None` for `workflow_name`, a direct read.
pub fn view_of(key: FilterKey) -> Option<View> {
    Some(match key {
        FilterKey::WorkflowName => return None,
        FilterKey::PrepId => View::Prepids,
        FilterKey::OutputDataset => View::OutputDatasets,
        FilterKey::InputDataset => View::InputDatasets,
        FilterKey::Campaign => View::Campaigns,
        FilterKey::Type => View::Types,
        FilterKey::ProcessingString => View::ProcessingStrings,
        FilterKey::Request => View::Requests,
    })
}

/// Candidates read for a combined (AND) filter before the other parameters are applied.
pub const MAX_CANDIDATES: u64 = 20_000;

/// Whether `doc` matches one parameter, with the views' own semantics (S10–S12).
pub fn matches(doc: &Value, key: FilterKey, value: &str) -> bool {
    match view_of(key) {
        Some(view) => view.emit(doc).iter().any(|k| k.as_str() == Some(value)),
        None => doc.get("_id").and_then(Value::as_str) == Some(value),
    }
}

/// The documents of one page, and whether the page was full (a next page may exist).
pub async fn page_docs(store: &dyn Store, filter: &Filter, page: u32) -> Result<(Vec<Value>, bool), StoreError> {
    if filter.is_combined() {
        return combined_page(store, filter, page).await;
    }
    let paging = Paging::page(page, filter.size());
    let rows = match Lookup::of(filter) {
        Lookup::Direct(name) => {
            let doc = store.get(Db::Requests, name).await?;
            return Ok((doc.into_iter().filter(|d| !is_design(d)).collect(), false));
        }
        Lookup::View(view, key) => store.view(view, key, paging, true).await?,
        Lookup::All => store::workflows(store, paging, true).await?,
    };
    let full = rows.len() as u64 == paging.limit;
    let mut docs: Vec<Value> = rows.into_iter().filter_map(|r| r.doc).filter(|d| !is_design(d)).collect();
    if filter.sorts_by_date() {
        docs.sort_by_cached_key(date_time_key);
    }
    Ok((docs, full))
}

/// Every document the filter matches (at most [`MAX_CANDIDATES`] read), each once, design
/// documents left out: legacy precedence, or AND with `match=all`, and the stalled filter.
pub async fn matching_docs(store: &dyn Store, filter: &Filter) -> Result<Vec<Value>, StoreError> {
    let all = Paging { skip: 0, limit: MAX_CANDIDATES };
    let candidates: Vec<Value> = match Lookup::of(filter) {
        Lookup::Direct(name) => store.get(Db::Requests, name).await?.into_iter().collect(),
        Lookup::View(view, key) => store.view(view, key, all, true).await?.into_iter().filter_map(|r| r.doc).collect(),
        Lookup::All => store::workflows(store, all, true).await?.into_iter().filter_map(|r| r.doc).collect(),
    };
    let now = crate::now();
    let combined = filter.match_all;
    let mut docs: Vec<Value> = candidates
        .into_iter()
        .filter(|d| !is_design(d) && (!combined || filter.active().all(|(k, v)| matches(d, k, v))))
        .filter(|d| !filter.stalled || is_stalled(d, now))
        .collect();
    // Duplicated outputs emit a workflow twice in the view (S11): once is enough here.
    let mut seen = std::collections::HashSet::new();
    docs.retain(|d| seen.insert(d.get("_id").and_then(Value::as_str).unwrap_or_default().to_owned()));
    Ok(docs)
}

/// AND of every parameter (and the stalled filter): [`matching_docs`], sorted and paged.
async fn combined_page(store: &dyn Store, filter: &Filter, page: u32) -> Result<(Vec<Value>, bool), StoreError> {
    let mut docs = matching_docs(store, filter).await?;
    if filter.sorts_by_date() {
        docs.sort_by_cached_key(date_time_key);
    }
    let size = filter.size() as usize;
    let start = (page as usize).saturating_mul(size);
    let has_next = docs.len() > start.saturating_add(size);
    Ok((docs.into_iter().skip(start).take(size).collect(), has_next))
}

/// Whether any output dataset of the document is stalled (forecast, no change for two days).
fn is_stalled(doc: &Value, now: i64) -> bool {
    app::model::Workflow::from_value(doc.clone())
        .map(|wf| app::present::workflow_row(&wf, now).datasets.iter().any(|d| d.forecast.is_some_and(|f| f.stalled)))
        .unwrap_or(false)
}

fn is_design(doc: &Value) -> bool {
    doc.get("_id").and_then(Value::as_str).is_some_and(|id| id.starts_with(DESIGN_PREFIX))
}

/// A4's sort key: the name's 3rd- and 2nd-from-last '_' parts joined by '_' (date_time).
/// A document without RequestName sorts by its `_id` instead of failing the page.
pub fn date_time_key(doc: &Value) -> String {
    let name =
        doc.get("RequestName").and_then(Value::as_str).or_else(|| doc.get("_id").and_then(Value::as_str)).unwrap_or("");
    let parts: Vec<&str> = name.split('_').collect();
    let end = parts.len().saturating_sub(1);
    parts[end.saturating_sub(2)..end].join("_")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a3_lookup_follows_precedence() {
        let f = Filter::default().with(FilterKey::Request, "r").with(FilterKey::Campaign, "c");
        assert_eq!(Lookup::of(&f), Lookup::View(View::Campaigns, "c"));
        let f = f.with(FilterKey::WorkflowName, "w");
        assert_eq!(Lookup::of(&f), Lookup::Direct("w"));
        assert_eq!(Lookup::of(&Filter::default()), Lookup::All);
    }

    #[test]
    fn combined_filters_match_like_the_views() {
        let doc = json!({"_id": "w", "Campaigns": ["A", "B"], "RequestType": "ReReco", "ProcessingString": ""});
        assert!(matches(&doc, FilterKey::Campaign, "B"));
        assert!(matches(&doc, FilterKey::Type, "ReReco"));
        assert!(!matches(&doc, FilterKey::ProcessingString, ""), "empty values are not indexed");
        assert!(matches(&doc, FilterKey::WorkflowName, "w"));
    }

    #[test]
    fn a4_sort_key_is_date_and_time() {
        assert_eq!(date_time_key(&json!({"RequestName": "pdmvserv_task_X_230101_120000_1234"})), "230101_120000");
        assert_eq!(date_time_key(&json!({"RequestName": "a_b"})), "a");
        assert_eq!(date_time_key(&json!({"RequestName": "a"})), "");
        assert_eq!(date_time_key(&json!({"_id": "x_y_z_w"})), "y_z");
    }
}
