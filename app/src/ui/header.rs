//! The header: totals, last update, the search box with suggestions, the Markdown button
//! (D22), the views of the current filter, and the admin token field.

use leptos::prelude::*;

use super::admin::TokenField;
use super::base::base_path;
use super::time::When;
use crate::alerts;
use crate::filter::Filter;
use crate::format::thousands;
use crate::rows::RunInfo;

/// Page header.
#[component]
pub fn Header(
    filter: Memo<Result<Filter, String>>,
    total: Signal<Option<u64>>,
    last_update: Signal<Option<i64>>,
    last_run: Signal<Option<RunInfo>>,
    /// Set while the server's change feed has been failing: its data is as of then.
    data_as_of: Signal<Option<i64>>,
) -> impl IntoView {
    // Exactly what the page lists (`/md/list`), not the legacy `/md` answer.
    let md_href = move || format!("{}/md/list?{}", base_path(), filter.get().map(|f| f.to_query()).unwrap_or_default());
    // The first tab stop: past the header and the filter bar (dozens of stops) to the table.
    let skip = |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        let results = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("results"));
        if let Some(el) = results.and_then(|e| js_sys::wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok()) {
            let _ = el.focus();
        }
    };
    view! {
        <a class="skip" href="#results" on:click=skip>"Skip to results"</a>
        <header class="top">
            <h1><a href=format!("{}/", base_path())>"Stats2"</a></h1>
            <span class="totals">
                {move || total.get().map(|t| format!("{} workflows", thousands(t as i64)))}
            </span>
            <span class="updated">
                "Last update: "
                {move || match last_update.get() {
                    Some(t) => view! { <When t=t/> }.into_any(),
                    None => "never".into_any(),
                }}
            </span>
            {move || last_run.get().map(|r| view! {
                <span class=format!("lastrun {}", r.outcome.as_str()) title=format!("took {:.1} s", r.seconds)>
                    {format!("Last run {}: {} changed, {} new history entries, {} failed", r.outcome.as_str(), r.changed, r.recalculated, r.failed)}
                </span>
            })}
            {move || data_as_of.get().map(|t| view! {
                <span class="stale" role="status" data-testid="data-as-of"
                    title="The server cannot read the database's changes; what is shown may be out of date">
                    "Data as of " <When t=t/>
                </span>
            })}
            <AlertCounts last_update=last_update/>
            <super::search::SearchBox/>
            <a class="button" href=md_href target="_blank" rel="noopener">"Markdown table"</a>
            {super::views::view_links(filter)}
            <a href="https://github.com/cms-PdmV/Stats2" rel="noopener">"GitHub"</a>
            <TokenField/>
        </header>
    }
}

/// An alert's ranked list.
fn alerts_href(f: &Filter) -> String {
    format!("{}/alerts?{}", base_path(), f.to_query())
}

/// The alert counts, each a link to its ranked list; fetched again when a run is announced.
#[component]
fn AlertCounts(last_update: Signal<Option<i64>>) -> impl IntoView {
    let counts = LocalResource::new(move || {
        last_update.track();
        crate::api::alerts()
    });
    let link = |n: u64, f: Filter, what: String, id: &'static str, title: &'static str| {
        view! {
            <a class="alert" class:none=n == 0 href=alerts_href(&f) data-testid=id title=title>
                <span class="n">{thousands(n as i64)}</span>" "{what}
            </a>
        }
    };
    view! {
        <Suspense fallback=|| ()>
            {move || counts.get().and_then(Result::ok).map(|a| view! {
                <nav class="alerts" aria-label="Alerts">
                    {link(a.stalled, alerts::stalled_filter(), "stalled".into(), "alert-stalled",
                        "Not complete, and no dataset changed for two days")}
                    {link(a.idle, alerts::idle_filter(a.idle_days), format!("idle > {} d", a.idle_days), "alert-idle",
                        "Assigned that long ago, and not a single event yet")}
                    {link(a.broken, alerts::broken_filter(), "INVALID/DELETED".into(), "alert-broken",
                        "A dataset went INVALID or DELETED")}
                    {a.stuck.iter().filter(|s| s.count > 0).map(|s| {
                        let what = format!("{} > {} d", s.status.as_str(), s.days);
                        link(s.count, alerts::stuck_filter(s.status, s.days), what, "alert-stuck",
                            "In this status at least that long")
                    }).collect_view()}
                </nav>
            })}
        </Suspense>
    }
}
