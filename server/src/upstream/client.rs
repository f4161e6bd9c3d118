//! The cmsweb HTTP client: certificate identity, verified TLS, bounded concurrency,
//! per-request timeouts, retries with backoff, request counters.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::Semaphore;

use super::UpstreamError;

/// How the client talks to cmsweb.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Grid certificate (PEM) and its key, presented to every host (H2).
    pub identity: Option<(std::path::PathBuf, std::path::PathBuf)>,
    /// Extra CA certificates (PEM bundle) trusted besides the system roots (X15).
    pub ca_bundle: Option<std::path::PathBuf>,
    /// Requests in flight at most, over all endpoints.
    pub concurrency: usize,
    /// Retries after the first attempt (transport errors, 5xx, garbled JSON).
    pub retries: u32,
    /// Delay before the first retry; each next one is four times longer (H6: 1 s, then more).
    pub backoff: Duration,
    /// Timeout of ordinary requests (H5: 90 s).
    pub timeout: Duration,
    /// Timeout of WMStats (H5: 600 s).
    pub slow_timeout: Duration,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            identity: None,
            ca_bundle: None,
            concurrency: 8,
            retries: 3,
            backoff: Duration::from_secs(1),
            timeout: Duration::from_secs(90),
            slow_timeout: Duration::from_secs(600),
        }
    }
}

/// Counters of what the client did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpstreamStats {
    /// HTTP requests sent (every attempt counts).
    pub requests: u64,
    /// Attempts that failed (transport, 5xx, garbled) and were retried or given up.
    pub errors: u64,
    /// Most requests in flight at once.
    pub peak_in_flight: usize,
}

#[derive(Default)]
struct Counters {
    /// Set when the process stops: no new attempt starts.
    stopping: AtomicBool,
    requests: AtomicU64,
    errors: AtomicU64,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
}

/// A pooled HTTPS client shared by all endpoints.
#[derive(Clone)]
pub struct UpstreamClient {
    http: reqwest::Client,
    cfg: ClientConfig,
    permits: Arc<Semaphore>,
    counters: Arc<Counters>,
}

/// One request as the endpoints describe it.
pub struct Call<'a> {
    /// Endpoint name for errors and logs, e.g. `dbs/filesummaries`.
    pub endpoint: &'static str,
    /// GET or POST (H3).
    pub method: Method,
    /// Full URL, already encoded.
    pub url: Url,
    /// JSON body, for POST.
    pub body: Option<&'a Value>,
    /// Whether the long (WMStats) timeout applies.
    pub slow: bool,
}

/// One attempt's outcome.
enum Attempt<T> {
    Done(T),
    Retry(UpstreamError),
    Fail(UpstreamError),
}

impl UpstreamClient {
    /// Builds the client; fails when the certificate or the CA bundle cannot be read.
    pub fn new(cfg: ClientConfig) -> Result<Self, UpstreamError> {
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .connect_timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(cfg.concurrency.max(1))
            .user_agent(concat!("stats2-rs/", env!("CARGO_PKG_VERSION")));
        if let Some((crt, key)) = &cfg.identity {
            let mut pem =
                std::fs::read(crt).map_err(|e| UpstreamError::Config(format!("USERCRT {}: {e}", crt.display())))?;
            pem.push(b'\n');
            pem.extend(
                std::fs::read(key).map_err(|e| UpstreamError::Config(format!("USERKEY {}: {e}", key.display())))?,
            );
            let identity = reqwest::Identity::from_pem(&pem)
                .map_err(|e| UpstreamError::Config(format!("grid certificate: {e}")))?;
            builder = builder.identity(identity);
        }
        if let Some(bundle) = &cfg.ca_bundle {
            let pem = std::fs::read(bundle)
                .map_err(|e| UpstreamError::Config(format!("CA bundle {}: {e}", bundle.display())))?;
            for cert in reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| UpstreamError::Config(format!("CA bundle: {e}")))?
            {
                builder = builder.add_root_certificate(cert);
            }
        }
        let http = builder.build().map_err(|e| UpstreamError::Config(format!("HTTP client: {e}")))?;
        let permits = Arc::new(Semaphore::new(cfg.concurrency.max(1)));
        Ok(UpstreamClient { http, cfg, permits, counters: Arc::default() })
    }

    /// Counters so far.
    pub fn stats(&self) -> UpstreamStats {
        UpstreamStats {
            requests: self.counters.requests.load(Ordering::Relaxed),
            errors: self.counters.errors.load(Ordering::Relaxed),
            peak_in_flight: self.counters.peak.load(Ordering::Relaxed),
        }
    }

    /// Refuses every new attempt from now on ([`UpstreamError::Stopping`]); those in flight go on.
    pub fn stop_new_requests(&self) {
        self.counters.stopping.store(true, Ordering::Release);
    }

    /// Sends a request and decodes its JSON answer, retrying what may be transient.
    pub async fn json<T: DeserializeOwned>(&self, call: Call<'_>) -> Result<T, UpstreamError> {
        let mut delay = self.cfg.backoff;
        let mut attempt = 0;
        loop {
            match self.attempt(&call).await {
                Attempt::Done(v) => return Ok(v),
                Attempt::Fail(e) => return Err(e),
                Attempt::Retry(e) if attempt >= self.cfg.retries => return Err(e),
                Attempt::Retry(e) => {
                    tracing::debug!(endpoint = call.endpoint, attempt, error = %e, "retrying");
                    tokio::time::sleep(delay).await;
                    delay = delay.saturating_mul(4);
                    attempt += 1;
                }
            }
        }
    }

    async fn attempt<T: DeserializeOwned>(&self, call: &Call<'_>) -> Attempt<T> {
        let Ok(_permit) = self.permits.acquire().await else {
            return Attempt::Fail(UpstreamError::Config("client closed".into()));
        };
        let c = &self.counters;
        if c.stopping.load(Ordering::Acquire) {
            return Attempt::Fail(UpstreamError::Stopping);
        }
        c.requests.fetch_add(1, Ordering::Relaxed);
        let now = c.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        c.peak.fetch_max(now, Ordering::Relaxed);
        let started = std::time::Instant::now();
        let outcome = self.send(call).await;
        c.in_flight.fetch_sub(1, Ordering::Relaxed);
        let labels = [("endpoint", call.endpoint)];
        crate::metrics::count("stats2_upstream_requests_total", &labels, 1.0);
        crate::metrics::observe("stats2_upstream_latency_seconds", &labels, started.elapsed().as_secs_f64());
        if !matches!(outcome, Attempt::Done(_)) {
            c.errors.fetch_add(1, Ordering::Relaxed);
            crate::metrics::count("stats2_upstream_errors_total", &labels, 1.0);
        }
        outcome
    }

    async fn send<T: DeserializeOwned>(&self, call: &Call<'_>) -> Attempt<T> {
        let endpoint = call.endpoint;
        let timeout = if call.slow { self.cfg.slow_timeout } else { self.cfg.timeout };
        let mut req = self
            .http
            .request(call.method.clone(), call.url.clone())
            .timeout(timeout)
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(b) = call.body {
            req = req.json(b);
        }
        let transport = |e: reqwest::Error| UpstreamError::Transport { endpoint, message: crate::causes::http(&e) };
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => return Attempt::Retry(transport(e)),
        };
        let status = resp.status();
        if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
            return Attempt::Retry(UpstreamError::Status { endpoint, status: status.as_u16() });
        }
        if !status.is_success() {
            // X14: an error status is an error, never data.
            return Attempt::Fail(UpstreamError::Status { endpoint, status: status.as_u16() });
        }
        let bytes = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => return Attempt::Retry(transport(e)),
        };
        match serde_json::from_slice(&bytes) {
            Ok(v) => Attempt::Done(v),
            // A garbled body (cut-off proxy answer) is worth another try.
            Err(e) => Attempt::Retry(UpstreamError::Decode { endpoint, message: e.to_string() }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn h2_an_unreadable_certificate_is_a_clear_configuration_error() {
        let cfg = ClientConfig {
            identity: Some(("/nonexistent/usercert.pem".into(), "/nonexistent/userkey.pem".into())),
            ..ClientConfig::default()
        };
        let err = UpstreamClient::new(cfg).err().unwrap();
        assert!(matches!(&err, UpstreamError::Config(m) if m.contains("USERCRT /nonexistent/usercert.pem")), "{err}");
        let cfg = ClientConfig { ca_bundle: Some("/nonexistent/ca.pem".into()), ..ClientConfig::default() };
        assert!(matches!(UpstreamClient::new(cfg).err().unwrap(), UpstreamError::Config(m) if m.contains("CA bundle")));
    }
}
