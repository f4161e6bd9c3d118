//! The list page: reads the filter from the URL, asks the server for one page, shows it.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_params_map};

use super::table::WorkflowTable;
use crate::api::list_workflows;
use crate::filter::{parse_page, Filter};

/// The filter of the current URL: the query string, and the page from `/<page>` when given.
fn current_filter(search: &str, page: Option<String>) -> Result<Filter, String> {
    let mut filter = Filter::from_query(search).map_err(|e| e.to_string())?;
    if let Some(p) = page {
        filter.page = parse_page(&p).map_err(|e| e.to_string())?;
    }
    Ok(filter)
}

/// Page listing the workflows of the URL's filter.
#[component]
pub fn ListPage() -> impl IntoView {
    let location = use_location();
    let params = use_params_map();
    let filter = Memo::new(move |_| current_filter(&location.search.get(), params.get().get("page")));
    let data = LocalResource::new(move || {
        let filter = filter.get();
        async move {
            let filter = filter?;
            let page = filter.page;
            list_workflows(filter, page).await.map_err(|e| e.to_string())
        }
    });
    view! {
        <header class="top">
            <h1><a href=format!("{}/", super::base_path())>"Stats2"</a></h1>
            <span class="filter-summary">
                {move || filter.get().ok().map(|f| f.active().map(|(k, v)| format!("{}: {v}", k.param())).collect::<Vec<_>>().join(", "))}
            </span>
        </header>
        <Suspense fallback=|| view! { <p class="loading">"Loading workflows…"</p> }>
            {move || data.get().map(|result| match result {
                Ok(page) => view! { <WorkflowTable page=page/> }.into_any(),
                Err(e) => view! { <p class="error" role="alert">"Could not load workflows: " {e}</p> }.into_any(),
            })}
        </Suspense>
    }
}
