//! Stats2 code shared by the browser (feature `csr`) and the server (feature `ssr`):
//! documents, filters, derived values, server functions and the Leptos UI.

// The #[server] macro generates an argument struct whose fields cannot carry docs.
#[allow(missing_docs)]
pub mod aggregate;
pub mod alerts;
pub mod analytics;
pub mod api;
pub mod chart;
pub mod field;
pub mod filter;
pub mod forecast;
pub mod historical;
pub mod history;
pub mod json;
pub mod links;
pub mod model;
pub mod names;
pub mod present;
pub mod rows;
pub mod status;
pub mod suggest;
pub mod ui;

pub use ui::App;
