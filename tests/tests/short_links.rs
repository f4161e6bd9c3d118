//! Short links on both stores: the same path gets the same code, another replica on the same
//! CouchDB resolves it (303 to the path), an unknown code is a 404 page, paths that are not
//! the server's own are refused with 400, and a client making more than 60 a minute gets 429.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{json, Value};
use server::store::{couch::CouchStore, sqlite::SqliteStore, SharedStore};
use stats2_tests::couch::CouchServer;
use stats2_tests::server::TestServer;

async fn shorten(origin: &str, path: &str) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .post(format!("{origin}/stats/rpc/shorten"))
        .json(&json!({"path": path}))
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// The answer to `GET <origin><url>` without following redirects: status and `Location`.
async fn follow(origin: &str, url: &str) -> (StatusCode, Option<String>) {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = client.get(format!("{origin}{url}")).send().await.unwrap();
    let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
    (r.status(), location)
}

async fn check(first: SharedStore, second: SharedStore) {
    first.init().await.unwrap();
    let a = TestServer::start(first, "/stats").await.unwrap();
    let b = TestServer::start(second, "/stats").await.unwrap();
    let path = "/stats/present?campaign=Run3%2A&status=running-open&group=status&stack=tier";
    let (status, link) = shorten(&a.origin, path).await;
    assert_eq!(status, StatusCode::OK, "{link}");
    let code = link["code"].as_str().unwrap().to_owned();
    assert!(code.len() >= 8 && code.bytes().all(|c| c.is_ascii_alphanumeric()), "{code}");
    assert_eq!(link["url"], format!("/stats/s/{code}"));
    assert_eq!(shorten(&a.origin, path).await.1["code"], code.as_str(), "the same path, the same code");
    assert_eq!(shorten(&b.origin, path).await.1["code"], code.as_str(), "every replica derives the same code");
    assert_ne!(shorten(&a.origin, "/stats/?campaign=Other").await.1["code"], code.as_str());
    assert_eq!(follow(&b.origin, &format!("/stats/s/{code}")).await, (StatusCode::SEE_OTHER, Some(path.to_owned())));
    assert_eq!(follow(&a.origin, "/stats/s/Unknown1234").await.0, StatusCode::NOT_FOUND);
    assert_eq!(follow(&a.origin, "/stats/s/..%2F..%2Fetc").await.0, StatusCode::NOT_FOUND);
    let long = format!("/stats/?prepid={}", "x".repeat(8200));
    for bad in
        ["https://evil.example/stats/", "//evil.example/stats/", "/other/path", "/statsX/", "stats/", long.as_str()]
    {
        let (status, body) = shorten(&a.origin, bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
    // 60 a minute per client (here: one peer address); a few were made above.
    let mut refused = None;
    for i in 0..70 {
        let (status, _) = shorten(&a.origin, &format!("/stats/?campaign=C{i}")).await;
        if status != StatusCode::OK {
            refused = Some((i, status));
            break;
        }
    }
    let (at, status) = refused.expect("the rate limit answers");
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(at < 60, "refused after {at} more");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_links_on_couchdb_resolve_on_every_replica() {
    let couch = CouchServer::start().await.unwrap();
    let store = || -> SharedStore { Arc::new(CouchStore::new(&couch.url, Some(couch.admin_header())).unwrap()) };
    check(store(), store()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_links_on_the_embedded_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    let first: SharedStore = Arc::new(SqliteStore::open(&path).unwrap());
    first.init().await.unwrap();
    let second: SharedStore = Arc::new(SqliteStore::open(&path).unwrap());
    check(first, second).await;
}
