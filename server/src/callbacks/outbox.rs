//! The durable callback outbox in the project's own database (docs/decisions.md "Callback outbox"). An entry per
//! (workflow, prod/dev) is written before the document change it announces, so a crash at
//! any point loses nothing (delivery is at least once); a pending entry absorbs further
//! changes of the same workflow (de-duplicated); it is removed only after a 2xx, and only
//! if no change arrived while it was being sent: every enqueue moves the entry's revision
//! (a change counter), so `done` at the revision that was sent finds a conflict instead.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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

/// An outbox entry as stored in the project's database.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stored {
    #[serde(rename = "_id")]
    id: String,
    #[serde(rename = "_rev", default, skip_serializing_if = "Option::is_none")]
    rev: Option<String>,
    /// Always `callback`: tells the entries apart from the project's other documents.
    #[serde(rename = "type")]
    kind: String,
    workflow: String,
    env: Env,
    #[serde(default)]
    created: i64,
    #[serde(default)]
    attempts: u64,
    #[serde(default)]
    next_attempt: i64,
    /// Changes absorbed while pending: every enqueue moves the revision (see `done`).
    #[serde(default)]
    changes: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_error: Option<String>,
    /// Fields a newer version wrote.
    #[serde(flatten)]
    other: Map<String, Value>,
}

impl Stored {
    fn read(doc: Value) -> Option<Stored> {
        serde_json::from_value(doc).ok()
    }

    fn value(&self) -> Option<Value> {
        serde_json::to_value(self).ok()
    }

    fn entry(self) -> Option<Entry> {
        Some(Entry {
            id: self.id,
            rev: self.rev?,
            workflow: self.workflow,
            env: self.env,
            attempts: self.attempts,
            next_attempt: self.next_attempt,
            last_error: self.last_error,
        })
    }
}

fn id_of(workflow: &str, env: Env) -> String {
    format!("{PREFIX}{}:{workflow}", env.as_str())
}

/// Records a callback for `workflow` to each of `envs`; a pending one counts the change, so
/// its revision moves and a delivery in flight does not remove it (see `done`).
pub async fn enqueue(store: &dyn Store, workflow: &str, envs: &[Env]) -> Result<(), StoreError> {
    for env in envs {
        let id = id_of(workflow, *env);
        let fresh = Stored {
            id: id.clone(),
            rev: None,
            kind: "callback".into(),
            workflow: workflow.to_owned(),
            env: *env,
            created: crate::clock::now(),
            attempts: 0,
            next_attempt: 0,
            changes: 1,
            last_error: None,
            other: Map::new(),
        };
        store::update(store, Db::Stats2, &id, |cur| match cur.and_then(Stored::read) {
            None => fresh.value(),
            Some(mut pending) => {
                pending.changes = pending.changes.max(1) + 1;
                pending.value()
            }
        })
        .await?;
    }
    Ok(())
}

/// Every pending entry.
pub async fn pending(store: &dyn Store) -> Result<Vec<Entry>, StoreError> {
    let rows = store.all_docs(Db::Stats2, Paging { skip: 0, limit: u64::MAX >> 1 }, true).await?;
    Ok(rows.into_iter().filter(|r| r.id.starts_with(PREFIX)).filter_map(|r| Stored::read(r.doc?)?.entry()).collect())
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
        let mut doc = Stored::read(cur?)?;
        doc.attempts = attempts;
        doc.next_attempt = crate::clock::now() + wait;
        doc.last_error = Some(error.clone());
        doc.value()
    })
    .await
    .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn entries_of_the_first_version_read_and_keep_their_fields() {
        let stored = json!({"_id": "callback:prod:w", "_rev": "3-a", "type": "callback", "workflow": "w",
            "env": "prod", "created": 5, "attempts": 2, "next_attempt": 9, "changes": 4, "last_error": "503",
            "note": "from a newer version"});
        let doc = Stored::read(stored.clone()).unwrap();
        assert_eq!(doc.value().unwrap(), stored, "rewritten as read");
        let e = doc.entry().unwrap();
        assert_eq!((e.env, e.attempts, e.next_attempt, e.last_error.as_deref()), (Env::Prod, 2, 9, Some("503")));
        let minimal =
            json!({"_id": "callback:dev:w", "_rev": "1-b", "type": "callback", "workflow": "w", "env": "dev"});
        assert_eq!(Stored::read(minimal).unwrap().entry().unwrap().env, Env::Dev);
        assert!(
            Stored::read(json!({"_id": "callback:x:w", "type": "callback", "workflow": "w", "env": "qa"})).is_none()
        );
    }
}
