//! The `stats2` server library: the configuration, the two stores, the cmsweb client, the
//! incremental updater and its run lock, the callback outbox and dispatcher, the summary index
//! that follows the store's change feed, the HTTP router (server functions, legacy API, live
//! stream, operations), the cmsweb simulator and the demo. `main.rs` only parses the command
//! line and calls [`commands`]; docs/architecture.md draws how the modules depend on each other.

pub mod acks;
pub mod auth;
pub mod backend;
pub mod callbacks;
pub mod causes;
pub mod clock;
pub mod commands;
pub mod config;
pub mod demo;
pub mod encode;
pub mod gate;
pub mod http;
pub mod index;
pub mod links;
pub mod listing;
pub mod live;
pub mod metrics;
pub mod pdf;
pub mod runs;
pub mod schedule;
pub mod sim;
pub mod store;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod updater;
pub mod upstream;
pub mod watches;

/// File name of the embedded store inside the data directory.
pub const SQLITE_FILE: &str = "stats2.sqlite";

pub use clock::{now, now_ms};
