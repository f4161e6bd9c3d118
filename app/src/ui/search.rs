//! The search box: suggestions as you type (values the index knows that start with the text,
//! whatever its case, of every kind an operator searches by), chosen with the mouse or the
//! keyboard (arrows, Enter, Escape); a choice opens its filter. Submitting the text itself resolves it like
//! the original's `/search` (A14), without a reload.

use std::fmt::Write;

use js_sys::wasm_bindgen::JsCast;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::base::view_path;
use crate::api::{search, suggest};
use crate::format::thousands;
use crate::markup::escape;
use crate::suggest::{Suggestion, MIN_CHARS};

/// What the box holds between key presses.
#[derive(Clone, Copy)]
struct State {
    query: RwSignal<String>,
    offered: RwSignal<Vec<Suggestion>>,
    active: RwSignal<Option<usize>>,
    /// Answers can arrive out of order: only the latest typed text's are shown.
    asked: StoredValue<u64>,
}

impl State {
    fn new() -> Self {
        State {
            query: RwSignal::new(String::new()),
            offered: RwSignal::new(Vec::new()),
            active: RwSignal::new(None),
            asked: StoredValue::new(0),
        }
    }

    fn close(self) {
        self.offered.set(Vec::new());
        self.active.set(None);
    }

    fn chosen(self, index: Option<usize>) -> Option<Suggestion> {
        index.and_then(|i| self.offered.with_untracked(|o| o.get(i).cloned()))
    }

    /// New text: asks for suggestions once it is long enough.
    fn typed(self, q: String) {
        self.query.set(q.clone());
        self.active.set(None);
        let n = self.asked.get_value() + 1;
        self.asked.set_value(n);
        if q.trim().chars().count() < MIN_CHARS {
            self.offered.set(Vec::new());
            return;
        }
        leptos::task::spawn_local(async move {
            let found = suggest(q).await.unwrap_or_default();
            if self.asked.get_value() == n {
                self.offered.set(found);
            }
        });
    }

    /// Arrows move through the list, Enter opens the active one, Escape closes it.
    fn key(self, ev: &leptos::ev::KeyboardEvent, open: &impl Fn(&Suggestion)) {
        let n = self.offered.with(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" if n > 0 => {
                ev.prevent_default();
                self.active.update(|a| *a = Some(a.map_or(0, |i| (i + 1) % n)));
            }
            "ArrowUp" if n > 0 => {
                ev.prevent_default();
                self.active.update(|a| *a = Some(a.map_or(n - 1, |i| (i + n - 1) % n)));
            }
            "Enter" => {
                if let Some(s) = self.chosen(self.active.get_untracked()) {
                    ev.prevent_default();
                    open(&s);
                }
            }
            // A search input clears itself on Escape by default; here Escape only closes
            // the list, so the typed text survives (and Enter then searches it).
            "Escape" => {
                ev.prevent_default();
                self.close();
            }
            _ => {}
        }
    }

    /// The list as markup (lighter in the bundle than a typed view per item); a press on an
    /// item is read from its `data-index`.
    fn markup(self) -> String {
        let mut out = String::new();
        let active = self.active.get();
        for (i, s) in self.offered.get().iter().enumerate() {
            let on = active == Some(i);
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
    }
}

/// The `data-index` of the list item a mouse event happened in.
fn pressed_index(ev: &leptos::ev::MouseEvent) -> Option<usize> {
    let target = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
    let item = target.and_then(|t| t.closest("li[data-index]").ok().flatten());
    item.and_then(|li| li.get_attribute("data-index")).and_then(|i| i.parse::<usize>().ok())
}

/// The search form with its suggestion list.
#[component]
pub fn SearchBox() -> impl IntoView {
    let state = State::new();
    let searching = RwSignal::new(false);
    let navigate = use_navigate();
    let open = {
        let navigate = navigate.clone();
        move |s: &Suggestion| {
            state.close();
            state.query.set(s.value.clone());
            navigate(&view_path(&s.kind.filter(&s.value)), Default::default());
        }
    };
    let on_key = {
        let open = open.clone();
        move |ev: leptos::ev::KeyboardEvent| state.key(&ev, &open)
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (q, navigate) = (state.query.get_untracked(), navigate.clone());
        state.offered.set(Vec::new());
        // An empty search would list every workflow: it does nothing.
        if q.trim().is_empty() {
            return;
        }
        searching.set(true);
        leptos::task::spawn_local(async move {
            if let Ok(f) = search(q).await {
                navigate(&view_path(&f), Default::default());
            }
            searching.set(false);
        });
    };
    let press = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        if let Some(s) = state.chosen(pressed_index(&ev)) {
            open(&s);
        }
    };
    let (offered, active) = (state.offered, state.active);
    view! {
        <form class="search" role="search" on:submit=on_submit>
            <input type="search" role="combobox" name="q" placeholder="PrepID, dataset, campaign, name…" aria-label="Search"
                autocomplete="off" aria-autocomplete="list" aria-controls="search-suggestions"
                aria-expanded=move || (!offered.with(Vec::is_empty)).to_string()
                aria-activedescendant=move || active.get().map(|i| format!("suggestion-{i}")).unwrap_or_default()
                prop:value=state.query on:input=move |ev| state.typed(event_target_value(&ev)) on:keydown=on_key
                on:blur=move |_| offered.set(Vec::new())/>
            <button type="submit" disabled=searching>"Search"</button>
            <ul id="search-suggestions" class="suggestions" role="listbox" hidden=move || offered.with(Vec::is_empty)
                on:mousedown=press inner_html=move || state.markup()></ul>
        </form>
    }
}
