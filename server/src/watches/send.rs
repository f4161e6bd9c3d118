//! Sending one watch's notifications: a webhook (JSON POST with a Mattermost/Slack `text`)
//! to an allowed host without following redirects, or an e-mail through the operator's SMTP
//! relay (lettre) to the owner's own address or an allowed domain. Both allow-lists are asked
//! again here, so a watch saved before the operator narrowed them sends nothing.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde_json::json;

use crate::config::NotifyConfig;

/// Time one delivery may take.
const TIMEOUT: Duration = Duration::from_secs(15);

/// Why a target cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// The operator does not allow it: saving the watch is refused (400).
    #[error("{0}")]
    NotAllowed(String),
    /// The settings themselves are wrong: `serve` does not start.
    #[error("{0}")]
    Config(String),
}

/// What one message says: the watch, the events and their links, and its idempotency key.
#[derive(Debug, Clone)]
pub struct Message {
    /// A digest of the entries' ids: the same entries always give the same key.
    pub key: String,
    /// The watch's name.
    pub watch: String,
    /// How many events it announces.
    pub count: usize,
    /// A line per event (at most 50), with a link to the workflow.
    pub lines: Vec<String>,
    /// The outbox entries it announces.
    pub ids: Vec<String>,
    /// The dashboard list of the watch's filter.
    pub link: String,
}

impl Message {
    fn text(&self) -> String {
        let head = format!("Stats2 watch \"{}\": {} change(s) ([list]({}))", self.watch, self.count, self.link);
        std::iter::once(head).chain(self.lines.iter().map(|l| format!("- {l}"))).collect::<Vec<_>>().join("\n")
    }
}

/// Where notifications may go, parsed once at start.
pub struct Targets {
    http: reqwest::Client,
    hosts: Vec<String>,
    mail: Option<(AsyncSmtpTransport<Tokio1Executor>, Mailbox)>,
    domains: Vec<String>,
}

impl Targets {
    /// The targets `config` allows.
    pub fn new(config: &NotifyConfig) -> Result<Targets, TargetError> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .build()
            .map_err(|e| TargetError::Config(format!("webhook client: {e}")))?;
        let mail = match (&config.smtp_url, &config.smtp_from) {
            (None, _) => None,
            (Some(_), None) => return Err(TargetError::Config("STATS_SMTP_URL needs STATS_SMTP_FROM".into())),
            (Some(url), Some(from)) => {
                let relay = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| TargetError::Config(format!("STATS_SMTP_URL: {e}")))?
                    .timeout(Some(TIMEOUT))
                    .build();
                let from = from.parse().map_err(|e| TargetError::Config(format!("STATS_SMTP_FROM: {e}")))?;
                Some((relay, from))
            }
        };
        Ok(Targets { http, hosts: config.hosts(), mail, domains: config.domains() })
    }

    /// Targets that allow nothing (no webhook host, no relay).
    pub fn none() -> Targets {
        Targets { http: reqwest::Client::new(), hosts: Vec::new(), mail: None, domains: Vec::new() }
    }

    /// Whether a webhook to `url` is allowed.
    pub fn allow_webhook(&self, url: &str) -> Result<(), TargetError> {
        let host = app::watch::webhook_host(url).map_err(TargetError::NotAllowed)?;
        if self.hosts.contains(&host) {
            Ok(())
        } else {
            Err(TargetError::NotAllowed(format!("webhooks may not go to {host} (STATS_WEBHOOK_HOSTS)")))
        }
    }

    /// Whether mail to `address` is allowed for a watch whose owner's address is `own`.
    pub fn allow_email(&self, address: &str, own: Option<&str>) -> Result<(), TargetError> {
        if self.mail.is_none() {
            return Err(TargetError::NotAllowed("this server sends no e-mail (STATS_SMTP_URL)".into()));
        }
        let domain = app::watch::mail_domain(address).map_err(TargetError::NotAllowed)?;
        if own.is_some_and(|o| o.eq_ignore_ascii_case(address)) || self.domains.contains(&domain) {
            Ok(())
        } else {
            Err(TargetError::NotAllowed(format!("mail may go to your own address or to {:?} only", self.domains)))
        }
    }

    /// Posts `message` to `url`; any answer but 2xx (a redirect too) is a failure to retry.
    pub async fn webhook(&self, url: &str, message: &Message) -> Result<(), String> {
        self.allow_webhook(url).map_err(|e| e.to_string())?;
        let body = json!({"text": message.text(), "watch": message.watch, "ids": message.ids});
        let answer = self
            .http
            .post(url)
            .header("Idempotency-Key", &message.key)
            .json(&body)
            .send()
            .await
            .map_err(|e| format!("webhook unreachable: {e}"))?;
        match answer.status() {
            s if s.is_success() => Ok(()),
            s if s.is_redirection() => Err(format!("webhook answered {s}; redirects are not followed")),
            s => Err(format!("webhook answered {s}")),
        }
    }

    /// Mails `message` to `to`.
    pub async fn email(&self, to: &str, own: Option<&str>, message: &Message) -> Result<(), String> {
        self.allow_email(to, own).map_err(|e| e.to_string())?;
        let Some((relay, from)) = &self.mail else { return Err("no SMTP relay".into()) };
        let to: Mailbox = to.parse().map_err(|e| format!("{to:?}: {e}"))?;
        let mail = lettre::Message::builder()
            .from(from.clone())
            .to(to)
            .subject(format!("Stats2 watch \"{}\": {} change(s)", message.watch, message.count))
            .message_id(Some(format!("<{}@stats2>", message.key)))
            .header(ContentType::TEXT_PLAIN)
            .body(format!("{}\n\nIdempotency-Key: {}\n", message.text(), message.key))
            .map_err(|e| format!("building the mail: {e}"))?;
        relay.send(mail).await.map(drop).map_err(|e| format!("SMTP: {e}"))
    }
}
