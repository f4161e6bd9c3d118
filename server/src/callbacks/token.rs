//! OAuth2 client-credentials tokens for the PdmV callbacks (C5–C7): one token per audience,
//! cached for 75% of its lifetime measured from just before the request, at most one refresh
//! in flight per audience, TLS verified (X15), the secret never printed (X16).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Deserialize;
use tokio::time::Instant;

/// A secret that prints as `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Credentials and audiences (C5, C7).
#[derive(Debug, Clone)]
pub struct Credentials {
    /// Token endpoint (SSO_TOKEN_URL).
    pub token_url: String,
    /// CALLBACK_CLIENT_ID.
    pub client_id: String,
    /// CALLBACK_CLIENT_SECRET.
    pub client_secret: Secret,
    /// APPLICATION_CLIENT_ID: audience of production targets.
    pub prod_audience: String,
    /// DEV_APPLICATION_CLIENT_ID: audience of development targets.
    pub dev_audience: String,
}

impl Credentials {
    /// C5: every variable must be non-empty; the error names the missing ones.
    pub fn from_parts(
        token_url: &str,
        client_id: Option<&str>,
        client_secret: Option<&str>,
        prod_audience: Option<&str>,
        dev_audience: Option<&str>,
    ) -> Result<Self, TokenError> {
        let vars = [
            ("CALLBACK_CLIENT_ID", client_id),
            ("CALLBACK_CLIENT_SECRET", client_secret),
            ("APPLICATION_CLIENT_ID", prod_audience),
            ("DEV_APPLICATION_CLIENT_ID", dev_audience),
        ];
        let missing: Vec<&str> = vars.iter().filter(|(_, v)| v.is_none_or(str::is_empty)).map(|(n, _)| *n).collect();
        if !missing.is_empty() {
            return Err(TokenError::Missing(missing.join(", ")));
        }
        let get = |v: Option<&str>| v.unwrap_or_default().to_owned();
        Ok(Credentials {
            token_url: token_url.to_owned(),
            client_id: get(client_id),
            client_secret: Secret::new(get(client_secret)),
            prod_audience: get(prod_audience),
            dev_audience: get(dev_audience),
        })
    }
}

/// Why no token could be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Configuration variables are missing (C5).
    #[error("callback credentials missing: {0}")]
    Missing(String),
    /// The token endpoint failed or answered without a token (C7).
    #[error("token request failed: {0}")]
    Failed(String),
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    expires_in: Option<serde_json::Value>,
}

#[derive(Clone)]
struct Cached {
    token: Secret,
    until: Instant,
}

/// Tokens per audience.
pub struct Tokens {
    http: reqwest::Client,
    creds: Credentials,
    cache: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Cached>>>>>,
}

impl Tokens {
    /// A token source for `creds`.
    pub fn new(http: reqwest::Client, creds: Credentials) -> Self {
        Tokens { http, creds, cache: Mutex::new(HashMap::new()) }
    }

    /// The audience of production (`true`) or development targets.
    pub fn audience(&self, prod: bool) -> &str {
        if prod {
            &self.creds.prod_audience
        } else {
            &self.creds.dev_audience
        }
    }

    /// A valid token for `audience`; concurrent callers share one refresh.
    pub async fn token(&self, audience: &str) -> Result<String, TokenError> {
        let slot = {
            let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            cache.entry(audience.to_owned()).or_default().clone()
        };
        let mut guard = slot.lock().await;
        if let Some(c) = guard.as_ref().filter(|c| Instant::now() < c.until) {
            return Ok(c.token.expose().to_owned());
        }
        let asked = Instant::now();
        // C6: form fields in this order; the body is never logged (X16).
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.creds.client_id.as_str()),
            ("client_secret", self.creds.client_secret.expose()),
            ("audience", audience),
        ];
        let resp = self
            .http
            .post(&self.creds.token_url)
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form)
            .timeout(Duration::from_secs(90))
            .send()
            .await
            .map_err(|e| TokenError::Failed(crate::causes::http(&e)))?;
        let status = resp.status();
        let answer: TokenAnswer =
            resp.json().await.map_err(|_| TokenError::Failed(format!("HTTP {status}, no JSON answer")))?;
        let token = answer
            .access_token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| TokenError::Failed(format!("HTTP {status}, no access_token")))?;
        let lifetime =
            answer.expires_in.as_ref().and_then(|v| v.as_f64().or_else(|| v.as_str()?.parse().ok())).unwrap_or(0.0);
        let keep = Duration::from_secs((lifetime.trunc() * 0.75).floor().max(0.0) as u64);
        tracing::debug!(audience, cached_for = keep.as_secs(), "callback token obtained");
        *guard = Some(Cached { token: Secret::new(token.clone()), until: asked + keep });
        Ok(token)
    }
}
