//! The aggregate view (`<base>/aggregate?<filter>&bucket=<1h|6h|1d|1w>[&mode=historical
//! [&growing=1]]`): the summed progress of every workflow the filter matches, per datatier
//! with the workflow chart, or pMp's historical mode (expected, produced, VALID and
//! INVALID/DELETED stacked per bucket).

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};

use super::base::base_path;
use super::chart_panel::Chart;
use crate::api::aggregate;
use crate::chart::{param, with_param, with_zoom, zoom_of};
use crate::filter::Filter;
use crate::format::thousands;
use crate::historical::HistoricalView;
use crate::rows::EventKind;

const BUCKETS: [(&str, i64); 4] = [("1h", 3600), ("6h", 6 * 3600), ("1d", 86_400), ("1w", 7 * 86_400)];

fn bucket_of(search: &str) -> &'static str {
    let wanted = param(search, "bucket");
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
        if matches!(e.kind, EventKind::Run | EventKind::Resync) {
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
    let set = Callback::new(move |(name, value): (&'static str, Option<String>)| {
        navigate(
            &format!("/aggregate?{}", with_param(&location.search.get_untracked(), name, value.as_deref())),
            Default::default(),
        );
    });
    let historical_mode = Memo::new(move |_| param(&location.search.get(), "mode").as_deref() == Some("historical"));
    let growing = Memo::new(move |_| param(&location.search.get(), "growing").as_deref() == Some("1"));
    let stacked = LocalResource::new(move || {
        let (f, b, on, g) = (filter.get(), bucket.get(), historical_mode.get(), growing.get());
        let secs = BUCKETS.iter().find(|(n, _)| *n == b).map_or(86_400, |(_, s)| *s);
        async move {
            match on {
                true => crate::api::historical(f?, secs, g).await.map(Some).map_err(|e| e.to_string()),
                false => Ok(None),
            }
        }
    });
    view! {
        <header class="top">
            <h1><a href=format!("{}/", base_path())>"Stats2"</a></h1>
            {super::views::view_links(filter)}
            <label>"Bucket "
                <select class="bucket" prop:value=move || bucket.get() on:change=move |ev| set.run(("bucket", Some(event_target_value(&ev))))>
                    {BUCKETS.iter().map(|(n, _)| view! { <option value=*n>{*n}</option> }).collect_view()}
                </select>
            </label>
            <label>"Mode "
                <select class="mode" prop:value=move || if historical_mode.get() { "historical" } else { "tiers" }
                    on:change=move |ev| set.run(("mode", Some(event_target_value(&ev)).filter(|m| m == "historical")))>
                    <option value="tiers">"per datatier"</option>
                    <option value="historical">"historical (stacked)"</option>
                </select>
            </label>
            {move || historical_mode.get().then(|| view! {
                <label class="check"><input type="checkbox" class="growing" prop:checked=growing
                    on:change=move |ev| set.run(("growing", event_target_checked(&ev).then(|| "1".to_owned())))/>" growing"</label>
            })}
        </header>
        {move || historical_mode.get().then(|| view! {
            <Suspense fallback=|| view! { <p class="loading" role="status">"Stacking the histories…"</p> }>
                {move || stacked.get().map(|r| match r {
                    Ok(Some(v)) if v.ends.is_empty() => view! { <p class="empty">"No history for this filter."</p> }.into_any(),
                    Ok(Some(v)) => view! { <Stacked view=v/> }.into_any(),
                    Ok(None) => ().into_any(),
                    Err(e) => view! { <p class="error" role="alert">"Could not add up the histories: " {e}</p> }.into_any(),
                })}
            </Suspense>
        })}
        <Suspense fallback=|| view! { <p class="loading" role="status">"Adding up the histories…"</p> }>
            {move || data.get().filter(|_| !historical_mode.get()).map(|r| match r {
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

/// The stacked chart and its legend with the last bucket's values.
#[component]
fn Stacked(view: HistoricalView) -> impl IntoView {
    let last = |values: &[i64]| thousands(values.last().copied().unwrap_or(0));
    let items = super::stacked::layers(&view)
        .into_iter()
        .map(|(name, values, colour)| {
            view! { <li><span class="swatch-box" style=format!("background: {colour}")></span>{format!("{name}: {}", last(values))}</li> }
        })
        .collect_view();
    view! {
        <section class="chart stacked">
            <div class="plot" inner_html=super::stacked::svg(&view)></div>
            <ul class="legend">
                <li><span class="swatch-box" style=format!("background: {}", super::stacked::EXPECTED_FILL)></span>{format!("expected: {}", last(&view.expected))}</li>
                {items}
            </ul>
            <p class="note">{format!("{} workflows, each counted with its largest output dataset.", thousands(view.workflows as i64))}</p>
        </section>
    }
}
