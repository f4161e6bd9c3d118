//! What the views do with the live stream (`stream.rs` holds the connection): rows the server
//! says changed are fetched again, alone; EventSource reconnects by itself after a server
//! restart, saying the last event id it saw, and the server replays what was missed or
//! answers `resync`.

use std::collections::HashMap;

use leptos::prelude::*;

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
/// with a `resync` when events may have been missed (`stream.rs`).
pub fn subscribe(handle: impl Fn(LiveEvent) + 'static) {
    let id = super::stream::add(handle);
    on_cleanup(move || super::stream::remove(id));
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
