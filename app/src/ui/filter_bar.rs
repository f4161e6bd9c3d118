//! The filter bar: every legacy parameter, combined with AND, and the page size; applying it
//! navigates, so the view is in the URL (shareable, back/forward, reload).

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::base::{view_href, view_path};
use crate::filter::{Filter, FilterKey, PAGE_SIZES};

fn label(k: FilterKey) -> &'static str {
    match k {
        FilterKey::WorkflowName => "Workflow",
        FilterKey::PrepId => "PrepID",
        FilterKey::OutputDataset => "Output dataset",
        FilterKey::InputDataset => "Input dataset",
        FilterKey::Campaign => "Campaign",
        FilterKey::Type => "Type",
        FilterKey::ProcessingString => "Processing string",
        FilterKey::Request => "Request",
    }
}

/// The filter form, filled from the current URL's filter.
#[component]
pub fn FilterBar(filter: Memo<Result<Filter, String>>) -> impl IntoView {
    let current = move || filter.get().unwrap_or_default();
    let fields: Vec<(FilterKey, RwSignal<String>)> =
        FilterKey::ALL.iter().map(|k| (*k, RwSignal::new(String::new()))).collect();
    let size = RwSignal::new(String::new());
    let stalled = RwSignal::new(false);
    {
        let fields = fields.clone();
        Effect::new(move |_| {
            let f = current();
            for (k, sig) in &fields {
                sig.set(f.get(*k).unwrap_or_default().to_owned());
            }
            size.set(f.page_size.map(|s| s.to_string()).unwrap_or_default());
            stalled.set(f.stalled);
        });
    }
    let navigate = use_navigate();
    let apply = {
        let fields = fields.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let mut f = Filter::default();
            for (k, sig) in &fields {
                let v = sig.get_untracked();
                if !v.trim().is_empty() {
                    f.set(*k, Some(v.trim().to_owned()));
                }
            }
            f.match_all = f.active().count() > 1;
            f.page_size = size.get_untracked().parse().ok();
            f.stalled = stalled.get_untracked();
            navigate(&view_path(&f), Default::default());
        }
    };
    view! {
        <form class="filters" on:submit=apply aria-label="Filters">
            {fields.into_iter().map(|(k, sig)| view! {
                <label>
                    <span>{label(k)}</span>
                    <input type="text" name=k.param() prop:value=sig on:input=move |ev| sig.set(event_target_value(&ev))/>
                </label>
            }).collect_view()}
            <label>
                <span>"Per page"</span>
                <select name="page_size" prop:value=size on:change=move |ev| size.set(event_target_value(&ev))>
                    <option value="">"100"</option>
                    {PAGE_SIZES.iter().filter(|s| **s != 100).map(|s| view! { <option value=s.to_string()>{s.to_string()}</option> }).collect_view()}
                </select>
            </label>
            <label class="check">
                <input type="checkbox" name="stalled" prop:checked=stalled on:change=move |ev| stalled.set(event_target_checked(&ev))/>
                <span>"Stalled only"</span>
            </label>
            <button type="submit">"Apply"</button>
            <a class="button" href=move || view_href(&Filter::default())>"Clear"</a>
        </form>
    }
}
