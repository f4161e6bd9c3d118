//! The list page: the filter of the URL, one page from the server, header, filters, table,
//! pager; explicit loading, empty and error states.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_params_map};

use super::filter_bar::FilterBar;
use super::header::Header;
use super::live::{listen, RowRegistry};
use super::pager::Pager;
use super::table::WorkflowTable;
use crate::api::list_workflows;
use crate::filter::{parse_page, Filter};
use crate::rows::WorkflowPage;

/// The filter of the current URL: the query string, and the page from `/<page>` when given.
fn current_filter(search: &str, page: Option<String>) -> Result<Filter, String> {
    let mut filter = Filter::from_query(search).map_err(|e| e.to_string())?;
    if let Some(p) = page {
        filter.page = parse_page(&p).map_err(|e| e.to_string())?;
    }
    Ok(filter)
}

/// What the list applies, as markup: every filter that decides it, joined by "and"; a legacy
/// URL with several parameters applies only the first by precedence (A3), which is said, with
/// a link that applies them all.
fn summary(f: &Filter) -> String {
    use crate::markup::escape;
    let text = super::base::filter_words(f);
    let required = f.required();
    let ignored: Vec<String> =
        f.active().filter(|p| !required.contains(p)).map(|(k, v)| format!("{}: {v}", k.param())).collect();
    if ignored.is_empty() {
        return escape(&text);
    }
    let all = super::base::view_href(&Filter { match_all: true, ..f.clone() }.with_page(0));
    format!(
        r#"{} <span class="ignored" data-testid="ignored">(a legacy URL applies one parameter: {} not applied)</span> <a class="match-all" href="{}">match all</a>"#,
        escape(&text),
        escape(&ignored.join(", ")),
        escape(&all)
    )
}

/// Page listing the workflows of the URL's filter.
#[component]
pub fn ListPage() -> impl IntoView {
    let location = use_location();
    let params = use_params_map();
    let filter = Memo::new(move |_| current_filter(&location.search.get(), params.get().get("page")));
    let data = LocalResource::new(move || {
        let filter = filter.get();
        if let Ok(f) = &filter {
            super::base::remember_list(f, &location.pathname.get_untracked());
        }
        async move {
            let filter = filter?;
            let page = filter.page;
            list_workflows(filter, page).await.map_err(|e| e.to_string())
        }
    });
    let loaded = move || data.get().and_then(|r| r.ok());
    let total = Signal::derive(move || loaded().map(|p: WorkflowPage| p.total_workflows));
    let live_run = RwSignal::new(None::<i64>);
    let last_update = Signal::derive(move || live_run.get().or_else(|| loaded().and_then(|p| p.last_update)));
    let last_run = Signal::derive(move || loaded().and_then(|p| p.last_run));
    let data_as_of = Signal::derive(move || loaded().and_then(|p| p.data_as_of));
    let registry = RowRegistry(StoredValue::new(std::collections::HashMap::new()));
    provide_context(registry);
    listen(registry, move || data.refetch(), move |t| live_run.set(Some(t)));
    super::base::title("Workflows", move || filter.get().ok().map(|f| super::base::filter_words(&f)));
    view! {
        <Header filter=filter total=total last_update=last_update last_run=last_run data_as_of=data_as_of/>
        <FilterBar filter=filter/>
        <p class="filter-summary" inner_html=move || filter.get().ok().map(|f| summary(&f))></p>
        <p class="downloads"><super::views::DownloadLink format="csv" view="workflows" label="CSV of every matching workflow"/></p>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading workflows…"</p> }>
            {move || data.get().map(|result| match result {
                Ok(page) => {
                    let f = filter.get_untracked().unwrap_or_default();
                    let has_next = page.has_next;
                    let sorting = f.clone();
                    view! {
                        <WorkflowTable page=page filter=sorting/>
                        <Pager filter=f has_next=has_next/>
                    }.into_any()
                }
                Err(e) => view! { <p class="error" role="alert">"Could not load workflows: " {e}</p> }.into_any(),
            })}
        </Suspense>
    }
}
