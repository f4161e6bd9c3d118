//! The filter bar: every legacy parameter and the analytics filters (status checkboxes, a
//! priority range, PWG and datatier), combined with AND, and the page size; applying it
//! navigates, so the view is in the URL (shareable, back/forward, reload).

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::base::{view_href, view_path};
use crate::filter::{Facets, Filter, FilterKey, RequestStatus, PAGE_SIZES};

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

/// The legacy parameters' inputs, the page size and "stalled only".
#[derive(Clone)]
struct MainFields {
    fields: Vec<(FilterKey, RwSignal<String>)>,
    size: RwSignal<String>,
    stalled: RwSignal<bool>,
}

impl MainFields {
    fn new() -> Self {
        MainFields {
            fields: FilterKey::ALL.iter().map(|k| (*k, RwSignal::new(String::new()))).collect(),
            size: RwSignal::new(String::new()),
            stalled: RwSignal::new(false),
        }
    }

    fn fill(&self, f: &Filter) {
        for (k, sig) in &self.fields {
            sig.set(f.get(*k).unwrap_or_default().to_owned());
        }
        self.size.set(f.page_size.map(|s| s.to_string()).unwrap_or_default());
        self.stalled.set(f.stalled);
    }

    /// The filter the inputs say; several parameters combine with AND.
    fn read(&self) -> Filter {
        let mut f = Filter::default();
        for (k, sig) in &self.fields {
            let v = sig.get_untracked();
            if !v.trim().is_empty() {
                f.set(*k, Some(v.trim().to_owned()));
            }
        }
        f.match_all = f.active().count() > 1;
        f.page_size = self.size.get_untracked().parse().ok();
        f.stalled = self.stalled.get_untracked();
        f
    }
}

/// Where applying `f` goes: `target` (keeping the view's own parameters `extra`), or the list.
fn destination(f: &Filter, target: Option<&'static str>, extra: Option<Signal<String>>) -> String {
    match target {
        Some(view) => {
            let extra = extra.map(|e| e.get_untracked()).unwrap_or_default();
            let query: Vec<String> = [f.to_query(), extra].into_iter().filter(|q| !q.is_empty()).collect();
            format!("{view}?{}", query.join("&"))
        }
        None => view_path(f),
    }
}

/// The filter form, filled from the current URL's filter. Applying it opens `target` (a view
/// below the base, e.g. `/campaigns`) with the filter, or the list when it is not given; the
/// view's own parameters (`extra`, e.g. a bucket) are kept.
#[component]
pub fn FilterBar(
    filter: Memo<Result<Filter, String>>,
    #[prop(optional)] target: Option<&'static str>,
    #[prop(optional, into)] extra: Option<Signal<String>>,
) -> impl IntoView {
    let main = MainFields::new();
    let facets = FacetFields::new();
    {
        let main = main.clone();
        Effect::new(move |_| {
            let f = filter.get().unwrap_or_default();
            main.fill(&f);
            facets.fill(&f.facets);
        });
    }
    let navigate = use_navigate();
    let apply = {
        let main = main.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            // The order is the list's, not a filter: it stays what the URL had.
            let sort = filter.get_untracked().ok().and_then(|f| f.sort);
            let f = Filter { facets: facets.read(), sort, ..main.read() };
            navigate(&destination(&f, target, extra), Default::default());
        }
    };
    let MainFields { fields, size, stalled } = main;
    let open = RwSignal::new(false);
    view! {
        {fold_button(open)}
        <form id="filters" class="filters" class:open=move || open.get() on:submit=apply aria-label="Filters">
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
                    {PAGE_SIZES
                        .iter()
                        .filter(|s| **s != 100)
                        .map(|s| view! { <option value=s.to_string()>{s.to_string()}</option> })
                        .collect_view()}
                </select>
            </label>
            {facets.view()}
            <label class="check">
                <input type="checkbox" name="stalled" prop:checked=stalled on:change=move |ev| stalled.set(event_target_checked(&ev))/>
                <span>"Stalled only"</span>
            </label>
            <button type="submit">"Apply"</button>
            <a class="button" href=move || view_href(&Filter::default())>"Clear"</a>
        </form>
    }
}

/// On a phone the form folds behind this button (style/main.css), so the list comes first.
fn fold_button(open: RwSignal<bool>) -> impl IntoView {
    view! {
        <button type="button" class="filters-toggle" aria-controls="filters" aria-expanded=move || open.get().to_string()
            on:click=move |_| open.update(|o| *o = !*o)>
            {move || if open.get() { "Hide filters" } else { "Filters" }}
        </button>
    }
}

/// The analytics filters' inputs.
#[derive(Clone, Copy)]
struct FacetFields {
    status: RwSignal<Vec<RequestStatus>>,
    priority_min: RwSignal<String>,
    priority_max: RwSignal<String>,
    pwg: RwSignal<String>,
    tier: RwSignal<String>,
    /// pMp's priority blocks, "0, 1".
    blocks: RwSignal<String>,
    /// Days in the current status at least.
    status_days: RwSignal<String>,
    /// What the bar has no input for (the alerts' filters, a group of what changed): kept as
    /// the URL had them.
    kept: RwSignal<Facets>,
}

/// Several values in one text field, separated by commas: alternatives (OR).
fn split(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in text.split(',').map(str::trim).filter(|v| !v.is_empty()) {
        if !out.iter().any(|o| o == v) {
            out.push(v.to_owned());
        }
    }
    out
}

impl FacetFields {
    fn new() -> Self {
        let text = || RwSignal::new(String::new());
        FacetFields {
            status: RwSignal::new(Vec::new()),
            priority_min: text(),
            priority_max: text(),
            pwg: text(),
            tier: text(),
            blocks: text(),
            status_days: text(),
            kept: RwSignal::new(Facets::default()),
        }
    }

    fn fill(&self, f: &Facets) {
        let number = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
        self.status.set(f.status.clone());
        self.priority_min.set(number(f.priority_min));
        self.priority_max.set(number(f.priority_max));
        self.pwg.set(f.pwg.join(", "));
        self.tier.set(f.tier.join(", "));
        let blocks: Vec<String> = f.priority_block.iter().map(u8::to_string).collect();
        self.blocks.set(blocks.join(", "));
        self.status_days.set(f.status_days.map(|d| d.to_string()).unwrap_or_default());
        self.kept.set(Facets {
            dataset_status: f.dataset_status.clone(),
            idle_days: f.idle_days,
            change: f.change,
            change_since: f.change_since,
            ..Facets::default()
        });
    }

    /// The facets as entered; a priority that is not a number is left out here and refused
    /// by the browser's number input before that.
    fn read(&self) -> Facets {
        let number = |s: RwSignal<String>| s.get_untracked().trim().parse().ok();
        let mut status = self.status.get_untracked();
        status.sort();
        Facets {
            status,
            priority_min: number(self.priority_min),
            priority_max: number(self.priority_max),
            pwg: split(&self.pwg.get_untracked()),
            tier: split(&self.tier.get_untracked()),
            // Blocks beyond 0–7 are left out: the input says which exist.
            priority_block: split(&self.blocks.get_untracked())
                .iter()
                .filter_map(|b| b.parse().ok())
                .filter(|b| *b <= 7)
                .collect(),
            status_days: self.status_days.get_untracked().trim().parse().ok().filter(|d| (1..=3650).contains(d)),
            ..self.kept.get_untracked()
        }
    }

    fn view(self) -> impl IntoView {
        let chosen = move || self.status.with(Vec::len);
        let toggle = move |s: RequestStatus, on: bool| {
            self.status.update(|list| {
                list.retain(|x| *x != s);
                if on {
                    list.push(s);
                }
            })
        };
        let text = |label: &'static str, name: &'static str, sig: RwSignal<String>, hint: &'static str| {
            view! {
                <label>
                    <span>{label}</span>
                    <input type="text" name=name placeholder=hint prop:value=sig
                        on:input=move |ev| sig.set(event_target_value(&ev))/>
                </label>
            }
        };
        let number = |label: &'static str, name: &'static str, sig: RwSignal<String>| {
            view! {
                <label class="priority">
                    <span>{label}</span>
                    <input type="number" name=name step="1" prop:value=sig
                        on:input=move |ev| sig.set(event_target_value(&ev))/>
                </label>
            }
        };
        view! {
            <details class="statuses">
                <summary>{move || match chosen() { 0 => "Status: any".to_owned(), n => format!("Status: {n} chosen") }}</summary>
                <div class="panel">{RequestStatus::ALL.into_iter().map(|s| view! {
                    <label class="check">
                        <input type="checkbox" name="status" value=s.as_str()
                            prop:checked=move || self.status.with(|l| l.contains(&s))
                            on:change=move |ev| toggle(s, event_target_checked(&ev))/>
                        <span>{s.as_str()}</span>
                    </label>
                }).collect_view()}</div>
            </details>
            {number("Priority from", "priority_min", self.priority_min)}
            {number("to", "priority_max", self.priority_max)}
            {text("PWG", "pwg", self.pwg, "e.g. HIG, SUS")}
            {text("Datatier", "tier", self.tier, "e.g. MINIAODSIM")}
            {text("Priority block", "priority_block", self.blocks, "0 to 7, e.g. 0, 1")}
            {number("In status ≥ days", "status_days", self.status_days)}
        }
    }
}
