//! Watch lists as production runs them: two `serve` replicas on one store (CouchDB, and the
//! embedded store), a separate `stats2 update` changing workflows, a webhook receiver and a
//! mail relay that each fail 30 % of deliveries, and one replica killed mid-way and started
//! again. Every status a watch names must be recorded exactly once per transition (compared
//! with the documents), reach both targets, and go out in batches; who may save, see and
//! delete watches is checked on the way.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};
use server::sim::SimConfig;
use server::store::couch::CouchStore;
use server::store::sqlite::SqliteStore;
use server::store::{Db, Paging, SharedStore};
use stats2_tests::couch::CouchServer;
use stats2_tests::server::rpc;
use stats2_tests::sinks::{SmtpSink, WebhookSink};
use stats2_tests::{free_port, stats2_bin};

const TOKEN: &str = "watch-admin-token";
const WATCHED: [&str; 5] = ["assignment-approved", "assigned", "acquired", "running-open", "running-closed"];

/// A `stats2 serve` child, killed on drop.
struct Replica {
    child: Child,
    origin: String,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn stats2(env: &[(String, String)], args: &[&str]) -> Command {
    let mut c = Command::new(stats2_bin());
    c.env_remove("DB_URL").env("RUST_LOG", "warn").envs(env.iter().cloned()).args(args);
    c.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::inherit());
    c
}

async fn serve(env: &[(String, String)]) -> Replica {
    let port = free_port();
    let args = ["serve", "--port", &port.to_string(), "--dist-dir", "/nonexistent"];
    let replica = Replica { child: stats2(env, &args).spawn().unwrap(), origin: format!("http://127.0.0.1:{port}") };
    let deadline = Instant::now() + Duration::from_secs(60);
    while !reqwest::get(format!("{}/readyz", replica.origin)).await.is_ok_and(|r| r.status().is_success()) {
        assert!(Instant::now() < deadline, "replica not ready within 60 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    replica
}

fn run(env: &[(String, String)], args: &[&str]) {
    assert!(stats2(env, args).status().unwrap().success(), "stats2 {args:?} failed");
}

fn user(name: &'static str) -> [(&'static str, &'static str); 3] {
    let email = if name == "ana" { "ana@example.org" } else { "bob@elsewhere.net" };
    [("X-Forwarded-User", name), ("X-Forwarded-Email", email), ("Sec-Fetch-Site", "same-origin")]
}

/// Who may do what: 401, 403 across sites and for another's watch, 400 for targets the
/// operator does not allow; the ids of ana's watch and of the token's redirecting one.
async fn save_watches(origin: &str, hook: &WebhookSink) -> (String, String) {
    let on: Vec<String> = WATCHED.iter().map(|s| format!("status:{s}")).collect();
    let spec = |url: String, email: Option<&str>| json!({"name": "all of it", "filter": {}, "on": on, "webhook": url, "email": email});
    let url = format!("http://{}/hook", hook.authority);
    assert_eq!(rpc(origin, "watch_save", &[], spec(url.clone(), None)).await.0, StatusCode::UNAUTHORIZED);
    let cross = [("X-Forwarded-User", "ana"), ("Sec-Fetch-Site", "cross-site")];
    assert_eq!(rpc(origin, "watch_save", &cross, spec(url.clone(), None)).await.0, StatusCode::FORBIDDEN);
    let form = reqwest::Client::new().post(format!("{origin}/stats/rpc/watch_save")).header("X-Forwarded-User", "ana");
    let form = form.header("Content-Type", "text/plain").body(spec(url.clone(), None).to_string());
    assert_eq!(form.send().await.unwrap().status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "a form's text/plain");
    let ana = user("ana");
    for bad in [spec("http://10.0.0.1:5984/".into(), None), spec(url.clone(), Some("eve@evil.example"))] {
        assert_eq!(rpc(origin, "watch_save", &ana, bad).await.0, StatusCode::BAD_REQUEST);
    }
    let (status, saved) = rpc(origin, "watch_save", &ana, spec(url.clone(), Some("ana@example.org"))).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let id = saved["id"].as_str().unwrap().to_owned();
    let bearer = format!("Bearer {TOKEN}");
    let token = [("Authorization", bearer.as_str())];
    let moved = spec(format!("http://{}/moved", hook.authority), None);
    let (status, redirecting) = rpc(origin, "watch_save", &token, moved).await;
    assert_eq!(status, StatusCode::OK, "{redirecting}");
    // Bob sees none of them and may not delete ana's; the token sees both.
    let bob = user("bob");
    assert_eq!(rpc(origin, "watch_list", &bob, json!({})).await.1, json!([]));
    assert_eq!(rpc(origin, "watch_delete", &bob, json!({"id": id})).await.0, StatusCode::FORBIDDEN);
    assert_eq!(rpc(origin, "watch_list", &token, json!({})).await.1.as_array().unwrap().len(), 2);
    (id, redirecting["id"].as_str().unwrap().to_owned())
}

async fn notices(store: &SharedStore, watch: &str) -> Vec<Value> {
    let docs = store.prefixed(Db::Stats2, "notice:", 100_000).await.unwrap();
    docs.into_iter().filter(|d| d["watch"] == watch).collect()
}

/// (workflow, condition, time) of every watched transition at or after `since`, from the
/// documents themselves.
async fn expected(store: &SharedStore, since: i64) -> BTreeSet<(String, String, i64)> {
    let rows = server::store::workflows(&**store, Paging { skip: 0, limit: 10_000 }, true).await.unwrap();
    let mut out = BTreeSet::new();
    for doc in rows.into_iter().filter_map(|r| r.doc) {
        for t in doc["RequestTransition"].as_array().into_iter().flatten() {
            let (status, time) = (t["Status"].as_str().unwrap_or_default(), t["UpdateTime"].as_i64().unwrap_or(0));
            if time >= since && WATCHED.contains(&status) {
                out.insert((doc["_id"].as_str().unwrap().to_owned(), format!("status:{status}"), time));
            }
        }
    }
    out
}

/// The store's settings plus cmsweb (the simulator), the admin token, trusted proxy
/// headers, and the two sinks as the only allowed targets.
fn environment(
    mut env: Vec<(String, String)>,
    hook: &WebhookSink,
    smtp: &SmtpSink,
    sim: &str,
) -> Vec<(String, String)> {
    env.extend(
        [
            ("CMSWEB_URL", sim.to_owned()),
            ("CMSWEB_PROD_URL", sim.to_owned()),
            ("STATS_ADMIN_TOKEN", TOKEN.into()),
            ("STATS_TRUST_PROXY_AUTH", "true".into()),
            ("STATS_WEBHOOK_HOSTS", format!("{},unused.example", hook.authority)),
            ("STATS_SMTP_URL", format!("smtp://{}", smtp.authority)),
            ("STATS_SMTP_FROM", "Stats2 <stats2@example.org>".into()),
            ("STATS_MAIL_DOMAINS", "example.org".into()),
        ]
        .map(|(k, v)| (k.to_owned(), v)),
    );
    env
}

async fn scenario(env: Vec<(String, String)>, store: SharedStore) {
    let hook = WebhookSink::start(30).await.unwrap();
    let smtp = SmtpSink::start(30).await.unwrap();
    let now = server::clock::now();
    let sim = server::testkit::start_sim(SimConfig { scale: 20, ..SimConfig::default() }, now).await.unwrap();
    let env = environment(env, &hook, &smtp, &sim.url);
    run(&env, &["db", "init"]);
    run(&env, &["update"]);
    let a = serve(&env).await;
    let b = serve(&env).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (watch, redirecting) = save_watches(&a.origin, &hook).await;
    let created = server::clock::now();

    // Changes after the watch: a run, one replica killed while it works, another run, and
    // the replica back.
    sim.sim.step(120, false);
    run(&env, &["update"]);
    let changed = Instant::now();
    tokio::time::sleep(Duration::from_secs(6)).await;
    drop(a);
    sim.sim.step(120, false);
    run(&env, &["update"]);
    let a = serve(&env).await;

    let want = expected(&store, created).await;
    assert!(want.len() >= 10, "the scenario moves workflows: {want:?}");
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let got = notices(&store, &watch).await;
        let done = got.iter().filter(|n| n["state"] == "sent").count();
        if got.len() == want.len() && done == want.len() {
            break;
        }
        assert!(Instant::now() < deadline, "{done} of {} sent, {} recorded: {got:#?}", want.len(), got.len());
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    check_deliveries(&store, &watch, &want, &hook, &smtp, changed).await;
    // The redirecting webhook is never followed: its entries fail and say why.
    let failing = notices(&store, &redirecting).await;
    assert!(!failing.is_empty() && failing.iter().all(|n| n["state"] != "sent"));
    assert!(failing.iter().any(|n| n["last_error"].as_str().unwrap_or_default().contains("redirect")), "{failing:?}");
    assert_eq!(hook.trapped(), 0, "a redirect was followed");
    // The owner sees the latest notifications on the list; deleting ends the watch.
    let (_, list) = rpc(&b.origin, "watch_list", &user("ana"), json!({})).await;
    assert_eq!(list[0]["recent"].as_array().unwrap().len(), 10, "{list}");
    assert_eq!(rpc(&b.origin, "watch_delete", &user("ana"), json!({"id": watch})).await.0, StatusCode::OK);
    assert_eq!(rpc(&a.origin, "watch_list", &user("ana"), json!({})).await.1, json!([]));
}

/// Each entry reached the webhook and the relay (retried through the faults), entries went
/// out together, and the first left within 30 s of the run that stored the change.
async fn check_deliveries(
    store: &SharedStore,
    watch: &str,
    want: &BTreeSet<(String, String, i64)>,
    hook: &WebhookSink,
    smtp: &SmtpSink,
    changed: Instant,
) {
    let got = notices(store, watch).await;
    let seen: BTreeSet<(String, String, i64)> = got
        .iter()
        .map(|n| {
            (
                n["workflow"].as_str().unwrap().into(),
                n["condition"].as_str().unwrap().into(),
                n["occurred"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(&seen, want, "recorded once per transition, as the documents say");
    let ids: BTreeSet<String> = got.iter().map(|n| n["_id"].as_str().unwrap().to_owned()).collect();
    let calls = hook.calls();
    let accepted: Vec<_> = calls.iter().filter(|c| c.accepted && c.body["watch"] == "all of it").collect();
    let delivered: BTreeSet<String> = accepted
        .iter()
        .flat_map(|c| c.body["ids"].as_array().unwrap().iter().map(|i| i.as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(delivered, ids, "every entry reached the webhook");
    let accepted_ids: usize = accepted.iter().map(|c| c.body["ids"].as_array().unwrap().len()).sum();
    assert_eq!(accepted_ids, ids.len(), "and was accepted once (no replica died while sending)");
    assert!(calls.iter().any(|c| !c.accepted), "the sink failed some calls");
    assert!(accepted.iter().any(|c| c.body["ids"].as_array().unwrap().len() > 1), "entries are batched");
    assert!(accepted.len() < ids.len(), "{} messages for {} entries", accepted.len(), ids.len());
    let text = accepted[0].body["text"].as_str().unwrap();
    assert!(text.contains("Stats2 watch \"all of it\"") && text.contains("/stats/workflow/"), "{text}");
    assert!(accepted.iter().all(|c| c.key.len() == 32), "each message has its idempotency key");
    assert!(got.iter().all(|n| n["delivered"].as_array().unwrap().len() == 2), "both targets");
    let mails = smtp.mails();
    assert!(!mails.is_empty() && smtp.refused() > 0, "{} mails, {} refused", mails.len(), smtp.refused());
    assert!(mails.iter().all(|m| m.to == ["ana@example.org"] && m.data.contains("Message-ID: <")));
    let first = hook.first_call_after(changed);
    eprintln!(
        "{} entries; webhook: {} calls, {} accepted; mail: {} accepted, {} refused; first call after {first:?}",
        ids.len(),
        calls.len(),
        accepted.len(),
        mails.len(),
        smtp.refused()
    );
    assert!(first.is_some_and(|t| t < Duration::from_secs(30)), "first notification after {first:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watches_notify_once_per_change_across_replicas_on_couchdb() {
    let couch = CouchServer::start().await.unwrap();
    let env = vec![("DB_URL".to_owned(), couch.url.clone()), ("STATS_DB_AUTH_HEADER".to_owned(), couch.admin_header())];
    let store: SharedStore = Arc::new(CouchStore::new(&couch.url, Some(couch.admin_header())).unwrap());
    scenario(env, store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watches_notify_once_per_change_across_replicas_on_the_embedded_store() {
    let dir = tempfile::tempdir().unwrap();
    let env = vec![("STATS_DATA_DIR".to_owned(), dir.path().display().to_string())];
    run(&env, &["db", "init"]);
    let store: SharedStore = Arc::new(SqliteStore::open(&dir.path().join(server::SQLITE_FILE)).unwrap());
    scenario(env, store).await;
}
