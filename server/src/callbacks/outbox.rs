//! The durable callback outbox in the project's own database (docs/decisions.md "Callback outbox"). An entry per
//! (workflow, prod/dev) is written before the document change it announces, so a crash at
//! any point loses nothing (delivery is at least once); a pending entry absorbs further
//! changes of the same workflow (de-duplicated); it is removed only after a 2xx, and only
//! if no change arrived while it was being sent: every enqueue moves the entry's revision
//! (a change counter), so `done` at the revision that was sent finds a conflict instead.

use serde_json::{json, Value};

use super::route::Env;
use crate::store::{self, Db, Paging, Store, StoreError};

const PREFIX: &str = "callback:";

/// A pending callback.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Outbox document id.
    pub id: String,
    /// Its revision.
    pub rev: String,
    /// Workflow to announce.
    pub workflow: String,
    /// Production or development.
    pub env: Env,
    /// Failed attempts so far.
    pub attempts: u64,
    /// Unix time before which no new attempt is made.
    pub next_attempt: i64,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
}

fn id_of(workflow: &str, env: Env) -> String {
    format!("{PREFIX}{}:{workflow}", env.as_str())
}

/// Records a callback for `workflow` to each of `envs`; a pending one counts the change, so
/// its revision moves and a delivery in flight does not remove it (see `done`).
pub async fn enqueue(store: &dyn Store, workflow: &str, envs: &[Env]) -> Result<(), StoreError> {
    for env in envs {
        let doc = json!({"_id": id_of(workflow, *env), "type": "callback", "workflow": workflow, "env": env.as_str(),
            "created": crate::now(), "attempts": 0, "next_attempt": 0, "changes": 1});
        store::update(store, Db::Stats2, &id_of(workflow, *env), |cur| match cur {
            None => Some(doc.clone()),
            Some(mut pending) => {
                let changes = pending.get("changes").and_then(Value::as_u64).unwrap_or(1);
                pending["changes"] = json!(changes + 1);
                Some(pending)
            }
        })
        .await?;
    }
    Ok(())
}

/// Every pending entry.
pub async fn pending(store: &dyn Store) -> Result<Vec<Entry>, StoreError> {
    let rows = store.all_docs(Db::Stats2, Paging { skip: 0, limit: u64::MAX >> 1 }, true).await?;
    Ok(rows.into_iter().filter(|r| r.id.starts_with(PREFIX)).filter_map(|r| parse(&r.doc?)).collect())
}

fn parse(doc: &Value) -> Option<Entry> {
    Some(Entry {
        id: doc.get("_id")?.as_str()?.to_owned(),
        rev: doc.get("_rev")?.as_str()?.to_owned(),
        workflow: doc.get("workflow")?.as_str()?.to_owned(),
        env: Env::parse(doc.get("env")?.as_str()?)?,
        attempts: doc.get("attempts").and_then(Value::as_u64).unwrap_or(0),
        next_attempt: doc.get("next_attempt").and_then(Value::as_i64).unwrap_or(0),
        last_error: doc.get("last_error").and_then(Value::as_str).map(str::to_owned),
    })
}

/// Removes a delivered entry, unless it changed since it was read (the revision moved).
pub async fn done(store: &dyn Store, e: &Entry) -> Result<(), StoreError> {
    match store.delete(Db::Stats2, &e.id, &e.rev).await {
        // Re-enqueued or retried concurrently: the newer entry stays for the next delivery.
        Err(StoreError::Conflict) | Err(StoreError::NotFound(_)) => Ok(()),
        other => other,
    }
}

/// Records a failed attempt and when to try again (30 s, doubling, at most an hour).
pub async fn failed(store: &dyn Store, e: &Entry, error: &str) -> Result<(), StoreError> {
    let attempts = e.attempts + 1;
    let wait = (30i64 << attempts.min(7)).min(3600);
    let error = error.to_owned();
    store::update(store, Db::Stats2, &e.id, move |cur| {
        let mut doc = cur?;
        doc["attempts"] = json!(attempts);
        doc["next_attempt"] = json!(crate::now() + wait);
        doc["last_error"] = json!(error);
        Some(doc)
    })
    .await
    .map(|_| ())
}
