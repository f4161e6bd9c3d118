//! The workflow list's CSV is every matching workflow, not a page, and it is streamed: the
//! process holds a piece of a few hundred rows at a time, not the answer. A counting
//! allocator measures what the process holds while the whole list is read slowly.
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

const N: usize = 4000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_list_streams_without_holding_its_answer() {
    let (store, _dir) = sqlite().await;
    let shape = server::demo::scale::Shape { campaigns: 5, max_entries: 5, now: CLOCK };
    let docs: Vec<serde_json::Value> = (0..N).map(|i| server::demo::scale::workflow(i, 9, shape)).collect();
    let outputs: usize = docs.iter().map(|d| d["OutputDatasets"].as_array().unwrap().len().max(1)).sum();
    for chunk in docs.chunks(500) {
        store.bulk_put(Db::Requests, chunk).await.unwrap();
    }
    drop(docs);
    let updates = UpdateService::new(store.clone(), upstream("http://127.0.0.1:9", 0), config());
    let spa = Spa::load(std::path::Path::new("/nonexistent"), "/stats");
    let state = AppState::new(store.clone(), updates, AdminAuth::default(), "/stats", Duration::ZERO).following();
    let r = http::router(state, spa, "/stats");
    let ready = || r.clone().oneshot(Request::get("/readyz").body(Body::empty()).unwrap());
    while ready().await.unwrap().status() != 200 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let base = ALLOC.allocated();
    let peak = Peak::start(|| ALLOC.allocated());
    let resp = r.clone().oneshot(Request::get("/stats/csv/workflows").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(resp.status(), 200);
    let mut body = resp.into_body();
    let (mut len, mut lines, mut pieces) = (0, 0, 0);
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.unwrap().into_data() {
            len += data.len();
            lines += data.iter().filter(|b| **b == b'\n').count();
            pieces += 1;
            // A slow reader: the writer must wait for it rather than run ahead.
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    let grew = peak.stop().saturating_sub(base);
    println!("{lines} lines, {len} bytes in {pieces} pieces; peak growth {grew} bytes");
    assert_eq!(lines, outputs + 1, "a header and one line per output dataset of every workflow");
    assert!(pieces > 10, "written a piece at a time");
    // The rows as pointers (8 bytes a workflow) and a piece of text; the answer itself is
    // far larger than that.
    assert!(grew < len / 4, "held {grew} bytes at the peak while streaming {len} bytes");
}
