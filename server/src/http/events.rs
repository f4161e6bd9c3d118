//! `GET <base>/events`: the live announcements as server-sent events, so open dashboards
//! refresh exactly the affected rows. Browsers reconnect by themselves after a restart
//! (EventSource); on shutdown every stream ends, so the server never waits on a client.
//!
//! Every event carries an `id`, and every stream starts with one (an event with an id and no
//! data, which browsers record without dispatching): browsers send `Last-Event-ID` only once
//! they have received an id, and a client that had seen no event yet must be able to resume
//! too. A reconnect with `Last-Event-ID` first gets what it missed, or a `resync`.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use app::rows::{EventKind, LiveEvent};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::{stream, StreamExt};
use tokio::sync::{broadcast, watch, Semaphore};

use crate::live::Missed;
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
pub async fn stream(State(live): State<Live>, headers: HeaderMap) -> Response {
    let Ok(slot) = live.slots.clone().try_acquire_owned() else {
        let msg = "Too many live streams are open; try again later.\n";
        return (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "30")], msg).into_response();
    };
    // Subscribe before looking at what was missed: nothing falls between the two, and what
    // comes twice is skipped by its number.
    let rx = live.events.subscribe();
    let last_id = headers.get("last-event-id").and_then(|v| v.to_str().ok());
    let first: Vec<LiveEvent> = match last_id.map(|id| live.events.missed(id)) {
        Some(Missed::Replay(missed)) => missed,
        Some(Missed::Resync) => vec![resync(live.events.current())],
        None => Vec::new(),
    };
    let sent = first.last().map_or_else(|| live.events.current(), |e| e.seq);
    let opening: Vec<Event> = if first.is_empty() {
        vec![Event::default().id(live.events.id(sent))]
    } else {
        first.iter().map(|e| to_sse(&live.events, e)).collect()
    };
    let opening = opening.into_iter().map(Ok::<_, Infallible>);
    let events = live.events.clone();
    // The slot lives in the stream's state: it is freed when the client goes or the stream ends.
    let s = stream::unfold((rx, live.closing, slot, sent), move |(mut rx, mut closing, slot, sent)| {
        let events = events.clone();
        async move {
            let event = loop {
                let received = tokio::select! {
                    r = rx.recv() => r,
                    _ = closing.wait_for(|c| *c) => return None,
                };
                match received {
                    Ok(e) if e.seq <= sent => continue,
                    Ok(e) => break e,
                    Err(broadcast::error::RecvError::Lagged(_)) => break resync(events.current()),
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            };
            let sse = to_sse(&events, &event);
            Some((Ok::<_, Infallible>(sse), (rx, closing, slot, event.seq.max(sent))))
        }
    });
    Sse::new(stream::iter(opening).chain(s))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

/// "Reload what you show", numbered as the latest event: what follows it comes in order.
fn resync(seq: u64) -> LiveEvent {
    LiveEvent { kind: EventKind::Resync, changed: Vec::new(), run_start: None, seq }
}

fn to_sse(events: &Events, e: &LiveEvent) -> Event {
    let data = serde_json::to_string(e).unwrap_or_default();
    Event::default().id(events.id(e.seq)).data(data)
}
