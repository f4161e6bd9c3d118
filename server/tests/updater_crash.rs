//! kill -9 of `stats2 update` at any point, then a new run: the same documents as one clean
//! run, no history entry lost or duplicated, nothing left on the failed list.
#![allow(clippy::unwrap_used)]

mod support;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use server::sim::SimConfig;
use server::store::{sqlite::SqliteStore, SharedStore};
use support::*;

fn stats2(dir: &std::path::Path, url: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_stats2"));
    c.env_remove("DB_URL")
        .env("STATS_DATA_DIR", dir)
        .env("CMSWEB_URL", url)
        .env("CMSWEB_PROD_URL", url)
        .env("STATS_LOCK_STALE_AFTER", "1s")
        .env("UPSTREAM_BACKOFF", "5ms")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

fn open(dir: &std::path::Path) -> SharedStore {
    Arc::new(SqliteStore::open(&dir.join(server::SQLITE_FILE)).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_at_any_point_then_a_new_run_converges() {
    let s = sim(SimConfig { scale: 200, latency: Duration::from_millis(5), ..SimConfig::default() }).await;
    for _ in 0..6 {
        s.sim.step(3600, false);
    }
    let (reference, _d) = sqlite().await;
    run(&reference, &upstream(&s.url, 2)).await.unwrap();
    let expected = snapshot(&reference).await;

    for delay_ms in [20u64, 90, 200, 300, 400, 700] {
        let dir = tempfile::tempdir().unwrap();
        assert!(stats2(dir.path(), &s.url).args(["db", "init"]).status().unwrap().success());
        let mut child = stats2(dir.path(), &s.url).arg("update").spawn().unwrap();
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        let _ = child.kill(); // SIGKILL: no cleanup, the lock stays behind
        let _ = child.wait();
        // The dead run's lock goes stale and is taken over.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let out = stats2(dir.path(), &s.url).arg("update").output().unwrap();
        assert!(out.status.success(), "after a kill at {delay_ms} ms: {}", String::from_utf8_lossy(&out.stderr));
        let store = open(dir.path());
        assert_eq!(snapshot(&store).await, expected, "documents after a kill at {delay_ms} ms");
        assert_eq!(settings(&store).await["failed_workflows"], serde_json::json!([]));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_exits_1_with_a_clear_message_while_another_run_holds_the_lock() {
    let s = sim(SimConfig { scale: 3, ..SimConfig::default() }).await;
    let dir = tempfile::tempdir().unwrap();
    assert!(stats2(dir.path(), &s.url).args(["db", "init"]).status().unwrap().success());
    let store = open(dir.path());
    let lock = server::updater::lock::RunLock::acquire(store, "holder", Duration::ZERO, Duration::from_secs(60))
        .await
        .unwrap();
    let out = stats2(dir.path(), &s.url).arg("update").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("another update run is in progress"), "{stderr}");
    lock.release().await.unwrap();
    assert!(stats2(dir.path(), &s.url).arg("update").status().unwrap().success());
}
