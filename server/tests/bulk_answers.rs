//! Issue 31 item 3: `/api/fetch` without a filter answers up to 10,000 documents, and was built
//! whole in memory (91 MB of JSON at 20,000 workflows; one request took RSS from 190 to 680 MB).
//! It is now streamed a page of 100 documents at a time with the same bytes, and identical
//! requests at the same time share one writer. This test counts the bytes the process holds
//! (a counting allocator) while eight such answers are read at once, checks that they shared
//! one computation, and checks the answer against the documents.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use cap::Cap;
use http_body_util::BodyExt;
use server::auth::AdminAuth;
use server::http::{self, AppState, Spa};
use server::store::Db;
use server::updater::single::UpdateService;
use support::*;
use tower::ServiceExt;

#[global_allocator]
static ALLOC: Cap<std::alloc::System> = Cap::new(std::alloc::System, usize::MAX);

const N: usize = 1500;

/// Reads a whole answer chunk by chunk, keeping only its length and (when asked) its text.
async fn read(router: &axum::Router, path: &str, keep: bool) -> (u16, usize, String) {
    let resp = router.clone().oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
    let status = resp.status().as_u16();
    let mut body = resp.into_body();
    let (mut len, mut text) = (0, String::new());
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.unwrap().into_data() {
            len += data.len();
            if keep {
                text.push_str(std::str::from_utf8(&data).unwrap());
            }
        }
    }
    (status, len, text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_unfiltered_fetches_stream_without_holding_their_answers() {
    let (store, _dir) = sqlite().await;
    let shape = server::demo::scale::Shape { campaigns: 5, max_entries: 15, now: CLOCK };
    let docs: Vec<serde_json::Value> = (0..N).map(|i| server::demo::scale::workflow(i, 5, shape)).collect();
    for chunk in docs.chunks(500) {
        store.bulk_put(Db::Requests, chunk).await.unwrap();
    }
    drop(docs);
    let updates = UpdateService::new(store.clone(), upstream("http://127.0.0.1:9", 0), config());
    let spa = Spa::load(std::path::Path::new("/nonexistent"), "/stats");
    let state = AppState::new(store.clone(), updates, AdminAuth::default(), "/stats", Duration::ZERO).following();
    let r = http::router(state, spa, "/stats");
    while read(&r, "/readyz", false).await.0 != 200 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // The same bytes as the whole list written at once, in the original's order.
    let (status, len, text) = read(&r, "/stats/api/fetch", true).await;
    assert_eq!(status, 200);
    let listed: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(listed.len(), N);
    assert_eq!(text, server::http::legacy::dumps_indented(&serde_json::Value::Array(listed)));
    drop(text);

    let base = ALLOC.allocated();
    let peak = Peak::start(|| ALLOC.allocated());
    let answers = futures::future::join_all((0..8).map(|_| read(&r, "/stats/api/fetch", false))).await;
    for (status, n, _) in &answers {
        assert!(*status == 200 && *n == len, "status {status}, {n} bytes of {len}");
    }
    let grew = peak.stop().saturating_sub(base);
    // Eight identical requests at once: one writer, seven readers joining it.
    let shared = server::metrics::render()
        .lines()
        .find_map(|l| l.strip_prefix("stats2_legacy_bulk_answers_total{shared=\"yes\"} "))
        .and_then(|v| v.parse::<f64>().ok());
    assert_eq!(shared, Some(7.0), "identical requests share one computation");
    // Streaming holds a page of documents per answer being written (at most
    // STATS_MAX_BULK_ANSWERS at once); eight answers built whole held their parsed documents
    // and their text, over thirty times one answer's length.
    println!("peak growth {grew} bytes for 8 answers of {len} bytes each");
    assert!(grew < 2 * len, "held {grew} bytes at the peak while streaming 8 answers of {len} bytes");
}
