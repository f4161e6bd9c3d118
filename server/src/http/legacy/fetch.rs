//! The documents behind `/api/fetch` and `/md` (A7, A8) in the original's order, with X5
//! fixed: one bounded store query instead of a page loop with sleeps, each document once,
//! no design documents.
//!
//! The names come first (one query, without documents), then the documents a page of 100 at
//! a time: an answer of 10,000 documents (91 MB of JSON at 20,000 workflows) is streamed page
//! by page and never held whole, so a few anonymous clients asking for everything cannot
//! exhaust the server's memory.

use app::filter::{Filter, PAGE_SIZE};
use serde_json::Value;

use crate::listing::{date_time_key, Lookup};
use crate::store::{self, Db, Paging, SharedStore, Store, StoreError, DESIGN_PREFIX};

/// The names of up to `pages` pages of the filter's documents, in store order.
pub async fn names(store: &dyn Store, filter: &Filter, pages: u32) -> Result<Vec<String>, StoreError> {
    let all = Paging { skip: 0, limit: u64::from(pages) * u64::from(PAGE_SIZE) };
    let rows = match Lookup::of(filter) {
        // Only a workflow name is looked up (X2): anything else matches nothing.
        Lookup::Direct(name) if app::names::WorkflowName::parse(name).is_err() => return Ok(Vec::new()),
        // Whether it exists is found out when its page is read (a missing document is left out).
        Lookup::Direct(name) if name.starts_with(DESIGN_PREFIX) => return Ok(Vec::new()),
        Lookup::Direct(name) => return Ok(vec![name.to_owned()]),
        Lookup::View(view, key) => store.view(view, key, all, false).await?,
        Lookup::All => store::workflows(store, all, false).await?,
    };
    Ok(rows.into_iter().map(|r| r.id).filter(|id| !id.starts_with(DESIGN_PREFIX)).collect())
}

/// Pages of documents of `names`, read one page at a time, each in the order the original's
/// page loop produced: store order, then the A4 date sort within the page of 100.
#[derive(Clone)]
pub struct Pages {
    store: SharedStore,
    names: std::sync::Arc<[String]>,
    by_date: bool,
}

impl Pages {
    /// The pages of `names` for `filter`'s order.
    pub fn new(store: SharedStore, names: Vec<String>, filter: &Filter) -> Self {
        Pages { store, names: names.into(), by_date: filter.sorts_by_date() }
    }

    /// How many pages there are.
    pub fn len(&self) -> usize {
        self.names.len().div_ceil(PAGE_SIZE as usize)
    }

    /// Page `k` (0-based). A document deleted since the names were read is left out.
    pub async fn page(&self, k: usize) -> Result<Vec<Value>, StoreError> {
        let size = PAGE_SIZE as usize;
        let ids = &self.names[(k * size).min(self.names.len())..((k + 1) * size).min(self.names.len())];
        let mut docs: Vec<Value> = self.store.get_many(Db::Requests, ids).await?.into_iter().flatten().collect();
        if self.by_date {
            docs.sort_by_cached_key(date_time_key);
        }
        Ok(docs)
    }
}
