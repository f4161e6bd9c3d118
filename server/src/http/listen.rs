//! The HTTP listener, with the limits `axum::serve` does not have: at most `max_connections`
//! connections at once (the next waits in the kernel's backlog, not in our memory), request
//! headers within `header_timeout` (a client that never finishes them is dropped), and on
//! shutdown open connections finish their request in flight and close; any still open after
//! `drain` are dropped, so no client holds up the exit.
//!
//! hyper's own header timeout starts only once it knows the protocol, so a socket that sends
//! nothing, or only the first bytes of HTTP/2's preface, was never closed, and as many such
//! sockets as `max_connections` kept every other client out. Each connection therefore also
//! counts its requests in flight (until the answer's body is done, so live streams count):
//! one with none for `header_timeout`, from its start or since its last answer, is closed,
//! whatever its protocol.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::Router;
use http_body_util::BodyExt;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};

pub use crate::config::Limits;

/// Serves `router` on `listener` within `limits` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let (closing_tx, closing) = watch::channel(false);
    let mut builder = Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(limits.header_timeout);
    builder.http2().timer(TokioTimer::new()).keep_alive_interval(Some(Duration::from_secs(30)));
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            s = slots.clone().acquire_owned() => s.map_err(std::io::Error::other)?,
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors, say: wait rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = stream;
        let served = (router.clone(), Peer(peer));
        tokio::spawn(connection(stream, served, builder.clone(), closing.clone(), limits.header_timeout, slot));
    }
    drop(listener);
    let _ = closing_tx.send(true);
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    if tokio::time::timeout(limits.drain, slots.acquire_many(all)).await.is_err() {
        tracing::warn!(after = ?limits.drain, "connections still open at shutdown are dropped");
    }
    Ok(())
}

/// The address a request came from (the rate limit of short links counts it when no SSO
/// user is known).
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub std::net::SocketAddr);

/// Serves one connection until it ends, the server closes (it finishes its request in
/// flight), or it has had no request in flight for `quiet`; then frees its `slot`.
async fn connection(
    stream: tokio::net::TcpStream,
    (router, peer): (Router, Peer),
    builder: Builder<TokioExecutor>,
    mut closing: watch::Receiver<bool>,
    quiet: Duration,
    slot: tokio::sync::OwnedSemaphorePermit,
) {
    let idle = InFlight::new();
    let service = TowerToHyperService::new(counted(router, idle.clone(), peer));
    let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
    tokio::pin!(conn);
    // The guard `wait_for` returns must not live across the awaits below.
    let closed = async move {
        let _ = closing.wait_for(|c| *c).await;
    };
    tokio::select! {
        _ = conn.as_mut() => {}
        () = closed => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
        () = idle.quiet_for(quiet) => {
            // HTTP/2 gets its GOAWAY; whatever does not close promptly is dropped.
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(Duration::from_secs(1), conn).await;
        }
    }
    drop(slot);
}

/// `router` as a service that counts its requests in `idle` until each answer's body is done.
fn counted(
    router: Router,
    idle: InFlight,
    peer: Peer,
) -> impl tower::Service<
    axum::http::Request<hyper::body::Incoming>,
    Response = axum::response::Response,
    Error = Infallible,
    Future = impl Send,
> + Clone {
    tower::service_fn(move |mut req: axum::http::Request<hyper::body::Incoming>| {
        req.extensions_mut().insert(peer);
        let busy = idle.start();
        let router = router.clone();
        async move {
            let resp = tower::ServiceExt::oneshot(router, req).await?;
            // The closure owns `busy`: it is dropped with the body, when the answer is done.
            Ok(resp.map(|body| {
                Body::new(body.map_frame(move |frame| {
                    let _ = &busy;
                    frame
                }))
            }))
        }
    })
}

/// Requests in flight on one connection, and since when that number last changed.
#[derive(Clone)]
struct InFlight(Arc<watch::Sender<(usize, Instant)>>);

/// One request in flight; dropped when its answer is done.
struct Busy(Arc<watch::Sender<(usize, Instant)>>);

impl InFlight {
    fn new() -> Self {
        InFlight(Arc::new(watch::channel((0, Instant::now())).0))
    }

    fn start(&self) -> Busy {
        self.0.send_modify(|(n, since)| {
            *n += 1;
            *since = Instant::now();
        });
        Busy(self.0.clone())
    }

    /// Resolves once no request has been in flight for `limit`.
    async fn quiet_for(&self, limit: Duration) {
        let mut changes = self.0.subscribe();
        loop {
            let (n, since) = *changes.borrow_and_update();
            if n == 0 {
                tokio::select! {
                    () = tokio::time::sleep_until((since + limit).into()) => return,
                    _ = changes.changed() => {}
                }
            } else if changes.changed().await.is_err() {
                return;
            }
        }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.send_modify(|(n, since)| {
            *n = n.saturating_sub(1);
            *since = Instant::now();
        });
    }
}
