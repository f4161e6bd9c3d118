//! `stats2 callbacks status|retry`, and delivery after `stats2 update --trigger-*`.

use std::sync::Arc;

use anyhow::{Context, Result};

use crate::callbacks::token::Credentials;
use crate::callbacks::{outbox, Deliverer};
use crate::config::{CallbackAction, Cli};
use crate::store::SharedStore;

/// The deliverer of the configuration; fails naming missing variables (C5).
pub fn deliverer(cli: &Cli) -> Result<Arc<Deliverer>> {
    let c = &cli.callbacks;
    let creds = Credentials::from_parts(
        &c.sso_token_url,
        c.callback_client_id.as_deref(),
        c.callback_client_secret.as_deref(),
        c.application_client_id.as_deref(),
        c.dev_application_client_id.as_deref(),
    )?;
    Ok(Deliverer::new(creds, &c.pdmv_prod_url, &c.pdmv_dev_url, cli.upstream.upstream_concurrency)?)
}

/// Delivers pending callbacks (all of them with `all`); logs the outcome.
pub async fn deliver(cli: &Cli, store: &SharedStore, all: bool) -> Result<()> {
    let d = deliverer(cli).context("callbacks stay in the outbox")?;
    let r = d.deliver(store, all).await.context("reading the callback outbox")?;
    tracing::info!(delivered = r.delivered, failed = r.failed, waiting = r.waiting, "callbacks");
    Ok(())
}

/// Runs `stats2 callbacks ...`.
pub async fn run(cli: &Cli, store: SharedStore, action: CallbackAction) -> Result<i32> {
    match action {
        CallbackAction::Status => {
            let entries = outbox::pending(&*store).await.context("reading the callback outbox")?;
            let failed = entries.iter().filter(|e| e.attempts > 0).count();
            println!("{} pending callbacks, {failed} of them failed at least once", entries.len());
            for e in entries {
                let error = e.last_error.as_deref().map(|x| format!(", last error: {x}")).unwrap_or_default();
                println!(
                    "{} {} attempts={} next={}{error}",
                    e.env.as_str(),
                    e.workflow,
                    e.attempts,
                    app::format::utc_datetime(e.next_attempt)
                );
            }
            Ok(0)
        }
        CallbackAction::Retry => {
            deliver(cli, &store, true).await?;
            Ok(0)
        }
    }
}
