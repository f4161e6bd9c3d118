//! Previous / page / Next (A17), as links, so paging is in the URL.

use leptos::prelude::*;

use super::base::view_href;
use crate::filter::Filter;

/// The pager of the current filter.
#[component]
pub fn Pager(filter: Filter, has_next: bool) -> impl IntoView {
    let page = filter.page;
    let prev = (page > 0).then(|| view_href(&filter.clone().with_page(page - 1)));
    let next = has_next.then(|| view_href(&filter.clone().with_page(page + 1)));
    view! {
        <nav class="pager" aria-label="Pages">
            {match prev {
                Some(href) => view! { <a class="prev" href=href rel="prev">"Previous"</a> }.into_any(),
                None => view! { <span class="prev disabled">"Previous"</span> }.into_any(),
            }}
            <span class="current">{format!("Page {page}")}</span>
            {match next {
                Some(href) => view! { <a class="next" href=href rel="next">"Next"</a> }.into_any(),
                None => view! { <span class="next disabled">"Next"</span> }.into_any(),
            }}
        </nav>
    }
}
