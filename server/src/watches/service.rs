//! Saving, listing and deleting watches for a signed-in user: a user sees and changes only
//! their own, an admin everybody's; targets must pass the operator's allow-lists.

use std::collections::HashMap;
use std::sync::Arc;

use app::watch::{Sent, Watch, WatchSpec, MAX_PER_USER};

use super::outbox::{self, Notice};
use super::send::{TargetError, Targets};
use super::stored::{self, StoredWatch};
use crate::auth::User;
use crate::store::{SharedStore, StoreError};

/// Latest notifications shown per watch.
const RECENT: usize = 10;

/// Why a watch call was refused.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// The request is wrong as asked (400).
    #[error("{0}")]
    Bad(String),
    /// Another user's watch (403).
    #[error("{0}")]
    Forbidden(String),
    /// The store failed (503).
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The watches of one store.
pub struct Watches {
    store: SharedStore,
    targets: Arc<Targets>,
    /// The SSO proxy's header with the user's e-mail address.
    email_header: String,
}

impl Watches {
    /// Watches in `store`, notifying through `targets`; the proxy gives a user's address in
    /// `email_header`.
    pub fn new(store: SharedStore, targets: Arc<Targets>, email_header: &str) -> Watches {
        Watches { store, targets, email_header: email_header.to_owned() }
    }

    /// The header with the signed-in user's e-mail address.
    pub fn email_header(&self) -> &str {
        &self.email_header
    }

    /// Saves `spec` for `user` (replacing their watch of that name); its id.
    pub async fn save(&self, user: &User, spec: &WatchSpec, now: i64) -> Result<String, WatchError> {
        let not_allowed = |e: TargetError| WatchError::Bad(e.to_string());
        if let Some(url) = &spec.webhook {
            self.targets.allow_webhook(url).map_err(not_allowed)?;
        }
        if let Some(address) = &spec.email {
            self.targets.allow_email(address, user.email.as_deref()).map_err(not_allowed)?;
        }
        let watch = StoredWatch::new(&user.name, user.email.clone(), spec, now);
        let mine = stored::all(&*self.store).await?.into_iter().filter(|w| w.owner == user.name);
        let others: Vec<_> = mine.filter(|w| w.doc_id != watch.doc_id).collect();
        if others.len() >= MAX_PER_USER {
            return Err(WatchError::Bad(format!("a user keeps at most {MAX_PER_USER} watches")));
        }
        stored::save(&*self.store, &watch).await?;
        tracing::info!(user = user.name, watch = watch.id(), name = watch.name, "watch saved");
        Ok(watch.id().to_owned())
    }

    /// `user`'s watches (an admin's: all), with their latest notifications, by name.
    pub async fn list(&self, user: &User) -> Result<Vec<Watch>, WatchError> {
        let mut watches: Vec<StoredWatch> = stored::all(&*self.store).await?;
        watches.retain(|w| user.admin || w.owner == user.name);
        let mut recent: HashMap<String, Vec<Notice>> = HashMap::new();
        for n in outbox::all(&*self.store).await? {
            recent.entry(n.watch.clone()).or_default().push(n);
        }
        let mut out: Vec<Watch> = watches
            .into_iter()
            .map(|w| {
                let mut notices = recent.remove(w.id()).unwrap_or_default();
                notices.sort_by_key(|n| std::cmp::Reverse((n.created, n.occurred)));
                notices.truncate(RECENT);
                Watch {
                    id: w.id().to_owned(),
                    owner: w.owner.clone(),
                    spec: w.spec(),
                    created: w.created,
                    recent: notices.into_iter().filter_map(sent).collect(),
                }
            })
            .collect();
        out.sort_by(|a, b| (&a.owner, &a.spec.name).cmp(&(&b.owner, &b.spec.name)));
        Ok(out)
    }

    /// Deletes watch `id` of `user` (an admin: anyone's).
    pub async fn delete(&self, user: &User, id: &str) -> Result<(), WatchError> {
        let Some(watch) = stored::get(&*self.store, id).await? else {
            return Err(WatchError::Bad(format!("no watch {id:?}")));
        };
        if !user.admin && watch.owner != user.name {
            return Err(WatchError::Forbidden("this watch is another user's".into()));
        }
        stored::delete(&*self.store, &watch).await?;
        tracing::info!(user = user.name, watch = id, "watch deleted");
        Ok(())
    }
}

fn sent(n: Notice) -> Option<Sent> {
    Some(Sent {
        time: if n.sent > 0 { n.sent } else { n.created },
        workflow: n.workflow,
        condition: app::watch::Condition::parse(&n.condition).ok()?,
        state: n.state,
        error: n.last_error,
    })
}
