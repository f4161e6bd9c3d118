//! Ids that are not workflow names never reach the store as paths: on CouchDB
//! `_design/..` would be normalised to the database itself and its info answered as a
//! workflow (the review found it through `api/fetch?workflow_name=_design/..`).
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use serde_json::json;
use server::store::{couch::CouchStore, sqlite::SqliteStore, Db, SharedStore};
use stats2_tests::couch::CouchServer;
use stats2_tests::server::TestServer;

async fn check(store: SharedStore) {
    store.init().await.unwrap();
    store.put(Db::Requests, &json!({"_id": "wf_ok_261101_000000_0001"})).await.unwrap();
    for id in ["_design/..", "_design/.", "_design/", "..", "."] {
        assert_eq!(store.get(Db::Requests, id).await.unwrap(), None, "store.get({id:?})");
    }
    let server = TestServer::start(store, "/stats").await.unwrap();
    for q in ["_design/..", "_design%2F..", "..", "_design/_designDoc", "_all_docs"] {
        let url = format!("{}/stats/api/fetch?workflow_name={q}", server.origin);
        let resp = reqwest::get(&url).await.unwrap();
        assert_eq!(resp.status(), 200, "{q}");
        let body = resp.text().await.unwrap();
        assert_eq!(body.trim(), "[]", "api/fetch?workflow_name={q} answered {body}");
    }
    let ok = reqwest::get(format!("{}/stats/api/fetch?workflow_name=wf_ok_261101_000000_0001", server.origin))
        .await
        .unwrap();
    assert!(ok.text().await.unwrap().contains("wf_ok_261101_000000_0001"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn design_paths_and_reserved_ids_are_refused_on_couchdb() {
    let couch = CouchServer::start().await.unwrap();
    check(Arc::new(CouchStore::new(&couch.url, Some(couch.admin_header())).unwrap())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn design_paths_and_reserved_ids_are_refused_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    check(Arc::new(SqliteStore::open(&dir.path().join("i.sqlite")).unwrap())).await;
}
