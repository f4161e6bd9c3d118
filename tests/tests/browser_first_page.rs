//! End to end in headless Chromium: the SPA served by stats2, a legacy filter URL, the
//! server function, the store, and back to rows in the page.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use fantoccini::Locator;
use serde_json::json;
use server::store::{sqlite::SqliteStore, Db, SharedStore};
use stats2_tests::browser::Browser;
use stats2_tests::server::TestServer;

const CAMPAIGN: &str = "Camp A&B/2024 ü";

async fn seeded_store(dir: &std::path::Path) -> SharedStore {
    let store: SharedStore = Arc::new(SqliteStore::open(&dir.join("e2e.sqlite")).unwrap());
    store.init().await.unwrap();
    let mut docs = Vec::new();
    for (i, campaign) in [CAMPAIGN, CAMPAIGN, "Other", CAMPAIGN, "Other"].iter().enumerate() {
        let name = format!("pdmvserv_task_E2E{i}_2611{:02}_120000_{:04}", 20 - i, 1000 + i);
        docs.push(json!({
            "_id": name, "RequestName": name, "PrepID": format!("HIG-E2E-{:05}", i % 2),
            "RequestType": "TaskChain", "Campaigns": [campaign], "Requests": [], "TotalEvents": 1000,
            "TotalInputLumis": -1, "RequestPriority": 90000, "LastUpdate": 1_764_000_000,
            "OutputDatasets": [format!("/E2E/Proc{i}-v1/AODSIM")],
            "RequestTransition": [{"Status": "running-open", "UpdateTime": 1_763_000_000}],
            "EventNumberHistory": [{"Time": 1_763_500_000, "Datasets": {
                format!("/E2E/Proc{i}-v1/AODSIM"): {"Type": "PRODUCTION", "Events": 250 * (i as i64 + 1), "Size": 1_000_000}}}]
        }));
    }
    for r in store.bulk_put(Db::Requests, &docs).await.unwrap() {
        r.unwrap();
    }
    store
}

async fn listed_names(browser: &Browser, url: &str) -> Vec<String> {
    let c = &browser.client;
    c.goto(url).await.unwrap();
    c.wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("table.workflows, p.empty, p.error"))
        .await
        .unwrap_or_else(|e| panic!("the page at {url} never rendered a result: {e}"));
    let mut names = Vec::new();
    for row in c.find_all(Locator::Css("tr.workflow")).await.unwrap() {
        names.push(row.attr("data-name").await.unwrap().unwrap());
    }
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_page_lists_the_workflows_of_a_legacy_filter_url() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path()).await;
    let server = TestServer::start(store, "/stats").await.unwrap();
    let browser = Browser::start(1280, 900).await.unwrap();

    // A2/A3: a legacy campaign URL, the value percent-encoded with '&', '/', ' ' and 'ü'.
    let query = format!("campaign={}", "Camp%20A%26B%2F2024%20%C3%BC");
    let names = listed_names(&browser, &format!("{}/stats/?{query}", server.origin)).await;
    let expected: Vec<String> =
        [0, 1, 3].iter().map(|i| format!("pdmvserv_task_E2E{i}_2611{:02}_120000_{:04}", 20 - i, 1000 + i)).collect();
    assert_eq!(names, expected, "campaign view rows come in id order");
    let summary = browser.client.find(Locator::Css(".filter-summary")).await.unwrap().text().await.unwrap();
    assert_eq!(summary, format!("campaign: {CAMPAIGN}"));
    let shot = browser.screenshot("first-page-campaign").await.unwrap();
    assert!(std::fs::metadata(shot).unwrap().len() > 10_000);

    // The legacy page-in-path form and A4's date sort for prepid (newest date last here).
    let names = listed_names(&browser, &format!("{}/stats/0?prepid=HIG-E2E-00001", server.origin)).await;
    assert_eq!(names, ["pdmvserv_task_E2E3_261117_120000_1003", "pdmvserv_task_E2E1_261119_120000_1001"]);

    // Unfiltered, and an explicit empty state.
    assert_eq!(listed_names(&browser, &format!("{}/stats/", server.origin)).await.len(), 5);
    assert!(listed_names(&browser, &format!("{}/stats/?type=Nothing", server.origin)).await.is_empty());
    let empty = browser.client.find(Locator::Css("p.empty")).await.unwrap().text().await.unwrap();
    assert_eq!(empty, "No workflows match this filter.");

    // A bad page number is a clear error, not a crash.
    assert!(listed_names(&browser, &format!("{}/stats/?page=abc", server.origin)).await.is_empty());
    let err = browser.client.find(Locator::Css("p.error")).await.unwrap().text().await.unwrap();
    assert!(err.contains("page must be a whole number"), "{err}");
    browser.close().await;
}
