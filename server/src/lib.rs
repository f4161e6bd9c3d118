//! The `stats2` server library: configuration, store, listing service, HTTP router, demo.
//! `main.rs` only parses the command line and calls [`commands`].

pub mod auth;
pub mod backend;
pub mod callbacks;
pub mod causes;
pub mod commands;
pub mod config;
pub mod demo;
pub mod encode;
pub mod gate;
pub mod http;
pub mod index;
pub mod listing;
pub mod live;
pub mod metrics;
pub mod runs;
pub mod schedule;
pub mod sim;
pub mod store;
pub mod testkit;
pub mod updater;
pub mod upstream;

use std::sync::Arc;

use config::StoreConfig;
use store::{couch::CouchStore, sqlite::SqliteStore, SharedStore, StoreError};

/// File name of the embedded store inside the data directory.
pub const SQLITE_FILE: &str = "stats2.sqlite";

/// Opens the configured store: CouchDB when `DB_URL` is set, else the embedded SQLite file.
pub fn open_store(cfg: &StoreConfig) -> Result<SharedStore, StoreError> {
    match cfg.db_url.as_deref().filter(|u| !u.is_empty()) {
        Some(url) => Ok(Arc::new(CouchStore::new(url, cfg.db_auth_header.clone())?)),
        None => Ok(Arc::new(SqliteStore::open(&cfg.data_dir.join(SQLITE_FILE))?)),
    }
}

/// Current Unix time in milliseconds: for heartbeats and spans that need sub-second precision.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// Current Unix time in whole seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}
