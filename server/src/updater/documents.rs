//! Where a run gets the ReqMgr2 documents it builds from. cmsweb is shared by everyone, so
//! every request not made is load taken off ReqMgr2's CouchDB: a changed workflow's document
//! comes inline with the feed (`_changes?include_docs=true`), the others a run needs (its
//! failed list) in keyed batches (`_all_docs`). Only when the upstream refuses batched reads
//! (an older proxy answering 4xx) does the run fall back to one GET per document; that is
//! logged once per process and said in the run's summary line. The documents are the same
//! either way, so every rule downstream (U1–U43) sees identical input.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::{stream, StreamExt};
use serde_json::{Map, Value};

use crate::upstream::{key_batches, Changes, Documents, Upstream, UpstreamError};

/// A ReqMgr2 document, `None` when ReqMgr2 no longer has the workflow.
pub type Fetched = Result<Option<Map<String, Value>>, UpstreamError>;

/// How a run read ReqMgr2 documents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DocReads {
    /// Inline with the feed and in keyed batches.
    #[default]
    Batched,
    /// One GET per document: the upstream refused batched reads.
    OneByOne,
}

impl fmt::Display for DocReads {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DocReads::Batched => "batched",
            DocReads::OneByOne => "one-by-one (batched reads refused)",
        })
    }
}

/// Whether an answer says "not through here" rather than "not there" or "not now": any 4xx
/// but 404 (a missing database is a real error) and 429 (slow down, not refused).
fn refused(e: &UpstreamError) -> bool {
    matches!(e, UpstreamError::Status { status, .. } if (400..500).contains(status) && *status != 404 && *status != 429)
}

fn note_fallback(e: &UpstreamError) {
    static LOGGED: AtomicBool = AtomicBool::new(false);
    if !LOGGED.swap(true, Ordering::Relaxed) {
        tracing::warn!(error = %e, "ReqMgr2 refuses batched reads; reading one document per request from now on");
    }
}

/// U33: up to `limit` changes since `since`, documents inline unless the upstream refuses
/// them (or refused them earlier in the run: `reads`).
pub async fn changes(
    up: &dyn Upstream,
    since: &Value,
    limit: u64,
    reads: DocReads,
) -> Result<(Changes, DocReads), UpstreamError> {
    if reads == DocReads::OneByOne {
        return Ok((up.changes(since, false, limit).await?, reads));
    }
    match up.changes(since, true, limit).await {
        Err(e) if refused(&e) => {
            note_fallback(&e);
            Ok((up.changes(since, false, limit).await?, DocReads::OneByOne))
        }
        other => other.map(|c| (c, DocReads::Batched)),
    }
}

/// The documents of `names`, in no particular order: those in `inline` (which holds no name
/// outside `names`) as they are, the rest in batches of keys (or one by one once batched
/// reads were refused), at most `concurrency` calls at once. Every name gets an answer: an
/// `_all_docs` answer is checked to have one row per key asked.
pub async fn fetch(
    up: &dyn Upstream,
    names: &[String],
    inline: HashMap<String, Map<String, Value>>,
    reads: &mut DocReads,
    concurrency: usize,
) -> Vec<(String, Fetched)> {
    let missing: Vec<String> = names.iter().filter(|n| !inline.contains_key(*n)).cloned().collect();
    let mut out: Vec<(String, Fetched)> = Vec::with_capacity(names.len());
    let mut single = Vec::new();
    if *reads == DocReads::Batched {
        // Owned batches: borrowed ones make the run's future lose `Send` under the scheduler.
        let owned: Vec<Vec<String>> = key_batches(&missing).into_iter().map(<[String]>::to_vec).collect();
        let batches: Vec<(Vec<String>, Result<Documents, UpstreamError>)> = stream::iter(owned)
            .map(|batch| async move {
                let rows = up.requests(&batch).await;
                (batch, rows)
            })
            .buffer_unordered(concurrency.max(1))
            .collect()
            .await;
        for (names, rows) in batches {
            match rows {
                Ok(rows) => out.extend(rows.into_iter().map(|(n, d)| (n, Ok(d)))),
                Err(e) if refused(&e) => {
                    note_fallback(&e);
                    *reads = DocReads::OneByOne;
                    single.extend(names);
                }
                Err(e) => out.extend(names.into_iter().map(|n| (n, Err(e.clone())))),
            }
        }
    } else {
        single = missing;
    }
    out.extend(one_by_one(up, single, concurrency).await);
    out.extend(inline.into_iter().map(|(n, doc)| (n, Ok(Some(doc)))));
    out
}

/// U1 the way the original does it: one GET per document, a 404 meaning "gone".
async fn one_by_one(up: &dyn Upstream, names: Vec<String>, concurrency: usize) -> Vec<(String, Fetched)> {
    stream::iter(names)
        .map(|name| async move {
            let doc = match up.request(&name).await {
                Ok(doc) => Ok(Some(doc)),
                Err(e) if e.is_not_found() => Ok(None),
                Err(e) => Err(e),
            };
            (name, doc)
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_client_errors_that_are_not_absence_or_throttling() {
        let status = |status| UpstreamError::Status { endpoint: "reqmgr/_all_docs", status };
        assert!(refused(&status(403)) && refused(&status(400)) && refused(&status(414)));
        assert!(!refused(&status(404)) && !refused(&status(429)) && !refused(&status(503)));
        assert!(!refused(&UpstreamError::Transport { endpoint: "x", message: "reset".into() }));
    }
}
