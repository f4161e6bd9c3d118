//! `/api/update` (A12–A13, X3, docs/decisions.md "Admin actions"): authentication, parameters, bodies, one shared
//! run per workflow, 409 while a full run holds the lock — against the cmsweb simulator.
#![allow(clippy::unwrap_used)]

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use server::auth::{AdminAuth, ProxyAuth};
use server::sim::SimConfig;
use server::store::{sqlite::SqliteStore, Db, SharedStore};
use server::testkit::{fast_upstream, start_sim};
use server::updater::UpdaterConfig;
use stats2_tests::server::TestServer;

const TOKEN: &str = "admin-token-for-tests";

struct Setup {
    server: TestServer,
    store: SharedStore,
    sim: server::testkit::SimServer,
    client: reqwest::Client,
    _dir: tempfile::TempDir,
}

async fn setup(lock_wait: Duration) -> Setup {
    let sim =
        start_sim(SimConfig { scale: 12, latency: Duration::from_millis(20), ..SimConfig::default() }, 1_764_000_000)
            .await
            .unwrap();
    for _ in 0..6 {
        sim.sim.step(3600, false);
    }
    let dir = tempfile::tempdir().unwrap();
    let store: SharedStore = Arc::new(SqliteStore::open(&dir.path().join("a.sqlite")).unwrap());
    store.init().await.unwrap();
    let auth = AdminAuth {
        token: Some(TOKEN.into()),
        proxy: Some(ProxyAuth {
            user_header: "X-Forwarded-User".into(),
            groups_header: "X-Forwarded-Groups".into(),
            admin_group: "stats-admins".into(),
        }),
    };
    let cfg = UpdaterConfig { lock_wait, ..UpdaterConfig::default() };
    let up = fast_upstream(&sim.url, 1, 8).unwrap();
    let server = TestServer::start_with(store.clone(), "/stats", up, auth, cfg).await.unwrap();
    Setup { server, store, sim, client: reqwest::Client::new(), _dir: dir }
}

impl Setup {
    fn name(&self, i: usize) -> String {
        self.sim.sim.world().requests.keys().nth(i).unwrap().clone()
    }
    async fn get(&self, query: &str, auth: Option<&str>) -> (StatusCode, String) {
        let mut req = self.client.get(format!("{}/stats/api/update?{query}", self.server.origin));
        if let Some(t) = auth {
            req = req.bearer_auth(t);
        }
        let r = req.send().await.unwrap();
        (r.status(), r.text().await.unwrap())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x3_a12_authentication_parameters_and_bodies() {
    let s = setup(Duration::from_secs(5)).await;
    let name = s.name(0);
    let (status, body) = s.get(&format!("workflow_name={name}"), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(s.store.get(Db::Requests, &name).await.unwrap().is_none(), "nothing ran without credentials");
    assert_eq!(s.get(&format!("workflow_name={name}"), Some("wrong")).await.0, StatusCode::UNAUTHORIZED);
    let proxy = |groups: &str| {
        s.client
            .get(format!("{}/stats/api/update?workflow_name={name}", s.server.origin))
            .header("X-Forwarded-User", "operator")
            .header("X-Forwarded-Groups", groups)
            .send()
    };
    assert_eq!(proxy("users,others").await.unwrap().status(), StatusCode::FORBIDDEN);

    assert_eq!(
        s.get("", Some(TOKEN)).await,
        (
            StatusCode::BAD_REQUEST,
            "{\"msg\":\"Please provide the workflow name via 'workflow_name' query parameter\"}\n".into()
        )
    );
    assert_eq!(s.get("workflow_name=", Some(TOKEN)).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(s.get("workflow_name=_all_docs", Some(TOKEN)).await, (StatusCode::NOT_FOUND, "{}".into()));

    // The legacy answers are cached; an update must not leave a stale one behind.
    let get_json = || s.client.get(format!("{}/stats/get_json/{name}", s.server.origin)).send();
    assert_eq!(get_json().await.unwrap().status(), StatusCode::NOT_FOUND);
    let ok = format!("{{\"msg\":\"Workflow {name} has been updated successfully\"}}\n");
    assert_eq!(s.get(&format!("workflow_name={name}"), Some(TOKEN)).await, (StatusCode::OK, ok.clone()));
    assert!(s.store.get(Db::Requests, &name).await.unwrap().is_some());
    assert_eq!(get_json().await.unwrap().status(), StatusCode::OK, "the update cleared the cached 404");
    assert_eq!(proxy("users, stats-admins").await.unwrap().text().await.unwrap(), ok, "SSO proxy admins may update");

    other_parameter_names_and_posts(&s).await;

    let (status, body) = s.get("workflow_name=nobody_wf_250101_000000_0000", Some(TOKEN)).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(body.starts_with("{\"error\":\"Unfortunately, there were issues updating workflow: nobody_wf_250101_000000_0000, there are described below:\\n"), "{body}");
    assert!(body.ends_with("\"}\n"));
}

/// `workflow` is accepted too, and POST with a form or JSON body, with and without the prefix.
async fn other_parameter_names_and_posts(s: &Setup) {
    let other = s.name(1);
    assert_eq!(s.get(&format!("workflow={other}"), Some(TOKEN)).await.0, StatusCode::OK);
    let form = s
        .client
        .post(format!("{}/stats/api/update", s.server.origin))
        .bearer_auth(TOKEN)
        .form(&[("workflow_name", s.name(2))])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::OK);
    let json = s
        .client
        .post(format!("{}/api/update", s.server.origin))
        .bearer_auth(TOKEN)
        .json(&serde_json::json!({"workflow": s.name(3)}))
        .send()
        .await
        .unwrap();
    assert_eq!(json.status(), StatusCode::OK, "also without the /stats prefix");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_for_one_workflow_share_one_run() {
    let s = setup(Duration::from_secs(5)).await;
    let name = s.name(4);
    let requests = || s.sim.sim.counters.requests.load(Ordering::Relaxed);
    let before = requests();
    assert_eq!(s.get(&format!("workflow_name={name}"), Some(TOKEN)).await.0, StatusCode::OK);
    let one = requests() - before;
    let before = requests();
    let query = format!("workflow_name={name}");
    let all = futures::future::join_all((0..6).map(|_| s.get(&query, Some(TOKEN)))).await;
    assert!(all.iter().all(|(status, _)| *status == StatusCode::OK), "{all:?}");
    let six = requests() - before;
    assert!(six <= one * 2, "six simultaneous updates made {six} upstream requests, one update makes {one}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_run_holding_the_lock_gives_409_after_the_wait() {
    let s = setup(Duration::from_millis(600)).await;
    let lock = server::updater::lock::RunLock::acquire(
        s.store.clone(),
        "scheduled run",
        Duration::ZERO,
        Duration::from_secs(60),
    )
    .await
    .unwrap();
    let (status, body) = s.get(&format!("workflow_name={}", s.name(0)), Some(TOKEN)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body.contains("An update run is in progress"), "{body}");
    lock.release().await.unwrap();
    assert_eq!(s.get(&format!("workflow_name={}", s.name(0)), Some(TOKEN)).await.0, StatusCode::OK);
}

/// Issue 12 item 2: a client that hangs up must not leave its update half-done with the run
/// lock held (every later run was refused until a restart).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_whose_client_hangs_up_finishes_and_releases_the_lock() {
    let s = setup(Duration::from_millis(300)).await;
    let name = s.name(2);
    let hasty = reqwest::Client::builder().timeout(Duration::from_millis(15)).build().unwrap();
    let sent =
        hasty.get(format!("{}/stats/api/update?workflow_name={name}", s.server.origin)).bearer_auth(TOKEN).send().await;
    assert!(sent.is_err(), "the client gave up before the update (several 20 ms upstream calls) ended");
    let up = fast_upstream(&s.sim.url, 1, 8).unwrap();
    let cfg = UpdaterConfig { lock_wait: Duration::from_millis(300), ..UpdaterConfig::default() };
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let rec = server::schedule::run_once(&s.store, &up, &cfg, None).await;
        if rec.outcome == app::rows::RunOutcome::Ok {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the run lock is still held 15 s after the hang-up: {rec:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(s.store.get(Db::Requests, &name).await.unwrap().is_some(), "the abandoned update still wrote its workflow");
}

/// Issue 12 item 6: the SSO proxy's headers ride along with whatever another site makes the
/// user's browser send; only the bearer token may act from another site.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_site_requests_cannot_ride_the_sso_session() {
    let s = setup(Duration::from_secs(5)).await;
    let name = s.name(3);
    let url = format!("{}/stats/api/update?workflow_name={name}", s.server.origin);
    let sso = |req: reqwest::RequestBuilder| {
        req.header("X-Forwarded-User", "operator").header("X-Forwarded-Groups", "stats-admins")
    };
    let top_level = sso(s.client.get(&url)).header("Sec-Fetch-Site", "cross-site").send().await.unwrap();
    assert_eq!(top_level.status(), StatusCode::FORBIDDEN);
    let form = sso(s.client.post(&url)).header("Origin", "https://evil.example").send().await.unwrap();
    assert_eq!(form.status(), StatusCode::FORBIDDEN);
    assert!(s.store.get(Db::Requests, &name).await.unwrap().is_none(), "nothing ran for the other site");

    let rpc = format!("{}/stats/rpc/admin_update", s.server.origin);
    let body = serde_json::json!({"name": name, "token": null}).to_string();
    let plain = sso(s.client.post(&rpc)).header("Content-Type", "text/plain").body(body.clone()).send().await.unwrap();
    assert_eq!(plain.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let cross = sso(s.client.post(&rpc))
        .header("Content-Type", "application/json")
        .header("Sec-Fetch-Site", "cross-site")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert!(cross.text().await.unwrap().contains("Forbidden"));
    assert!(s.store.get(Db::Requests, &name).await.unwrap().is_none(), "nothing ran for the other site");

    // Our own page, and a script with the token from anywhere, still update.
    let own = sso(s.client.get(&url)).header("Sec-Fetch-Site", "same-origin").send().await.unwrap();
    assert_eq!(own.status(), StatusCode::OK);
    let script = s.client.get(&url).header("Sec-Fetch-Site", "cross-site").bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(script.status(), StatusCode::OK);
}
