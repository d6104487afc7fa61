//! The HTTP API under `/api/v1`: the router and the state every handler shares.

// The handler modules are visible to the crate so that `crate::openapi` can gather their
// `#[utoipa::path]` annotations.
pub(crate) mod auth;
pub(crate) mod conversations;
pub(crate) mod directory;
mod extract;
pub(crate) mod invites;
pub(crate) mod stream;
pub(crate) mod sync;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::response::IntoResponse;
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use convene_proto::Health;
use tokio::sync::Notify;

use crate::hub::Hub;
use crate::service::Ctx;

pub use extract::{ApiJson, Authed, MaybeAuthed};

/// Largest request body accepted; bigger bodies answer 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    ctx: Ctx,
    hub: Hub,
    outbox: Arc<Notify>,
    limits: crate::ratelimit::Limits,
    ui_dir: std::path::PathBuf,
}

impl AppState {
    pub fn new(
        ctx: Ctx,
        hub: Hub,
        outbox: Arc<Notify>,
        limits: crate::ratelimit::Limits,
        ui_dir: std::path::PathBuf,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                ctx,
                hub,
                outbox,
                limits,
                ui_dir,
            }),
        }
    }

    /// Where the built web UI is.
    pub fn ui_dir(&self) -> &std::path::Path {
        &self.inner.ui_dir
    }

    /// The rate limits in force.
    pub fn limits(&self) -> &crate::ratelimit::Limits {
        &self.inner.limits
    }

    pub fn ctx(&self) -> &Ctx {
        &self.inner.ctx
    }

    pub fn store(&self) -> &crate::store::Store {
        &self.inner.ctx.store
    }

    pub fn hub(&self) -> &Hub {
        &self.inner.hub
    }

    /// Wakes the email worker (mail was queued outside a membership change).
    pub fn wake_outbox(&self) {
        self.inner.outbox.notify_one();
    }

    /// After a change: wake the streams of the account (and the email worker when mail was queued).
    pub fn changed(&self, account: convene_proto::AccountId, email_queued: bool) {
        self.inner.hub.changed(account);
        let store = self.inner.ctx.store.clone();
        tokio::spawn(async move { store.announce(account).await });
        if email_queued {
            self.inner.outbox.notify_one();
        }
    }
}

/// The whole HTTP surface of the server.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/logout-all", post(auth::logout_all))
        .route("/auth/email-link", post(auth::email_link))
        .route("/me", get(auth::me))
        .route(
            "/agents",
            get(directory::search_agents).post(directory::create_agent),
        )
        .route("/crews", get(directory::crews).post(directory::create_crew))
        .route(
            "/crews/{crew}/members/{agent}",
            put(directory::add_crew_member).delete(directory::remove_crew_member),
        )
        .route("/contacts", get(directory::search_contacts))
        .route(
            "/conversations",
            get(conversations::list).post(conversations::create),
        )
        .route("/conversations/{id}", get(conversations::get))
        .route(
            "/conversations/{id}/participants",
            get(conversations::participants),
        )
        .route(
            "/conversations/{id}/participants/{participant}",
            delete(conversations::remove),
        )
        .route(
            "/conversations/{id}/participants/{participant}/make-owner",
            post(conversations::make_owner),
        )
        .route("/conversations/{id}/leave", post(conversations::leave))
        .route(
            "/conversations/{id}/agent-invites",
            post(invites::invite_agent),
        )
        .route(
            "/conversations/{id}/service-requests",
            post(invites::request_service),
        )
        .route(
            "/conversations/{id}/contact-invites",
            post(invites::invite_contact),
        )
        .route(
            "/conversations/{id}/share-link",
            get(invites::get_link).patch(invites::patch_link),
        )
        .route(
            "/conversations/{id}/share-link/rotate",
            post(invites::rotate_link),
        )
        .route(
            "/conversations/{id}/messages",
            get(conversations::messages).post(conversations::post_message),
        )
        .route("/conversations/{id}/events", get(conversations::events))
        .route(
            "/conversations/{id}/permissions",
            get(conversations::permissions),
        )
        .route("/invites/{invite}/resend", post(invites::resend))
        .route("/invites/{invite}/revoke", post(invites::revoke))
        .route("/invites/{invite}/accept", post(invites::accept))
        .route("/invites/{invite}/decline", post(invites::decline))
        .route("/join/{token}", post(invites::join))
        .route("/sync", get(sync::sync))
        .route("/stream", get(stream::stream))
        .route("/openapi.json", get(crate::openapi::serve));
    Router::new()
        .route("/healthz", get(healthz))
        .route("/app", get(crate::web::app_index))
        .route("/app/", get(crate::web::app_index))
        .route("/app/assets/{file}", get(crate::web::app_asset))
        .route(
            "/j/{token}",
            get(crate::web::join_page).post(crate::web::join_form),
        )
        .route("/s", post(crate::web::signin_request_form))
        .route(
            "/s/{token}",
            get(crate::web::signin_page).post(crate::web::signin_form),
        )
        .nest("/api/v1", api)
        .fallback(|| async { crate::error::ApiError::NotFound("route") })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::idempotency::layer,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(state.clone(), durable))
        .layer(axum::middleware::from_fn(server_timing))
        .with_state(state)
}

/// Answers a request that may have written only once its writes are on disk (SQLite's group
/// commit, `crate::durable`); reads pass straight through.
async fn durable(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let reads_only = matches!(
        *req.method(),
        axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS
    );
    let res = next.run(req).await;
    if reads_only {
        return res;
    }
    match state.store().durable().await {
        Ok(()) => res,
        Err(e) => crate::error::ApiError::Internal(anyhow::anyhow!(
            "the change could not be made durable: {e}"
        ))
        .into_response(),
    }
}

/// Adds `Server-Timing: app;dur=<ms>` to every answer: the time the server spent on it, which
/// browsers' developer tools show and load tests read apart from the network.
async fn server_timing(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let started = std::time::Instant::now();
    let mut res = next.run(req).await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if let Ok(value) = axum::http::HeaderValue::from_str(&format!("app;dur={ms:.3}")) {
        res.headers_mut().insert("server-timing", value);
    }
    res
}

/// Liveness
#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "healthz",
    tag = "meta",
    responses((status = 200, description = "The server is up", body = Health))
)]
pub(crate) async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    })
}
