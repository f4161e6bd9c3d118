//! `GET <base>/events`: the live announcements as server-sent events, so open dashboards
//! refresh exactly the affected rows. Browsers reconnect by themselves after a restart
//! (EventSource); on shutdown every stream ends, so the server never waits on a client.

use std::convert::Infallible;
use std::time::Duration;

use app::rows::LiveEvent;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::stream::{self, Stream};
use tokio::sync::{broadcast, watch};

pub use crate::live::{channel, publish, Events};

/// What the stream needs: the announcements and the shutdown signal.
#[derive(Clone)]
pub struct Live {
    /// The announcements.
    pub events: Events,
    /// Turns true when the server shuts down.
    pub closing: watch::Receiver<bool>,
}

/// `GET <base>/events`.
pub async fn stream(State(live): State<Live>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let rx = live.events.subscribe();
    let s = stream::unfold((rx, live.closing), |(mut rx, mut closing)| async move {
        let received = tokio::select! {
            r = rx.recv() => r,
            _ = closing.wait_for(|c| *c) => return None,
        };
        let event = match received {
            Ok(e) => e,
            Err(broadcast::error::RecvError::Lagged(_)) => {
                LiveEvent { kind: "resync".into(), changed: Vec::new(), run_start: None }
            }
            Err(broadcast::error::RecvError::Closed) => return None,
        };
        let data = serde_json::to_string(&event).unwrap_or_default();
        Some((Ok(Event::default().data(data)), (rx, closing)))
    });
    Sse::new(s).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
