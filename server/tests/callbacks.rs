//! Callbacks end to end against the simulator's SSO and PdmV sinks (C1–C8, X15, X16).
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use server::callbacks::route::route;
use server::callbacks::token::{Credentials, TokenError, Tokens};
use server::callbacks::{outbox, Env};
use server::sim::pdmv::{CLIENT_ID, CLIENT_SECRET};
use server::sim::SimConfig;
use server::store::Db;
use support::*;

#[test]
fn c5_missing_credentials_are_named() {
    let err = Credentials::from_parts("u", Some("id"), None, Some("a"), Some("")).unwrap_err();
    assert_eq!(err, TokenError::Missing("CALLBACK_CLIENT_SECRET, DEV_APPLICATION_CLIENT_ID".into()));
    let debug =
        format!("{:?}", Credentials::from_parts("u", Some("id"), Some("hush-hush"), Some("a"), Some("b")).unwrap());
    assert!(!debug.contains("hush-hush"), "X16: {debug}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c7_tokens_are_cached_per_audience_for_three_quarters_of_their_life_with_one_refresh() {
    let s = sim(SimConfig { scale: 1, ..SimConfig::default() }).await;
    s.sim.pdmv().lifetime = 4;
    let tokens = Arc::new(Tokens::new(reqwest::Client::new(), creds(&s.url, CLIENT_SECRET)));
    let all = futures::future::join_all((0..10).map(|_| {
        let t = tokens.clone();
        async move { t.token("prod-aud").await.unwrap() }
    }))
    .await;
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), 1, "one token shared");
    assert_eq!(s.sim.pdmv().token_requests, 1, "one refresh in flight");
    tokens.token("dev-aud").await.unwrap();
    assert_eq!(s.sim.pdmv().token_requests, 2, "cached per audience");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    tokens.token("prod-aud").await.unwrap();
    assert_eq!(s.sim.pdmv().token_requests, 2, "still valid before 75% of 4 s");
    tokio::time::sleep(Duration::from_millis(700)).await;
    tokens.token("prod-aud").await.unwrap();
    assert_eq!(s.sim.pdmv().token_requests, 3, "renewed after 3 s");
    let wrong = Tokens::new(reqwest::Client::new(), creds(&s.url, "wrong-secret"));
    assert!(matches!(wrong.token("prod-aud").await, Err(TokenError::Failed(_))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c1_c4_a_run_announces_each_changed_workflow_once_per_target_and_unchanged_ones_never() {
    let s = sim(SimConfig { scale: 30, ..SimConfig::default() }).await;
    for _ in 0..6 {
        s.sim.step(3600, false);
    }
    let (store, _dir) = sqlite().await;
    let up = upstream(&s.url, 1);
    let cfg = server::updater::UpdaterConfig { trigger_prod: true, trigger_dev: true, ..config() };
    run_with(&store, &up, cfg.clone()).await.unwrap();
    let pending = outbox::pending(&*store).await.unwrap();
    assert_eq!(pending.len(), 60, "30 new workflows x prod and dev, de-duplicated across metadata and history");
    let d = deliverer(&s.url);
    let r = d.deliver(&store, false).await.unwrap();
    assert_eq!((r.delivered, r.failed), (60, 0));
    assert!(outbox::pending(&*store).await.unwrap().is_empty(), "removed after a 2xx");
    let calls = s.sim.pdmv().calls.clone();
    assert_eq!(calls.len(), 60);
    let names: Vec<String> = s.sim.world().requests.keys().cloned().collect();
    for name in &names {
        let doc = store.get(Db::Requests, name).await.unwrap().unwrap();
        let cb = route(name, &doc).unwrap();
        let service = cb.path.split('/').nth(1).unwrap();
        let subject = doc.get("PrepID").and_then(|p| p.as_str()).filter(|_| service != "mcm").unwrap_or(name);
        for audience in ["prod-aud", "dev-aud"] {
            assert!(
                calls.iter().any(|c| c.service == service && c.subject == subject && c.audience == audience),
                "{name} {service} {audience}"
            );
        }
    }
    // Nothing changed: nothing announced.
    run_with(&store, &up, cfg).await.unwrap();
    assert!(outbox::pending(&*store).await.unwrap().is_empty(), "never for unchanged workflows");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_callbacks_survive_a_restart_and_arrive_at_least_once_under_failures() {
    let s = sim(SimConfig { scale: 8, stall: Duration::from_millis(300), ..SimConfig::default() }).await;
    s.sim.step(3600, false);
    let (store, _dir) = sqlite().await;
    run(&store, &upstream(&s.url, 1)).await.unwrap();
    let names: Vec<String> = s.sim.world().requests.keys().cloned().collect();
    for n in &names {
        outbox::enqueue(&*store, n, &[Env::Prod, Env::Dev]).await.unwrap();
        outbox::enqueue(&*store, n, &[Env::Prod]).await.unwrap();
    }
    assert_eq!(outbox::pending(&*store).await.unwrap().len(), 16, "one entry per workflow and target");
    s.sim.set_error_rate(1.0);
    let r = deliverer(&s.url).deliver(&store, true).await.unwrap();
    assert_eq!((r.delivered, r.failed), (0, 16));
    let after = outbox::pending(&*store).await.unwrap();
    assert!(after.iter().all(|e| e.attempts == 1 && e.last_error.is_some() && e.next_attempt > 0));
    assert_eq!(deliverer(&s.url).deliver(&store, false).await.unwrap().waiting, 16, "not due yet: backoff");

    // A new process (new deliverer, same store) with 30% of answers failing.
    s.sim.set_error_rate(0.3);
    let d = deliverer(&s.url);
    for _ in 0..40 {
        if outbox::pending(&*store).await.unwrap().is_empty() {
            break;
        }
        d.deliver(&store, true).await.unwrap();
    }
    s.sim.set_error_rate(0.0);
    assert!(outbox::pending(&*store).await.unwrap().is_empty(), "everything delivered eventually");
    let calls = s.sim.pdmv().calls.clone();
    for n in &names {
        let doc = store.get(Db::Requests, n).await.unwrap().unwrap();
        let subject = if route(n, &doc).unwrap().path.starts_with("/mcm") {
            n.clone()
        } else {
            doc["PrepID"].as_str().unwrap().to_owned()
        };
        for aud in ["prod-aud", "dev-aud"] {
            assert!(calls.iter().any(|c| c.subject == subject && c.audience == aud), "{n} to {aud}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_update_with_trigger_delivers_and_status_reports_the_outbox() {
    use std::process::Command;
    let s = sim(SimConfig { scale: 5, ..SimConfig::default() }).await;
    s.sim.step(3600, false);
    let dir = tempfile::tempdir().unwrap();
    let stats2 = |args: &[&str], with_creds: bool| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_stats2"));
        c.env_remove("DB_URL")
            .env("STATS_DATA_DIR", dir.path())
            .env("CMSWEB_URL", &s.url)
            .env("CMSWEB_PROD_URL", &s.url)
            .env("SSO_TOKEN_URL", format!("{}/auth/realms/cern/api-access/token", s.url))
            .env("PDMV_PROD_URL", &s.url)
            .env("PDMV_DEV_URL", &s.url)
            .env_remove("CALLBACK_CLIENT_SECRET")
            .args(args);
        if with_creds {
            c.env("CALLBACK_CLIENT_ID", CLIENT_ID)
                .env("CALLBACK_CLIENT_SECRET", CLIENT_SECRET)
                .env("APPLICATION_CLIENT_ID", "prod-aud")
                .env("DEV_APPLICATION_CLIENT_ID", "dev-aud");
        }
        c.output().unwrap()
    };
    assert!(stats2(&["db", "init"], false).status.success());
    // Without credentials the run still writes its documents; the callbacks wait.
    let out = stats2(&["update", "--trigger-prod"], false);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("callback credentials missing: CALLBACK_CLIENT_ID, CALLBACK_CLIENT_SECRET"), "{stderr}");
    let status = String::from_utf8_lossy(&stats2(&["callbacks", "status"], false).stdout).into_owned();
    assert!(status.starts_with("5 pending callbacks"), "{status}");
    let out = stats2(&["callbacks", "retry"], true);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(s.sim.pdmv().calls.len(), 5);
    let status = String::from_utf8_lossy(&stats2(&["callbacks", "status"], false).stdout).into_owned();
    assert!(status.starts_with("0 pending callbacks"), "{status}");
}

/// Issue 12 item 8: a change announced while its workflow's callback is being sent must not
/// be deleted with the entry that was sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_announced_during_delivery_survives_the_delivered_entry() {
    let (store, _dir) = sqlite().await;
    let name = "pdmvserv_task_TEST_0001";
    outbox::enqueue(&*store, name, &[Env::Prod]).await.unwrap();
    let sent = outbox::pending(&*store).await.unwrap().pop().unwrap();
    // The deliverer is sending `sent` when the next change of the same workflow arrives.
    outbox::enqueue(&*store, name, &[Env::Prod]).await.unwrap();
    outbox::done(&*store, &sent).await.unwrap();
    let left = outbox::pending(&*store).await.unwrap();
    assert_eq!(left.len(), 1, "the later change is still to be announced");
    outbox::done(&*store, &left[0]).await.unwrap();
    assert!(outbox::pending(&*store).await.unwrap().is_empty(), "removed once what it holds was sent");
}
