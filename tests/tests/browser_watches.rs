//! Watch lists in the browser, signed in through a stand-in for the SSO proxy: "Watch this
//! filter" from the dashboard, the form saved, a refused target explained, the watch listed;
//! then a workflow of the filter completes (written by another process), the local webhook
//! receives the notification, and the page lists it as sent.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use fantoccini::Locator;
use serde_json::{json, Value};
use server::config::NotifyConfig;
use server::store::{sqlite::SqliteStore, Db, SharedStore};
use stats2_tests::browser::{wait_until, Browser};
use stats2_tests::server::TestServer;
use stats2_tests::sinks::WebhookSink;

fn doc(i: usize, campaign: &str) -> Value {
    let name = format!("pdmvserv_task_Watch{i:02}_261101_000000_{i:04}");
    let created = server::now() - 5 * 86_400;
    json!({"_id": name, "RequestName": name, "PrepID": format!("HIG-{campaign}-{i:05}"), "RequestType": "TaskChain",
        "Campaigns": [campaign], "Requests": [], "RequestStatus": "running-closed", "TotalEvents": 1000,
        "RequestTransition": [{"Status": "assigned", "UpdateTime": created},
                              {"Status": "running-closed", "UpdateTime": created + 86_400}],
        "OutputDatasets": [], "EventNumberHistory": []})
}

async fn text(b: &Browser, css: &str) -> String {
    b.client.find(Locator::Css(css)).await.unwrap().text().await.unwrap()
}

async fn fill(b: &Browser, css: &str, value: &str) {
    let input = b.client.find(Locator::Css(css)).await.unwrap();
    input.clear().await.unwrap();
    input.send_keys(value).await.unwrap();
}

/// From the dashboard's filter to a saved watch: a refused host first, then the sink.
async fn save_watch(b: &Browser, origin: &str, hook: &WebhookSink) {
    b.client.goto(&format!("{origin}/?campaign=Watched")).await.unwrap();
    wait_until("the list", async || (b.rows().await.len() == 3).then_some(())).await;
    b.client.find(Locator::Css("a.button.watch")).await.unwrap().click().await.unwrap();
    wait_until("the form", async || b.client.find(Locator::Css("form.watch-form")).await.ok()).await;
    assert!(text(b, "p.watch-filter").await.contains("campaign: Watched"));
    fill(b, "form.watch-form input[type=text]", "my campaign").await;
    // A host the operator does not allow is refused, and the page says why.
    fill(b, "form.watch-form input[type=url]", "http://10.1.2.3/hook").await;
    b.client.find(Locator::Css("form.watch-form button[type=submit]")).await.unwrap().click().await.unwrap();
    let refused =
        wait_until("the refusal", async || b.client.find(Locator::Css("form.watch-form p.error")).await.ok()).await;
    assert!(refused.text().await.unwrap().contains("STATS_WEBHOOK_HOSTS"));
    fill(b, "form.watch-form input[type=url]", &format!("http://{}/hook", hook.authority)).await;
    b.client.find(Locator::Css("form.watch-form button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_until("saved", async || b.client.find(Locator::Css("form.watch-form p.saved")).await.ok()).await;
    let item = wait_until("the watch listed", async || {
        let t = b.client.find(Locator::Css("ul.watches li.watch")).await.ok()?.text().await.ok()?;
        t.contains("my campaign").then_some(t)
    })
    .await;
    assert!(item.contains("(ana)") && item.contains("status:completed") && item.contains("stalled"), "{item}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_a_filter_and_see_its_notification() {
    let dir = tempfile::tempdir().unwrap();
    let store: SharedStore = Arc::new(SqliteStore::open(&dir.path().join("w.sqlite")).unwrap());
    store.init().await.unwrap();
    let docs: Vec<Value> = (0..4).map(|i| doc(i, if i < 3 { "Watched" } else { "Other" })).collect();
    for r in store.bulk_put(Db::Requests, &docs).await.unwrap() {
        r.unwrap();
    }
    let hook = WebhookSink::start(0).await.unwrap();
    let notify = NotifyConfig { webhook_hosts: vec![hook.authority.clone()], ..NotifyConfig::default() };
    let server = TestServer::start_signed_in(store.clone(), "/stats", "ana", &notify).await.unwrap();
    let origin = format!("{}/stats", server.origin);
    let b = Browser::start(1280, 1000).await.unwrap();

    save_watch(&b, &origin, &hook).await;

    // Another process completes one workflow of the filter and one outside it.
    let started = Instant::now();
    for i in [1, 3] {
        let mut d = store.get(Db::Requests, docs[i]["_id"].as_str().unwrap()).await.unwrap().unwrap();
        d["RequestStatus"] = json!("completed");
        d["RequestTransition"]
            .as_array_mut()
            .unwrap()
            .push(json!({"Status": "completed", "UpdateTime": server::now()}));
        store.put(Db::Requests, &d).await.unwrap();
    }
    let call = wait_until("the webhook", async || hook.calls().into_iter().find(|c| c.accepted)).await;
    assert!(started.elapsed() < Duration::from_secs(30), "notified after {:?}", started.elapsed());
    let text_sent = call.body["text"].as_str().unwrap();
    assert!(text_sent.contains("Watch01") && !text_sent.contains("Watch03"), "{text_sent}");
    b.client.refresh().await.unwrap();
    let notice = wait_until("the notification listed", async || {
        let t = b.client.find(Locator::Css("ul.notices li")).await.ok()?.text().await.ok()?;
        t.contains("sent").then_some(t)
    })
    .await;
    assert!(notice.contains("Watch01") && notice.contains("status:completed"), "{notice}");
    b.screenshot("watches").await.unwrap();
    b.client.find(Locator::Css("button.delete-watch")).await.unwrap().click().await.unwrap();
    wait_until("deleted", async || b.client.find(Locator::Css("ul.watches")).await.is_err().then_some(())).await;
    b.close().await;
}
