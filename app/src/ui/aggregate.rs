//! The aggregate view (`<base>/aggregate?<filter>&bucket=<1h|6h|1d|1w>[&mode=historical
//! [&growing=1]]`): the summed progress of every workflow the filter matches, per datatier
//! with the workflow chart, or pMp's historical mode (expected, produced, VALID and
//! INVALID/DELETED stacked per bucket).

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};

use super::base::base_path;
use super::chart_panel::Chart;
use super::stacked_panel::StackedChart;
use crate::api::aggregate;
use crate::chart::{param, with_param, with_zoom, zoom_of};
use crate::filter::Filter;

use crate::aggregate::{bucket_name, bucket_seconds as seconds_of, BUCKET_NAMES as BUCKETS};

fn bucket_of(search: &str) -> &'static str {
    bucket_name(param(search, "bucket").as_deref())
}

/// The page.
#[component]
pub fn AggregatePage() -> impl IntoView {
    let location = use_location();
    let filter = Memo::new(move |_| Filter::from_query(&location.search.get()).map_err(|e| e.to_string()));
    let bucket = Memo::new(move |_| bucket_of(&location.search.get()));
    let historical_mode = Memo::new(move |_| param(&location.search.get(), "mode").as_deref() == Some("historical"));
    let growing = Memo::new(move |_| param(&location.search.get(), "growing").as_deref() == Some("1"));
    let navigate = use_navigate();
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
    let zoom = Memo::new(move |_| zoom_of(&location.search.get()));
    let csv_view = Signal::derive(move || if historical_mode.get() { "historical" } else { "aggregate" });
    let words = move || filter.get().ok().map(|f| super::base::filter_words(&f));
    super::base::title("Aggregate", words);
    view! {
        <header class="top">
            <h1><a href=format!("{}/", base_path())>"Stats2"</a></h1>
            {super::views::view_links(filter)}
            <Controls bucket=bucket historical_mode=historical_mode growing=growing set=set/>
            <super::views::DownloadLink format="csv" view=csv_view label="CSV"/>
        </header>
        <p class="filter-summary" data-testid="drawn-filter">
            {move || match words().filter(|w| !w.is_empty()) {
                Some(w) => format!("Drawn: {w}"),
                None => "Drawn: every workflow".to_owned(),
            }}
        </p>
        {move || historical_mode.get().then(|| view! {
            <HistoricalPart filter=filter bucket=bucket growing=growing zoom=zoom on_zoom=on_zoom/>
        })}
        {move || (!historical_mode.get()).then(|| view! {
            <TiersPart filter=filter bucket=bucket zoom=zoom on_zoom=on_zoom/>
        })}
    }
}

/// Bucket, mode and, in historical mode, "growing".
#[component]
fn Controls(
    bucket: Memo<&'static str>,
    historical_mode: Memo<bool>,
    growing: Memo<bool>,
    set: Callback<(&'static str, Option<String>)>,
) -> impl IntoView {
    view! {
        <label>"Bucket "
            <select class="bucket" prop:value=move || bucket.get()
                on:change=move |ev| set.run(("bucket", Some(event_target_value(&ev))))>
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
    }
}

/// The per-datatier chart.
#[component]
fn TiersPart(
    filter: Memo<Result<Filter, String>>,
    bucket: Memo<&'static str>,
    zoom: Memo<Option<(i64, i64)>>,
    on_zoom: Callback<Option<(i64, i64)>>,
) -> impl IntoView {
    let data = LocalResource::new(move || {
        let (f, secs) = (filter.get(), seconds_of(bucket.get()));
        async move { aggregate(f?, secs).await.map_err(|e| e.to_string()) }
    });
    super::live::on_every_run(move || data.refetch());
    view! {
        <Suspense fallback=|| view! { <p class="loading" role="status">"Adding up the histories…"</p> }>
            {move || data.get().map(|r| match r {
                Ok(v) if v.series.is_empty() => view! { <p class="empty">"No history for this filter."</p> }.into_any(),
                Ok(v) => {
                    let label = filter.get_untracked().map(|f| f.to_query()).unwrap_or_default();
                    let label = if label.is_empty() { "all workflows".to_owned() } else { label };
                    let lumis = (v.lumi_left_out > 0).then(|| crate::format::lumi_left_out(v.lumi_left_out as i64));
                    view! {
                        <Chart view=v zoom=zoom on_zoom=on_zoom label=label/>
                        {lumis.map(|t| view! { <p class="note lumis">{t}</p> })}
                    }.into_any()
                }
                Err(e) => view! { <p class="error" role="alert">"Could not add up the histories: " {e}</p> }.into_any(),
            })}
        </Suspense>
    }
}

/// pMp's historical mode: expected, produced, VALID and INVALID/DELETED stacked.
#[component]
fn HistoricalPart(
    filter: Memo<Result<Filter, String>>,
    bucket: Memo<&'static str>,
    growing: Memo<bool>,
    zoom: Memo<Option<(i64, i64)>>,
    on_zoom: Callback<Option<(i64, i64)>>,
) -> impl IntoView {
    let stacked = LocalResource::new(move || {
        let (f, secs, g) = (filter.get(), seconds_of(bucket.get()), growing.get());
        async move { crate::api::historical(f?, secs, g).await.map_err(|e| e.to_string()) }
    });
    super::live::on_every_run(move || stacked.refetch());
    view! {
        <Suspense fallback=|| view! { <p class="loading" role="status">"Stacking the histories…"</p> }>
            {move || stacked.get().map(|r| match r {
                Ok(v) if v.ends.is_empty() => view! { <p class="empty">"No history for this filter."</p> }.into_any(),
                Ok(v) => {
                    let label = filter.get_untracked().map(|f| f.to_query()).unwrap_or_default();
                    let label = if label.is_empty() { "all workflows".to_owned() } else { label };
                    view! { <StackedChart view=v zoom=zoom on_zoom=on_zoom label=label/> }.into_any()
                }
                Err(e) => view! { <p class="error" role="alert">"Could not add up the histories: " {e}</p> }.into_any(),
            })}
        </Suspense>
    }
}
