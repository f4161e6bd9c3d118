//! Writing documents that announce themselves: each document's callback entries are recorded
//! in the outbox before the document is written (docs/decisions.md "Callback outbox"), so a
//! crash between the two replays the change instead of losing its callback; then one bulk
//! write for all of them. Both the metadata and the history writes go through here.

use serde_json::Value;

use crate::callbacks::{outbox, Env};
use crate::store::{Db, Store, StoreError};

/// How one document's write went.
#[derive(Debug)]
pub enum Written {
    /// Stored.
    Done,
    /// Its revision moved meanwhile: the caller re-reads it and re-applies its change (X7).
    Conflict,
    /// Not stored (its callback could not be recorded, or the store refused it).
    Failed(StoreError),
}

/// Records the callbacks to `announce` of every `(id, document, tag)`, then writes those
/// whose callbacks were recorded in one bulk call. Each tag comes back with its outcome, in
/// the order given.
pub async fn write<T>(store: &dyn Store, announce: &[Env], docs: Vec<(String, Value, T)>) -> Vec<(T, Written)> {
    let mut out = Vec::with_capacity(docs.len());
    let (mut values, mut tags) = (Vec::with_capacity(docs.len()), Vec::with_capacity(docs.len()));
    for (id, doc, tag) in docs {
        match outbox::enqueue(store, &id, announce).await {
            Ok(()) => {
                values.push(doc);
                tags.push(tag);
            }
            // Not written without its callback: retried by the next run.
            Err(e) => out.push((tag, Written::Failed(e))),
        }
    }
    let results = match store.bulk_put(Db::Requests, &values).await {
        Ok(r) => r,
        Err(e) => values.iter().map(|_| Err(e.clone())).collect(),
    };
    for (tag, result) in tags.into_iter().zip(results) {
        let written = match result {
            Ok(_) => Written::Done,
            Err(StoreError::Conflict) => Written::Conflict,
            Err(e) => Written::Failed(e),
        };
        out.push((tag, written));
    }
    out
}
