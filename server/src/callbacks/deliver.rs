//! Delivering pending callbacks: concurrently within a bound, each with a token for its
//! audience (C6–C8), removed only after a 2xx; failures wait with backoff.

use std::sync::Arc;
use std::time::Duration;

use futures::{stream, StreamExt};

use super::outbox::{self, Entry};
use super::route::{route, Env};
use super::token::{Credentials, TokenError, Tokens};
use crate::store::{Db, SharedStore};

/// Sends callbacks to the PdmV hosts.
pub struct Deliverer {
    http: reqwest::Client,
    tokens: Tokens,
    prod_url: String,
    dev_url: String,
    concurrency: usize,
}

/// What one delivery pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivery {
    /// Callbacks answered 2xx and removed.
    pub delivered: usize,
    /// Callbacks that failed and wait for a retry.
    pub failed: usize,
    /// Callbacks not yet due.
    pub waiting: usize,
}

impl Deliverer {
    /// A deliverer; TLS is verified with the system roots (X15).
    pub fn new(creds: Credentials, prod_url: &str, dev_url: &str, concurrency: usize) -> Result<Arc<Self>, TokenError> {
        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .connect_timeout(Duration::from_secs(20))
            .build()
            .map_err(|e| TokenError::Failed(format!("HTTP client: {e}")))?;
        Ok(Arc::new(Deliverer {
            tokens: Tokens::new(http.clone(), creds),
            http,
            prod_url: prod_url.trim_end_matches('/').to_owned(),
            dev_url: dev_url.trim_end_matches('/').to_owned(),
            concurrency: concurrency.max(1),
        }))
    }

    /// Delivers every due entry (every entry with `all`).
    pub async fn deliver(
        self: &Arc<Self>,
        store: &SharedStore,
        all: bool,
    ) -> Result<Delivery, crate::store::StoreError> {
        let now = crate::clock::now();
        let entries = outbox::pending(&**store).await?;
        let (due, later): (Vec<Entry>, Vec<Entry>) = entries.into_iter().partition(|e| all || e.next_attempt <= now);
        let results: Vec<bool> = stream::iter(due)
            .map(|e| async move {
                match self.send(store, &e).await {
                    Ok(()) => outbox::done(&**store, &e).await.map(|_| true),
                    Err(err) => {
                        tracing::warn!(workflow = %e.workflow, env = e.env.as_str(), error = %err, "callback failed; will retry");
                        outbox::failed(&**store, &e, &err).await.map(|_| false)
                    }
                }
            })
            .buffer_unordered(self.concurrency)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_, _>>()?;
        let delivered = results.iter().filter(|ok| **ok).count();
        crate::metrics::count("stats2_callbacks_delivered_total", &[], delivered as f64);
        crate::metrics::count("stats2_callbacks_failed_total", &[], (results.len() - delivered) as f64);
        Ok(Delivery { delivered, failed: results.len() - delivered, waiting: later.len() })
    }

    async fn send(&self, store: &SharedStore, e: &Entry) -> Result<(), String> {
        // Route on the document as it is now; a deleted workflow is announced to McM by name.
        let doc = store.get(Db::Requests, &e.workflow).await.map_err(|x| x.to_string())?;
        let doc = doc.unwrap_or_else(|| serde_json::json!({"RequestType": "deleted"}));
        let cb = route(&e.workflow, &doc).map_err(|x| x.to_string())?;
        let (host, audience) = match e.env {
            Env::Prod => (&self.prod_url, self.tokens.audience(true)),
            Env::Dev => (&self.dev_url, self.tokens.audience(false)),
        };
        let token = self.tokens.token(audience).await.map_err(|x| x.to_string())?;
        let mut req = self
            .http
            .request(cb.method, format!("{host}{}", cb.path))
            .header(reqwest::header::ACCEPT, "application/json")
            .bearer_auth(token)
            .timeout(Duration::from_secs(20));
        if let Some(body) = &cb.body {
            req = req.json(body);
        }
        let resp = req.send().await.map_err(|x| crate::causes::http(&x))?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(|x| crate::causes::http(&x))?;
        // C8: a non-JSON answer is a failure even with a 2xx (a cut-off proxy answer).
        if serde_json::from_slice::<serde_json::Value>(&body).is_err() {
            return Err(format!("HTTP {status} with a non-JSON answer"));
        }
        if status.is_success() {
            tracing::debug!(workflow = %e.workflow, env = e.env.as_str(), "callback delivered");
            Ok(())
        } else {
            Err(format!("HTTP {status}"))
        }
    }
}
