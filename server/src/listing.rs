//! The workflow list behind the dashboard (A2–A4, S7–S8): one store query per page, design
//! documents left out (X19, X24), rows built with `app::present`.

use std::sync::Arc;

use app::api::ssr::{Backend, BackendError};
use app::filter::{Filter, FilterKey, PAGE_SIZE};
use app::model::Workflow;
use app::present::{unreadable_row, workflow_row};
use app::rows::WorkflowPage;
use async_trait::async_trait;
use serde_json::Value;

use crate::store::{self, Db, Paging, SharedStore, Store, StoreError, View, DESIGN_PREFIX};

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
        let view = match key {
            FilterKey::WorkflowName => return Lookup::Direct(value),
            FilterKey::PrepId => View::Prepids,
            FilterKey::OutputDataset => View::OutputDatasets,
            FilterKey::InputDataset => View::InputDatasets,
            FilterKey::Campaign => View::Campaigns,
            FilterKey::Type => View::Types,
            FilterKey::ProcessingString => View::ProcessingStrings,
            FilterKey::Request => View::Requests,
        };
        Lookup::View(view, value)
    }
}

/// The documents of one page, and whether the page was full (a next page may exist).
pub async fn page_docs(store: &dyn Store, filter: &Filter, page: u32) -> Result<(Vec<Value>, bool), StoreError> {
    let paging = Paging::page(page, PAGE_SIZE);
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

/// The dashboard's backend over a store.
pub struct StoreBackend {
    store: SharedStore,
}

impl StoreBackend {
    /// Shares `store` with the server functions.
    pub fn new(store: SharedStore) -> Arc<Self> {
        Arc::new(StoreBackend { store })
    }
}

fn unavailable(e: StoreError) -> BackendError {
    tracing::warn!(error = %e, "store query failed");
    BackendError::Unavailable(e.to_string())
}

#[async_trait]
impl Backend for StoreBackend {
    async fn list_workflows(&self, filter: &Filter, page: u32) -> Result<WorkflowPage, BackendError> {
        let (docs, has_next) = page_docs(&*self.store, filter, page).await.map_err(unavailable)?;
        let total_workflows = store::workflow_count(&*self.store).await.map_err(unavailable)?;
        let rows = docs
            .into_iter()
            .map(|doc| {
                let id = doc.get("_id").and_then(Value::as_str).unwrap_or_default().to_owned();
                match Workflow::from_value(doc) {
                    Ok(wf) => workflow_row(&wf),
                    Err(e) => {
                        tracing::warn!(workflow = %id, error = %e, "unreadable workflow document");
                        unreadable_row(&id, e.to_string())
                    }
                }
            })
            .collect();
        Ok(WorkflowPage { rows, page, has_next, total_workflows })
    }
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
    fn a4_sort_key_is_date_and_time() {
        assert_eq!(date_time_key(&json!({"RequestName": "pdmvserv_task_X_230101_120000_1234"})), "230101_120000");
        assert_eq!(date_time_key(&json!({"RequestName": "a_b"})), "a");
        assert_eq!(date_time_key(&json!({"RequestName": "a"})), "");
        assert_eq!(date_time_key(&json!({"_id": "x_y_z_w"})), "y_z");
    }
}
