//! The notification outbox in the project's database: one document per (watch, workflow,
//! condition, occurrence), its id a digest of exactly that. Every replica that sees an
//! occurrence writes the same id without a revision, so the first write wins and the others
//! get a conflict: recorded once, however many replicas run.
//!
//! Delivery is at least once. A replica claims an entry by writing it at the revision it read
//! (a second claimant conflicts), sends, then records each target done. A process that dies
//! between sending and recording leaves the claim to run out, and the entry is sent again;
//! the message carries the entries' ids as its idempotency key. Sent entries are kept for
//! [`KEEP`], longer than detection looks back, so an occurrence is never recorded twice.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::store::{Db, Store, StoreError};

/// Prefix of outbox entry ids (export carries them).
pub const PREFIX: &str = crate::store::ndjson::NOTICE_PREFIX;
/// Entries are kept this long after being sent (seconds): 30 days.
pub const KEEP: i64 = 30 * 86_400;
/// Entries read at most at once.
const MAX_READ: u64 = 1_000_000;
/// A claim lasts this long (seconds): long enough for one delivery's timeouts.
pub const CLAIM: i64 = 30;
/// Attempts before an entry is given up (about a day of backoff).
pub const MAX_ATTEMPTS: u32 = 30;

/// One notification to deliver.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Notice {
    /// `notice:<digest>`.
    #[serde(rename = "_id")]
    pub id: String,
    /// The revision it was read at.
    #[serde(rename = "_rev", default, skip_serializing_if = "Option::is_none")]
    pub rev: Option<String>,
    /// Always `notice`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The watch's id.
    pub watch: String,
    /// The workflow.
    pub workflow: String,
    /// The condition, written as in the watch.
    pub condition: String,
    /// When it happened.
    pub occurred: i64,
    /// What happened, in words.
    pub detail: String,
    /// When it was recorded.
    pub created: i64,
    /// Targets done (`webhook`, `email`).
    #[serde(default)]
    pub delivered: Vec<String>,
    /// `pending`, `sent` or `failed` (given up).
    pub state: String,
    /// Failed attempts so far.
    #[serde(default)]
    pub attempts: u32,
    /// No attempt before this time.
    #[serde(default)]
    pub next_attempt: i64,
    /// Until when a replica holds it for delivery.
    #[serde(default)]
    pub claimed_until: i64,
    /// Why the last attempt failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// When it was sent.
    #[serde(default)]
    pub sent: i64,
    /// Fields a newer version wrote.
    #[serde(flatten)]
    other: Map<String, Value>,
}

impl Notice {
    /// A new pending entry; `key` tells this occurrence apart from others of the condition.
    pub fn new(watch: &str, o: &crate::index::Occurrence, now: i64) -> Notice {
        let condition = o.condition.text();
        let what = format!("{watch}\n{}\n{condition}\n{}", o.workflow, o.key);
        Notice {
            id: format!("{PREFIX}{}", crate::encode::digest_hex(&what, 16)),
            rev: None,
            kind: "notice".into(),
            watch: watch.to_owned(),
            workflow: o.workflow.clone(),
            condition,
            occurred: o.time,
            detail: o.detail.clone(),
            created: now,
            delivered: Vec::new(),
            state: "pending".into(),
            attempts: 0,
            next_attempt: 0,
            claimed_until: 0,
            last_error: None,
            sent: 0,
            other: Map::new(),
        }
    }

    /// Whether it waits for delivery at `now`, unclaimed.
    pub fn is_due(&self, now: i64) -> bool {
        self.state == "pending" && self.next_attempt <= now && self.claimed_until < now
    }

    fn value(&self) -> Result<Value, StoreError> {
        serde_json::to_value(self).map_err(|e| StoreError::BadRequest(e.to_string()))
    }
}

/// Records `notice` unless it is recorded already (by anyone): whether this call wrote it.
pub async fn record(store: &dyn Store, notice: &Notice) -> Result<bool, StoreError> {
    match store.put(Db::Stats2, &notice.value()?).await {
        Ok(_) => Ok(true),
        Err(StoreError::Conflict) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Every entry, pending or kept.
pub async fn all(store: &dyn Store) -> Result<Vec<Notice>, StoreError> {
    let docs = store.prefixed(Db::Stats2, PREFIX, MAX_READ).await?;
    Ok(docs.into_iter().filter_map(|d| serde_json::from_value(d).ok()).collect())
}

/// Writes `notice` at the revision it was read at: `None` when someone else wrote it since.
async fn write(store: &dyn Store, mut notice: Notice) -> Result<Option<Notice>, StoreError> {
    match store.put(Db::Stats2, &notice.value()?).await {
        Ok(rev) => {
            notice.rev = Some(rev);
            Ok(Some(notice))
        }
        Err(StoreError::Conflict) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Claims `notice` for delivery until `now + CLAIM`: `None` when another replica did first.
pub async fn claim(store: &dyn Store, mut notice: Notice, now: i64) -> Result<Option<Notice>, StoreError> {
    notice.claimed_until = now + CLAIM;
    write(store, notice).await
}

/// Records the outcome of sending `notice` (claimed) to `target`: done, or the error and the
/// next attempt (5 s, doubling, at most an hour; given up after [`MAX_ATTEMPTS`]).
pub async fn outcome(
    store: &dyn Store,
    mut notice: Notice,
    results: &[(&str, Result<(), String>)],
    now: i64,
) -> Result<(), StoreError> {
    let mut errors = Vec::new();
    for (target, result) in results {
        match result {
            Ok(()) => notice.delivered.push((*target).to_owned()),
            Err(e) => errors.push(format!("{target}: {e}")),
        }
    }
    notice.claimed_until = 0;
    if errors.is_empty() {
        notice.state = "sent".into();
        notice.sent = now;
        notice.last_error = None;
    } else {
        notice.attempts += 1;
        notice.next_attempt = now + (5i64 << notice.attempts.min(10)).min(3600);
        notice.last_error = Some(errors.join("; "));
        if notice.attempts >= MAX_ATTEMPTS {
            notice.state = "failed".into();
        }
    }
    write(store, notice).await.map(drop)
}

/// Drops entries sent or given up more than [`KEEP`] ago, and those of deleted watches;
/// how many went.
pub async fn sweep(store: &dyn Store, watches: &[String], now: i64) -> Result<usize, StoreError> {
    let mut gone = 0;
    for n in all(store).await? {
        let old = n.state != "pending" && now - n.created.max(n.sent) > KEEP;
        let orphan = !watches.contains(&n.watch) && now - n.created > KEEP;
        if let (true, Some(rev)) = (old || orphan, n.rev.as_deref()) {
            match store.delete(Db::Stats2, &n.id, rev).await {
                Ok(()) => gone += 1,
                Err(StoreError::Conflict | StoreError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(gone)
}
