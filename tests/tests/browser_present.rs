//! pMp's daily views in headless Chromium: the Present view opened from a dashboard URL, a
//! click on a bar and on a part landing on the list of exactly those workflows; the list's
//! sorts with the sorted column marked; a force-completed workflow's badge; a lumisection
//! workflow shown in lumisections and left out of events, said so; the historical chart
//! zoomed by dragging and its CSV; and the filter bar folded behind one button on a phone.
//! Screenshots of each.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use fantoccini::Locator;
use serde_json::{json, Value};
use server::store::{sqlite::SqliteStore, Db, SharedStore};
use stats2_tests::browser::{wait_until, Browser};
use stats2_tests::server::TestServer;

const DAY: i64 = 86_400;
const N: usize = 30;

/// Workflow `i`: campaign, status, priority, force-complete and lumi mode follow from `i`.
fn doc(i: usize) -> Value {
    let now = server::now();
    let name = format!("pdmvserv_task_Pre{i:02}_261101_000000_{i:04}");
    let campaign = ["Alpha", "Beta", "Gamma"][i % 3];
    let created = now - (40 + i as i64) * DAY;
    let mut statuses = vec!["assigned", "running-open"];
    if i.is_multiple_of(2) {
        statuses.push("running-closed");
    }
    if i.is_multiple_of(5) {
        statuses.push("force-complete");
    }
    let transitions: Vec<Value> = statuses
        .iter()
        .enumerate()
        .map(|(k, s)| json!({"Status": s, "UpdateTime": created + k as i64 * (i as i64 + 1) * DAY / 2}))
        .collect();
    let ds = format!("/Sample{i}/{campaign}-v1/AODSIM");
    let history: Vec<Value> = (1..=4)
        .map(|k| {
            let events = 250 * k * (i as i64 % 4 + 1);
            json!({"Time": created + k * 7 * DAY, "Datasets": {ds.clone(): {"Type": "PRODUCTION", "Events": events, "Lumis": events / 10, "Size": 5}}})
        })
        .collect();
    let mut d = json!({"_id": name, "RequestName": name, "PrepID": format!("HIG-{campaign}-{i:05}"),
        "RequestType": if i == 7 { "ReReco" } else { "TaskChain" }, "Campaigns": [campaign], "Requests": [],
        "TotalEvents": 5_000, "TotalInputLumis": -1, "RequestPriority": 60_000 + 3_000 * i as i64,
        "LastUpdate": now, "OutputDatasets": [ds], "RequestTransition": transitions, "EventNumberHistory": history});
    if i == 7 {
        d["LumiList"] = json!({"1": [[1, 40]]});
        d["TotalInputLumis"] = json!(400);
    }
    d
}

async fn text(b: &Browser, css: &str) -> String {
    wait_until(css, async || b.client.find(Locator::Css(css)).await.ok()?.text().await.ok()).await
}

/// The text content of an element that is not drawn as text (an SVG `<title>`).
async fn content(b: &Browser, css: &str) -> String {
    let js = "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;";
    wait_until(css, async || b.client.execute(js, vec![json!(css)]).await.ok()?.as_str().map(str::to_owned)).await
}

/// The list's match count once the page shows `want` rows.
async fn count_once(b: &Browser, want: usize) -> String {
    wait_until("the list", async || (b.rows().await.len() == want).then_some(())).await;
    text(b, "[data-testid=match-count]").await
}

/// Clicks the SVG element `css` (an SVG link, which WebDriver's click may not reach).
async fn click_svg(b: &Browser, css: &str) {
    let js = "const e = document.querySelector(arguments[0]); const a = e.closest('a');
        a.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true})); return a.getAttribute('href');";
    wait_until(css, async || b.client.find(Locator::Css(css)).await.ok()).await;
    b.client.execute(js, vec![json!(css)]).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn present_view_sorts_force_complete_lumis_and_the_historical_zoom() {
    let dir = tempfile::tempdir().unwrap();
    let store: SharedStore = Arc::new(SqliteStore::open(&dir.path().join("p.sqlite")).unwrap());
    store.init().await.unwrap();
    let docs: Vec<Value> = (0..N).map(doc).collect();
    for r in store.bulk_put(Db::Requests, &docs).await.unwrap() {
        r.unwrap();
    }
    let server = TestServer::start(store, "/stats").await.unwrap();
    let origin = format!("{}/stats", server.origin);
    // A fresh browser for each part: a tab keeps the live streams of the pages it left (the
    // back-forward cache), and Chromium opens at most six connections to one host.
    let b = Browser::start(1280, 1000).await.unwrap();
    present_from_the_dashboard(&b, &origin).await;
    b.close().await;
    let b = Browser::start(1280, 1000).await.unwrap();
    sorts_and_force_complete(&b, &origin).await;
    historical_zoom_and_lumis(&b, &origin).await;
    b.close().await;
    let phone = Browser::start(390, 844).await.unwrap();
    folded_filters_on_a_phone(&phone, &origin).await;
    phone.close().await;
}

/// From the list of running-open workflows to its Present view (the header's link keeps the
/// filter), bars by campaign split by priority block; a bar's and a part's click.
async fn present_from_the_dashboard(b: &Browser, origin: &str) {
    b.client.goto(&format!("{origin}/?status=running-open")).await.unwrap();
    let open: Vec<usize> = (0..N).filter(|i| i % 2 == 1 && i % 5 != 0).collect();
    assert_eq!(count_once(b, open.len()).await, open.len().to_string());
    b.client.find(Locator::Css("nav.views a.present")).await.unwrap().click().await.unwrap();
    wait_until("the bars", async || b.client.find(Locator::Css("section.present svg rect")).await.ok()).await;
    let url = b.client.current_url().await.unwrap();
    assert_eq!(url.path(), "/stats/present");
    assert_eq!(url.query(), Some("status=running-open"));
    let beta: Vec<&usize> = open.iter().filter(|i| *i % 3 == 1).collect();
    let bar = "section.present svg rect[data-bar=Beta]";
    let title = content(b, &format!("{bar} title")).await;
    assert!(title.contains(&format!("Beta: {} workflows", beta.len())), "{title}");
    b.screenshot("present-campaigns").await.unwrap();
    click_svg(b, bar).await;
    assert_eq!(count_once(b, beta.len()).await, beta.len().to_string());
    let query = b.client.current_url().await.unwrap().query().unwrap_or_default().to_owned();
    assert_eq!(query, "campaign=Beta&status=running-open&match=all");

    // Stacked by priority block, the expected events; a part opens its own workflows.
    b.client
        .goto(&format!("{origin}/present?status=running-open&group=campaign&stack=priority_block&measure=expected"))
        .await
        .unwrap();
    let part = "section.present svg rect[data-bar=Alpha][data-part='6']";
    let alpha6: Vec<&usize> = open
        .iter()
        .filter(|i| *i % 3 == 0 && app::priority::block_of(Some(60_000 + 3_000 * **i as i64)) == 6)
        .collect();
    let title = content(b, &format!("{part} title")).await;
    assert!(
        title.contains(&format!("{} expected events", app::format::thousands(alpha6.len() as i64 * 5_000))),
        "{title}"
    );
    b.screenshot("present-stacked").await.unwrap();
    downloads(b, origin).await;
    // Its short link opens the same view.
    let shown = b.client.current_url().await.unwrap();
    b.client.find(Locator::Css("button.short-link")).await.unwrap().click().await.unwrap();
    let short = wait_until("the short link", async || {
        let input = b.client.find(Locator::Css("input.short-link-url")).await.ok()?;
        input.prop("value").await.ok()?.filter(|v| v.contains("/stats/s/"))
    })
    .await;
    b.client.goto(&short).await.unwrap();
    wait_until("the view again", async || b.client.find(Locator::Css(part)).await.ok()).await;
    assert_eq!(b.client.current_url().await.unwrap(), shown, "the short link opens the same view");
    click_svg(b, part).await;
    assert_eq!(count_once(b, alpha6.len()).await, alpha6.len().to_string());
}

/// The list sorted by priority (highest first, the column marked), by completion (the
/// force-completed ones complete, so last: the others reach 80 % at most), and a
/// force-completed row's badge.
async fn sorts_and_force_complete(b: &Browser, origin: &str) {
    b.client.goto(&format!("{origin}/?campaign=Alpha&sort=priority")).await.unwrap();
    let alpha: Vec<usize> = (0..N).filter(|i| i % 3 == 0).collect();
    count_once(b, alpha.len()).await;
    let rows = b.rows().await;
    let want: Vec<String> = alpha.iter().rev().map(|i| docs_name(*i)).collect();
    assert_eq!(rows, want, "highest priority first");
    assert_eq!(text(b, "a.sort.sorted").await, "priority");
    let marked = b.client.find(Locator::Css("th[aria-sort=descending]")).await.unwrap().text().await.unwrap();
    assert!(marked.starts_with("Workflow"), "{marked}");
    // i = 0, 15 are force-completed: shown complete, with the badge.
    let fc = format!("tr.workflow[data-name={}]", docs_name(15));
    assert_eq!(text(b, &format!("{fc} [data-testid=fc]")).await, "FC");
    assert_eq!(text(b, &format!("{fc} .perc")).await, "100.00%");
    b.screenshot("list-sorted-fc").await.unwrap();
    b.client.goto(&format!("{origin}/?campaign=Alpha&sort=completion")).await.unwrap();
    count_once(b, alpha.len()).await;
    let rows = b.rows().await;
    let last_two: Vec<&String> = rows.iter().rev().take(2).collect();
    assert!(last_two.contains(&&docs_name(0)) && last_two.contains(&&docs_name(15)), "{rows:?}");
    // The lumi-mode workflow (i = 7) says lumisections, never events.
    b.client.goto(&format!("{origin}/?workflow_name={}", docs_name(7))).await.unwrap();
    count_once(b, 1).await;
    let row = text(b, "tr.workflow td.meta").await;
    assert!(row.contains("Total lumisections: 400") && !row.contains("Total events"), "{row}");
    let line = text(b, "tr.workflow .dataset .count").await;
    assert!(line.starts_with("lumisections: "), "{line}");
}

/// The Present view's downloads are what it shows: the chart as SVG and PNG, a CSV line per
/// part, a PDF of the chart.
async fn downloads(b: &Browser, origin: &str) {
    let svg =
        b.client.find(Locator::Css("section.present a.svg-link")).await.unwrap().attr("href").await.unwrap().unwrap();
    let js = "return decodeURIComponent(arguments[0].split(',').slice(1).join(','));";
    let drawing = b.client.execute(js, vec![json!(svg)]).await.unwrap().as_str().unwrap().to_owned();
    assert!(drawing.starts_with("<svg") && drawing.contains("data-bar=\"Alpha\""), "{}", &drawing[..80]);
    // The PNG is drawn in the page and saved through a link's click: record that click.
    let record = "window.saved = []; HTMLAnchorElement.prototype.click = function () { \
                  window.saved.push([this.download, this.href.slice(0, 22)]); };";
    b.client.execute(record, vec![]).await.unwrap();
    b.client.find(Locator::Css("section.present button.png")).await.unwrap().click().await.unwrap();
    let saved = wait_until("the PNG", async || {
        let v = b.client.execute("return window.saved;", vec![]).await.ok()?;
        v.as_array().filter(|a| !a.is_empty()).cloned()
    })
    .await;
    assert_eq!(saved[0], json!(["present.png", "data:image/png;base64,"]), "{saved:?}");
    for (css, starts) in [("a.csv-all", "campaign,priority_block,expected"), ("a.pdf", "%PDF-")] {
        let href = b.client.find(Locator::Css(css)).await.unwrap().attr("href").await.unwrap().unwrap();
        let got = reqwest::get(format!("{}{href}", origin.trim_end_matches("/stats"))).await.unwrap();
        assert_eq!(got.status(), 200, "{href}");
        let body = got.bytes().await.unwrap();
        assert!(
            body.starts_with(starts.as_bytes()),
            "{href}: {}",
            String::from_utf8_lossy(&body[..60.min(body.len())])
        );
    }
}

fn docs_name(i: usize) -> String {
    format!("pdmvserv_task_Pre{i:02}_261101_000000_{i:04}")
}

/// The historical chart of everything: the lumisection workflow left out and said, a drag
/// zooms (kept in the URL), the CSV is the zoomed buckets, a double click shows everything.
async fn historical_zoom_and_lumis(b: &Browser, origin: &str) {
    b.client.goto(&format!("{origin}/aggregate?mode=historical&bucket=1w")).await.unwrap();
    let note = text(b, "section.stacked p.note").await;
    assert!(note.contains("1 workflow counted in lumisections is left out"), "{note}");
    assert!(note.starts_with(&format!("{} workflows", N - 1)), "{note}");
    let svg = "section.stacked .plot svg";
    let whole = wait_until("the chart", async || {
        b.client.find(Locator::Css(svg)).await.ok()?.attr("data-window").await.ok()?
    })
    .await;
    let drag = "const s = document.querySelector(arguments[0]); const r = s.getBoundingClientRect();
        const at = (k, f) => s.parentElement.dispatchEvent(new MouseEvent(k, {clientX: r.left + f * r.width, clientY: r.top + r.height / 3, bubbles: true}));
        at('mousedown', 0.3); at('mousemove', 0.7); at('mouseup', 0.7); return 1;";
    b.client.execute(drag, vec![json!(svg)]).await.unwrap();
    let zoomed = wait_until("the zoom", async || {
        let w = b.client.find(Locator::Css(svg)).await.ok()?.attr("data-window").await.ok()??;
        (w != whole).then_some(w)
    })
    .await;
    let query = b.client.current_url().await.unwrap().query().unwrap_or_default().to_owned();
    assert!(query.contains("start=") && query.contains("end="), "{query}");
    b.screenshot("historical-zoomed").await.unwrap();
    let hover = "const s = document.querySelector(arguments[0]); const r = s.getBoundingClientRect();
        s.parentElement.dispatchEvent(new MouseEvent('mousemove', {clientX: r.left + r.width / 2, clientY: r.top + r.height / 3, bubbles: true})); return 1;";
    b.client.execute(hover, vec![json!(svg)]).await.unwrap();
    let read = text(b, "section.stacked p.hover").await;
    assert!(read.contains("UTC: expected") && read.contains("events"), "{read}");
    let href = wait_until("the CSV", async || {
        b.client.find(Locator::Css("section.stacked a.csv")).await.ok()?.attr("href").await.ok()?
    })
    .await;
    let js = "return decodeURIComponent(arguments[0].split(',').slice(1).join(','));";
    let csv = b.client.execute(js, vec![json!(href)]).await.unwrap().as_str().unwrap().to_owned();
    assert!(csv.starts_with("# Stats2 · historical") && csv.contains("time_utc,unix_time,expected"), "{csv}");
    let (t0, t1) = zoomed.split_once('-').map(|(a, z)| (a.parse::<i64>().unwrap(), z.parse::<i64>().unwrap())).unwrap();
    for line in csv.lines().skip(2) {
        let t: i64 = line.split(',').nth(1).unwrap().parse().unwrap();
        assert!(t >= t0 && t <= t1 + 7 * DAY, "{t} outside the zoom {zoomed}");
    }
    let dbl = "const s = document.querySelector(arguments[0]); s.parentElement.dispatchEvent(new MouseEvent('dblclick', {bubbles: true})); return 1;";
    b.client.execute(dbl, vec![json!(svg)]).await.unwrap();
    wait_until("the whole history", async || {
        let w = b.client.find(Locator::Css(svg)).await.ok()?.attr("data-window").await.ok()??;
        (w == whole).then_some(())
    })
    .await;
}

/// On a phone the filter bar is one button: the list is the first thing below the header.
async fn folded_filters_on_a_phone(b: &Browser, origin: &str) {
    b.client.goto(&format!("{origin}/?campaign=Gamma")).await.unwrap();
    count_once(b, (0..N).filter(|i| i % 3 == 2).count()).await;
    let form = b.client.find(Locator::Css("form.filters")).await.unwrap();
    assert!(!form.is_displayed().await.unwrap(), "the filter bar is folded");
    b.screenshot("phone-list").await.unwrap();
    b.client.find(Locator::Css("button.filters-toggle")).await.unwrap().click().await.unwrap();
    assert!(form.is_displayed().await.unwrap(), "one button opens it");
    b.screenshot("phone-filters").await.unwrap();
}
