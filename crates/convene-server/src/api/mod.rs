//! The HTTP API under `/api/v1`: the router and the extractors every route shares.

mod auth;
mod conversations;
mod extract;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::{Json, Router};
use convene_proto::Health;

use crate::store::Store;

pub use extract::{ApiJson, AuthedAgent};

/// Largest request body accepted; bigger bodies answer 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    public_url: String,
}

impl AppState {
    pub fn new(store: Store, public_url: String) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                public_url: public_url.trim_end_matches('/').to_owned(),
            }),
        }
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The configured public URL, without a trailing slash.
    pub fn public_url(&self) -> &str {
        &self.inner.public_url
    }
}

/// The whole HTTP surface of the server.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/me", get(auth::me))
        .route(
            "/conversations",
            get(conversations::list).post(conversations::create),
        );
    Router::new()
        .route("/healthz", get(healthz))
        .nest("/api/v1", api)
        .fallback(|| async { crate::error::ApiError::NotFound("route") })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    })
}
