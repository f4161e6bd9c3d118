//! A stand-in for a chat server's incoming webhook (Mattermost's `POST /hooks/<key>`), so the
//! demo's watches have somewhere to notify: each message's text is logged and the last
//! hundred are kept for `GET /hooks/<key>`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::Value;

/// Messages kept per simulator.
const KEPT: usize = 100;

/// What the chat stand-in received.
#[derive(Default)]
pub struct Chat {
    messages: Mutex<VecDeque<(String, String)>>,
}

/// `POST /hooks/<key>` (a message) and `GET /hooks/<key>` (the last ones to that key).
pub fn router(chat: Arc<Chat>) -> Router {
    Router::new().route("/hooks/{key}", post(receive).get(list)).with_state(chat)
}

async fn receive(State(chat): State<Arc<Chat>>, Path(key): Path<String>, Json(body): Json<Value>) -> StatusCode {
    let Some(text) = body.get("text").and_then(Value::as_str) else { return StatusCode::BAD_REQUEST };
    tracing::info!(hook = key, "chat message: {}", text.lines().next().unwrap_or_default());
    if let Ok(mut m) = chat.messages.lock() {
        if m.len() == KEPT {
            m.pop_front();
        }
        m.push_back((key, text.to_owned()));
    }
    StatusCode::OK
}

async fn list(State(chat): State<Arc<Chat>>, Path(key): Path<String>) -> Json<Vec<String>> {
    let m = chat.messages.lock().map(|m| m.iter().filter(|(k, _)| *k == key).map(|(_, t)| t.clone()).collect());
    Json(m.unwrap_or_default())
}
