//! The search box: suggestions as you type (values the index knows that start with the text,
//! of every kind an operator searches by), chosen with the mouse or the keyboard (arrows,
//! Enter, Escape); a choice opens its filter. Submitting the text itself resolves it like
//! the original's `/search` (A14), without a reload.

use std::fmt::Write;

use js_sys::wasm_bindgen::JsCast;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::base::view_path;
use super::chart::escape;
use crate::api::{search, suggest};
use crate::format::thousands;
use crate::suggest::{Suggestion, MIN_CHARS};

/// The search form with its suggestion list.
#[component]
pub fn SearchBox() -> impl IntoView {
    let query = RwSignal::new(String::new());
    let searching = RwSignal::new(false);
    let offered = RwSignal::new(Vec::<Suggestion>::new());
    let active = RwSignal::new(None::<usize>);
    // Answers can arrive out of order: only the latest typed text's are shown.
    let asked = StoredValue::new(0u64);
    let navigate = use_navigate();
    let open = {
        let navigate = navigate.clone();
        move |s: &Suggestion| {
            offered.set(Vec::new());
            active.set(None);
            query.set(s.value.clone());
            navigate(&view_path(&s.kind.filter(&s.value)), Default::default());
        }
    };
    let on_input = move |ev: leptos::ev::Event| {
        let q = event_target_value(&ev);
        query.set(q.clone());
        active.set(None);
        let n = asked.get_value() + 1;
        asked.set_value(n);
        if q.trim().chars().count() < MIN_CHARS {
            offered.set(Vec::new());
            return;
        }
        leptos::task::spawn_local(async move {
            let found = suggest(q).await.unwrap_or_default();
            if asked.get_value() == n {
                offered.set(found);
            }
        });
    };
    let on_key = {
        let open = open.clone();
        move |ev: leptos::ev::KeyboardEvent| {
            let n = offered.with(Vec::len);
            match ev.key().as_str() {
                "ArrowDown" if n > 0 => {
                    ev.prevent_default();
                    active.update(|a| *a = Some(a.map_or(0, |i| (i + 1) % n)));
                }
                "ArrowUp" if n > 0 => {
                    ev.prevent_default();
                    active.update(|a| *a = Some(a.map_or(n - 1, |i| (i + n - 1) % n)));
                }
                "Enter" => {
                    if let Some(s) = active.get_untracked().and_then(|i| offered.with_untracked(|o| o.get(i).cloned()))
                    {
                        ev.prevent_default();
                        open(&s);
                    }
                }
                "Escape" => {
                    offered.set(Vec::new());
                    active.set(None);
                }
                _ => {}
            }
        }
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let q = query.get_untracked();
        let navigate = navigate.clone();
        offered.set(Vec::new());
        searching.set(true);
        leptos::task::spawn_local(async move {
            if let Ok(f) = search(q).await {
                navigate(&view_path(&f), Default::default());
            }
            searching.set(false);
        });
    };
    // The list as markup (lighter in the bundle than a typed view per item); a press on an
    // item is read from its `data-index`.
    let list = move || {
        let mut out = String::new();
        for (i, s) in offered.get().iter().enumerate() {
            let on = active.get() == Some(i);
            let _ = write!(
                out,
                r#"<li role="option" id="suggestion-{i}" class="suggestion{}" aria-selected="{on}" data-kind="{}" data-index="{i}"><span class="value">{}</span><span class="kind">{} · {}</span></li>"#,
                if on { " active" } else { "" },
                s.kind.label(),
                escape(&s.value),
                s.kind.label(),
                thousands(s.workflows as i64)
            );
        }
        out
    };
    let press = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        let target = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
        let item = target.and_then(|t| t.closest("li[data-index]").ok().flatten());
        let index = item.and_then(|li| li.get_attribute("data-index")).and_then(|i| i.parse::<usize>().ok());
        if let Some(s) = index.and_then(|i| offered.with_untracked(|o| o.get(i).cloned())) {
            open(&s);
        }
    };
    view! {
        <form class="search" role="search" on:submit=on_submit>
            <input type="search" name="q" placeholder="PrepID, dataset, campaign, name…" aria-label="Search"
                autocomplete="off" aria-autocomplete="list" aria-controls="search-suggestions"
                aria-expanded=move || (!offered.with(Vec::is_empty)).to_string()
                aria-activedescendant=move || active.get().map(|i| format!("suggestion-{i}")).unwrap_or_default()
                prop:value=query on:input=on_input on:keydown=on_key
                on:blur=move |_| offered.set(Vec::new())/>
            <button type="submit" disabled=searching>"Search"</button>
            <ul id="search-suggestions" class="suggestions" role="listbox" hidden=move || offered.with(Vec::is_empty)
                on:mousedown=press inner_html=list></ul>
        </form>
    }
}
