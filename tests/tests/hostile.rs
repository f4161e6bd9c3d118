//! Hostile and unlucky clients over real HTTP (issue 12): inputs refused with 400 where they
//! enter, whatever the way in; nothing an anonymous client sends grows the server without bound.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{json, Value};
use server::store::{sqlite::SqliteStore, Db, SharedStore};
use stats2_tests::server::TestServer;

async fn store(dir: &std::path::Path) -> SharedStore {
    let store: SharedStore = Arc::new(SqliteStore::open(&dir.join("h.sqlite")).unwrap());
    store.init().await.unwrap();
    let docs: Vec<Value> =
        (0..3).map(|i| json!({"_id": format!("wf_{i}_261101_000000_000{i}"), "RequestType": "TaskChain"})).collect();
    for r in store.bulk_put(Db::Requests, &docs).await.unwrap() {
        r.unwrap();
    }
    store
}

async fn rpc(server: &TestServer, name: &str, body: Value) -> (StatusCode, String) {
    let r =
        reqwest::Client::new().post(format!("{}/stats/rpc/{name}", server.origin)).json(&body).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

/// Item 1: an absurd bucket was an allocation without end; item 13: the JSON way in skipped
/// the query string's checks. Both are the client's fault: 400, saying what is wrong.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_functions_refuse_bad_input_with_400() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(store(dir.path()).await, "/stats").await.unwrap();
    let (status, body) =
        rpc(&server, "aggregate", json!({"filter": {}, "bucket": 4_611_686_018_427_387_904_i64})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("bucket must be"), "{body}");
    let long = "x".repeat(app::filter::MAX_VALUE_LEN + 1);
    for (name, body, says) in [
        ("list_workflows", json!({"filter": {"page_size": 7}, "page": 0}), "page_size"),
        ("list_workflows", json!({"filter": {"page": 2_000_000}, "page": 0}), "page"),
        ("list_workflows", json!({"filter": {}, "page": 2_000_000}), "page"),
        ("list_workflows", json!({"filter": {"campaign": long}, "page": 0}), "campaign"),
        ("aggregate", json!({"filter": {"prepid": long}, "bucket": 86_400}), "prepid"),
    ] {
        let (status, text) = rpc(&server, name, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name} {body}: {text}");
        assert!(text.contains(says), "{name} {body}: {text}");
    }
    // What is valid still answers.
    let (status, text) = rpc(&server, "list_workflows", json!({"filter": {"page_size": 20}, "page": 0})).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let (status, text) = rpc(&server, "aggregate", json!({"filter": {}, "bucket": 86_400})).await;
    assert_eq!(status, StatusCode::OK, "{text}");
}

fn gauge(metrics: &str, name: &str) -> f64 {
    metrics.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok()).unwrap_or(-1.0)
}

/// Item 3: 3,000 distinct junk query strings made 3,000 cache entries (167 MB at production
/// size). Parameters that are not filters change nothing, so they share one entry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn junk_parameters_do_not_grow_the_legacy_cache() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(store(dir.path()).await, "/stats").await.unwrap();
    let c = reqwest::Client::new();
    let first = c.get(format!("{}/stats/api/fetch?type=TaskChain", server.origin)).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let expected = first.text().await.unwrap();
    for i in 0..3_000 {
        let r = c.get(format!("{}/stats/api/fetch?type=TaskChain&zz={i}", server.origin)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        if i % 1000 == 0 {
            assert_eq!(r.text().await.unwrap(), expected, "junk parameters change nothing in the answer");
        }
    }
    let metrics = c.get(format!("{}/metrics", server.origin)).send().await.unwrap().text().await.unwrap();
    let entries = gauge(&metrics, "stats2_legacy_cache_entries");
    assert!((0.0..=2.0).contains(&entries), "cache entries after 3,000 junk queries: {entries}\n{metrics}");
}
