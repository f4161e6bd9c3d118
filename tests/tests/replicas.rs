//! Several processes on one store, as production runs them: `serve` replicas (two on one
//! CouchDB, one on the embedded store) and a separate `stats2 update` (cron). Every replica
//! must announce what the other process wrote, catch up after a restart, and never serve a
//! legacy answer older than what its feed has shown.
#![allow(clippy::unwrap_used)]

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::rows::{EventKind, LiveEvent};
use serde_json::{json, Value};
use server::sim::SimConfig;
use server::store::{sqlite::SqliteStore, Db, SharedStore};
use stats2_tests::couch::CouchServer;
use stats2_tests::server::TestServer;
use stats2_tests::{free_port, stats2_bin};

const CLOCK: i64 = 1_764_000_000;

/// A `stats2` child process, killed on drop.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn stats2(env: &[(String, String)], args: &[&str]) -> Command {
    let mut c = Command::new(stats2_bin());
    c.env_remove("DB_URL").env("RUST_LOG", "warn").envs(env.iter().cloned()).args(args);
    c.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::inherit());
    c
}

struct Replica {
    origin: String,
    _proc: Proc,
}

async fn serve(env: &[(String, String)]) -> Replica {
    let port = free_port();
    let child =
        Proc(stats2(env, &["serve", "--port", &port.to_string(), "--dist-dir", "/nonexistent"]).spawn().unwrap());
    let origin = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let ready = reqwest::get(format!("{origin}/readyz")).await.is_ok_and(|r| r.status().is_success());
        if ready {
            return Replica { origin, _proc: child };
        }
        assert!(Instant::now() < deadline, "replica on {origin} not ready within 60 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Reads server-sent events.
struct Sse {
    resp: reqwest::Response,
    buf: String,
}

impl Sse {
    async fn open(origin: &str) -> Sse {
        let resp = reqwest::get(format!("{origin}/stats/events")).await.unwrap();
        assert!(resp.status().is_success());
        Sse { resp, buf: String::new() }
    }

    async fn next(&mut self) -> LiveEvent {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                if let Some(data) = block.lines().find_map(|l| l.strip_prefix("data:")) {
                    return serde_json::from_str(data.trim()).unwrap();
                }
                continue;
            }
            let chunk = self.resp.chunk().await.unwrap().expect("stream open");
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// The names announced as changed workflows within `secs`, until `enough` holds.
    async fn workflows_until(&mut self, secs: u64, enough: impl Fn(&[String]) -> bool) -> Vec<String> {
        let mut names = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        while !enough(&names) {
            let e = tokio::time::timeout_at(deadline, self.next()).await.expect("announced in time");
            if e.kind == EventKind::Workflow {
                names.extend(e.changed);
            }
        }
        names
    }
}

async fn rpc(origin: &str, name: &str, body: Value) -> Value {
    let r = reqwest::Client::new().post(format!("{origin}/stats/rpc/{name}")).json(&body).send().await.unwrap();
    assert!(r.status().is_success(), "{name}: {}", r.status());
    r.json().await.unwrap()
}

fn run(env: &[(String, String)], args: &[&str]) {
    let status = stats2(env, args).status().unwrap();
    assert!(status.success(), "stats2 {args:?} failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_replica_announces_a_separate_update_and_a_restarted_one_catches_up() {
    let couch = CouchServer::start().await.unwrap();
    let sim = server::testkit::start_sim(SimConfig { scale: 8, ..SimConfig::default() }, CLOCK).await.unwrap();
    sim.sim.step(3600, false);
    let dir = tempfile::tempdir().unwrap();
    let upstream = [("CMSWEB_URL".to_owned(), sim.url.clone()), ("CMSWEB_PROD_URL".to_owned(), sim.url.clone())];
    let mut on_couch =
        vec![("DB_URL".to_owned(), couch.url.clone()), ("STATS_DB_AUTH_HEADER".to_owned(), couch.admin_header())];
    let mut on_sqlite = vec![("STATS_DATA_DIR".to_owned(), dir.path().display().to_string())];
    on_couch.extend(upstream.clone());
    on_sqlite.extend(upstream);
    run(&on_couch, &["db", "init"]);
    run(&on_sqlite, &["db", "init"]);
    let replicas = [serve(&on_couch).await, serve(&on_couch).await, serve(&on_sqlite).await];
    let mut streams = Vec::new();
    for r in &replicas {
        streams.push(Sse::open(&r.origin).await);
    }
    run(&on_couch, &["update"]);
    run(&on_sqlite, &["update"]);
    for (i, s) in streams.iter_mut().enumerate() {
        let names = s.workflows_until(10, |n| n.len() >= 8).await;
        assert!(names.iter().all(|n| !n.is_empty()), "replica {i}: {names:?}");
    }
    let page = rpc(&replicas[0].origin, "list_workflows", json!({"filter": {}, "page": 0})).await;
    assert_eq!(page["total_workflows"], 8);
    assert_eq!(page["matching"], 8);

    // A replica that was down while the store changed catches up when it comes back.
    let [first, second, _third] = replicas;
    drop(second);
    sim.sim.step(3600, false);
    run(&on_couch, &["update"]);
    let back = serve(&on_couch).await;
    let a = rpc(&first.origin, "list_workflows", json!({"filter": {}, "page": 0})).await;
    let b = rpc(&back.origin, "list_workflows", json!({"filter": {}, "page": 0})).await;
    assert_eq!(a["rows"], b["rows"], "the restarted replica shows what the one that stayed up shows");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_by_another_process_clears_the_cache_and_old_revisions_never_come_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.sqlite");
    let store: SharedStore = Arc::new(SqliteStore::open(&path).unwrap());
    store.init().await.unwrap();
    store.put(Db::Requests, &json!({"_id": "wf_a", "N": 0})).await.unwrap();
    let server = TestServer::start(store, "/stats").await.unwrap();
    // Another process: its own connections to the same file, invisible to the server but
    // through the store's feed.
    let other: SharedStore = Arc::new(SqliteStore::open(&path).unwrap());
    let url = format!("{}/stats/api/get_json/wf_a", server.origin);
    let n = |v: &Value| v["N"].as_i64().unwrap();
    let mut highest = 0;
    for round in 1..=5 {
        let seen: Value = reqwest::get(&url).await.unwrap().json().await.unwrap();
        assert!(n(&seen) >= highest);
        let cur = other.get(Db::Requests, "wf_a").await.unwrap().unwrap();
        other.put(Db::Requests, &json!({"_id": "wf_a", "_rev": cur["_rev"], "N": round})).await.unwrap();
        let written = Instant::now();
        loop {
            let got: Value = reqwest::get(&url).await.unwrap().json().await.unwrap();
            assert!(n(&got) >= highest, "round {round}: went back to {got}");
            highest = highest.max(n(&got));
            if n(&got) == round {
                break;
            }
            assert!(written.elapsed() < Duration::from_secs(2), "round {round}: still {got} after 2 s");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}
