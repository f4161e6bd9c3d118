//! The live stream in the browser: rows the server says changed are fetched again, alone;
//! EventSource reconnects by itself after a server restart.

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

/// Calls `handle` with every event of `<base>/events` while the calling component lives.
pub fn subscribe(handle: impl Fn(LiveEvent) + 'static) {
    let Ok(source) = web_sys::EventSource::new(&format!("{}/events", base_path())) else { return };
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
        if let Some(event) = e.data().as_string().and_then(|t| serde_json::from_str::<LiveEvent>(&t).ok()) {
            handle(event);
        }
    });
    source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
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
