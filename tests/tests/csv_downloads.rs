//! The CSV downloads over HTTP on both stores: hostile text (commas, quotes, line ends, a
//! leading `=`) read back by an independent RFC 4180 reader to the same values, formulas
//! disarmed; one line per output dataset of every matching workflow (one for a workflow
//! without outputs), not one page; the file name and the other views' downloads.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{json, Value};
use server::store::{couch::CouchStore, sqlite::SqliteStore, Db, SharedStore};
use stats2_tests::couch::CouchServer;
use stats2_tests::server::TestServer;

const HOSTILE: &str = "=cmd|' /C calc'!A0, \"quoted\"\nnext line";

/// Workflow `i`: `i % 3` output datasets (none for a third of them); workflow 0's PrepID and
/// processing string are hostile.
fn doc(i: usize) -> Value {
    let name = format!("pdmvserv_task_Csv{i:03}_261101_000000_{i:04}");
    let outputs: Vec<String> = (0..i % 3).map(|k| format!("/Csv{i}/Camp-v{k}/AODSIM")).collect();
    let history: serde_json::Map<String, Value> =
        outputs.iter().map(|d| (d.clone(), json!({"Type": "PRODUCTION", "Events": 10 * i, "Size": 5}))).collect();
    let prepid = if i == 0 { HOSTILE.to_owned() } else { format!("HIG-Camp-{i:05}") };
    json!({"_id": name, "RequestName": name, "PrepID": prepid, "RequestType": "TaskChain",
        "Campaigns": ["Camp, \"the\" first"], "Requests": [], "TotalEvents": 1000, "TotalInputLumis": -1,
        "RequestPriority": 80_000 + i, "LastUpdate": 1_764_000_000, "OutputDatasets": outputs,
        "RequestTransition": [{"Status": "assigned", "UpdateTime": 1_763_000_000}, {"Status": "running-open", "UpdateTime": 1_763_500_000}],
        "EventNumberHistory": [{"Time": 1_764_000_000, "Datasets": history}]})
}

const N: usize = 250;

async fn fill(store: &SharedStore) {
    store.init().await.unwrap();
    let docs: Vec<Value> = (0..N).map(doc).collect();
    for r in store.bulk_put(Db::Requests, &docs).await.unwrap() {
        r.unwrap();
    }
}

async fn get(origin: &str, path: &str) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let r = reqwest::get(format!("{origin}/stats{path}")).await.unwrap();
    let (status, headers) = (r.status(), r.headers().clone());
    (status, headers, r.text().await.unwrap())
}

fn records(text: &str) -> Vec<csv::StringRecord> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(text.as_bytes());
    reader.records().map(|r| r.unwrap()).collect()
}

async fn check(store: SharedStore) {
    fill(&store).await;
    let server = TestServer::start(store, "/stats").await.unwrap();
    let origin = server.origin.as_str();
    let (status, headers, text) = get(origin, "/csv/workflows?campaign=Camp,%20%22the%22%20first").await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let disposition = headers[reqwest::header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"stats2-workflows-campaign") && disposition.ends_with(".csv\"")
    );
    let rows = records(&text);
    let want: usize = (0..N).map(|i| (i % 3).max(1)).sum();
    assert_eq!(rows.len(), want + 1, "a header and one line per output dataset (one without any)");
    assert_eq!(&rows[0][0], "workflow");
    assert_eq!(rows.iter().skip(1).filter(|r| r[8].is_empty()).count(), N.div_ceil(3), "no outputs: dataset empty");
    let first = rows.iter().find(|r| r[0].starts_with("pdmvserv_task_Csv000")).unwrap();
    assert_eq!(&first[1], &format!("'{HOSTILE}"), "the hostile PrepID reads back, its formula disarmed");
    assert_eq!(&first[2], "Camp, \"the\" first");
    assert!(rows.iter().skip(1).all(|r| !r.iter().any(|f| f.starts_with('='))), "no cell starts a formula");
    assert_eq!(&rows[2][6], "80001", "numbers stay numbers");
    for (path, lines) in [
        ("/csv/campaigns", 3),
        ("/csv/campaigns?rows=priority_block", 3),
        ("/csv/durations?from=assigned&to=running-open", N + 1),
        ("/csv/present?group=status&measure=expected", 2),
        ("/csv/historical?bucket=1w", 0),
        ("/csv/aggregate?bucket=1d", 0),
    ] {
        let (status, headers, text) = get(origin, path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {text}");
        assert!(headers[reqwest::header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("attachment; filename="));
        let got = records(&text).len();
        assert!(if lines == 0 { got >= 2 } else { got == lines }, "{path}: {got} lines\n{text}");
    }
    let (status, _, text) = get(origin, "/csv/workflows?status=runing").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    assert_eq!(get(origin, "/csv/nothing").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_downloads_on_the_embedded_store() {
    let dir = tempfile::tempdir().unwrap();
    check(Arc::new(SqliteStore::open(&dir.path().join("c.sqlite")).unwrap())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_downloads_on_couchdb() {
    let couch = CouchServer::start().await.unwrap();
    check(Arc::new(CouchStore::new(&couch.url, Some(couch.admin_header())).unwrap())).await;
}
