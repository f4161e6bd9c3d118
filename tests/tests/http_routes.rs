//! The server's routes over plain HTTP: redirect, SPA with index fallback under the base
//! path, the base path written into index.html, and the server function.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use reqwest::redirect::Policy;
use reqwest::StatusCode;
use serde_json::{json, Value};
use server::store::{sqlite::SqliteStore, Db, SharedStore};
use stats2_tests::server::TestServer;

async fn store(dir: &std::path::Path) -> SharedStore {
    let store: SharedStore = Arc::new(SqliteStore::open(&dir.join("h.sqlite")).unwrap());
    store.init().await.unwrap();
    let docs: Vec<Value> = (0..3)
        .map(|i| json!({"_id": format!("wf_{i}_261101_000000_000{i}"), "RequestType": if i == 1 { "ReReco" } else { "TaskChain" }}))
        .collect();
    for r in store.bulk_put(Db::Requests, &docs).await.unwrap() {
        r.unwrap();
    }
    store
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(Policy::none()).build().unwrap()
}

#[tokio::test]
async fn routes_under_the_default_base_path() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(store(dir.path()).await, "/stats").await.unwrap();
    let c = client();
    let get = |path: &str| c.get(format!("{}{path}", server.origin)).send();

    let root = get("/").await.unwrap();
    assert_eq!(root.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(root.headers()["location"], "/stats/");

    for path in [
        "/stats/",
        "/stats",
        "/stats/index.html",
        "/stats/3?prepid=x",
        "/stats/workflow/some_wf_1",
        "/stats/?campaign=a%26b",
    ] {
        let r = get(path).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"), "{path}");
        let html = r.text().await.unwrap();
        assert!(html.contains(r#"<meta name="stats2-base" content="/stats">"#), "{path}");
        assert!(html.contains("'/stats/frontend-") && !html.contains("__STATS2_BASE__"), "{path}");
    }

    let index = get("/stats/").await.unwrap().text().await.unwrap();
    let js = index.split("'/stats/").nth(1).unwrap().split('\'').next().unwrap();
    let asset = get(&format!("/stats/{js}")).await.unwrap();
    assert_eq!(asset.status(), StatusCode::OK);
    assert!(asset.headers()["content-type"].to_str().unwrap().contains("javascript"));

    let page: Value = c
        .post(format!("{}/stats/rpc/list_workflows", server.origin))
        .json(&json!({"filter": {"type": "TaskChain"}, "page": 0}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = page["rows"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["wf_0_261101_000000_0000", "wf_2_261101_000000_0002"]);
    assert_eq!(page["total_workflows"], 3, "design documents are not counted");
}

#[tokio::test]
async fn an_empty_base_path_serves_the_dashboard_at_the_root_without_redirect() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(store(dir.path()).await, "").await.unwrap();
    let r = client().get(format!("{}/", server.origin)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains(r#"content="""#) && html.contains("'/frontend-"), "{html}");
    let r = client()
        .post(format!("{}/rpc/list_workflows", server.origin))
        .json(&json!({"filter": {}, "page": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}
