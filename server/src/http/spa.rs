//! The built single-page app: static files (compressed and cached, `assets.rs`), and
//! index.html (with the base path written in) for every other path, so deep links and
//! reloads work.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::assets::Assets;

/// Placeholder Trunk writes for the public URL and the base-path meta tag (Trunk.toml).
pub const BASE_PLACEHOLDER: &str = "__STATS2_BASE__";

/// The SPA's files and its prepared index page.
pub struct Spa {
    dir: PathBuf,
    index: Option<String>,
    assets: Assets,
}

impl Spa {
    /// Loads `dir/index.html` and writes `base` into it. A missing build is not fatal: the
    /// server still answers its API and says how to build the page.
    pub fn load(dir: &Path, base: &str) -> Arc<Self> {
        let index = std::fs::read_to_string(dir.join("index.html")).ok().map(|html| {
            html.replace(&format!("/{BASE_PLACEHOLDER}/"), &format!("{base}/")).replace(BASE_PLACEHOLDER, base)
        });
        if index.is_none() {
            tracing::warn!(dir = %dir.display(), "no built single-page app found; run `trunk build --release`");
        }
        let assets = if index.is_some() { Assets::load(dir) } else { Assets::default() };
        Arc::new(Spa { dir: dir.to_owned(), index, assets })
    }

    /// The app's static files.
    pub fn assets(&self) -> &Assets {
        &self.assets
    }

    /// Where the app was loaded from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether the built app was found.
    pub fn is_built(&self) -> bool {
        self.index.is_some()
    }

    /// The index page (or a 503 saying how to build it).
    pub fn index_response(&self) -> Response {
        match &self.index {
            Some(html) => ([(header::CACHE_CONTROL, "no-cache")], Html(html.clone())).into_response(),
            None => (
                StatusCode::SERVICE_UNAVAILABLE,
                "The dashboard is not built. Run `trunk build --release` in the repository.\n",
            )
                .into_response(),
        }
    }

    /// Routes: index.html for `/` and `/index.html`, files, index for anything else.
    pub fn router(self: Arc<Self>) -> Router {
        let a = self.clone();
        let b = self.clone();
        let c = self.clone();
        let fallback = move |req: Request| {
            let s = c.clone();
            async move {
                let path = req.uri().path().trim_start_matches('/');
                match s.assets.get(path) {
                    Some(asset) => asset.respond(req.headers()),
                    None => s.index_response(),
                }
            }
        };
        Router::new()
            .route("/", get(move || async move { a.index_response() }))
            .route("/index.html", get(move || async move { b.index_response() }))
            .fallback(get(fallback))
    }
}
