//! CouchDB's `_changes` as the store's change feed: the normal feed while catching up, long
//! polling (`feed=longpoll` with a `timeout`) when the follower asks to wait. Sequences are
//! opaque (strings on CouchDB 3, numbers on some servers) and passed back verbatim.

use reqwest::Method;
use serde_json::Value;

use super::http::{enc, CouchHttp};
use crate::store::{Change, ChangesPage, Db, FeedQuery, Seq, StoreError};

/// How much longer than the asked wait the client waits for a long poll's answer.
const GRACE: std::time::Duration = std::time::Duration::from_secs(2);

fn seq_of(v: &Value) -> Option<Seq> {
    match v {
        Value::String(s) => Some(Seq(s.clone())),
        Value::Number(n) => Some(Seq(n.to_string())),
        _ => None,
    }
}

fn change_of(row: &Value) -> Result<Change, StoreError> {
    let id = row.get("id").and_then(Value::as_str).ok_or_else(|| StoreError::Protocol("change without id".into()))?;
    let deleted = row.get("deleted").and_then(Value::as_bool).unwrap_or(false);
    let doc = row.get("doc").filter(|d| d.is_object() && !deleted).cloned();
    Ok(Change { id: id.to_owned(), deleted, doc })
}

/// One page of `db`'s `_changes`.
pub async fn changes(http: &CouchHttp, db: Db, q: &FeedQuery) -> Result<ChangesPage, StoreError> {
    let mut path = format!(
        "{}/_changes?since={}&limit={}&include_docs={}",
        db.name(),
        enc(&q.since.0),
        q.limit.max(1),
        q.include_docs
    );
    if !q.wait.is_zero() {
        path.push_str(&format!("&feed=longpoll&timeout={}", q.wait.as_millis()));
    }
    let a = if q.wait.is_zero() {
        http.call(Method::GET, &path, None).await?
    } else {
        // CouchDB ends a quiet long poll at `timeout`; pouchdb-server does not, so the client
        // ends it a little later and answers the empty page CouchDB would have sent.
        match tokio::time::timeout(q.wait + GRACE, http.call(Method::GET, &path, None)).await {
            Ok(answer) => answer?,
            Err(_) => return Ok(ChangesPage { changes: Vec::new(), last_seq: q.since.clone() }),
        }
    };
    if !a.status.is_success() {
        return Err(a.error(&format!("changes of {}", db.name())));
    }
    let results = a
        .body
        .get("results")
        .and_then(Value::as_array)
        .ok_or_else(|| StoreError::Protocol("changes without results".into()))?;
    let changes = results.iter().map(change_of).collect::<Result<Vec<_>, _>>()?;
    let last_seq = a
        .body
        .get("last_seq")
        .and_then(seq_of)
        .ok_or_else(|| StoreError::Protocol("changes without last_seq".into()))?;
    Ok(ChangesPage { changes, last_seq })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tombstones_carry_no_document_and_sequences_stay_opaque() {
        let c = change_of(&json!({"seq": "3-g1", "id": "w", "deleted": true, "doc": {"_id": "w", "_deleted": true}}))
            .unwrap();
        assert!(c.deleted && c.doc.is_none());
        assert_eq!(seq_of(&json!(7)), Some(Seq("7".into())));
        assert_eq!(seq_of(&json!("12-abc")), Some(Seq("12-abc".into())));
        assert!(change_of(&json!({"seq": 1})).is_err());
    }
}
