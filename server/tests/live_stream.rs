//! The live stream over HTTP (issue 31 item 6): every stream starts with the current id, every
//! event carries one, and a client that reconnects with `Last-Event-ID` gets what it missed,
//! or `resync` when that is not here (another process's id, or too old).
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use app::rows::EventKind;
use server::auth::AdminAuth;
use server::http::{self, AppState, Spa};
use server::store::{sqlite::SqliteStore, SharedStore};
use server::updater::single::UpdateService;

struct Running {
    origin: String,
    events: server::live::Events,
    _stop: tokio::sync::oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

async fn start() -> Running {
    let dir = tempfile::tempdir().unwrap();
    let store: SharedStore = std::sync::Arc::new(SqliteStore::open(&dir.path().join("s.sqlite")).unwrap());
    store.init().await.unwrap();
    let up = server::testkit::fast_upstream("http://127.0.0.1:9", 0, 2).unwrap();
    let updates = UpdateService::new(store.clone(), up, server::updater::UpdaterConfig::default());
    let state = AppState::new(store, updates, AdminAuth::default(), "/stats", Duration::ZERO).following();
    let events = state.events.clone();
    let close = state.closer();
    let router = http::router(state, Spa::load(std::path::Path::new("/nonexistent"), "/stats"), "/stats");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(http::serve(listener, router, async {
        let _ = rx.await;
        close();
    }));
    Running { origin, events, _stop: tx, _dir: dir }
}

/// Reads the stream until `want` has appeared, within 5 s; the text read so far.
async fn read_until(resp: &mut reqwest::Response, text: &mut String, want: &str) {
    tokio::time::timeout(Duration::from_secs(5), async {
        while !text.contains(want) {
            let chunk = resp.chunk().await.unwrap().expect("the stream ended");
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{want:?} not seen within 5 s in {text:?}"));
}

async fn open(r: &Running, last_id: Option<&str>) -> reqwest::Response {
    let mut req = reqwest::Client::new().get(format!("{}/stats/events", r.origin));
    if let Some(id) = last_id {
        req = req.header("Last-Event-ID", id);
    }
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status(), 200);
    resp
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_have_ids_and_a_reconnect_gets_what_it_missed() {
    let r = start().await;
    let id = |n: u64| r.events.id(n);
    let mut first = open(&r, None).await;
    let mut text = String::new();
    // A client that has seen no event yet still learns an id to resume from.
    read_until(&mut first, &mut text, &format!("id: {}\n", id(0))).await;
    server::live::publish(&r.events, EventKind::Workflow, vec!["wf_a".into()], None);
    read_until(&mut first, &mut text, &format!("id: {}\n", id(1))).await;
    assert!(text.contains(r#"data: {"kind":"workflow","changed":["wf_a"],"run_start":null}"#), "{text}");
    drop(first);

    // Missed while away: two events, replayed in order on reconnect.
    server::live::publish(&r.events, EventKind::Workflow, vec!["wf_b".into()], None);
    server::live::publish(&r.events, EventKind::Run, Vec::new(), Some(7));
    let mut again = open(&r, Some(&id(1))).await;
    let mut text = String::new();
    read_until(&mut again, &mut text, &format!("id: {}\n", id(3))).await;
    let b = text.find("wf_b").unwrap();
    let run = text.find(r#""kind":"run""#).unwrap();
    assert!(b < run && !text.contains("wf_a"), "only what was missed, in order: {text}");
    // And the stream goes on from there without repeating anything.
    server::live::publish(&r.events, EventKind::Workflow, vec!["wf_c".into()], None);
    read_until(&mut again, &mut text, "wf_c").await;
    assert_eq!(text.matches("wf_b").count(), 1, "{text}");

    // An id from another process (a rolling update) cannot be replayed: resync.
    let mut other = open(&r, Some("1-5")).await;
    let mut text = String::new();
    read_until(&mut other, &mut text, r#""kind":"resync""#).await;
}
