//! Golden responses of the legacy routes (A5–A15), byte for byte, on both stores. The
//! expectations come from tests/golden/make_golden.py: the rules implemented again in Python
//! with the original's formatting libraries (json.dumps, tabulate 0.9).
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use reqwest::redirect::Policy;
use serde_json::Value;
use server::store::{couch::CouchStore, sqlite::SqliteStore, Db, SharedStore};
use stats2_tests::couch::CouchServer;
use stats2_tests::server::TestServer;

fn golden(file: &str) -> Value {
    let path = stats2_tests::repo_root().join("tests/golden").join(file);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

async fn check(store: SharedStore) {
    let docs = golden("docs.json");
    let docs = docs.as_array().unwrap();
    for r in store.bulk_put(Db::Requests, docs).await.unwrap() {
        r.unwrap();
    }
    let ids: Vec<String> = docs.iter().map(|d| d["_id"].as_str().unwrap().to_owned()).collect();
    let revs: Vec<String> = store
        .get_many(Db::Requests, &ids)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.unwrap()["_rev"].as_str().unwrap().to_owned())
        .collect();
    let server = TestServer::start(store, "/stats").await.unwrap();
    let client = reqwest::Client::builder().redirect(Policy::none()).build().unwrap();
    let cases = golden("expected.json");
    let mut failures = Vec::new();
    for case in cases.as_array().unwrap() {
        let path = case["path"].as_str().unwrap();
        let resp = client.get(format!("{}{path}", server.origin)).send().await.unwrap();
        let status = resp.status().as_u16();
        let ctype = resp.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
        let location = resp.headers().get("location").map(|v| v.to_str().unwrap().to_owned());
        let mut body = resp.text().await.unwrap();
        for rev in &revs {
            body = body.replace(&format!("\"{rev}\""), "\"REV\"");
        }
        let short = |s: &str| s.chars().take(80).collect::<String>();
        if status != case["status"].as_u64().unwrap() as u16 {
            failures.push(format!("{}: status {status}, expected {}", short(path), case["status"]));
        } else if ctype.as_deref() != case["content_type"].as_str() && !case["content_type"].is_null() {
            failures.push(format!("{}: content type {ctype:?}", short(path)));
        } else if location.as_deref() != case["location"].as_str() {
            failures.push(format!("{}: location {location:?}, expected {}", short(path), case["location"]));
        } else if case["location"].is_null() && body != case["body"].as_str().unwrap() {
            failures.push(format!(
                "{}: body differs:\n--- got\n{}\n--- expected\n{}",
                short(path),
                short(&body),
                short(case["body"].as_str().unwrap())
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.as_array().unwrap().len(),
        failures.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn golden_responses_on_the_embedded_store() {
    let dir = tempfile::tempdir().unwrap();
    let store: SharedStore = Arc::new(SqliteStore::open(&dir.path().join("g.sqlite")).unwrap());
    store.init().await.unwrap();
    check(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn golden_responses_on_couchdb() {
    let server = CouchServer::start().await.unwrap();
    let store: SharedStore = Arc::new(CouchStore::new(&server.url, Some(server.admin_header())).unwrap());
    store.init().await.unwrap();
    check(store).await;
}
