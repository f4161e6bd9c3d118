//! `Debug` of the settings that hold secrets (the CouchDB header, the admin token, the
//! callback client secret): whether each is set, never its value, so a logged or panicking
//! configuration leaks nothing.

use super::{CallbackConfig, ServeConfig, StoreConfig};

/// How a secret setting shows in `Debug` output (logs, panics): whether it is set, never what.
struct Redacted<'a>(&'a Option<String>);

impl std::fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() { "Some(<redacted>)" } else { "None" })
    }
}

impl std::fmt::Debug for StoreConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreConfig")
            .field("db_url", &self.db_url)
            .field("db_auth_header", &Redacted(&self.db_auth_header))
            .field("data_dir", &self.data_dir)
            .finish()
    }
}

impl std::fmt::Debug for CallbackConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackConfig")
            .field("sso_token_url", &self.sso_token_url)
            .field("callback_client_id", &self.callback_client_id)
            .field("callback_client_secret", &Redacted(&self.callback_client_secret))
            .field("application_client_id", &self.application_client_id)
            .field("dev_application_client_id", &self.dev_application_client_id)
            .field("pdmv_prod_url", &self.pdmv_prod_url)
            .field("pdmv_dev_url", &self.pdmv_dev_url)
            .finish()
    }
}

impl std::fmt::Debug for ServeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("base_path", &self.base_path)
            .field("dist_dir", &self.dist_dir)
            .field("admin_token", &Redacted(&self.admin_token))
            .field("trust_proxy_auth", &self.trust_proxy_auth)
            .field("proxy_user_header", &self.proxy_user_header)
            .field("proxy_groups_header", &self.proxy_groups_header)
            .field("admin_group", &self.admin_group)
            .field("legacy_cache_ttl", &self.legacy_cache_ttl)
            .field("update_every", &self.update_every)
            .field("trigger_prod", &self.trigger_prod)
            .field("trigger_dev", &self.trigger_dev)
            .field("limits", &self.limits)
            .field("notify", &self.notify)
            .finish()
    }
}

impl std::fmt::Debug for super::NotifyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The SMTP URL may carry the relay's user and password.
        f.debug_struct("NotifyConfig")
            .field("webhook_hosts", &self.webhook_hosts)
            .field("smtp_url", &Redacted(&self.smtp_url))
            .field("smtp_from", &self.smtp_from)
            .field("proxy_email_header", &self.proxy_email_header)
            .field("mail_domains", &self.mail_domains)
            .field("public_url", &self.public_url)
            .finish()
    }
}

#[cfg(test)]
mod redaction_tests {
    use clap::Parser;

    use super::super::Cli;

    #[test]
    fn debug_output_never_shows_a_secret() {
        let cli = Cli::parse_from([
            "stats2",
            "--db-auth-header",
            "Basic c2VjcmV0LWRi",
            "--callback-client-secret",
            "secret-callback",
            "serve",
            "--admin-token",
            "secret-admin",
            "--smtp-url",
            "smtps://mailer:secret-smtp@relay.example",
        ]);
        let text = format!("{cli:?}");
        for secret in ["c2VjcmV0LWRi", "secret-callback", "secret-admin", "secret-smtp"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert!(text.contains("<redacted>") && text.contains("127.0.0.1"), "{text}");
        let serve = match cli.command {
            super::super::Command::Serve(s) => s,
            _ => unreachable!("parsed as serve"),
        };
        assert!(!format!("{:?}", serve.admin_auth()).contains("secret-admin"));
    }
}
