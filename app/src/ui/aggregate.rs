//! The aggregate view (`<base>/aggregate?<filter>&bucket=<1h|6h|1d|1w>`): the summed progress
//! of every workflow the filter matches, per datatier, with the same chart.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};

use super::base::base_path;
use super::chart_panel::Chart;
use crate::api::aggregate;
use crate::chart::{with_zoom, zoom_of};
use crate::filter::Filter;

const BUCKETS: [(&str, i64); 4] = [("1h", 3600), ("6h", 6 * 3600), ("1d", 86_400), ("1w", 7 * 86_400)];

fn bucket_of(search: &str) -> &'static str {
    let wanted = form_urlencoded::parse(search.trim_start_matches('?').as_bytes())
        .find(|(k, _)| k == "bucket")
        .map(|(_, v)| v.into_owned());
    BUCKETS.iter().find(|(n, _)| Some(*n) == wanted.as_deref()).map_or("1d", |(n, _)| n)
}

/// The page.
#[component]
pub fn AggregatePage() -> impl IntoView {
    let location = use_location();
    let filter = Memo::new(move |_| Filter::from_query(&location.search.get()).map_err(|e| e.to_string()));
    let bucket = Memo::new(move |_| bucket_of(&location.search.get()));
    let data = LocalResource::new(move || {
        let (f, b) = (filter.get(), bucket.get());
        let secs = BUCKETS.iter().find(|(n, _)| *n == b).map_or(86_400, |(_, s)| *s);
        async move { aggregate(f?, secs).await.map_err(|e| e.to_string()) }
    });
    // Live: every finished run may change the sums.
    super::live::subscribe(move |e| {
        if e.kind == "run" || e.kind == "resync" {
            data.refetch();
        }
    });
    let navigate = use_navigate();
    let zoom = Memo::new(move |_| zoom_of(&location.search.get()));
    let on_zoom = {
        let navigate = navigate.clone();
        Callback::new(move |z: Option<(i64, i64)>| {
            navigate(&format!("/aggregate?{}", with_zoom(&location.search.get_untracked(), z)), Default::default());
        })
    };
    let choose = move |ev: leptos::ev::Event| {
        let q = filter.get_untracked().map(|f| f.to_query()).unwrap_or_default();
        let sep = if q.is_empty() { "" } else { "&" };
        navigate(&format!("/aggregate?{q}{sep}bucket={}", event_target_value(&ev)), Default::default());
    };
    view! {
        <header class="top">
            <h1><a href=format!("{}/", base_path())>"Stats2"</a></h1>
            {super::views::view_links(filter)}
            <label>"Bucket "
                <select class="bucket" prop:value=move || bucket.get() on:change=choose>
                    {BUCKETS.iter().map(|(n, _)| view! { <option value=*n>{*n}</option> }).collect_view()}
                </select>
            </label>
        </header>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Adding up the histories…"</p> }>
            {move || data.get().map(|r| match r {
                Ok(v) if v.series.is_empty() => view! { <p class="empty">"No history for this filter."</p> }.into_any(),
                Ok(v) => {
                    let label = filter.get_untracked().map(|f| f.to_query()).unwrap_or_default();
                    let label = if label.is_empty() { "all workflows".to_owned() } else { label };
                    view! { <Chart view=v zoom=zoom on_zoom=on_zoom label=label/> }.into_any()
                }
                Err(e) => view! { <p class="error" role="alert">"Could not add up the histories: " {e}</p> }.into_any(),
            })}
        </Suspense>
    }
}
