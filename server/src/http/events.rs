//! `GET <base>/events`: the live announcements as server-sent events, so open dashboards
//! refresh exactly the affected rows. Browsers reconnect by themselves after a restart
//! (EventSource); on shutdown every stream ends, so the server never waits on a client.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use app::rows::{EventKind, LiveEvent};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::stream;
use tokio::sync::{broadcast, watch, Semaphore};

pub use crate::live::{channel, publish, Events};

/// What the stream needs: the announcements, the shutdown signal and the free slots.
#[derive(Clone)]
pub struct Live {
    events: Events,
    closing: watch::Receiver<bool>,
    slots: Arc<Semaphore>,
}

impl Live {
    /// Streams of `events` ending when `closing` turns true, at most `max_streams` at once.
    pub fn new(events: Events, closing: watch::Receiver<bool>, max_streams: usize) -> Self {
        Live { events, closing, slots: Arc::new(Semaphore::new(max_streams)) }
    }
}

/// `GET <base>/events`; 503 with `Retry-After` when every slot is taken (browsers retry).
pub async fn stream(State(live): State<Live>) -> Response {
    let Ok(slot) = live.slots.clone().try_acquire_owned() else {
        let msg = "Too many live streams are open; try again later.\n";
        return (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "30")], msg).into_response();
    };
    let rx = live.events.subscribe();
    // The slot lives in the stream's state: it is freed when the client goes or the stream ends.
    let s = stream::unfold((rx, live.closing, slot), |(mut rx, mut closing, slot)| async move {
        let received = tokio::select! {
            r = rx.recv() => r,
            _ = closing.wait_for(|c| *c) => return None,
        };
        let event = match received {
            Ok(e) => e,
            Err(broadcast::error::RecvError::Lagged(_)) => {
                LiveEvent { kind: EventKind::Resync, changed: Vec::new(), run_start: None }
            }
            Err(broadcast::error::RecvError::Closed) => return None,
        };
        let data = serde_json::to_string(&event).unwrap_or_default();
        Some((Ok::<_, Infallible>(Event::default().data(data)), (rx, closing, slot)))
    });
    Sse::new(s).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response()
}
