//! The updater on CouchDB (a real pouchdb-server): first and incremental runs, deletions,
//! faults then recovery, and a run stopped dead then resumed, each compared document for
//! document with the embedded store fed by the same simulated cmsweb.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use server::sim::SimConfig;
use server::store::{couch::CouchStore, sqlite::SqliteStore, Db, SharedStore};
use server::testkit::{fast_upstream, snapshot, start_sim};
use server::updater::run::{self, RunSummary};
use server::updater::{RunContext, UpdateError, UpdaterConfig};
use server::upstream::Upstream;
use stats2_tests::couch::CouchServer;

async fn run(store: &SharedStore, up: &Arc<dyn Upstream>) -> Result<RunSummary, UpdateError> {
    let cfg = UpdaterConfig { lock_stale: Duration::from_secs(1), ..UpdaterConfig::default() };
    run::run(&RunContext::new(store.clone(), up.clone(), cfg, indicatif::ProgressBar::hidden())).await
}

/// JavaScript servers cannot tell 2.0 from 2 (Apache CouchDB can): compare numbers by value.
fn numbers_by_value(v: Value) -> Value {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9e15 => Value::from(f as i64),
            _ => Value::Number(n),
        },
        Value::Array(a) => Value::Array(a.into_iter().map(numbers_by_value).collect()),
        Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, numbers_by_value(v))).collect()),
        other => other,
    }
}

async fn docs(store: &SharedStore) -> BTreeMap<String, Value> {
    snapshot(store).await.unwrap().into_iter().map(|(k, v)| (k, numbers_by_value(v))).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn couchdb_runs_match_the_embedded_store_through_changes_faults_and_a_dead_stop() {
    let s =
        start_sim(SimConfig { scale: 40, stall: Duration::from_millis(1200), ..SimConfig::default() }, 1_764_000_000)
            .await
            .unwrap();
    let up = fast_upstream(&s.url, 1, 8).unwrap();
    let server = CouchServer::start().await.unwrap();
    let couch: SharedStore = Arc::new(CouchStore::new(&server.url, Some(server.admin_header())).unwrap());
    couch.init().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sqlite: SharedStore = Arc::new(SqliteStore::open(&dir.path().join("r.sqlite")).unwrap());
    sqlite.init().await.unwrap();

    // First run, then an incremental one after the scenario moved (with deletions).
    for _ in 0..6 {
        s.sim.step(3600, false);
    }
    let first = run(&couch, &up).await.unwrap();
    assert_eq!(first.created, 40, "{first}");
    run(&sqlite, &up).await.unwrap();
    assert_eq!(docs(&couch).await, docs(&sqlite).await, "first run");
    let mut steps = 0;
    while s.sim.world().deleted.is_empty() && steps < 200 {
        s.sim.step(3600, true);
        steps += 1;
    }
    let deleted: Vec<String> = s.sim.world().deleted.keys().cloned().collect();
    assert!(!deleted.is_empty());
    let incremental = run(&couch, &up).await.unwrap();
    assert_eq!(incremental.deleted, deleted.len(), "{incremental}");
    run(&sqlite, &up).await.unwrap();
    assert_eq!(docs(&couch).await, docs(&sqlite).await, "incremental run");
    assert!(couch.get(Db::Requests, &deleted[0]).await.unwrap().is_none());

    // Faults, then one clean run.
    for _ in 0..3 {
        s.sim.step(3600, false);
    }
    s.sim.set_error_rate(0.2);
    let _ = run(&couch, &up).await;
    s.sim.set_error_rate(0.0);
    let clean = run(&couch, &up).await.unwrap();
    assert_eq!(clean.failed, 0, "{clean}");
    run(&sqlite, &up).await.unwrap();
    assert_eq!(docs(&couch).await, docs(&sqlite).await, "after faults and a clean run");

    // A run dropped mid-way (no cleanup, lock left behind), then a new one.
    for _ in 0..3 {
        s.sim.step(3600, false);
    }
    let _ = tokio::time::timeout(Duration::from_millis(60), run(&couch, &up)).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    run(&couch, &up).await.unwrap();
    run(&sqlite, &up).await.unwrap();
    assert_eq!(docs(&couch).await, docs(&sqlite).await, "after a dead stop");
    let failed = couch.get(Db::Settings, "all_settings").await.unwrap().unwrap()["failed_workflows"].clone();
    assert_eq!(failed, serde_json::json!([]));
}
