//! Admin actions: the token field (session storage only) and the per-workflow Update button.

use leptos::prelude::*;

use crate::api::{admin_update, AdminOutcome};
use crate::rows::WorkflowRow;

const TOKEN_KEY: &str = "stats2-admin-token";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// The admin token of this browser tab, if pasted.
pub fn token() -> Option<String> {
    storage()?.get_item(TOKEN_KEY).ok()?.filter(|t| !t.is_empty())
}

/// A field to paste the admin token; kept in session storage, never in the URL.
#[component]
pub fn TokenField() -> impl IntoView {
    let value = RwSignal::new(token().unwrap_or_default());
    let save = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        if let Some(s) = storage() {
            let _ = if v.is_empty() { s.remove_item(TOKEN_KEY) } else { s.set_item(TOKEN_KEY, &v) };
        }
        value.set(v);
    };
    view! {
        <label class="token">
            <span>"Admin token"</span>
            <input type="password" autocomplete="off" placeholder="only needed without SSO" prop:value=value on:change=save/>
        </label>
    }
}

/// Progress and outcome of a row's update; owned by the row so a refreshed row keeps it.
#[derive(Clone, Copy)]
pub struct UpdateState {
    busy: RwSignal<bool>,
    result: RwSignal<Option<(bool, String)>>,
}

impl UpdateState {
    /// Idle, no result yet.
    pub fn new() -> Self {
        UpdateState { busy: RwSignal::new(false), result: RwSignal::new(None) }
    }
}

/// Updates one workflow now; shows progress and the result, then refreshes its row.
#[component]
pub fn UpdateButton(row: RwSignal<WorkflowRow>, state: UpdateState) -> impl IntoView {
    let UpdateState { busy, result } = state;
    let click = move |_| {
        let name = row.get_untracked().name;
        busy.set(true);
        result.set(None);
        leptos::task::spawn_local(async move {
            let outcome = admin_update(name, token()).await;
            let message = match outcome {
                Ok(AdminOutcome::Updated(new_row)) => {
                    if let Some(r) = new_row {
                        row.set(*r);
                    }
                    (true, "Updated".to_owned())
                }
                Ok(AdminOutcome::Unauthorized) if token().is_some() => {
                    (false, "Not authorised: the admin token was refused".to_owned())
                }
                Ok(AdminOutcome::Unauthorized) => (false, "Not authorised: paste the admin token above".to_owned()),
                Ok(AdminOutcome::Forbidden(user)) => (false, format!("{user} is not an admin")),
                Ok(AdminOutcome::Busy(m)) | Ok(AdminOutcome::Failed(m)) => (false, m),
                Err(e) => (false, e.to_string()),
            };
            result.set(Some(message));
            busy.set(false);
        });
    };
    view! {
        <span class="admin">
            <button type="button" class="update" on:click=click disabled=busy>
                {move || if busy.get() { "Updating…" } else { "Update" }}
            </button>
            {move || result.get().map(|(ok, m)| view! {
                <span class=if ok { "result ok" } else { "result error" } role="status">{m}</span>
            })}
        </span>
    }
}
