//! Where watch notifications may go (`serve`'s options). Every target a user gives is asked
//! of these allow-lists, when the watch is saved and again before each delivery, so a watch
//! can neither make the server reach into the cluster nor turn it into an open mail relay.

use clap::Args;

/// The SSO proxy's e-mail header unless told otherwise.
pub const DEFAULT_EMAIL_HEADER: &str = "X-Forwarded-Email";

/// Watch notification settings.
#[derive(Clone, Default, Args)]
#[command(next_help_heading = "Watch notifications")]
pub struct NotifyConfig {
    /// Hosts webhooks may be sent to: host names (default port) or `host:port`,
    /// comma-separated. None by default: no webhook is sent.
    #[arg(long, env = "STATS_WEBHOOK_HOSTS", value_delimiter = ',')]
    pub webhook_hosts: Vec<String>,
    /// The SMTP relay, in lettre's URL form (`smtp://relay:25`, `smtp://relay:587?tls=required`,
    /// `smtps://user:pass@host`). Unset: no e-mail is sent.
    #[arg(long, env = "STATS_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The sender of notification e-mails (needed with STATS_SMTP_URL).
    #[arg(long, env = "STATS_SMTP_FROM")]
    pub smtp_from: Option<String>,
    /// The SSO proxy's header with the signed-in user's e-mail address: a watch may always
    /// mail its owner there.
    #[arg(long, env = "STATS_PROXY_EMAIL_HEADER", default_value = DEFAULT_EMAIL_HEADER)]
    pub proxy_email_header: String,
    /// Mail domains a watch may send to besides its owner's own address, comma-separated
    /// (e.g. `cern.ch`).
    #[arg(long, env = "STATS_MAIL_DOMAINS", value_delimiter = ',')]
    pub mail_domains: Vec<String>,
    /// Where the links in notifications lead: the dashboard's public address with its base
    /// path (e.g. `https://cms-pdmv.cern.ch/stats`); unset: this server's own address.
    #[arg(long, env = "STATS_PUBLIC_URL")]
    pub public_url: Option<String>,
}

impl NotifyConfig {
    /// The allowed webhook hosts, trimmed and lower-cased.
    pub fn hosts(&self) -> Vec<String> {
        clean(&self.webhook_hosts)
    }

    /// The allowed mail domains, trimmed and lower-cased.
    pub fn domains(&self) -> Vec<String> {
        clean(&self.mail_domains)
    }
}

fn clean(list: &[String]) -> Vec<String> {
    list.iter().map(|h| h.trim().to_ascii_lowercase()).filter(|h| !h.is_empty()).collect()
}
