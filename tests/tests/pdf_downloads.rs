//! The chart PDFs over HTTP: each chart's PDF is a valid file whose title and stamp
//! `pdftotext` reads back as text, also for a workflow without any history; unknown charts
//! and workflows are a 404, a bad filter a 400.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{json, Value};
use server::store::{sqlite::SqliteStore, Db, SharedStore};
use stats2_tests::server::TestServer;

fn doc(name: &str, history: bool) -> Value {
    let ds = "/Prim/Pdf-v1/AODSIM";
    let entries = if history {
        json!([{"Time": 1_763_000_000, "Datasets": {ds: {"Type": "PRODUCTION", "Events": 100, "Size": 5}}},
               {"Time": 1_763_900_000, "Datasets": {ds: {"Type": "VALID", "Events": 900, "Size": 5}}}])
    } else {
        json!([])
    };
    json!({"_id": name, "RequestName": name, "PrepID": "HIG-Pdf-00001", "RequestType": "TaskChain",
        "Campaigns": ["Pdf"], "Requests": [], "TotalEvents": 1000, "TotalInputLumis": -1, "RequestPriority": 90_000,
        "LastUpdate": 1_764_000_000, "OutputDatasets": [ds],
        "RequestTransition": [{"Status": "assigned", "UpdateTime": 1_762_000_000}, {"Status": "running-open", "UpdateTime": 1_763_000_000}],
        "EventNumberHistory": entries})
}

/// `pdftotext` of a PDF, failing the test when the file does not parse.
fn text_of(pdf: &[u8]) -> String {
    let mut child = std::process::Command::new("pdftotext")
        .args(["-", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("pdftotext (poppler-utils, scripts/ensure-tools.sh)");
    child.stdin.take().unwrap().write_all(pdf).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "pdftotext complained: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

async fn get(origin: &str, path: &str) -> (StatusCode, Vec<u8>) {
    let r = reqwest::get(format!("{origin}/stats{path}")).await.unwrap();
    let status = r.status();
    if status == StatusCode::OK {
        assert_eq!(r.headers()[reqwest::header::CONTENT_TYPE], "application/pdf", "{path}");
    }
    (status, r.bytes().await.unwrap().to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_chart_has_a_pdf_with_its_text_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let store: SharedStore = Arc::new(SqliteStore::open(&dir.path().join("p.sqlite")).unwrap());
    store.init().await.unwrap();
    let (full, empty) = ("pdfwf_full_261101_000000_0001", "pdfwf_empty_261101_000000_0002");
    for r in store.bulk_put(Db::Requests, &[doc(full, true), doc(empty, false)]).await.unwrap() {
        r.unwrap();
    }
    let server = TestServer::start(store, "/stats").await.unwrap();
    let origin = server.origin.as_str();
    for (path, title) in [
        (format!("/pdf/workflow/{full}"), full.to_owned()),
        (format!("/pdf/workflow/{empty}"), empty.to_owned()),
        ("/pdf/aggregate?campaign=Pdf&bucket=1d".to_owned(), "Aggregate: campaign=Pdf".to_owned()),
        ("/pdf/historical?bucket=1w".to_owned(), "Historical: all workflows".to_owned()),
        ("/pdf/durations?from=assigned&to=running-open".to_owned(), "Time from assigned to running-open".to_owned()),
        ("/pdf/present?group=status&stack=tier".to_owned(), "workflows per status by datatier".to_owned()),
    ] {
        let (status, pdf) = get(origin, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {}", String::from_utf8_lossy(&pdf));
        assert!(pdf.starts_with(b"%PDF-"), "{path}");
        // Kept beside the screenshots, to be looked at.
        let shots = stats2_tests::repo_root().join("target/screenshots");
        std::fs::create_dir_all(&shots).unwrap();
        let file: String = path.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
        std::fs::write(shots.join(format!("pdf{file}.pdf")), &pdf).unwrap();
        let text = text_of(&pdf);
        assert!(text.contains(&title), "{path}: no title {title:?} in\n{text}");
        assert!(text.contains("Stats2 ·") && text.contains("exported"), "{path}: no stamp in\n{text}");
    }
    let workflow = text_of(&get(origin, &format!("/pdf/workflow/{full}")).await.1);
    assert!(workflow.contains("running-open") && workflow.contains("last update"), "{workflow}");
    assert_eq!(get(origin, "/pdf/workflow/nothing_261101_000000_0009").await.0, StatusCode::NOT_FOUND);
    assert_eq!(get(origin, "/pdf/pie").await.0, StatusCode::NOT_FOUND);
    assert_eq!(get(origin, "/pdf/present?status=runing").await.0, StatusCode::BAD_REQUEST);
}
