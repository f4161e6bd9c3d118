//! The header: totals, last update, search box (A14 without a reload), Markdown button (D22),
//! and the admin token field.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::admin::TokenField;
use super::base::{base_path, view_path};
use super::time::When;
use crate::api::search;
use crate::filter::Filter;
use crate::present::thousands;
use crate::rows::RunInfo;

/// Page header.
#[component]
pub fn Header(
    filter: Memo<Result<Filter, String>>,
    total: Signal<Option<u64>>,
    last_update: Signal<Option<i64>>,
    last_run: Signal<Option<RunInfo>>,
) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let searching = RwSignal::new(false);
    let navigate = use_navigate();
    let on_search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let q = query.get_untracked();
        let navigate = navigate.clone();
        searching.set(true);
        leptos::task::spawn_local(async move {
            if let Ok(f) = search(q).await {
                navigate(&view_path(&f), Default::default());
            }
            searching.set(false);
        });
    };
    let md_href = move || format!("{}/md?{}", base_path(), filter.get().map(|f| f.to_query()).unwrap_or_default());
    view! {
        <header class="top">
            <h1><a href=format!("{}/", base_path())>"Stats2"</a></h1>
            <span class="totals">
                {move || total.get().map(|t| format!("{} workflows", thousands(t as i64)))}
            </span>
            <span class="updated">
                "Last update: " {move || match last_update.get() { Some(t) => view! { <When t=t/> }.into_any(), None => "never".into_any() }}
            </span>
            {move || last_run.get().map(|r| view! {
                <span class=format!("lastrun {}", r.outcome) title=format!("took {:.1} s", r.seconds)>
                    {format!("Last run {}: {} changed, {} new history entries, {} failed", r.outcome, r.changed, r.recalculated, r.failed)}
                </span>
            })}
            <form class="search" role="search" on:submit=on_search>
                <input type="search" name="q" placeholder="PrepID, dataset, campaign, name…" aria-label="Search"
                    prop:value=query on:input=move |ev| query.set(event_target_value(&ev))/>
                <button type="submit" disabled=searching>"Search"</button>
            </form>
            <a class="button" href=md_href target="_blank" rel="noopener">"Markdown table"</a>
            {super::views::view_links(filter)}
            <a href="https://github.com/cms-PdmV/Stats2" rel="noopener">"GitHub"</a>
            <TokenField/>
        </header>
    }
}
