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

/// Issue 31 item 10: a run stopped in the middle (the CronJob's deadline) keeps the pages it
/// finished. Each page of the feed is checkpointed once written, with its workflows on the
/// list to recalculate; the next run continues from there and ends with the documents of a
/// run that was never stopped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_run_keeps_its_pages_and_the_next_continues_from_them() {
    let s = sim(SimConfig { scale: 150, latency: Duration::from_millis(4), ..SimConfig::default() }).await;
    for _ in 0..4 {
        s.sim.step(3600, false);
    }
    let paged = server::updater::UpdaterConfig { feed_page: 20, ..config() };
    let (reference, _r) = sqlite().await;
    run_with(&reference, &upstream(&s.url, 2), paged.clone()).await.unwrap();
    let expected = snapshot(&reference).await;

    let (store, _d) = sqlite().await;
    let up = upstream(&s.url, 2);
    let ctx =
        server::updater::RunContext::new(store.clone(), up.clone(), paged.clone(), indicatif::ProgressBar::hidden());
    let stop = ctx.stop.clone();
    let watched = store.clone();
    let stopper = tokio::spawn(async move {
        // The first checkpoint: the stored sequence moves during the run.
        let sequence = async || {
            let doc = watched.get(server::store::Db::Settings, "all_settings").await.unwrap();
            doc.and_then(|d| d.get("last_reqmgr_sequence").cloned()).unwrap_or(serde_json::json!(0))
        };
        while sequence().await == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        up.stop_new_requests();
        stop.request();
    });
    let started = std::time::Instant::now();
    let stopped = server::updater::run::run(&ctx).await;
    stopper.await.unwrap();
    assert!(matches!(stopped, Err(server::updater::UpdateError::Stopped)), "{stopped:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    let kept = settings(&store).await;
    assert_ne!(kept["last_reqmgr_sequence"], 0, "finished pages are checkpointed");
    assert!(kept["pending_recalculation"].as_array().is_some_and(|p| !p.is_empty()), "{kept}");
    assert!(snapshot(&store).await.len() < expected.len(), "stopped before the end of the feed");

    // The lock was released: the next run starts at once, and continues.
    let rest = run_with(&store, &upstream(&s.url, 2), paged).await.unwrap();
    assert!(rest.created < expected.len(), "the next run did not start over: {rest}");
    assert_eq!(snapshot(&store).await, expected);
    let after = settings(&store).await;
    assert_eq!(
        (after["failed_workflows"].clone(), after["pending_recalculation"].clone()),
        (serde_json::json!([]), serde_json::json!([]))
    );
}

/// SIGTERM to `stats2 update`: it exits within 10 s and releases the run lock (with a stale
/// time of a minute, a lock left behind would refuse the next run), which then converges.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_ends_an_update_within_seconds_and_releases_the_lock() {
    let s = sim(SimConfig { scale: 200, latency: Duration::from_millis(15), ..SimConfig::default() }).await;
    for _ in 0..6 {
        s.sim.step(3600, false);
    }
    let (reference, _d) = sqlite().await;
    run(&reference, &upstream(&s.url, 2)).await.unwrap();
    let expected = snapshot(&reference).await;

    let dir = tempfile::tempdir().unwrap();
    assert!(stats2(dir.path(), &s.url).args(["db", "init"]).status().unwrap().success());
    let mut child = stats2(dir.path(), &s.url).env("STATS_LOCK_STALE_AFTER", "60s").arg("update").spawn().unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let term = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(term.success());
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "still running 10 s after SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(status.code(), Some(1), "a stopped run says so in its exit code");
    let out = stats2(dir.path(), &s.url).env("STATS_LOCK_STALE_AFTER", "60s").arg("update").output().unwrap();
    assert!(out.status.success(), "the next run was refused: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(snapshot(&open(dir.path())).await, expected);
}
