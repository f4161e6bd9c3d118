//! Full updater runs against the cmsweb simulator over HTTP, on the embedded store:
//! first run, incremental runs, deletions, failures then recovery (rules U33–U43, X6–X10).
#![allow(clippy::unwrap_used)]

mod support;

use serde_json::Value;
use server::sim::SimConfig;
use server::store::{self, Db};
use support::*;

fn cfg(scale: usize) -> SimConfig {
    SimConfig { scale, ..SimConfig::default() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn u33_first_run_builds_every_workflow_with_lookups() {
    let s = sim(cfg(60)).await;
    for _ in 0..6 {
        s.sim.step(3600, false);
    }
    let (store, _dir) = sqlite().await;
    let up = upstream(&s.url, 2);
    let summary = run(&store, &up).await.unwrap();
    assert_eq!(summary.created, 60, "{summary}");
    assert_eq!(summary.failed, 0);
    assert!(summary.recalculated > 30, "{summary}");
    assert_eq!(store::workflow_count(&*store).await.unwrap(), 60);
    let settings = settings(&store).await;
    assert_eq!(settings["failed_workflows"], serde_json::json!([]));
    assert!(
        settings["last_reqmgr_sequence"].as_str().unwrap().starts_with(&format!("{}-", s.sim.world().seq)),
        "X4 opaque"
    );
    assert!(settings["last_dbs_update_date"].as_i64().unwrap() > 0);

    let docs = snapshot(&store).await;
    // U10 (e) / H9 with X12: the TaskChain counts its lumi-masked input through DBS files,
    // a file listed under both runs once: 12 600 in the ranges + 777 spanning + 0 (null).
    let taskchain = docs
        .values()
        .find(|d| d["InputDataset"] == "/JetHT/Run2012C-v1/RAW" && d["RequestType"] == "TaskChain")
        .unwrap();
    assert_eq!(taskchain["TotalEvents"], 13_377);
    // U12: a Resubmission takes its total from the first non-Resubmission sibling.
    let world = s.sim.world();
    for (name, r) in world.requests.iter().filter(|(_, r)| r.doc["RequestType"] == "Resubmission") {
        let parent = world
            .requests
            .values()
            .find(|p| p.doc["PrepID"] == r.doc["PrepID"] && p.doc["RequestType"] != "Resubmission");
        let expected = parent.and_then(|p| p.doc.get("TotalInputEvents")).and_then(Value::as_i64).unwrap_or(-1);
        assert_eq!(docs[name]["TotalEvents"], expected, "{name}");
    }
    // Datasets DBS knows get records; the ones it does not are NONE (U27).
    let running = docs.values().filter(|d| d["EventNumberHistory"].as_array().unwrap().len() == 1).count();
    assert!(running > 30);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x6_u30_incremental_runs_write_only_real_changes() {
    let s = sim(cfg(40)).await;
    s.sim.step(3600, false);
    let (store, _dir) = sqlite().await;
    let up = upstream(&s.url, 2);
    run(&store, &up).await.unwrap();
    let revs =
        |docs: Vec<store::Row>| docs.into_iter().map(|r| (r.id, r.doc.unwrap()["_rev"].clone())).collect::<Vec<_>>();
    let all = |store: &server::store::SharedStore| {
        let store = store.clone();
        async move { store::workflows(&*store, server::store::Paging { skip: 0, limit: 1000 }, true).await.unwrap() }
    };
    let before = revs(all(&store).await);

    // Nothing changed upstream: nothing is written (X6), nothing appended (U30).
    let idle = run(&store, &up).await.unwrap();
    assert_eq!((idle.created, idle.updated, idle.recalculated, idle.failed), (0, 0, 0, 0), "{idle}");
    assert_eq!(revs(all(&store).await), before, "no document was rewritten");

    // The scenario moves: transitions change metadata, datasets grow, histories get entries.
    for _ in 0..6 {
        s.sim.step(3600, false);
    }
    let busy = run(&store, &up).await.unwrap();
    assert!(busy.updated > 0 && busy.recalculated > 0, "{busy}");
    let docs = snapshot(&store).await;
    for (name, doc) in &docs {
        let h = doc["EventNumberHistory"].as_array().unwrap();
        for pair in h.windows(2) {
            assert_ne!(pair[0]["Datasets"], pair[1]["Datasets"], "{name}: consecutive entries differ (U30)");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn u35_deleted_workflows_are_removed_and_leave_the_failed_list() {
    let s = sim(cfg(400)).await;
    s.sim.step(3600, false);
    let (store, _dir) = sqlite().await;
    let up = upstream(&s.url, 2);
    run(&store, &up).await.unwrap();
    // Pretend a deleted workflow failed earlier (X9: it must not stay there forever).
    let mut deleted = Vec::new();
    for _ in 0..10 {
        s.sim.step(3600, true);
        deleted = s.sim.world().deleted.keys().cloned().collect();
        if !deleted.is_empty() {
            break;
        }
    }
    assert!(!deleted.is_empty(), "the scenario deletes now and then");
    server::updater::settings::write(
        &*store,
        &server::updater::settings::Update { failed_workflows: Some(vec![deleted[0].clone()]), ..Default::default() },
    )
    .await
    .unwrap();
    let summary = run(&store, &up).await.unwrap();
    assert_eq!(summary.deleted, deleted.len(), "{summary}");
    for name in &deleted {
        assert!(store.get(Db::Requests, name).await.unwrap().is_none());
    }
    assert_eq!(settings(&store).await["failed_workflows"], serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x14_faults_then_one_clean_run_give_the_fault_free_documents() {
    let s = sim(SimConfig { scale: 80, stall: std::time::Duration::from_millis(1200), ..SimConfig::default() }).await;
    for _ in 0..4 {
        s.sim.step(3600, false);
    }
    let up = upstream(&s.url, 1);
    let (reference, _d1) = sqlite().await;
    run(&reference, &up).await.unwrap();

    let (faulty, _d2) = sqlite().await;
    // Documents come inline with the feed, so a run makes few requests: faults must be
    // frequent for several to land.
    s.sim.set_error_rate(0.5);
    let first = run(&faulty, &up).await;
    // A run whose first feed request fails twice stops before any settings are written.
    let stored = faulty.get(server::store::Db::Settings, "all_settings").await.unwrap();
    let listed = stored.and_then(|s| s["failed_workflows"].as_array().map(Vec::len)).unwrap_or(0);
    s.sim.set_error_rate(0.0);
    let follow_up = run(&faulty, &up).await.unwrap();
    let faults = s.sim.counters.faults.load(std::sync::atomic::Ordering::Relaxed);
    assert!(faults > 2, "faults were injected: {faults}, {first:?}");
    // Which requests the faults hit depends on the order requests go out in; a workflow
    // fails only when both attempts of one of its requests do.
    match &first {
        Ok(sum) if sum.failed > 0 => assert_eq!(listed, sum.failed, "every failed one is on the failed list: {sum}"),
        Ok(sum) => eprintln!("every fault was absorbed by a retry: {sum}"),
        Err(e) => eprintln!("the faulty run aborted ({e}); the follow-up run replays it"),
    }
    assert_eq!(follow_up.failed, 0, "{follow_up}");
    assert_eq!(settings(&faulty).await["failed_workflows"], serde_json::json!([]));
    assert_eq!(snapshot(&faulty).await, snapshot(&reference).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x21_a_second_run_is_refused_while_the_lock_is_held() {
    let s = sim(cfg(5)).await;
    let (store, _dir) = sqlite().await;
    let lock = server::updater::lock::RunLock::acquire(
        store.clone(),
        "test holder",
        std::time::Duration::ZERO,
        std::time::Duration::from_secs(60),
    )
    .await
    .unwrap();
    let err = run(&store, &upstream(&s.url, 0)).await.unwrap_err();
    assert!(err.to_string().contains("another update run is in progress"), "{err}");
    lock.release().await.unwrap();
    run(&store, &upstream(&s.url, 0)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn u42_single_workflow_update_leaves_settings_alone() {
    let s = sim(cfg(10)).await;
    s.sim.step(3600, false);
    let (store, _dir) = sqlite().await;
    let up = upstream(&s.url, 1);
    let name = s.sim.world().requests.keys().next().unwrap().clone();
    let ctx = server::updater::RunContext::new(store.clone(), up.clone(), config(), indicatif::ProgressBar::hidden());
    let (outcome, _) = server::updater::run::update_one(&ctx, &name).await.unwrap();
    assert_eq!(outcome, server::updater::metadata::MetaOutcome::Created);
    assert!(store.get(Db::Settings, "all_settings").await.unwrap().is_none(), "U42 touches no settings");
    assert_eq!(store::workflow_count(&*store).await.unwrap(), 1);
    let err = server::updater::run::update_one(&ctx, "nobody_wf_000000_000000_0000").await.unwrap_err();
    assert!(err.to_string().contains("404"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x21_a_dropped_run_leaves_a_lock_that_goes_stale() {
    use server::updater::lock::RunLock;
    let (store, _dir) = sqlite().await;
    let stale = std::time::Duration::from_secs(1);
    let lock = RunLock::acquire(store.clone(), "dropped", std::time::Duration::ZERO, stale).await.unwrap();
    drop(lock);
    assert!(RunLock::acquire(store.clone(), "early", std::time::Duration::ZERO, stale).await.is_err(), "still fresh");
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let lock = RunLock::acquire(store.clone(), "next", std::time::Duration::ZERO, stale).await.unwrap();
    lock.release().await.unwrap();
}

/// Issue 12 item 9: a run whose lock was taken over (it stalled past the stale time) must stop
/// without saving its checkpoint over the newer run's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x21_a_run_that_lost_its_lock_stops_without_saving() {
    use server::updater::lock::LOCK_ID;
    let s = sim(SimConfig { scale: 10, latency: std::time::Duration::from_millis(300), ..cfg(10) }).await;
    let (store, _dir) = sqlite().await;
    let up = upstream(&s.url, 0);
    let running = tokio::spawn({
        let (store, up) = (store.clone(), up.clone());
        async move { run(&store, &up).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    // What a takeover writes: another holder with a fresh heartbeat.
    store::update(&*store, Db::Stats2, LOCK_ID, |cur| {
        let mut doc = cur.expect("the run holds the lock");
        doc["holder"] = serde_json::json!("the newer run");
        doc["heartbeat_ms"] = serde_json::json!(i64::MAX / 2);
        Some(doc)
    })
    .await
    .unwrap();
    let err = running.await.unwrap().expect_err("the run that lost its lock must not finish");
    assert!(err.to_string().contains("taken over"), "{err}");
    assert!(store.get(Db::Settings, "all_settings").await.unwrap().is_none(), "no checkpoint saved");
    let lock = store.get(Db::Stats2, LOCK_ID).await.unwrap().unwrap();
    assert_eq!(lock["holder"], "the newer run", "the old run did not release the newer run's lock");
}

/// Issue 12 item 10: a deletion the store refused was logged and forgotten (the sequence moved
/// on), so the document stayed forever. It is kept and retried until it succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn u35_a_failed_deletion_is_retried_until_it_succeeds() {
    let s = sim(cfg(6)).await;
    let (store, dir) = sqlite().await;
    let up = upstream(&s.url, 0);
    run(&store, &up).await.unwrap();
    let name = s.sim.world().requests.keys().next().unwrap().clone();
    {
        let mut w = s.sim.world();
        w.requests.remove(&name);
        w.seq += 1;
        let seq = w.seq;
        w.deleted.insert(name.clone(), seq);
    }
    // A real store failure: the database refuses to delete this one document.
    let db = rusqlite::Connection::open(dir.path().join("u.sqlite")).unwrap();
    let refuse = format!(
        "CREATE TRIGGER refuse BEFORE DELETE ON docs WHEN old.id = '{name}' BEGIN SELECT RAISE(ABORT, 'refused'); END;"
    );
    db.execute_batch(&refuse).unwrap();
    let summary = run(&store, &up).await.unwrap();
    assert_eq!(summary.deleted, 0, "{summary}");
    assert!(store.get(Db::Requests, &name).await.unwrap().is_some());
    assert_eq!(settings(&store).await["failed_deletions"], serde_json::json!([name.clone()]));

    db.execute_batch("DROP TRIGGER refuse;").unwrap();
    let summary = run(&store, &up).await.unwrap();
    assert_eq!(summary.deleted, 1, "retried although ReqMgr2 announced it only once: {summary}");
    assert!(store.get(Db::Requests, &name).await.unwrap().is_none());
    assert_eq!(settings(&store).await["failed_deletions"], serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn u43_the_pipeline_asks_dbs_once_per_dataset() {
    // 160 workflows of 3 datasets: more than one recalculation chunk, and their look-ups
    // started early (while the documents are written) and again by the recalculation.
    let s = sim(SimConfig { scale: 160, outputs: Some(3), ..SimConfig::default() }).await;
    for _ in 0..6 {
        s.sim.step(3600, false);
    }
    let known: usize = s.sim.world().datasets.values().filter(|d| d.access.is_some()).count();
    let (store, _dir) = sqlite().await;
    let summary = run(&store, &upstream(&s.url, 0)).await.unwrap();
    assert_eq!((summary.created, summary.failed), (160, 0), "{summary}");
    let asked = s.sim.counters.by_endpoint();
    let outputs = 160 * 3;
    // Every output dataset gets exactly one file summary in the run (U43), however many
    // places asked for it.
    assert!(known >= outputs, "DBS knows the outputs: {known}");
    assert_eq!(asked.get("dbs/filesummaries").copied(), Some(outputs as u64), "{asked:?}");
    // In batches of 100 (a page's or a chunk's remainder may be smaller), never twice.
    let lists = asked.get("dbs/datasetlist").copied().unwrap_or(0);
    assert!((5..=10).contains(&lists), "{lists} datasetlist calls for {outputs} datasets: {asked:?}");
}
