//! Server functions: thin adapters to a [`ssr::Backend`] trait object taken from the Leptos
//! context. Their URLs live under `<base>/rpc/`, which cannot collide with the legacy `/api/`
//! routes (DESIGN.md section 5).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::filter::Filter;
use crate::rows::WorkflowPage;

/// Path prefix of every server function, relative to the base path.
pub const RPC_PREFIX: &str = "/rpc";

/// One page of workflows matching `filter` (A2–A4), as compact rows.
#[server(prefix = "/rpc", endpoint = "list_workflows", input = Json)]
pub async fn list_workflows(filter: Filter, page: u32) -> Result<WorkflowPage, ServerFnError> {
    let backend = expect_context::<ssr::SharedBackend>();
    backend.list_workflows(&filter, page).await.map_err(|e| ServerFnError::new(e.to_string()))
}

/// The server side: what the server functions call.
#[cfg(feature = "ssr")]
pub mod ssr {
    use std::sync::Arc;

    use crate::filter::Filter;
    use crate::rows::WorkflowPage;

    /// Errors a backend reports to the browser.
    #[derive(Debug, thiserror::Error)]
    pub enum BackendError {
        /// The store could not answer; trying again later may work.
        #[error("the database is unavailable: {0}")]
        Unavailable(String),
        /// The request cannot be answered as asked.
        #[error("{0}")]
        BadRequest(String),
    }

    /// What the server functions need from the server; implemented over the store.
    #[async_trait::async_trait]
    pub trait Backend: Send + Sync {
        /// One page of the filtered workflow list.
        async fn list_workflows(&self, filter: &Filter, page: u32) -> Result<WorkflowPage, BackendError>;
    }

    /// The shared handle put into the Leptos context.
    pub type SharedBackend = Arc<dyn Backend>;
}
