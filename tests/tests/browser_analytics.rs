//! The analytics filters and views in headless Chromium: status checkboxes and a priority
//! range from the filter bar, wildcards, a bad status said in the page, the campaign table
//! and its links, the performance histogram and the workflows of a bar; screenshots.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use fantoccini::Locator;
use serde_json::{json, Value};
use server::store::{sqlite::SqliteStore, Db, SharedStore};
use stats2_tests::browser::{wait_until, Browser};
use stats2_tests::server::TestServer;

const LIFE: [&str; 7] =
    ["new", "assignment-approved", "assigned", "acquired", "running-open", "running-closed", "completed"];
const N: usize = 42;

/// Workflow `i`: campaign, PWG, tier, status and priority all follow from `i`.
struct Wf {
    name: String,
    campaign: &'static str,
    pwg: &'static str,
    tier: &'static str,
    statuses: usize,
    priority: i64,
}

fn wf(i: usize) -> Wf {
    Wf {
        name: format!("pdmvserv_task_Ana{i:02}_261101_000000_{i:04}"),
        campaign: if i.is_multiple_of(2) { "Alpha" } else { "Beta" },
        pwg: if i.is_multiple_of(3) { "HIG" } else { "SUS" },
        tier: if i % 4 < 2 { "MINIAODSIM" } else { "AODSIM" },
        statuses: 1 + i % LIFE.len(),
        priority: 50_000 + 1000 * i as i64,
    }
}

impl Wf {
    fn status(&self) -> &'static str {
        LIFE[self.statuses - 1]
    }

    fn doc(&self, i: usize) -> Value {
        let created = 1_760_000_000 + 3600 * i as i64;
        let transitions: Vec<Value> = (0..self.statuses)
            .map(|k| json!({"Status": LIFE[k], "UpdateTime": created + k as i64 * (i as i64 + 1) * 7200}))
            .collect();
        let ds = format!("/Sample{i}/{}-v1/{}", self.campaign, self.tier);
        json!({"_id": self.name, "RequestName": self.name, "PrepID": format!("{}-{}-{i:05}", self.pwg, self.campaign),
            "RequestType": "TaskChain", "Campaigns": [self.campaign], "Requests": [], "TotalEvents": 10_000,
            "TotalInputLumis": -1, "RequestPriority": self.priority, "LastUpdate": 1_764_000_000,
            "OutputDatasets": [ds], "RequestTransition": transitions,
            "EventNumberHistory": [{"Time": 1_764_000_000, "Datasets": {ds: {"Type": "PRODUCTION", "Events": 100 * i, "Size": 5}}}]})
    }
}

fn expect(pred: impl Fn(&Wf) -> bool) -> Vec<String> {
    let mut names: Vec<String> = (0..N).map(wf).filter(|w| pred(w)).map(|w| w.name).collect();
    names.sort();
    names
}

async fn wait_rows(b: &Browser, want: &[String]) {
    let got = wait_until("rows", async || {
        let mut r = b.rows().await;
        r.sort();
        (r == want).then_some(r)
    })
    .await;
    let count = b.client.find(Locator::Css("[data-testid=match-count]")).await.unwrap().text().await.unwrap();
    assert_eq!(count, got.len().to_string(), "the match count says how many");
}

async fn text(b: &Browser, css: &str) -> String {
    wait_until(css, async || b.client.find(Locator::Css(css)).await.ok()?.text().await.ok()).await
}

/// Clicks `css` once it is there (parts of a page load on their own).
async fn click(b: &Browser, css: &str) {
    wait_until(css, async || b.client.find(Locator::Css(css)).await.ok()).await.click().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analytics_filters_campaign_table_and_performance_histogram() {
    let dir = tempfile::tempdir().unwrap();
    let store: SharedStore = Arc::new(SqliteStore::open(&dir.path().join("a.sqlite")).unwrap());
    store.init().await.unwrap();
    let docs: Vec<Value> = (0..N).map(|i| wf(i).doc(i)).collect();
    for r in store.bulk_put(Db::Requests, &docs).await.unwrap() {
        r.unwrap();
    }
    let server = TestServer::start(store, "/stats").await.unwrap();
    let b = Browser::start(1280, 1000).await.unwrap();
    let origin = server.origin.as_str();
    filters_from_the_url_and_the_bar(&b, origin).await;
    suggestions_by_keyboard(&b).await;
    campaign_table(&b, origin).await;
    performance_histogram(&b, origin).await;
    b.close().await;
}

fn at(origin: &str, path: &str) -> String {
    format!("{origin}/stats{path}")
}

/// Statuses, tiers, a priority range and wildcards; a typo is said in the page.
async fn filters_from_the_url_and_the_bar(b: &Browser, origin: &str) {
    // A status and a datatier from the URL.
    b.client.goto(&at(origin, "/?status=running-open&tier=MINIAODSIM")).await.unwrap();
    wait_rows(b, &expect(|w| w.status() == "running-open" && w.tier == "MINIAODSIM")).await;

    // The filter bar: one more status (OR) and a priority range (AND).
    click(b, "details.statuses summary").await;
    click(b, "details.statuses input[value=assigned]").await;
    b.client.find(Locator::Css("input[name=priority_min]")).await.unwrap().send_keys("60000").await.unwrap();
    b.screenshot("analytics-filter-bar").await.unwrap();
    click(b, "form.filters button[type=submit]").await;
    let want = expect(|w| {
        ["assigned", "running-open"].contains(&w.status()) && w.tier == "MINIAODSIM" && w.priority >= 60_000
    });
    wait_rows(b, &want).await;
    let query = b.client.current_url().await.unwrap().query().unwrap_or_default().to_owned();
    assert_eq!(query, "status=assigned&status=running-open&priority_min=60000&tier=MINIAODSIM");

    // pMp's priority blocks (3: 85,000 to 89,999, 4: 80,000 to 84,999), each row saying its
    // block and how long it has been in its status.
    b.client.goto(&at(origin, "/?priority_block=3&priority_block=4")).await.unwrap();
    wait_rows(b, &expect(|w| (80_000..90_000).contains(&w.priority))).await;
    assert!(text(b, "tr.workflow a.block").await.starts_with("block "));
    assert!(text(b, "tr.workflow [data-testid=status-age]").await.contains(" for "));

    // Wildcards, and a typo said in the page rather than an empty list.
    b.client.goto(&at(origin, "/?prepid=HIG-*&output_dataset=*/AODSIM&match=all")).await.unwrap();
    wait_rows(b, &expect(|w| w.pwg == "HIG" && w.tier == "AODSIM")).await;
    b.client.goto(&at(origin, "/?status=runing")).await.unwrap();
    assert!(text(b, "p.error").await.contains("not a ReqMgr2 request status"));
}

async fn suggestions_by_keyboard(b: &Browser) {
    // Suggestions while typing, chosen with the keyboard.
    let input = b.client.find(Locator::Css("form.search input")).await.unwrap();
    input.send_keys("Alp").await.unwrap();
    let first = text(b, "ul.suggestions li.suggestion").await;
    assert!(first.starts_with("Alpha") && first.contains("campaign"), "{first}");
    b.screenshot("analytics-suggestions").await.unwrap();
    let keys = format!("{}{}", char::from(fantoccini::key::Key::Down), char::from(fantoccini::key::Key::Enter));
    input.send_keys(&keys).await.unwrap();
    wait_rows(b, &expect(|w| w.campaign == "Alpha")).await;
    assert_eq!(b.client.current_url().await.unwrap().query(), Some("campaign=Alpha"));
}

async fn campaign_table(b: &Browser, origin: &str) {
    // The campaign table: a cell's count, and its link to exactly those workflows.
    b.client.goto(&at(origin, "/campaigns?tier=AODSIM")).await.unwrap();
    let cell = "a.count[data-campaign=Alpha][data-status=running-open]";
    let want = expect(|w| w.campaign == "Alpha" && w.status() == "running-open" && w.tier == "AODSIM");
    assert_eq!(text(b, &format!("{cell} .n")).await, want.len().to_string());
    let total = text(b, "tfoot td.total .n").await;
    assert_eq!(total, expect(|w| w.tier == "AODSIM").len().to_string());
    b.screenshot("analytics-campaigns").await.unwrap();
    click(b, cell).await;
    wait_rows(b, &want).await;
}

async fn performance_histogram(b: &Browser, origin: &str) {
    // The performance histogram: bars add up, a bar lists its workflows.
    b.client.goto(&at(origin, "/performance?from=assigned&to=running-closed&bins=5")).await.unwrap();
    let bars = wait_until("bars", async || {
        let bars = b.client.find_all(Locator::Css("rect.hbar")).await.ok()?;
        (!bars.is_empty()).then_some(bars)
    })
    .await;
    assert_eq!(bars.len(), 5);
    let mut counts = Vec::new();
    for bar in &bars {
        counts.push(bar.attr("data-count").await.unwrap().unwrap().parse::<usize>().unwrap());
    }
    let measured = expect(|w| w.statuses >= 6).len();
    assert_eq!(counts.iter().sum::<usize>(), measured);
    assert!(text(b, "[data-testid=lacking]").await.starts_with(&(N - measured).to_string()));
    let (i, n) = counts.iter().enumerate().find(|(_, c)| **c > 0).map(|(i, c)| (i, *c)).unwrap();
    bars[i].click().await.unwrap();
    let listed = wait_until("the bar's workflows", async || {
        let items = b.client.find_all(Locator::Css("section.bin-list li")).await.ok()?;
        (!items.is_empty()).then_some(items.len())
    })
    .await;
    assert_eq!(listed, n);
    b.screenshot("analytics-performance").await.unwrap();
}

/// A document with `statuses` transitions (the last one `days_ago`), one dataset of
/// `status` with `events` of 1,000 recorded `days_ago`.
fn alert_doc(name: &str, statuses: &[&str], days_ago: i64, status: &str, events: Option<i64>) -> Value {
    let now = server::now();
    let t = now - days_ago * 86_400;
    let transitions: Vec<Value> = statuses.iter().map(|s| json!({"Status": s, "UpdateTime": t})).collect();
    let history = match events {
        Some(e) => json!([{"Time": t, "Datasets": {"/A/b-v1/RECO": {"Type": status, "Events": e, "Size": 5}}}]),
        None => json!([]),
    };
    json!({"_id": name, "RequestName": name, "PrepID": "TOP-Gamma-00001", "RequestType": "TaskChain",
        "Campaigns": ["Gamma"], "Requests": [], "TotalEvents": 1000, "TotalInputLumis": -1, "RequestPriority": 1,
        "LastUpdate": now, "OutputDatasets": ["/A/b-v1/RECO"], "RequestTransition": transitions,
        "EventNumberHistory": history})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn header_alerts_count_and_link_and_closed_workflows_are_not_stalled() {
    let dir = tempfile::tempdir().unwrap();
    let store: SharedStore = Arc::new(SqliteStore::open(&dir.path().join("h.sqlite")).unwrap());
    store.init().await.unwrap();
    let assigned = ["new", "assignment-approved", "assigned"];
    let docs = vec![
        alert_doc("wf_idle_261101_000000_0001", &assigned, 30, "PRODUCTION", None),
        alert_doc("wf_fresh_261101_000000_0002", &assigned, 1, "PRODUCTION", None),
        alert_doc("wf_stuck_261101_000000_0003", &["assigned", "running-open"], 10, "PRODUCTION", Some(400)),
        alert_doc("wf_closed_261101_000000_0004", &["running-open", "announced"], 10, "VALID", Some(500)),
        alert_doc("wf_broken_261101_000000_0005", &["running-open", "announced"], 10, "INVALID", Some(900)),
    ];
    for r in store.bulk_put(Db::Requests, &docs).await.unwrap() {
        r.unwrap();
    }
    let nowhere = server::testkit::fast_upstream("http://127.0.0.1:9", 0, 2).unwrap();
    let auth = server::auth::AdminAuth { token: Some("s3cret".into()), proxy: None };
    let cfg = server::updater::UpdaterConfig::default();
    let server = TestServer::start_with(store, "/stats", nowhere, auth, cfg).await.unwrap();
    let b = Browser::start(1280, 800).await.unwrap();
    b.client.goto(&format!("{}/stats/", server.origin)).await.unwrap();
    assert!(text(&b, "[data-testid=alert-stalled]").await.starts_with('1'));
    assert!(text(&b, "[data-testid=alert-idle]").await.starts_with("1 idle > 7 d"));
    assert!(text(&b, "[data-testid=alert-broken]").await.starts_with('1'));
    // Stuck: in `assigned` for 30 days (7 is its threshold); 10 days in running-open is not.
    let stuck = text(&b, "[data-testid=alert-stuck]").await;
    assert!(stuck.starts_with("1 assigned > 7 d"), "{stuck}");
    let closed = "tr.workflow[data-name=wf_closed_261101_000000_0004] .badge.closed";
    assert_eq!(text(&b, closed).await, "closed at 50 %");
    b.screenshot("analytics-alerts").await.unwrap();
    for (alert, name) in [
        ("alert-idle", "wf_idle_261101_000000_0001"),
        ("alert-stalled", "wf_stuck_261101_000000_0003"),
        ("alert-broken", "wf_broken_261101_000000_0005"),
        ("alert-stuck", "wf_idle_261101_000000_0001"),
    ] {
        // Each count opens its ranked list, which leads on to the dashboard list.
        click(&b, &format!("[data-testid={alert}]")).await;
        wait_until("the ranked list", async || (ranked(&b).await == [name]).then_some(())).await;
        click(&b, "p.alert-of a").await;
        wait_rows(&b, &[name.to_owned()]).await;
    }
    b.client.goto(&format!("{}/stats/", server.origin)).await.unwrap();
    acknowledge(&b, &server.origin).await;
    b.close().await;
}

async fn ranked(b: &Browser) -> Vec<String> {
    let mut names = Vec::new();
    for row in b.client.find_all(Locator::Css("tr.ranked-row")).await.unwrap_or_default() {
        names.push(row.attr("data-name").await.ok().flatten().unwrap_or_default());
    }
    names
}

/// An admin acknowledges the stalled workflow: refused without the token, then it leaves
/// the list and the count, and shows with its note when acknowledged ones are asked for.
async fn acknowledge(b: &Browser, origin: &str) {
    click(b, "[data-testid=alert-stalled]").await;
    wait_until("the stalled list", async || (ranked(b).await.len() == 1).then_some(())).await;
    b.client.find(Locator::Css("form.ack input")).await.unwrap().send_keys("GGUS-123").await.unwrap();
    click(b, "form.ack button").await;
    assert!(text(b, "p.ack-error").await.contains("Admins only"));
    b.client.find(Locator::Css("label.token input")).await.unwrap().send_keys("s3cret\t").await.unwrap();
    click(b, "form.ack button").await;
    wait_until("acknowledged", async || ranked(b).await.is_empty().then_some(())).await;
    assert_eq!(text(b, "p.ranked-summary").await, "0 workflows, 1 acknowledged");
    let (_, alerts) = stats2_tests::server::rpc(origin, "alerts", &[], json!({})).await;
    assert_eq!(alerts["stalled"], 0, "the count leaves it out: {alerts}");
    click(b, "a.toggle-acked").await;
    let acked = text(b, "tr.ranked-row .acked").await;
    assert!(acked.starts_with("GGUS-123 by token"), "{acked}");
    b.screenshot("analytics-acknowledged").await.unwrap();
}
