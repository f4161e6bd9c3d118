//! `/api/fetch`'s long answers as a stream: a page of documents is read, written and sent
//! before the next is read, so one answer holds one page, whatever its length. The bytes are
//! those of `dumps_indented` of the whole list (the legacy API's byte parity).

use axum::body::Bytes;
use futures::Stream;
use serde_json::Value;

use super::fetch::Pages;
use super::pyjson::{indented_end, indented_item};
use crate::gate::Pass;

struct Cursor {
    pages: Pages,
    /// The first page, read before the answer's status was sent (a store failure then is a
    /// 503, not a cut answer).
    first: Option<Vec<Value>>,
    next: usize,
    wrote_any: bool,
    /// Held until the answer ends or the client goes.
    _pass: Pass,
}

/// The answer's bytes, page by page. A store failure after the first page ends the stream
/// with an error: the client sees a cut answer (its JSON does not parse), never a wrong one.
pub fn documents(pages: Pages, first: Vec<Value>, pass: Pass) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
    let cursor = Cursor { pages, first: Some(first), next: 0, wrote_any: false, _pass: pass };
    futures::stream::unfold(Some(cursor), |cursor| async move {
        let mut c = cursor?;
        let docs = match c.first.take() {
            Some(docs) => docs,
            None => match c.pages.page(c.next).await {
                Ok(docs) => docs,
                Err(e) => {
                    tracing::warn!(error = %e, "the store failed in the middle of a long /api/fetch answer");
                    return Some((Err(std::io::Error::other(e)), None));
                }
            },
        };
        let mut out = String::with_capacity(docs.len() * 8192);
        for doc in &docs {
            indented_item(&mut out, doc, !c.wrote_any);
            c.wrote_any = true;
        }
        drop(docs);
        c.next += 1;
        if c.next >= c.pages.len() {
            indented_end(&mut out, !c.wrote_any);
            return Some((Ok(Bytes::from(out)), None));
        }
        Some((Ok(Bytes::from(out)), Some(c)))
    })
}
