//! Watch lists (docs/api.md "Watches"): a signed-in user saves a filter with conditions to
//! watch and where to notify; every replica's job finds occurrences in its own index and
//! records each once in a durable outbox of the project's database, whence it is delivered
//! at least once, by webhook or e-mail, to targets the operator allows.

pub mod job;
pub mod outbox;
pub mod send;
pub mod service;
pub mod stored;

pub use job::Job;
pub use send::{TargetError, Targets};
pub use service::{WatchError, Watches};
