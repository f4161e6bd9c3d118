//! The documents behind `/api/fetch` and `/md` (A7, A8) in the original's order, with X5
//! fixed: one bounded store query instead of a page loop with sleeps, each document once,
//! no design documents.

use app::filter::{Filter, PAGE_SIZE};
use serde_json::Value;

use crate::listing::{date_time_key, Lookup};
use crate::store::{self, Db, Paging, Store, StoreError, DESIGN_PREFIX};

/// Up to `pages` pages of the filter's documents, in the order the original's page loop
/// produces: store order, then the A4 date sort within each page of 100.
pub async fn documents(store: &dyn Store, filter: &Filter, pages: u32) -> Result<Vec<Value>, StoreError> {
    let all = Paging { skip: 0, limit: u64::from(pages) * u64::from(PAGE_SIZE) };
    let rows = match Lookup::of(filter) {
        // Only a workflow name is looked up (X2): anything else matches nothing.
        Lookup::Direct(name) if app::names::WorkflowName::parse(name).is_err() => return Ok(Vec::new()),
        Lookup::Direct(name) => {
            return Ok(store.get(Db::Requests, name).await?.into_iter().filter(|d| !is_design(d)).collect());
        }
        Lookup::View(view, key) => store.view(view, key, all, true).await?,
        Lookup::All => store::workflows(store, all, true).await?,
    };
    let mut docs: Vec<Value> = rows.into_iter().filter_map(|r| r.doc).filter(|d| !is_design(d)).collect();
    if filter.sorts_by_date() {
        for page in docs.chunks_mut(PAGE_SIZE as usize) {
            page.sort_by_cached_key(date_time_key);
        }
    }
    Ok(docs)
}

fn is_design(doc: &Value) -> bool {
    doc.get("_id").and_then(Value::as_str).is_some_and(|id| id.starts_with(DESIGN_PREFIX))
}
