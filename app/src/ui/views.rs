//! The header of the analytics views: the title, the way back to the list, and the other
//! views of the same filter (so a filter travels between them).

use leptos::prelude::*;

use super::base::{base_path, view_href};
use crate::filter::Filter;

/// Links to every view of `filter` (list, Present, campaigns, performance, aggregate).
pub fn view_links(filter: Memo<Result<Filter, String>>) -> impl IntoView {
    let query = move || filter.get().map(|f| f.with_page(0).to_query()).unwrap_or_default();
    let href = move |view: &'static str| move || format!("{}/{view}?{}", base_path(), query());
    view! {
        <nav class="views" aria-label="Views">
            <a class="button" href=move || view_href(&filter.get().unwrap_or_default().with_page(0))>"List"</a>
            <a class="button present" href=href("present")>"Present"</a>
            <a class="button campaigns" href=href("campaigns")>"Campaigns"</a>
            <a class="button performance" href=href("performance")>"Performance"</a>
            <a class="button aggregate" href=href("aggregate")>"Aggregate chart"</a>
            <super::share::ShortLinkButton/>
        </nav>
    }
}

/// The download of what `view` shows, as CSV (`<base>/csv/<view>?<the page's query>`): the
/// server writes it, all of it, not only what the page holds.
#[component]
pub fn CsvLink(#[prop(into)] view: Signal<&'static str>, #[prop(into)] label: &'static str) -> impl IntoView {
    let search = leptos_router::hooks::use_location().search;
    let href = move || {
        let query = search.get();
        let query = query.trim_start_matches('?');
        format!("{}/csv/{}?{query}", base_path(), view.get())
    };
    view! { <a class="button csv-all" href=href download="" rel="external">{label}</a> }
}

/// The header of an analytics view.
#[component]
pub fn ViewsHeader(filter: Memo<Result<Filter, String>>, title: &'static str) -> impl IntoView {
    view! {
        <header class="top">
            <h1><a href=format!("{}/", base_path())>"Stats2"</a></h1>
            <span class="view-title">{title}</span>
            {view_links(filter)}
        </header>
    }
}
