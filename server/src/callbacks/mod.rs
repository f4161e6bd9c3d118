//! Callbacks to McM, ReReco and RelVal (C1–C8) through a durable outbox: never lost, delivered
//! at least once, with OAuth2 client-credentials tokens.

pub mod deliver;
pub mod outbox;
pub mod route;
pub mod token;

pub use deliver::{Deliverer, Delivery};
pub use route::Env;

/// The targets a run's flags ask for, prod first (C1).
pub fn envs(trigger_prod: bool, trigger_dev: bool) -> Vec<Env> {
    let mut out = Vec::new();
    if trigger_prod {
        out.push(Env::Prod);
    }
    if trigger_dev {
        out.push(Env::Dev);
    }
    out
}
