//! The live stream: server-sent events announcing changed workflows and finished runs, so
//! open dashboards refresh exactly the affected rows. Browsers reconnect by themselves after
//! a restart (EventSource).

use std::convert::Infallible;
use std::time::Duration;

use app::rows::LiveEvent;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::stream::{self, Stream};
use tokio::sync::broadcast;

/// Where events are published.
pub type Events = broadcast::Sender<LiveEvent>;

/// A channel for events; slow clients that fall behind get a `resync`.
pub fn channel() -> Events {
    broadcast::channel(256).0
}

/// Publishes `changed` workflows; more than `MAX` names become a `resync`.
pub fn publish(events: &Events, kind: &str, changed: Vec<String>, run_start: Option<i64>) {
    const MAX: usize = 2000;
    let event = if changed.len() > MAX {
        LiveEvent { kind: "resync".into(), changed: Vec::new(), run_start }
    } else {
        LiveEvent { kind: kind.into(), changed, run_start }
    };
    // No subscribers is fine: nobody is looking.
    let _ = events.send(event);
}

/// `GET <base>/events`.
pub async fn stream(State(events): State<Events>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let rx = events.subscribe();
    let s = stream::unfold(rx, |mut rx| async move {
        let event = match rx.recv().await {
            Ok(e) => e,
            Err(broadcast::error::RecvError::Lagged(_)) => {
                LiveEvent { kind: "resync".into(), changed: Vec::new(), run_start: None }
            }
            Err(broadcast::error::RecvError::Closed) => return None,
        };
        let data = serde_json::to_string(&event).unwrap_or_default();
        Some((Ok(Event::default().data(data)), rx))
    });
    Sse::new(s).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
