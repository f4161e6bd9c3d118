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
            <a class="button changes" href=href("changes")>"What changed"</a>
            <a class="button watch" href=href("watches")>"Watch this filter"</a>
            <super::share::ShortLinkButton/>
        </nav>
    }
}

/// The download of what `view` shows (`<base>/<format>/<view>?<the page's query>`, `format`
/// `csv` or `pdf`): the server writes it, all of it, not only what the page holds.
#[component]
pub fn DownloadLink(
    format: &'static str,
    #[prop(into)] view: Signal<&'static str>,
    #[prop(into)] label: &'static str,
) -> impl IntoView {
    let search = leptos_router::hooks::use_location().search;
    let href = move || download_href(format, view.get(), &search.get());
    let class = if format == "csv" { "button csv-all" } else { "button pdf" };
    view! { <a class=class href=href download="" rel="external">{label}</a> }
}

/// `<base>/<format>/<view>?<search>`.
pub fn download_href(format: &str, view: &str, search: &str) -> String {
    format!("{}/{format}/{view}?{}", base_path(), search.trim_start_matches('?'))
}

/// The header of an analytics view.
#[component]
pub fn ViewsHeader(filter: Memo<Result<Filter, String>>, title: &'static str) -> impl IntoView {
    super::base::title(title, move || filter.get().ok().map(|f| super::base::filter_words(&f)));
    view! {
        <header class="top">
            <h1><a href=format!("{}/", base_path())>"Stats2"</a></h1>
            <span class="view-title">{title}</span>
            {view_links(filter)}
        </header>
    }
}
