//! Local receivers for watch notifications: a webhook endpoint and an SMTP server, each
//! recording what it accepted and failing a set share of deliveries (a deterministic
//! sequence, so a run can be repeated), as a flaky chat server or mail relay would.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::post;
use axum::Router;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// Fails `percent` of calls: call n fails when (n * 37) mod 100 is below it.
#[derive(Default)]
struct Faults {
    percent: u64,
    calls: AtomicU64,
}

impl Faults {
    fn next_fails(&self) -> bool {
        let n = self.calls.fetch_add(1, Ordering::Relaxed);
        (n * 37) % 100 < self.percent
    }
}

/// One webhook call: its idempotency key and body, and whether the sink accepted it.
#[derive(Debug, Clone)]
pub struct Hook {
    /// The `Idempotency-Key` header.
    pub key: String,
    /// The JSON body.
    pub body: Value,
    /// Answered 200 (else 500).
    pub accepted: bool,
    /// When it arrived.
    pub at: std::time::Instant,
}

#[derive(Default)]
struct HookState {
    faults: Faults,
    calls: Mutex<Vec<Hook>>,
    trapped: AtomicU64,
}

/// A webhook receiver: `POST /hook` records, `POST /moved` redirects to `/trap`, which counts.
#[derive(Clone)]
pub struct WebhookSink {
    state: Arc<HookState>,
    /// `127.0.0.1:<port>`.
    pub authority: String,
}

impl WebhookSink {
    /// Starts one that fails `percent` of calls.
    pub async fn start(percent: u64) -> std::io::Result<WebhookSink> {
        let state = Arc::new(HookState { faults: Faults { percent, ..Faults::default() }, ..HookState::default() });
        let app = Router::new()
            .route("/hook", post(hook))
            .route("/moved", post(|| async { Redirect::temporary("/trap") }))
            .route("/trap", post(trap))
            .with_state(state.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let authority = listener.local_addr()?.to_string();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(WebhookSink { state, authority })
    }

    /// Every call so far.
    pub fn calls(&self) -> Vec<Hook> {
        self.state.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// How long after `start` the first call arrived, if one did.
    pub fn first_call_after(&self, start: std::time::Instant) -> Option<std::time::Duration> {
        self.calls().iter().filter(|c| c.at >= start).map(|c| c.at - start).min()
    }

    /// Calls that reached `/trap` (a followed redirect).
    pub fn trapped(&self) -> u64 {
        self.state.trapped.load(Ordering::Relaxed)
    }
}

async fn hook(State(s): State<Arc<HookState>>, headers: HeaderMap, body: String) -> impl IntoResponse {
    let accepted = !s.faults.next_fails();
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let body = serde_json::from_str(&body).unwrap_or(Value::Null);
    if let Ok(mut calls) = s.calls.lock() {
        calls.push(Hook { key, body, accepted, at: std::time::Instant::now() });
    }
    if accepted {
        StatusCode::OK
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    }
}

async fn trap(State(s): State<Arc<HookState>>) -> StatusCode {
    s.trapped.fetch_add(1, Ordering::Relaxed);
    StatusCode::OK
}

/// One mail the SMTP sink accepted.
#[derive(Debug, Clone)]
pub struct Mail {
    /// `RCPT TO` addresses.
    pub to: Vec<String>,
    /// The message as sent (headers and body).
    pub data: String,
}

#[derive(Default)]
struct SmtpState {
    faults: Faults,
    mails: Mutex<Vec<Mail>>,
    refused: AtomicU64,
}

/// A plain SMTP receiver (no TLS, no authentication) that answers `451` to `percent` of
/// messages at the end of their data.
#[derive(Clone)]
pub struct SmtpSink {
    state: Arc<SmtpState>,
    /// `127.0.0.1:<port>`.
    pub authority: String,
}

impl SmtpSink {
    /// Starts one.
    pub async fn start(percent: u64) -> std::io::Result<SmtpSink> {
        let state = Arc::new(SmtpState { faults: Faults { percent, ..Faults::default() }, ..SmtpState::default() });
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let authority = listener.local_addr()?.to_string();
        let shared = state.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(session(socket, shared.clone()));
            }
        });
        Ok(SmtpSink { state, authority })
    }

    /// Mails accepted so far.
    pub fn mails(&self) -> Vec<Mail> {
        self.state.mails.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// Messages answered 451.
    pub fn refused(&self) -> u64 {
        self.state.refused.load(Ordering::Relaxed)
    }
}

async fn session(socket: tokio::net::TcpStream, state: Arc<SmtpState>) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 sink ESMTP\r\n").await?;
    let mut to = Vec::new();
    while let Some(line) = lines.next_line().await? {
        let verb = line.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
        let answer: &[u8] = match verb.as_str() {
            "EHLO" | "HELO" => b"250 sink\r\n",
            "MAIL" | "NOOP" => b"250 OK\r\n",
            "RSET" => {
                to.clear();
                b"250 OK\r\n"
            }
            "RCPT" => {
                to.push(
                    line.split_once(':').map(|(_, a)| a.trim().trim_matches(['<', '>']).to_owned()).unwrap_or_default(),
                );
                b"250 OK\r\n"
            }
            "DATA" => {
                write.write_all(b"354 go on\r\n").await?;
                let mut data = String::new();
                while let Some(l) = lines.next_line().await? {
                    if l == "." {
                        break;
                    }
                    data.push_str(l.strip_prefix('.').unwrap_or(&l));
                    data.push('\n');
                }
                if state.faults.next_fails() {
                    state.refused.fetch_add(1, Ordering::Relaxed);
                    b"451 try again later\r\n"
                } else {
                    if let Ok(mut mails) = state.mails.lock() {
                        mails.push(Mail { to: std::mem::take(&mut to), data });
                    }
                    b"250 queued\r\n"
                }
            }
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 not implemented\r\n",
        };
        write.write_all(answer).await?;
    }
    Ok(())
}
