//! The workflow detail view (`<base>/workflow/<name>`): the workflow's row as the dashboard
//! shows it, a way back to the list, and the history chart with its legend, forecasts, scale
//! toggle and exports (or why there is nothing to draw).

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate, use_params_map};

use super::base::{base_path, filter_href};
use super::chart_panel::Chart;
use super::table::SingleRow;
use crate::api::{workflow_history, workflow_row};
use crate::chart::{with_zoom, zoom_of};
use crate::filter::FilterKey;
use crate::history::HistoryView;
use crate::rows::EventKind;

/// The page.
#[component]
pub fn WorkflowPage() -> impl IntoView {
    let params = use_params_map();
    let name = Memo::new(move |_| params.get().get("name").unwrap_or_default());
    let data = LocalResource::new(move || {
        let n = name.get();
        async move { workflow_history(n).await.map_err(|e| e.to_string()) }
    });
    let row = LocalResource::new(move || {
        let n = name.get();
        async move { workflow_row(n).await.map_err(|e| e.to_string()) }
    });
    // Live: redraw when this workflow changes (or events were missed).
    super::live::subscribe(move |e| {
        if e.kind == EventKind::Resync || e.changed.iter().any(|n| *n == name.get_untracked()) {
            data.refetch();
            row.refetch();
        }
    });
    super::base::title("Workflow", move || Some(name.get()));
    let location = use_location();
    let zoom = Memo::new(move |_| zoom_of(&location.search.get()));
    let navigate = use_navigate();
    let on_zoom = Callback::new(move |z: Option<(i64, i64)>| {
        let query = with_zoom(&location.search.get_untracked(), z);
        navigate(&format!("/workflow/{}?{query}", name.get_untracked()), Default::default());
    });
    view! {
        <header class="top">
            <h1><a href=format!("{}/", base_path())>"Stats2"</a></h1>
            <a href=move || filter_href(FilterKey::WorkflowName, &name.get())>{move || name.get()}</a>
            <super::share::ShortLinkButton/>
        </header>
        <p class="back"><a href=super::base::last_list_href()>"← Back to the list"</a></p>
        <Suspense fallback=|| ()>
            {move || row.get().and_then(|r| r.ok().flatten()).map(|r| view! { <SingleRow row=r/> })}
        </Suspense>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading the history…"</p> }>
            {move || data.get().map(|r| match r {
                Ok(Some(v)) if v.series.iter().all(|s| s.points.is_empty()) => {
                    view! { <p class="empty chart-empty">{nothing_to_draw(&v)}</p> }.into_any()
                }
                Ok(Some(v)) => {
                    view! { <Chart view=v zoom=zoom on_zoom=on_zoom label=name.get_untracked()/> }.into_any()
                }
                Ok(None) => view! { <p class="empty">"No workflow of that name in Stats2."</p> }.into_any(),
                Err(e) => view! { <p class="error" role="alert">"Could not load the history: " {e}</p> }.into_any(),
            })}
        </Suspense>
    }
}

/// Why a workflow's chart would be empty.
fn nothing_to_draw(v: &HistoryView) -> &'static str {
    if v.series.is_empty() {
        "This workflow has no output datasets, so there is no history to draw."
    } else {
        "DBS has not reported any events for this workflow's output datasets yet: nothing to draw."
    }
}
