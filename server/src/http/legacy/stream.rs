//! `/api/fetch`'s long answers written a page at a time: a page of documents is read, written
//! and handed to the answer's readers before the next is read, so an answer holds a few pages,
//! whatever its length. The bytes are those of `dumps_indented` of the whole list (the legacy
//! API's byte parity). One writer serves every identical request that came in time
//! (`flight.rs`).

use std::sync::Arc;

use app::filter::Filter;
use axum::body::Bytes;
use axum::http::StatusCode;

use super::fetch::Pages;
use super::flight::Writer;
use super::pyjson::{indented_end, indented_item};
use super::{Legacy, JSON};
use crate::gate::Gate;

/// Writes the answer of `filter` (up to `pages` pages) into `writer`: through the bound on
/// bulk answers first, then page by page. An answer of one page is also cached under
/// `cache_key`, as the shorter answers always were.
pub async fn write(l: Arc<Legacy>, gate: Arc<Gate>, filter: Filter, pages: u32, cache_key: String, writer: Writer) {
    let generation = l.index.generation();
    let _pass = match gate.enter().await {
        Ok(p) => p,
        Err(e) => return writer.finish(Err(e.to_string())),
    };
    let names = match super::fetch::names(&*l.store, &filter, pages).await {
        Ok(n) => n,
        Err(e) => return writer.finish(Err(unavailable(&e))),
    };
    let pages = Pages::new(l.store.clone(), names, &filter);
    let mut wrote_any = false;
    for k in 0..pages.len().max(1) {
        if !writer.room().await {
            return; // every reader has gone
        }
        let docs = match pages.page(k).await {
            Ok(d) => d,
            Err(e) => return writer.finish(Err(unavailable(&e))),
        };
        let mut out = String::with_capacity(docs.len() * 8192);
        for doc in &docs {
            indented_item(&mut out, doc, !wrote_any);
            wrote_any = true;
        }
        drop(docs);
        if k + 1 >= pages.len() {
            indented_end(&mut out, !wrote_any);
            if k == 0 {
                l.cache.put(cache_key.clone(), (StatusCode::OK, JSON, out.clone()), generation);
            }
        }
        writer.write(Bytes::from(out));
    }
    writer.finish(Ok(()));
}

fn unavailable(e: &crate::store::StoreError) -> String {
    tracing::warn!(error = %e, "the store failed while writing a bulk /api/fetch answer");
    format!("The database is unavailable; try again shortly ({e}).")
}
