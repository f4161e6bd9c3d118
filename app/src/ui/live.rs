//! The live stream in the browser: rows the server says changed are fetched again, alone;
//! EventSource reconnects by itself after a server restart, saying the last event id it saw,
//! and the server replays what was missed or answers `resync`. A stream that comes back after
//! an error is treated as a `resync` too: the replica it reaches may be another one.

use std::collections::HashMap;

use js_sys::wasm_bindgen::closure::Closure;
use js_sys::wasm_bindgen::JsCast;
use leptos::prelude::*;

use super::base::base_path;
use crate::api::workflow_row;
use crate::rows::{EventKind, LiveEvent, WorkflowRow};

/// The rows on screen, by workflow name, so an event can refresh exactly those.
#[derive(Clone, Copy)]
pub struct RowRegistry(pub StoredValue<HashMap<String, RwSignal<WorkflowRow>>>);

impl RowRegistry {
    /// Registers a displayed row.
    pub fn add(&self, name: String, row: RwSignal<WorkflowRow>) {
        self.0.update_value(|m| {
            m.insert(name, row);
        });
    }
}

/// Calls `handle` with every event of `<base>/events` while the calling component lives, and
/// with a `resync` when the stream comes back after an error.
pub fn subscribe(handle: impl Fn(LiveEvent) + 'static) {
    let Ok(source) = web_sys::EventSource::new(&format!("{}/events", base_path())) else { return };
    let handle = std::rc::Rc::new(handle);
    let on_message = {
        let handle = handle.clone();
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            if let Some(event) = e.data().as_string().and_then(|t| serde_json::from_str::<LiveEvent>(&t).ok()) {
                handle(event);
            }
        })
    };
    let broken = std::rc::Rc::new(std::cell::Cell::new(false));
    let on_error = {
        let broken = broken.clone();
        Closure::<dyn FnMut()>::new(move || broken.set(true))
    };
    let on_open = Closure::<dyn FnMut()>::new(move || {
        if broken.replace(false) {
            handle(LiveEvent { kind: EventKind::Resync, changed: Vec::new(), run_start: None, seq: 0 });
        }
    });
    source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    on_message.forget();
    on_error.forget();
    on_open.forget();
    let source = StoredValue::new_local(source);
    on_cleanup(move || source.with_value(|s| s.close()));
}

/// Calls `refetch` after every finished run (and after missed events): for views of sums
/// and counts, which any run may change.
pub fn on_every_run(refetch: impl Fn() + 'static) {
    subscribe(move |e| {
        if matches!(e.kind, EventKind::Run | EventKind::Resync) {
            refetch();
        }
    });
}

/// The list's live updates: changed rows are refetched, `resync` (missed events) calls
/// `reload`, a finished run is reported to `on_run`.
pub fn listen(registry: RowRegistry, reload: impl Fn() + 'static, on_run: impl Fn(i64) + 'static) {
    subscribe(move |event| {
        if event.kind == EventKind::Resync {
            reload();
            return;
        }
        for name in event.changed {
            let Some(row) = registry.0.with_value(|m| m.get(&name).copied()) else { continue };
            leptos::task::spawn_local(async move {
                if let Ok(Some(fresh)) = workflow_row(name).await {
                    row.set(fresh);
                }
            });
        }
        if let Some(t) = event.run_start {
            on_run(t);
        }
    });
}
