//! Acknowledged alerts: an admin's note on a workflow (`ack:<name>` in the project's
//! database, so every replica honours it), which takes it out of the alert counts and the
//! ranked lists while its standing (status, events, dataset statuses) is the one it was
//! acknowledged at. Any change of those lapses it by itself: nothing has to remove it.
//!
//! Every header asks for the counts after every run, so the acknowledgements are read from
//! the store at most every [`FRESH`] and shared, and lapsed ones are swept once they are
//! [`KEEP_LAPSED`] old ([`sweep`]) so that read does not grow for ever.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use app::alerts::{Ack, Ranked, RankedPage, RANKED_PAGE};
use app::filter::Filter;
use serde::{Deserialize, Serialize};

use crate::index::{NotReady, SummaryIndex};
use crate::store::{self, Db, SharedStore, Store, StoreError};

const PREFIX: &str = "ack:";
/// How long a read of the acknowledgements serves.
const FRESH: Duration = Duration::from_secs(2);
/// Acknowledgements read at most.
const MAX_READ: u64 = 1_000_000;
/// How long a lapsed acknowledgement stays stored after it was given (seconds): a month, for
/// whoever reads the project's database to see what was handled.
pub const KEEP_LAPSED: i64 = 30 * 86_400;

/// One stored acknowledgement.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stored {
    /// The workflow.
    pub workflow: String,
    /// Who.
    pub by: String,
    /// Why.
    pub note: String,
    /// When.
    pub time: i64,
    /// The standing it was given at.
    pub standing: String,
}

/// The acknowledgements of one store.
pub struct Acks {
    store: SharedStore,
    read: Mutex<Option<(Instant, Arc<Vec<Stored>>)>>,
}

impl Acks {
    /// The acknowledgements in `store`.
    pub fn new(store: SharedStore) -> Acks {
        Acks { store, read: Mutex::new(None) }
    }

    /// Every acknowledgement (lapsed ones too), read at most every [`FRESH`].
    pub async fn all(&self) -> Result<Arc<Vec<Stored>>, StoreError> {
        if let Some((at, acks)) = self.read.lock().ok().and_then(|r| r.clone()) {
            if at.elapsed() < FRESH {
                return Ok(acks);
            }
        }
        let docs = self.store.prefixed(Db::Stats2, PREFIX, MAX_READ).await?;
        let acks: Arc<Vec<Stored>> =
            Arc::new(docs.into_iter().filter_map(|d| serde_json::from_value(d).ok()).collect());
        if let Ok(mut r) = self.read.lock() {
            *r = Some((Instant::now(), acks.clone()));
        }
        Ok(acks)
    }

    /// Records `ack`, replacing an earlier one of the workflow.
    pub async fn put(&self, ack: Stored) -> Result<(), StoreError> {
        let id = format!("{PREFIX}{}", ack.workflow);
        let doc = serde_json::to_value(&ack).map_err(|e| StoreError::BadRequest(e.to_string()))?;
        store::update(&*self.store, Db::Stats2, &id, |_| Some(doc.clone())).await?;
        if let Ok(mut r) = self.read.lock() {
            *r = None;
        }
        Ok(())
    }
}

/// Deletes the acknowledgements given more than [`KEEP_LAPSED`] ago that no longer hold (their
/// workflow's standing moved, or it is gone); answers how many. Every replica may sweep: a
/// deletion that lost a race (a new acknowledgement, another replica) is left as it is. Nothing
/// is deleted while the index is not ready (it could not tell what holds).
pub async fn sweep(store: &dyn Store, index: &SummaryIndex, now: i64) -> Result<u64, StoreError> {
    let mut deleted = 0;
    for doc in store.prefixed(Db::Stats2, PREFIX, MAX_READ).await? {
        let Some(rev) = doc.get("_rev").and_then(serde_json::Value::as_str).map(str::to_owned) else { continue };
        let Ok(ack) = serde_json::from_value::<Stored>(doc) else { continue };
        if ack.time > now - KEEP_LAPSED {
            continue;
        }
        match index.standing(&ack.workflow, now) {
            Err(NotReady) => return Ok(deleted),
            Ok(standing) if standing.as_deref() == Some(ack.standing.as_str()) => continue,
            Ok(_) => {}
        }
        match store.delete(Db::Stats2, &format!("{PREFIX}{}", ack.workflow), &rev).await {
            Ok(()) => deleted += 1,
            Err(StoreError::Conflict | StoreError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(deleted)
}

/// The acknowledgements that hold now: their workflow's standing is unchanged.
pub fn holding(index: &SummaryIndex, acks: &[Stored], now: i64) -> Result<Vec<Stored>, NotReady> {
    let mut out = Vec::new();
    for a in acks {
        if index.standing(&a.workflow, now)?.is_some_and(|s| s == a.standing) {
            out.push(a.clone());
        }
    }
    Ok(out)
}

/// How many of `filter`'s workflows are acknowledged (to take out of its count).
pub fn acknowledged_in(index: &SummaryIndex, holding: &[Stored], filter: &Filter, now: i64) -> Result<u64, NotReady> {
    let mut n = 0;
    for a in holding {
        n += u64::from(index.holds(&a.workflow, filter, now)?);
    }
    Ok(n)
}

/// Page `page` of `filter`'s ranked list, acknowledged workflows left out unless
/// `acknowledged`.
pub fn ranked_page(
    index: &SummaryIndex,
    holding: &[Stored],
    (filter, acknowledged, page): (&Filter, bool, u32),
    now: i64,
) -> Result<RankedPage, NotReady> {
    let names: HashSet<String> = holding.iter().map(|a| a.workflow.clone()).collect();
    let start = page as usize * RANKED_PAGE;
    let slice = index.ranked(filter, (&names, acknowledged), start..start + RANKED_PAGE + 1, now)?;
    let has_next = slice.items.len() > RANKED_PAGE;
    let rows = slice
        .items
        .into_iter()
        .take(RANKED_PAGE)
        .map(|item| {
            let ack = holding.iter().find(|a| a.workflow == item.name).map(|a| Ack {
                by: a.by.clone(),
                note: a.note.clone(),
                time: a.time,
            });
            let (name, status, block) = (item.name, item.status, item.block);
            Ranked { name, status, block, remaining: item.remaining, since: item.since, ack }
        })
        .collect();
    Ok(RankedPage { rows, matching: slice.matching, acknowledged: slice.acked, page, has_next })
}
