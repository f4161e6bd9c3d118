//! Stats2 code shared by the browser (feature `csr`) and the server (feature `ssr`):
//! documents, filters, derived values, server functions and the Leptos UI.

pub mod aggregate;
pub mod alerts;
pub mod analytics;
pub mod api;
pub mod bar_chart;
pub mod bars;
pub mod changes;
pub mod chart;
pub mod csv;
pub mod draw;
pub mod field;
pub mod filter;
pub mod forecast;
pub mod format;
pub mod historical;
pub mod history;
pub mod json;
pub mod links;
pub mod markup;
pub mod model;
pub mod names;
pub mod present;
pub mod priority;
pub mod rows;
pub mod status;
pub mod suggest;
pub mod watch;
// The components and everything that touches the DOM exist only in the browser build: the
// server never renders them, so it does not compile them (app's own web-sys and js-sys are
// browser-only dependencies; leptos_router still brings web-sys to the server).
#[cfg(feature = "csr")]
pub mod ui;

#[cfg(feature = "csr")]
pub use ui::App;
