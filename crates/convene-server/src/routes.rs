//! The whole HTTP surface: the JSON API, the web pages and the middleware around them, wired in
//! one place (the handlers live in `api` and `web`; neither knows the other's routes).

use axum::extract::DefaultBodyLimit;
use axum::response::IntoResponse;
use axum::routing::{delete, get, patch, post, put};
use axum::Router;

use crate::api;
use crate::state::AppState;

/// Largest request body accepted; bigger bodies answer 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// How long a client may take to send a request's body.
pub const BODY_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The whole HTTP surface of the server.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/auth/login", post(api::auth::login))
        .route("/auth/logout", post(api::auth::logout))
        .route("/auth/logout-all", post(api::auth::logout_all))
        .route("/auth/email-link", post(api::auth::email_link))
        .route("/auth/password-reset", post(api::auth::password_reset))
        .route("/me/password", put(api::auth::change_password))
        .route("/me", get(api::auth::me))
        .route("/home", get(api::conversations::home))
        .route(
            "/agents",
            get(api::directory::search_agents).post(api::directory::create_agent),
        )
        .route(
            "/crews",
            get(api::directory::crews).post(api::directory::create_crew),
        )
        .route(
            "/crews/{crew}",
            patch(api::directory::update_crew).delete(api::directory::delete_crew),
        )
        .route(
            "/crews/{crew}/members/{agent}",
            put(api::directory::add_crew_member).delete(api::directory::remove_crew_member),
        )
        .route("/contacts", get(api::directory::search_contacts))
        .route("/team/agents", get(api::team::agents))
        .route(
            "/team/settings",
            get(api::team::settings).put(api::team::set_settings),
        )
        .route("/team/audit", get(api::audit::page))
        .route("/team/audit/export", get(api::audit::export))
        .route("/agents/{id}/role", put(api::team::set_role))
        .route("/agents/{id}/suspend", post(api::team::suspend))
        .route("/agents/{id}/reactivate", post(api::team::reactivate))
        .route(
            "/conversations",
            get(api::conversations::list).post(api::conversations::create),
        )
        .route("/conversations/{id}", get(api::conversations::get))
        .route(
            "/conversations/{id}/participants",
            get(api::conversations::participants),
        )
        .route(
            "/conversations/{id}/participants/{participant}",
            delete(api::conversations::remove),
        )
        .route(
            "/conversations/{id}/participants/{participant}/make-owner",
            post(api::conversations::make_owner),
        )
        .route("/conversations/{id}/leave", post(api::conversations::leave))
        .route(
            "/conversations/{id}/agent-invites",
            post(api::invites::invite_agent),
        )
        .route(
            "/conversations/{id}/service-requests",
            post(api::invites::request_service),
        )
        .route(
            "/conversations/{id}/contact-invites",
            post(api::invites::invite_contact),
        )
        .route(
            "/conversations/{id}/share-link",
            get(api::invites::get_link).patch(api::invites::patch_link),
        )
        .route(
            "/conversations/{id}/share-link/rotate",
            post(api::invites::rotate_link),
        )
        .route(
            "/conversations/{id}/messages",
            get(api::conversations::messages).post(api::conversations::post_message),
        )
        .route(
            "/conversations/{id}/events",
            get(api::conversations::events),
        )
        .route(
            "/conversations/{id}/permissions",
            get(api::conversations::permissions),
        )
        .route(
            "/conversations/{id}/screen",
            get(api::conversations::screen),
        )
        .route("/invites/{invite}/resend", post(api::invites::resend))
        .route("/invites/{invite}/revoke", post(api::invites::revoke))
        .route("/invites/{invite}/accept", post(api::invites::accept))
        .route("/invites/{invite}/decline", post(api::invites::decline))
        .route("/join/{token}", post(api::invites::join))
        .route("/sync", get(api::sync::sync))
        .route("/stream", get(api::stream::stream))
        .route("/openapi.json", get(crate::openapi::serve));
    Router::new()
        .route("/healthz", get(api::healthz))
        .route("/readyz", get(api::readyz))
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
        .route(
            "/p/{token}",
            get(crate::web::password_page).post(crate::web::password_form),
        )
        // API answers are one person's data, sessions among them: no cache keeps them.
        .nest(
            "/api/v1",
            api.layer(
                tower_http::set_header::SetResponseHeaderLayer::if_not_present(
                    axum::http::header::CACHE_CONTROL,
                    axum::http::HeaderValue::from_static("no-store"),
                ),
            ),
        )
        .fallback(|| async { crate::error::Error::NotFound("route") })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::idempotency::layer,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // A body that trickles in is cut off (the head has its own deadline in `crate::listen`).
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            BODY_READ_TIMEOUT,
        ))
        .layer(axum::middleware::from_fn_with_state(state.clone(), durable))
        .layer(axum::middleware::from_fn(origin))
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
        Err(e) => {
            tracing::error!(error = %e, "a committed change could not be flushed to disk");
            crate::error::Error::StorageUnavailable(
                "the change could not be flushed to disk".to_owned(),
            )
            .into_response()
        }
    }
}

/// Runs the request knowing where it came from, for the audit entries of what it changes: the
/// peer's address, and whether it came with a bearer token (the desktop app, API clients) or not
/// (the web client's cookie, the web pages).
async fn origin(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use convene_proto::audit::AuditVia;
    let bearer = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.len() > 7 && v[..7].eq_ignore_ascii_case("bearer "));
    let ip = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    let origin = crate::service::audit::Origin {
        via: if bearer { AuditVia::App } else { AuditVia::Web },
        ip,
    };
    crate::service::audit::within(origin, next.run(req)).await
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
