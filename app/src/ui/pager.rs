//! Previous / page / Next (A17), as links, so paging is in the URL. Pages are numbered from 1
//! on screen; the URL keeps the original's 0-based parameter. A keyboard user who pages stays
//! on the pager: the link followed takes the focus again once the new page is drawn (the page
//! is otherwise rebuilt with the focus at its top, 2,000 tab stops away).

use std::cell::Cell;

use leptos::prelude::*;

use super::base::view_href;
use crate::filter::Filter;

thread_local! {
    /// The pager link just followed ("prev" or "next"), to focus on the next page.
    static FOLLOWED: Cell<Option<&'static str>> = const { Cell::new(None) };
}

/// The "prev" or "next" link (its class and its `rel`), or its label greyed out.
fn link(class: &'static str, label: &'static str, href: Option<String>) -> AnyView {
    let Some(href) = href else {
        return view! { <span class=format!("{class} disabled")>{label}</span> }.into_any();
    };
    let node = NodeRef::<leptos::html::A>::new();
    if FOLLOWED.get() == Some(class) {
        node.on_load(move |a| {
            FOLLOWED.set(None);
            let _ = a.focus();
        });
    }
    view! { <a node_ref=node class=class href=href rel=class on:click=move |_| FOLLOWED.set(Some(class))>{label}</a> }
        .into_any()
}

/// The pager of the current filter.
#[component]
pub fn Pager(filter: Filter, has_next: bool) -> impl IntoView {
    let page = filter.page;
    let prev = (page > 0).then(|| view_href(&filter.clone().with_page(page - 1)));
    let next = has_next.then(|| view_href(&filter.clone().with_page(page + 1)));
    view! {
        <nav class="pager" aria-label="Pages">
            {link("prev", "Previous", prev)}
            <span class="current" aria-current="page">{format!("Page {}", u64::from(page) + 1)}</span>
            {link("next", "Next", next)}
        </nav>
    }
}
