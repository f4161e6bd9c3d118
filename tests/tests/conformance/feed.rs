//! Conformance of the change feed and of NDJSON import/export (the same on both stores).

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use server::store::ndjson::{self, TransferError};
use server::store::{Db, FeedQuery, Seq, Store, DESIGN_PREFIX};

use super::super::Harness;

fn q(since: &Seq, limit: u64, wait: Duration) -> FeedQuery {
    FeedQuery { since: since.clone(), limit, include_docs: true, wait }
}

/// Every workflow change after `since`, a page of `limit` at a time, and where it ended.
async fn drain(s: &dyn Store, since: Seq, limit: u64) -> (Vec<(String, bool, Option<Value>)>, Seq) {
    let mut since = since;
    let mut out = Vec::new();
    loop {
        let page = s.changes(Db::Requests, &q(&since, limit, Duration::ZERO)).await.unwrap();
        since = page.last_seq;
        if page.changes.is_empty() {
            return (out, since);
        }
        out.extend(
            page.changes.into_iter().filter(|c| !c.id.starts_with(DESIGN_PREFIX)).map(|c| (c.id, c.deleted, c.doc)),
        );
    }
}

pub async fn feed_lists_each_document_once_at_its_newest_change(h: &Harness) {
    let s = &*h.store;
    let (_, start) = drain(s, Seq::zero(), 100).await;
    let ra = s.put(Db::Requests, &json!({"_id": "a b/é", "N": 1})).await.unwrap();
    let rb = s.put(Db::Requests, &json!({"_id": "b", "N": 1})).await.unwrap();
    s.put(Db::Requests, &json!({"_id": "a b/é", "N": 2, "_rev": ra})).await.unwrap();
    s.put(Db::Requests, &json!({"_id": "c", "N": 1})).await.unwrap();
    s.delete(Db::Requests, "b", &rb).await.unwrap();
    // Paging one change at a time gives the same as one page.
    for limit in [1, 100] {
        let (changes, end) = drain(s, start.clone(), limit).await;
        let ids: Vec<(&str, bool)> = changes.iter().map(|(id, d, _)| (id.as_str(), *d)).collect();
        assert_eq!(ids, [("a b/é", false), ("c", false), ("b", true)], "limit {limit}");
        assert_eq!(changes[0].2.as_ref().unwrap()["N"], 2, "the document as it is now");
        assert!(changes[2].2.is_none(), "a tombstone carries no document");
        let (after, _) = drain(s, end, limit).await;
        assert!(after.is_empty(), "nothing after the end");
    }
    s.put(Db::Stats2, &json!({"_id": "own"})).await.unwrap();
    let page = s.changes(Db::Stats2, &q(&Seq::zero(), 100, Duration::ZERO)).await.unwrap();
    assert!(page.changes.iter().any(|c| c.id == "own"), "every database has a feed");
}

pub async fn feed_long_poll_answers_when_something_is_written(h: &Harness) {
    let (_, end) = drain(&*h.store, Seq::zero(), 100).await;
    let store = h.store.clone();
    let started = Instant::now();
    let waiting =
        tokio::spawn(async move { store.changes(Db::Requests, &q(&end, 100, Duration::from_secs(10))).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    h.store.put(Db::Requests, &json!({"_id": "late"})).await.unwrap();
    let page = waiting.await.unwrap().unwrap();
    assert_eq!(page.changes.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["late"]);
    assert!(started.elapsed() < Duration::from_secs(5), "woken by the write, not the timeout: {:?}", started.elapsed());
    let (_, end) = drain(&*h.store, Seq::zero(), 100).await;
    let quiet = h.store.changes(Db::Requests, &q(&end, 100, Duration::from_millis(600))).await.unwrap();
    assert!(quiet.changes.is_empty(), "an empty page after the wait");
}

pub async fn ndjson_export_and_import_round_trip(h: &Harness) {
    let s = &*h.store;
    let docs = [json!({"_id": "w1", "A": [1, {"b": "ü"}]}), json!({"_id": "w \"2\"#&+", "A": null})];
    for d in &docs {
        s.put(Db::Requests, d).await.unwrap();
    }
    let mut out = Vec::new();
    assert_eq!(ndjson::export(s, &mut out, &|_| {}).await.unwrap(), 2);
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.lines().count(), 2, "design documents are not exported: {text}");
    // Importing over the same ids replaces them (their _rev in the file is ignored).
    let changed = text.replace("\"A\":null", "\"A\":7");
    let done = ndjson::import(s, &mut changed.as_bytes(), &|_| {}).await.unwrap();
    assert_eq!((done.documents, done.replaced), (2, 2));
    assert_eq!(s.get(Db::Requests, "w \"2\"#&+").await.unwrap().unwrap()["A"], 7);
    // A malformed line stops the import; nothing of its batch is written.
    let bad = "{\"_id\": \"new1\"}\n{\"_id\": \"new2\"\n";
    match ndjson::import(s, &mut bad.as_bytes(), &|_| {}).await {
        Err(TransferError::BadLine { line: 2, .. }) => {}
        other => panic!("expected a bad line 2, got {other:?}"),
    }
    assert_eq!(s.get(Db::Requests, "new1").await.unwrap(), None);
}

/// Watches and their notifications travel with an export; short links and callbacks do not.
pub async fn ndjson_export_carries_watches_and_notifications(h: &Harness) {
    let s = &*h.store;
    s.put(Db::Requests, &json!({"_id": "w1"})).await.unwrap();
    for id in ["watch:a1", "notice:b2", "link:c3", "callback:prod:w1"] {
        s.put(Db::Stats2, &json!({"_id": id, "type": "x"})).await.unwrap();
    }
    let mut out = Vec::new();
    assert_eq!(ndjson::export(s, &mut out, &|_| {}).await.unwrap(), 3);
    let text = String::from_utf8(out).unwrap();
    let wrapped: Vec<String> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok()?.get("stats2")?.get("_id")?.as_str().map(str::to_owned))
        .collect();
    assert_eq!(wrapped, ["watch:a1", "notice:b2"], "{text}");
    assert!(!text.contains("link:c3") && !text.contains("callback:"), "{text}");
    // Into another store of the same kind: here, over the same one after deleting them.
    for id in ["watch:a1", "notice:b2"] {
        let cur = s.get(Db::Stats2, id).await.unwrap().unwrap();
        s.delete(Db::Stats2, id, cur["_rev"].as_str().unwrap()).await.unwrap();
    }
    let done = ndjson::import(s, &mut text.as_bytes(), &|_| {}).await.unwrap();
    assert_eq!((done.documents, done.replaced), (3, 1));
    assert_eq!(s.get(Db::Stats2, "watch:a1").await.unwrap().unwrap()["type"], "x");
}

/// A prefix read answers exactly the ids that start with it, in id order, within the limit.
pub async fn prefixed_reads_one_kind_of_record(h: &Harness) {
    let s = &*h.store;
    for id in ["watch:", "watch:b", "watch:a", "watch;", "watcher", "watch:\u{e9}", "notice:a", "watch_x"] {
        s.put(Db::Stats2, &json!({"_id": id})).await.unwrap();
    }
    let ids = |docs: Vec<Value>| docs.iter().map(|d| d["_id"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    let all = ids(s.prefixed(Db::Stats2, "watch:", 100).await.unwrap());
    assert_eq!(all, ["watch:", "watch:a", "watch:b", "watch:\u{e9}"]);
    assert_eq!(ids(s.prefixed(Db::Stats2, "watch:", 2).await.unwrap()), ["watch:", "watch:a"]);
    assert!(s.prefixed(Db::Requests, "watch:", 100).await.unwrap().is_empty());
}
