//! A daily tool, in headless Chromium on the demo's own workflows: eight tabs of one server
//! all load over plain HTTP/1.1 (one live stream per browser, not one per tab); axe-core finds
//! no critical or serious violation on any view; no view is wider than a 390-px phone; the
//! dashboard shows no negative age and no unflagged completion over 100 %. Screenshots of each.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use fantoccini::Locator;
use serde_json::{json, Value};
use server::store::{sqlite::SqliteStore, Db, SharedStore};
use stats2_tests::browser::{wait_until, Browser};
use stats2_tests::server::TestServer;

/// A workflow whose clocks and counts are wrong the ways production's sometimes are: a
/// transition ahead of this clock, twice the expected events, an unknown total.
fn odd(now: i64) -> Vec<Value> {
    let ds = "/Odd/Run3Summer23-v1/AODSIM";
    let history = json!([{"Time": now - 3600, "Datasets": {ds: {"Type": "PRODUCTION", "Events": 20_000, "Size": 9}}}]);
    let transitions = json!([{"Status": "assigned", "UpdateTime": now - 86_400}, {"Status": "running-open", "UpdateTime": now + 14 * 3600}]);
    let base = json!({"RequestType": "TaskChain", "Campaigns": ["Run3Summer23"], "Requests": [], "PrepID": "ODD-1",
        "TotalInputLumis": -1, "RequestPriority": 90_000, "LastUpdate": now, "OutputDatasets": [ds],
        "RequestTransition": transitions, "EventNumberHistory": history});
    ["pdmvserv_task_ODD_261206_000000_0001", "pdmvserv_task_ODD_261206_000000_0002"]
        .iter()
        .zip([10_000, -1])
        .map(|(name, total)| {
            let mut d = base.clone();
            d["_id"] = json!(name);
            d["RequestName"] = json!(name);
            d["TotalEvents"] = json!(total);
            d
        })
        .collect()
}

async fn demo_server() -> (TestServer, tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let store: SharedStore = Arc::new(SqliteStore::open(&dir.path().join("d.sqlite")).unwrap());
    store.init().await.unwrap();
    let now = server::now();
    let mut docs = server::demo::seed::generate(server::demo::DEMO_WORKFLOWS, now);
    // A workflow with a history, so its view has a chart to check.
    let drawn = docs.iter().find(|d| d["EventNumberHistory"].as_array().is_some_and(|h| !h.is_empty())).unwrap();
    let first = drawn["_id"].as_str().unwrap().to_owned();
    docs.extend(odd(now));
    for chunk in docs.chunks(100) {
        for r in store.bulk_put(Db::Requests, chunk).await.unwrap() {
            r.unwrap();
        }
    }
    (TestServer::start(store, "/stats").await.unwrap(), dir, first)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_tabs_accessible_views_phones_and_honest_numbers() {
    let (server, _dir, first) = demo_server().await;
    let origin = format!("{}/stats", server.origin);
    let b = Browser::start(1280, 1000).await.unwrap();
    eight_tabs(&b, &origin).await;
    b.close().await;
    let b = Browser::start(1280, 1000).await.unwrap();
    honest_numbers(&b, &origin).await;
    b.close().await;
    let b = Browser::start(1280, 1000).await.unwrap();
    follow_a_change_group(&b, &origin).await;
    b.close().await;
    let views = views(&first);
    let b = Browser::start(1280, 1000).await.unwrap();
    for (name, path, ready) in &views {
        axe_finds_nothing_serious(&b, &format!("{origin}{path}"), name, ready).await;
    }
    b.close().await;
    let phone = Browser::start(390, 844).await.unwrap();
    for (name, path, ready) in &views {
        fits_a_phone(&phone, &format!("{origin}{path}"), name, ready).await;
    }
    phone.close().await;
}

/// "What changed" over the demo's last month: every group counted; the first group's link
/// (new workflows) opens the dashboard list of exactly those workflows.
async fn follow_a_change_group(b: &Browser, origin: &str) {
    b.client.goto(&format!("{origin}/changes?since={}", server::now() - 30 * 86_400)).await.unwrap();
    let link = wait_until("a group's link", async || b.client.find(Locator::Css("a.group-link")).await.ok()).await;
    let counts = b.client.find_all(Locator::Css("section.group span.count")).await.unwrap();
    assert!(counts.len() >= 5, "new, transitions, datasets, stalled, resumed, removed: {}", counts.len());
    let created: i64 = counts[0].text().await.unwrap().replace(',', "").parse().unwrap();
    b.screenshot("daily-changes").await.unwrap();
    let href = link.attr("href").await.unwrap().unwrap();
    assert!(href.contains("change=new&change_since="), "{href}");
    link.click().await.unwrap();
    let listed = wait_until("the group's list", async || {
        let url = b.client.current_url().await.ok()?;
        let count = b.client.find(Locator::Css("[data-testid=match-count]")).await.ok()?;
        let n: i64 = count.text().await.ok()?.replace(',', "").parse().ok()?;
        url.as_str().ends_with(&href).then_some(n)
    })
    .await;
    // The demo goes on creating workflows: the list can only have grown since the count.
    assert!(listed >= created && created > 0, "{listed} listed, {created} counted");
    let summary = b.client.source().await.unwrap();
    assert!(summary.contains("created since"), "the list says what narrows it");
    b.screenshot("daily-change-group").await.unwrap();
}

/// Every view (the new ones included), with what shows it has loaded.
fn views(workflow: &str) -> Vec<(&'static str, String, &'static str)> {
    vec![
        ("dashboard", "/".into(), "tr.workflow"),
        ("dashboard-filtered", "/?campaign=Run3Summer22&type=TaskChain".into(), "tr.workflow"),
        ("dashboard-analytics", "/?status=running-open&tier=AODSIM&sort=status_age".into(), "tr.workflow"),
        ("workflow", format!("/workflow/{workflow}"), "section.chart svg"),
        ("aggregate", "/aggregate".into(), "section.chart svg"),
        ("historical", "/aggregate?mode=historical".into(), "section.chart svg"),
        ("campaigns", "/campaigns".into(), "table.campaigns"),
        ("campaigns-blocks", "/campaigns?rows=priority_block".into(), "table.campaigns"),
        ("performance", "/performance?from=assigned&to=running-closed".into(), "section.histogram svg"),
        ("present", "/present?group=campaign&stack=status".into(), "section.present svg"),
        ("changes", format!("/changes?since={}", server::now() - 30 * 86_400), "div.changes section.group"),
        ("watches", "/watches?campaign=Run3Summer22".into(), "form.watch-form"),
    ]
}

/// Eight tabs of one server over HTTP/1.1, each showing its table within 5 s: with a stream
/// per tab, the seventh waited for a free connection for over a minute.
async fn eight_tabs(b: &Browser, origin: &str) {
    for tab in 0..8 {
        if tab > 0 {
            let w = b.client.new_window(true).await.unwrap();
            b.client.switch_to_window(w.handle).await.unwrap();
        }
        let started = Instant::now();
        b.client.goto(&format!("{origin}/?page_size=20&tab={tab}")).await.unwrap();
        loop {
            if !b.rows().await.is_empty() {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(5), "tab {} showed no table within 5 s", tab + 1);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    // Live updates still reach a tab: one stream serves them all.
    b.screenshot("daily-eighth-tab").await.unwrap();
}

/// No negative age, no bar over 100 % without its note; the odd workflows flagged.
async fn honest_numbers(b: &Browser, origin: &str) {
    let pages = ["?page_size=200", "1?page_size=200", "?prepid=ODD-1"].map(|p| format!("{origin}/{p}"));
    for page in pages {
        b.client.goto(&page).await.unwrap();
        wait_until("the list", async || (!b.rows().await.is_empty()).then_some(())).await;
        let body = b.client.find(Locator::Css("body")).await.unwrap().text().await.unwrap();
        let negative = negative_age(&body);
        assert!(negative.is_none(), "a negative age on {page}: {negative:?}");
        assert!(!body.contains("Total events: -"), "a negative total is printed on {page}");
        let js = "return [...document.querySelectorAll('.dataset')].filter(d => {
            const p = parseFloat(d.querySelector('.perc').textContent);
            return p > 100 && !(d.querySelector('.over') && d.querySelector('.track.over'));
        }).length;";
        let unflagged = b.client.execute(js, vec![]).await.unwrap();
        assert_eq!(unflagged, json!(0), "completions over 100 % without their note on {page}");
    }
    let body = b.client.find(Locator::Css("body")).await.unwrap().text().await.unwrap();
    assert!(body.contains("over 100 %: 20,000 of 10,000 events"), "{body}");
    assert!(body.contains("Total events: unknown"), "{body}");
    assert!(body.contains("in 13h") || body.contains("in 14h"), "a future time reads as ahead: {body}");
    assert!(body.contains("(set ahead of this clock)"), "{body}");
    b.screenshot("daily-odd-numbers").await.unwrap();
}

/// "-3d ago", "-14h 39min ago", "-2min ago", or a "for -…" age.
fn negative_age(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(2))
        .filter(|&i| bytes[i] == b'-' && bytes[i + 1].is_ascii_digit())
        .filter(|&i| i == 0 || bytes[i - 1] == b' ' || bytes[i - 1] == b'(')
        .map(|i| text[i..].chars().take(20).collect::<String>())
        .find(|s| {
            let unit = s[1..].trim_start_matches(|c: char| c.is_ascii_digit());
            ["d ", "h ", "min", "s ago", "d\n"].iter().any(|u| unit.starts_with(u))
        })
}

async fn loaded(b: &Browser, url: &str, ready: &str) {
    b.client.goto(url).await.unwrap();
    wait_until(ready, async || b.client.find(Locator::Css(ready)).await.ok()).await;
    // Let the last answers (alerts, suggestions) settle.
    tokio::time::sleep(Duration::from_millis(400)).await;
}

/// axe-core (from npm, `scripts/ensure-tools.sh`) over the page: no critical or serious
/// violation.
async fn axe_finds_nothing_serious(b: &Browser, url: &str, name: &str, ready: &str) {
    let axe = stats2_tests::repo_root().join(".tools/node_modules/axe-core/axe.min.js");
    let source = std::fs::read_to_string(&axe).expect("axe-core: run scripts/ensure-tools.sh");
    loaded(b, url, ready).await;
    b.client.execute(&source, vec![]).await.unwrap();
    let run = "const done = arguments[arguments.length - 1];
        axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ': ' + n.failureSummary)}))));";
    let found = b.client.execute_async(run, vec![]).await.unwrap();
    let serious: Vec<&Value> = found
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| matches!(v["impact"].as_str(), Some("critical" | "serious")))
        .collect();
    assert!(serious.is_empty(), "axe on {name} ({url}):\n{}", serde_json::to_string_pretty(&serious).unwrap());
}

/// The page is no wider than a 390-px window (wide tables and charts scroll in their box).
async fn fits_a_phone(b: &Browser, url: &str, name: &str, ready: &str) {
    loaded(b, url, ready).await;
    let js = "return [document.documentElement.scrollWidth, window.innerWidth];";
    let widths = b.client.execute(js, vec![]).await.unwrap();
    let (doc, window) = (widths[0].as_i64().unwrap(), widths[1].as_i64().unwrap());
    b.screenshot(&format!("phone-{name}")).await.unwrap();
    assert!(doc <= window, "{name} is {doc} px wide in a {window}-px window ({url})");
}

#[test]
fn negative_ages_are_found() {
    assert!(negative_age("was set -14h 39min ago (2026").is_some());
    assert!(negative_age("(-2min ago)").is_some());
    assert!(negative_age("HIG-Run3-00012 and 3d ago").is_none());
}
