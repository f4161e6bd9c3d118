//! Live updates in headless Chromium: a changed workflow announced on the event stream is
//! refreshed in place, without a reload; the others are left alone.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use fantoccini::Locator;
use serde_json::json;
use server::store::{sqlite::SqliteStore, Db, SharedStore};
use stats2_tests::browser::Browser;
use stats2_tests::server::TestServer;

async fn text_of(b: &Browser, name: &str) -> String {
    let css = format!("tr.workflow[data-name='{name}'] td.meta");
    match b.client.find(Locator::Css(&css)).await {
        Ok(e) => e.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

const NAMES: [&str; 2] = ["pdmvserv_Live0_261101_000000_0000", "pdmvserv_Live1_261101_000000_0001"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_row_refreshes_without_a_reload() {
    let dir = tempfile::tempdir().unwrap();
    let store: SharedStore = Arc::new(SqliteStore::open(&dir.path().join("l.sqlite")).unwrap());
    store.init().await.unwrap();
    for n in NAMES {
        let doc = json!({"_id": n, "RequestName": n, "RequestType": "TaskChain", "Campaigns": ["Live"],
            "TotalEvents": 1000, "OutputDatasets": [], "EventNumberHistory": []});
        store.put(Db::Requests, &doc).await.unwrap();
    }
    let server = TestServer::start(store.clone(), "/stats").await.unwrap();
    let b = Browser::start(1280, 900).await.unwrap();
    announced_row_refreshes(&b, &server.origin, &store).await;
    open_chart_redraws(&b, &server.origin, &store).await;
    b.close().await;
}

/// A changed document and a recorded run: the server's index sees both through the store's
/// feed and announces them; the row and the header change, nothing else reloads.
async fn announced_row_refreshes(b: &Browser, origin: &str, store: &SharedStore) {
    let names = NAMES;
    b.client.goto(&format!("{}/stats/?campaign=Live", origin)).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !text_of(b, names[0]).await.contains("Total events: 1,000") {
        assert!(Instant::now() < deadline, "the page never loaded");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    b.client.execute("window.__marker = 7; return 1;", vec![]).await.unwrap();
    // Give the EventSource a moment to connect.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut doc = store.get(Db::Requests, names[0]).await.unwrap().unwrap();
    doc["TotalEvents"] = json!(2345);
    store.put(Db::Requests, &doc).await.unwrap();
    let rec = server::runs::RunRecord::without_counts(1_764_000_000, 1.0, app::rows::RunOutcome::Ok, None);
    server::runs::record(&**store, &rec).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !text_of(b, names[0]).await.contains("Total events: 2,345") {
        assert!(Instant::now() < deadline, "the announced row never refreshed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(text_of(b, names[1]).await.contains("Total events: 1,000"), "rows not announced are left alone");
    assert_eq!(b.client.execute("return window.__marker || 0;", vec![]).await.unwrap(), json!(7), "no reload");
    let header = b.client.find(Locator::Css("header .updated")).await.unwrap().text().await.unwrap();
    assert!(header.contains("2025-11-24"), "the header shows the run that just finished: {header}");
    b.screenshot("live-row-refreshed").await.unwrap();
}

/// An open chart redraws when its workflow is announced.
async fn open_chart_redraws(b: &Browser, origin: &str, store: &SharedStore) {
    let names = NAMES;
    b.client.goto(&format!("{}/stats/workflow/{}", origin, names[1])).await.unwrap();
    let legend = |b: &Browser| {
        let c = b.client.clone();
        async move {
            match c.find(Locator::Css("ul.legend")).await {
                Ok(e) => e.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            }
        }
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    // Without output datasets the page says there is nothing to draw, instead of empty axes.
    while b.client.find(Locator::Css("p.chart-empty")).await.is_err() {
        assert!(Instant::now() < deadline, "the chart never loaded");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!legend(b).await.contains("/Live/"), "no dataset yet");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut doc = store.get(Db::Requests, names[1]).await.unwrap().unwrap();
    doc["OutputDatasets"] = json!(["/Live/Chart-v1/AODSIM"]);
    doc["EventNumberHistory"] = json!([{"Time": 1_764_000_000, "Datasets": {"/Live/Chart-v1/AODSIM": {"Type": "PRODUCTION", "Events": 10, "Size": 1}}}]);
    store.put(Db::Requests, &doc).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !legend(b).await.contains("/Live/Chart-v1/AODSIM") {
        assert!(Instant::now() < deadline, "the open chart did not redraw");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
