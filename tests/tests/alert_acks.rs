//! Acknowledged alerts on both stores: only an admin may acknowledge (401 without
//! credentials, 403 for a user outside the admin group or across sites); an acknowledged
//! workflow leaves the counts and the ranked list on every replica, shows with its note when
//! asked for, and comes back by itself when it changes status (the index test of standings
//! covers events and dataset statuses).
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};
use server::auth::{AdminAuth, ProxyAuth};
use server::store::couch::CouchStore;
use server::store::sqlite::SqliteStore;
use server::store::{Db, SharedStore};
use stats2_tests::couch::CouchServer;
use stats2_tests::server::{rpc, TestServer};

const DAY: i64 = 86_400;

/// Stalled (running-open, its only dataset unchanged for 10 days) with `priority`.
fn stalled(i: usize, priority: i64, events: i64) -> Value {
    let name = format!("wf_ack{i}_261101_000000_000{i}");
    let t = server::now() - 10 * DAY;
    json!({"_id": name, "RequestName": name, "RequestType": "TaskChain", "Campaigns": ["Ack"], "Requests": [],
        "TotalEvents": 1000, "RequestPriority": priority, "OutputDatasets": ["/A/b-v1/RECO"],
        "RequestTransition": [{"Status": "assigned", "UpdateTime": t - DAY}, {"Status": "running-open", "UpdateTime": t}],
        "EventNumberHistory": [{"Time": t, "Datasets": {"/A/b-v1/RECO": {"Type": "PRODUCTION", "Events": events, "Size": 5}}}]})
}

async fn stalled_count(origin: &str) -> i64 {
    rpc(origin, "alerts", &[], json!({})).await.1["stalled"].as_i64().unwrap()
}

async fn ranked(origin: &str, acknowledged: bool) -> Vec<Value> {
    let body = json!({"filter": {"stalled": true}, "acknowledged": acknowledged, "page": 0});
    rpc(origin, "alert_list", &[], body).await.1["rows"].as_array().unwrap().clone()
}

async fn start(store: SharedStore) -> TestServer {
    let nowhere = server::testkit::fast_upstream("http://127.0.0.1:9", 0, 2).unwrap();
    let proxy = ProxyAuth {
        user_header: "X-Forwarded-User".into(),
        groups_header: "X-Forwarded-Groups".into(),
        admin_group: "admins".into(),
    };
    let auth = AdminAuth { token: Some("s3cret".into()), proxy: Some(proxy) };
    TestServer::start_with(store, "/stats", nowhere, auth, server::updater::UpdaterConfig::default()).await.unwrap()
}

async fn wait(what: &str, mut ok: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ok().await {
        assert!(Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn check(first: SharedStore, second: SharedStore) {
    first.init().await.unwrap();
    let docs = [stalled(1, 50_000, 400), stalled(2, 120_000, 100), stalled(3, 120_000, 700)];
    for r in first.bulk_put(Db::Requests, &docs).await.unwrap() {
        r.unwrap();
    }
    let (a, b) = (start(first.clone()).await, start(second).await);
    assert_eq!(stalled_count(&a.origin).await, 3);
    // Ranked: block 1 before block 6; within block 1, more remaining events first.
    let names: Vec<Value> = ranked(&a.origin, false).await.iter().map(|r| r["name"].clone()).collect();
    assert_eq!(names, [docs[1]["_id"].clone(), docs[2]["_id"].clone(), docs[0]["_id"].clone()]);

    let target = docs[1]["_id"].as_str().unwrap();
    let ack = json!({"name": target, "note": "GGUS-42"});
    assert_eq!(rpc(&a.origin, "alert_ack", &[], ack.clone()).await.0, StatusCode::UNAUTHORIZED);
    let user = [("X-Forwarded-User", "bob"), ("X-Forwarded-Groups", "users"), ("Sec-Fetch-Site", "same-origin")];
    assert_eq!(rpc(&a.origin, "alert_ack", &user, ack.clone()).await.0, StatusCode::FORBIDDEN);
    let cross = [("X-Forwarded-User", "ana"), ("X-Forwarded-Groups", "admins"), ("Sec-Fetch-Site", "cross-site")];
    assert_eq!(rpc(&a.origin, "alert_ack", &cross, ack.clone()).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        rpc(&a.origin, "alert_ack", &[("Authorization", "Bearer nope")], ack.clone()).await.0,
        StatusCode::UNAUTHORIZED
    );
    let admin = [("X-Forwarded-User", "ana"), ("X-Forwarded-Groups", "admins"), ("Sec-Fetch-Site", "same-origin")];
    // What a form on another site could send (text/plain, no preflight) is refused as such.
    let mut plain = reqwest::Client::new().post(format!("{}/stats/rpc/alert_ack", a.origin));
    for (k, v) in admin {
        plain = plain.header(k, v);
    }
    let plain = plain.header("Content-Type", "text/plain").body(ack.to_string()).send().await.unwrap();
    assert_eq!(plain.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(rpc(&a.origin, "alert_ack", &admin, ack).await.0, StatusCode::OK);

    // Out of the counts and the list, on both replicas; shown with its note when asked.
    for origin in [&a.origin, &b.origin] {
        wait("the acknowledgement counts", async || stalled_count(origin).await == 2).await;
        assert!(ranked(origin, false).await.iter().all(|r| r["name"] != target));
        let all = ranked(origin, true).await;
        let acked = all.iter().find(|r| r["name"] == target).unwrap();
        assert_eq!((acked["ack"]["by"].as_str(), acked["ack"]["note"].as_str()), (Some("ana"), Some("GGUS-42")));
    }
    // It changes status (still stalled): the acknowledgement lapses by itself, and the
    // count is exact again.
    let mut doc = first.get(Db::Requests, target).await.unwrap().unwrap();
    let t = server::now() - 5 * DAY;
    doc["RequestTransition"].as_array_mut().unwrap().push(json!({"Status": "running-closed", "UpdateTime": t}));
    doc["RequestStatus"] = json!("running-closed");
    first.put(Db::Requests, &doc).await.unwrap();
    wait("the acknowledgement lapses", async || {
        ranked(&b.origin, false).await.iter().any(|r| r["name"] == target && r["ack"].is_null())
    })
    .await;
    assert_eq!(stalled_count(&b.origin).await, 3);
    assert_eq!(stalled_count(&a.origin).await, 3);
    let all = ranked(&a.origin, true).await;
    assert!(all.iter().all(|r| r["ack"].is_null()), "{all:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledgements_on_couchdb() {
    let couch = CouchServer::start().await.unwrap();
    let store = || -> SharedStore { Arc::new(CouchStore::new(&couch.url, Some(couch.admin_header())).unwrap()) };
    check(store(), store()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledgements_on_the_embedded_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.sqlite");
    let first: SharedStore = Arc::new(SqliteStore::open(&path).unwrap());
    first.init().await.unwrap();
    let second: SharedStore = Arc::new(SqliteStore::open(&path).unwrap());
    check(first, second).await;
}
