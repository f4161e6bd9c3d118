//! `stats2 db backfill-lumis` (U44–U46) against the simulator on the embedded store: what it
//! selects and writes, a dry run that writes nothing, and an interrupted run (faults half-way)
//! whose rerun gives the documents of one clean run.
#![allow(clippy::unwrap_used)]

mod support;

use serde_json::{json, Value};
use server::sim::SimConfig;
use server::updater::backfill::{self, BackfillSummary};
use support::*;

async fn backfill(store: &server::store::SharedStore, url: &str, dry_run: bool) -> BackfillSummary {
    let up = upstream(url, 1);
    backfill::run(store, &*up, 4, dry_run, &indicatif::ProgressBar::hidden()).await.unwrap()
}

/// ReqMgr2 now has lumi lists for its ReReco requests (the stored documents predate them).
fn give_lumi_lists(s: &server::testkit::SimServer) -> usize {
    let mut world = s.sim.world();
    let mut n = 0;
    for r in world.requests.values_mut().filter(|r| r.doc["RequestType"] == "ReReco") {
        r.doc.insert("LumiList".into(), json!({"305040": [[1, 80]]}));
        r.doc.insert("TotalInputLumis".into(), json!(8110));
        n += 1;
    }
    n
}

fn newest_lumis(doc: &Value) -> Vec<Option<i64>> {
    let h = doc["EventNumberHistory"].as_array().unwrap();
    let newest = h.iter().max_by_key(|e| e["Time"].as_i64()).unwrap();
    newest["Datasets"].as_object().unwrap().values().map(|r| r["Lumis"].as_i64()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn u44_u46_backfill_is_exact_resumable_and_dry_runs_write_nothing() {
    let s = sim(SimConfig { scale: 60, ..SimConfig::default() }).await;
    for _ in 0..3 {
        s.sim.step(3600, false);
    }
    let (clean, _d1) = sqlite().await;
    let (interrupted, _d2) = sqlite().await;
    let up = upstream(&s.url, 2);
    run(&clean, &up).await.unwrap();
    run(&interrupted, &up).await.unwrap();
    let rereco = give_lumi_lists(&s);
    assert!(rereco >= 2, "the scenario has ReReco requests: {rereco}");
    let before = snapshot(&clean).await;
    assert!(before
        .values()
        .filter(|d| d["RequestType"] == "ReReco")
        .all(|d| d.get("LumiList") != Some(&json!({"305040": [[1, 80]]}))));

    let dry = backfill(&clean, &s.url, true).await;
    assert_eq!(snapshot(&clean).await, before, "a dry run writes nothing");
    assert!(dry.changed >= rereco && dry.selected >= dry.changed, "{dry}");

    let done = backfill(&clean, &s.url, false).await;
    assert_eq!((done.changed, done.failed), (dry.changed, 0), "{done}");
    let after = snapshot(&clean).await;
    for doc in after.values().filter(|d| d["RequestType"] == "ReReco") {
        assert_eq!(doc["TotalInputLumis"], 8110);
        assert!(newest_lumis(doc).iter().all(Option::is_some), "{}", doc["_id"]);
    }
    for (name, doc) in after.iter().filter(|(_, d)| d["RequestType"] != "ReReco" && d["RequestType"] != "Resubmission")
    {
        assert_eq!(Some(doc), before.get(name), "{name} is not selected");
    }
    let again = backfill(&clean, &s.url, false).await;
    assert_eq!((again.changed, again.unchanged), (0, done.changed), "a rerun has nothing to write: {again}");

    // Faults half-way: some workflows fail; the rerun finishes them, as one clean run would.
    s.sim.set_error_rate(0.5);
    let partial = backfill(&interrupted, &s.url, false).await;
    s.sim.set_error_rate(0.0);
    assert!(partial.failed > 0, "faults made some fail: {partial}");
    let rest = backfill(&interrupted, &s.url, false).await;
    assert_eq!(rest.failed, 0, "{rest}");
    assert!(partial.changed + rest.changed >= done.changed, "{partial} then {rest}");
    assert_eq!(snapshot(&interrupted).await, after);
}

/// The command: a summary line on stderr, exit 0; exit 1 while another run holds the lock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_reports_and_respects_the_run_lock() {
    let s = sim(SimConfig { scale: 20, ..SimConfig::default() }).await;
    s.sim.step(3600, false);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_owned();
    let stats2 = |args: &'static [&'static str]| {
        let (data, url) = (data.clone(), s.url.clone());
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_stats2"))
                .args(args)
                .env("STATS_DATA_DIR", &data)
                .env("CMSWEB_URL", &url)
                .env("CMSWEB_PROD_URL", &url)
                .env("UPSTREAM_RETRIES", "1")
                .env_remove("DB_URL")
                .output()
                .unwrap()
        })
    };
    assert!(stats2(&["db", "init"]).await.unwrap().status.success());
    assert!(stats2(&["update"]).await.unwrap().status.success());
    give_lumi_lists(&s);
    let out = stats2(&["db", "backfill-lumis", "--dry-run"]).await.unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("lumi back-fill finished (dry run: nothing written): selected="), "{err}");

    let store: server::store::SharedStore =
        std::sync::Arc::new(server::store::sqlite::SqliteStore::open(&data.join(server::SQLITE_FILE)).unwrap());
    let lock = server::updater::lock::RunLock::acquire(
        store,
        "test",
        std::time::Duration::ZERO,
        std::time::Duration::from_secs(60),
    )
    .await
    .unwrap();
    let busy = stats2(&["db", "backfill-lumis"]).await.unwrap();
    assert_eq!(busy.status.code(), Some(1), "{}", String::from_utf8_lossy(&busy.stderr));
    lock.release().await.unwrap();
}
