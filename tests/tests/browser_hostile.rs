//! Hostile text from upstream in a real browser (issue 31 item 4): a dataset status that DBS
//! reports, a dataset name, a campaign, a PrepID, a type and every other text field of a
//! document set to markup that runs script if it is ever parsed as HTML. Every view is opened
//! in headless Chromium and must show it as text: no script runs, no element is made of it.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use fantoccini::Locator;
use serde_json::{json, Value};
use server::store::{sqlite::SqliteStore, Db, SharedStore};
use stats2_tests::browser::Browser;
use stats2_tests::server::TestServer;

const NAME: &str = "pdmvserv_task_Hostile_261101_000000_0001";

/// Markup that sets `window.__xss` to `n` when parsed as HTML (an image that fails to load).
fn evil(n: u32) -> String {
    format!(r#"<img src=x onerror="window.__xss={n}">"#)
}

fn hostile_doc() -> Value {
    let ds = format!("/Prim{}/C-v1/AODSIM", evil(1));
    let ds2 = "/Prim/C-v1/MINIAODSIM".to_owned();
    json!({"_id": NAME, "RequestName": NAME, "PrepID": format!("HIG-{}-00001", evil(2)),
        "RequestType": evil(3), "Campaigns": [evil(4)], "Requests": [evil(5)], "TotalEvents": 1000,
        "TotalInputLumis": -1, "RequestPriority": 90000, "LastUpdate": 1_764_000_000,
        "ProcessingString": evil(6), "InputDatasets": [evil(7)], "OutputDatasets": [ds, ds2],
        "RequestTransition": [{"Status": "new", "UpdateTime": 1_763_000_000},
            {"Status": "assigned", "UpdateTime": 1_763_100_000}, {"Status": "running-open", "UpdateTime": 1_763_200_000}],
        "EventNumberHistory": [
            {"Time": 1_763_500_000, "Datasets": {ds.as_str(): {"Type": evil(8), "Events": 100, "Size": 1}, ds2.as_str(): {"Type": "PRODUCTION", "Events": 50, "Size": 1}}},
            {"Time": 1_763_900_000, "Datasets": {ds.as_str(): {"Type": evil(9), "Events": 400, "Size": 2}, ds2.as_str(): {"Type": evil(10), "Events": 300, "Size": 2}}}]})
}

/// Whether anything ran or an image was made of the hostile text, after the page settled.
const PROBE: &str = "return JSON.stringify({xss: window.__xss === undefined ? null : window.__xss,
    imgs: document.querySelectorAll('img[src=\"x\"]').length});";

async fn assert_inert(b: &Browser, what: &str, ready: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while b.client.find(Locator::Css(ready)).await.is_err() {
        assert!(std::time::Instant::now() < deadline, "{what}: {ready} never appeared");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // An image that fails to load fires onerror a moment later.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let seen = b.client.execute(PROBE, vec![]).await.unwrap();
    assert_eq!(seen.as_str().unwrap(), r#"{"xss":null,"imgs":0}"#, "{what} parsed hostile text as markup");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_text_in_every_field_stays_text_in_every_view() {
    let dir = tempfile::tempdir().unwrap();
    let store: SharedStore = Arc::new(SqliteStore::open(&dir.path().join("h.sqlite")).unwrap());
    store.init().await.unwrap();
    store.bulk_put(Db::Requests, &[hostile_doc()]).await.unwrap();
    let server = TestServer::start(store, "/stats").await.unwrap();
    let b = Browser::start(1280, 900).await.unwrap();
    let o = &server.origin;
    // The search box suggests the hostile PrepID: the suggestion list is markup too. (First:
    // pages kept in the back/forward cache hold their live streams, and Chromium's six
    // connections per host run out after six views.)
    b.client.goto(&format!("{o}/stats/")).await.unwrap();
    let input = b.client.wait().for_element(Locator::Css("form.search input")).await.unwrap();
    input.send_keys("HIG-").await.unwrap();
    assert_inert(&b, "the search suggestions", "li.suggestion").await;
    let views = [
        ("the dashboard", format!("{o}/stats/"), "tr.workflow"),
        ("the workflow chart", format!("{o}/stats/workflow/{NAME}"), "ul.legend li"),
        ("the aggregate chart", format!("{o}/stats/aggregate?bucket=1d"), "ul.legend li"),
        ("the historical chart", format!("{o}/stats/aggregate?bucket=1d&mode=historical"), ".plot svg"),
        ("the campaign table", format!("{o}/stats/campaigns"), "table"),
        ("the performance view", format!("{o}/stats/performance?from=new&to=assigned"), ".plot svg"),
    ];
    for (what, url, ready) in views {
        b.client.goto(&url).await.unwrap();
        assert_inert(&b, what, ready).await;
    }
    b.close().await;
}
