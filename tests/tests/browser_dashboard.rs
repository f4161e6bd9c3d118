//! The dashboard in headless Chromium: legacy filter URLs, combined filters, paging with
//! back/forward, search without a reload, the admin Update button, screenshots.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use fantoccini::Locator;
use serde_json::{json, Value};
use server::auth::AdminAuth;
use server::sim::SimConfig;
use server::store::{sqlite::SqliteStore, Db, SharedStore};
use server::testkit::{fast_upstream, start_sim};
use server::updater::UpdaterConfig;
use stats2_tests::browser::Browser;
use stats2_tests::server::TestServer;

const TOKEN: &str = "dashboard-admin-token";

fn doc(name: &str, campaign: &str, kind: &str) -> serde_json::Value {
    json!({"_id": name, "RequestName": name, "PrepID": format!("HIG-{campaign}-00001"), "RequestType": kind,
        "Campaigns": [campaign], "Requests": [], "TotalEvents": 1000, "TotalInputLumis": -1, "RequestPriority": 1,
        "LastUpdate": 1_764_000_000, "OutputDatasets": [format!("/P/{name}-v1/DQMIO")], "RequestTransition": [],
        "EventNumberHistory": [{"Time": 1_764_000_000, "Datasets": {format!("/P/{name}-v1/DQMIO"): {"Type": "VALID", "Events": 1000, "Size": 5}}}]})
}

/// Waits until the table shows `n` rows (or the empty state for 0).
async fn wait_rows(b: &Browser, n: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = b.rows().await;
        let empty = b.client.find(Locator::Css("p.empty")).await.is_ok();
        if r.len() == n && (n > 0 || empty) {
            return r;
        }
        assert!(
            Instant::now() < deadline,
            "expected {n} rows, have {} at {}",
            r.len(),
            b.client.current_url().await.unwrap()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn wait_text(b: &Browser, css: &str, want: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(e) = b.client.find(Locator::Css(css)).await {
            let t = e.text().await.unwrap();
            if t.contains(want) {
                return t;
            }
        }
        assert!(Instant::now() < deadline, "{css} never said {want:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Five workflows of one campaign (ReReco and TaskChain), 25 fillers, and one stalled.
fn documents() -> Vec<Value> {
    let mut docs = Vec::new();
    for (i, kind) in ["ReReco", "TaskChain", "ReReco", "TaskChain", "ReReco"].iter().enumerate() {
        docs.push(doc(&format!("pdmvserv_Combi{i}_2611{:02}_000000_000{i}", 10 + i), "CombiCamp", kind));
    }
    for i in 0..25 {
        docs.push(doc(&format!("pdmvserv_Filler{i:02}_261101_000000_{i:04}"), "Filler", "StepChain"));
    }
    // Half done, and nothing changed since 2025: stalled.
    let mut stuck = doc("pdmvserv_Stuck_251101_000000_0009", "Stuck", "TaskChain");
    stuck["EventNumberHistory"] = json!([
        {"Time": 1_763_000_000, "Datasets": {"/P/stuck-v1/AODSIM": {"Type": "PRODUCTION", "Events": 100, "Size": 5}}},
        {"Time": 1_764_000_000, "Datasets": {"/P/stuck-v1/AODSIM": {"Type": "PRODUCTION", "Events": 500, "Size": 5}}}]);
    stuck["OutputDatasets"] = json!(["/P/stuck-v1/AODSIM"]);
    docs.push(stuck);
    docs
}

fn at(origin: &str, path: &str) -> String {
    format!("{origin}{path}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_filters_paging_search_and_admin_update() {
    let sim = start_sim(SimConfig { scale: 6, ..SimConfig::default() }, 1_764_000_000).await.unwrap();
    for _ in 0..6 {
        sim.sim.step(3600, false);
    }
    let dir = tempfile::tempdir().unwrap();
    let store: SharedStore = Arc::new(SqliteStore::open(&dir.path().join("d.sqlite")).unwrap());
    store.init().await.unwrap();
    let up = fast_upstream(&sim.url, 1, 8).unwrap();
    let rec = server::schedule::run_once(&store, &up, &UpdaterConfig::default(), None).await;
    assert_eq!(rec.outcome, app::rows::RunOutcome::Ok);
    for r in store.bulk_put(Db::Requests, &documents()).await.unwrap() {
        r.unwrap();
    }
    let auth = AdminAuth { token: Some(TOKEN.into()), proxy: None };
    let server = TestServer::start_with(store.clone(), "/stats", up, auth, UpdaterConfig::default()).await.unwrap();
    let b = Browser::start(1280, 1000).await.unwrap();
    let origin = server.origin.as_str();
    legacy_url_and_filter_bar(&b, origin).await;
    stalled_only(&b, origin).await;
    paging_through_history(&b, origin).await;
    search_without_reload(&b).await;
    let name = sim.sim.world().requests.keys().next().unwrap().clone();
    admin_button(&b, origin, &store, &name).await;
    // A phone-width view of a busy page, for a person to look at.
    b.client.set_window_size(390, 844).await.unwrap();
    b.client.goto(&at(origin, "/stats/?campaign=CombiCamp")).await.unwrap();
    wait_rows(&b, 5).await;
    b.screenshot("dashboard-phone").await.unwrap();
    b.close().await;
}

/// A legacy filter URL, the last run in the header, then two filters combined with AND.
async fn legacy_url_and_filter_bar(b: &Browser, origin: &str) {
    // A legacy filter URL; the header tells about the last recorded run.
    b.client.goto(&at(origin, "/stats/?campaign=CombiCamp")).await.unwrap();
    assert_eq!(wait_rows(b, 5).await.len(), 5);
    wait_text(b, "header .lastrun", "Last run ok: 6 changed").await;

    // Two filters combined with AND from the filter bar.
    b.client.find(Locator::Css("form.filters input[name=type]")).await.unwrap().send_keys("ReReco").await.unwrap();
    b.client.find(Locator::Css("form.filters button[type=submit]")).await.unwrap().click().await.unwrap();
    let combined = wait_rows(b, 3).await;
    assert!(combined.iter().all(|n| n.starts_with("pdmvserv_Combi")));
    let current = b.client.current_url().await.unwrap();
    assert_eq!(current.query(), Some("campaign=CombiCamp&type=ReReco&match=all"), "the view is in the URL");
    b.client.refresh().await.unwrap();
    assert_eq!(wait_rows(b, 3).await, combined, "a reload restores the view");
    b.screenshot("dashboard-combined").await.unwrap();
}

async fn stalled_only(b: &Browser, origin: &str) {
    // The forecast's stalled filter: only the stuck workflow (the others are complete, or
    // changed just now).
    b.client.goto(&at(origin, "/stats/?stalled=1")).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let stalled = loop {
        let r = b.rows().await;
        if !r.is_empty() {
            break r;
        }
        assert!(Instant::now() < deadline, "no stalled workflows listed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(stalled, ["pdmvserv_Stuck_251101_000000_0009"]);
    let badges = b.client.find_all(Locator::Css("tr.workflow .badge.stalled")).await.unwrap().len();
    assert!(badges >= stalled.len(), "every listed workflow shows a stalled badge");
}

async fn paging_through_history(b: &Browser, origin: &str) {
    // Paging forward and back through the browser history.
    b.client.goto(&at(origin, "/stats/?campaign=Filler&page_size=20")).await.unwrap();
    let first = wait_rows(b, 20).await;
    b.client.find(Locator::Css("nav.pager a.next")).await.unwrap().click().await.unwrap();
    let second = wait_rows(b, 5).await;
    assert!(b.client.current_url().await.unwrap().path().ends_with("/stats/1"));
    b.client.back().await.unwrap();
    assert_eq!(wait_rows(b, 20).await, first, "back restores page 0");
    b.client.forward().await.unwrap();
    assert_eq!(wait_rows(b, 5).await, second, "forward restores page 1");
}

async fn search_without_reload(b: &Browser) {
    // Search resolves like /search, without a page reload.
    b.client.execute("window.__marker = 42; return 1;", vec![]).await.unwrap();
    b.client.find(Locator::Css("form.search input")).await.unwrap().send_keys("HIG-CombiCamp-00001").await.unwrap();
    b.client.find(Locator::Css("form.search button")).await.unwrap().click().await.unwrap();
    assert_eq!(wait_rows(b, 5).await.len(), 5);
    assert_eq!(b.client.current_url().await.unwrap().query(), Some("prepid=HIG-CombiCamp-00001"));
    let marker = b.client.execute("return window.__marker || 0;", vec![]).await.unwrap();
    assert_eq!(marker, json!(42), "no page reload");
}

async fn admin_button(b: &Browser, origin: &str, store: &SharedStore, name: &str) {
    // The admin button, first without a token, then with one.
    b.client.goto(&at(origin, &format!("/stats/?workflow_name={name}"))).await.unwrap();
    wait_rows(b, 1).await;
    b.client.find(Locator::Css("button.update")).await.unwrap().click().await.unwrap();
    wait_text(b, ".admin .result", "Not authorised").await;
    b.client.find(Locator::Css("label.token input")).await.unwrap().send_keys(TOKEN).await.unwrap();
    b.client.find(Locator::Css("button.update")).await.unwrap().click().await.unwrap();
    wait_text(b, ".admin .result", "Updated").await;
    let stored = store.get(Db::Requests, name).await.unwrap().unwrap();
    assert!(stored.get("LastUpdate").is_some());
    b.screenshot("dashboard-admin").await.unwrap();
}
