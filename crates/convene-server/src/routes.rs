//! The whole HTTP surface: the JSON API, the web pages and the middleware around them, wired in
//! one place (the handlers live in `api` and `web`; neither knows the other's routes).

use axum::extract::DefaultBodyLimit;
use axum::response::IntoResponse;
use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;
use crate::{api, openapi, web};

/// Largest request body accepted; bigger bodies answer 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// How long a client may take to send a request's body.
pub const BODY_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Every route, once: each `routes!` entry takes its path and methods from the handler's
/// `#[utoipa::path]`, so the router and the OpenAPI document cannot disagree (the route-list
/// test checks that nothing is added past this list).
fn surface() -> OpenApiRouter<AppState> {
    let api = OpenApiRouter::new()
        .routes(routes!(api::auth::login))
        .routes(routes!(api::auth::logout))
        .routes(routes!(api::auth::logout_all))
        .routes(routes!(api::auth::email_link))
        .routes(routes!(api::auth::password_reset))
        .routes(routes!(api::auth::change_password))
        .routes(routes!(api::auth::me))
        .routes(routes!(api::conversations::home))
        .routes(routes!(
            api::directory::search_agents,
            api::directory::create_agent
        ))
        .routes(routes!(api::directory::crews, api::directory::create_crew))
        .routes(routes!(
            api::directory::update_crew,
            api::directory::delete_crew
        ))
        .routes(routes!(
            api::directory::add_crew_member,
            api::directory::remove_crew_member
        ))
        .routes(routes!(api::directory::search_contacts))
        .routes(routes!(api::team::agents))
        .routes(routes!(api::team::settings, api::team::set_settings))
        .routes(routes!(api::audit::page))
        .routes(routes!(api::audit::export))
        .routes(routes!(api::team::set_role))
        .routes(routes!(api::team::suspend))
        .routes(routes!(api::team::reactivate))
        .routes(routes!(
            api::conversations::list,
            api::conversations::create
        ))
        .routes(routes!(api::conversations::get))
        .routes(routes!(api::conversations::participants))
        .routes(routes!(api::conversations::remove))
        .routes(routes!(api::conversations::make_owner))
        .routes(routes!(api::conversations::leave))
        .routes(routes!(api::conversations::close))
        .routes(routes!(api::conversations::reopen))
        .routes(routes!(api::invites::invite_agent))
        .routes(routes!(api::invites::request_service))
        .routes(routes!(api::invites::invite_contact))
        .routes(routes!(api::invites::get_link, api::invites::patch_link))
        .routes(routes!(api::invites::rotate_link))
        .routes(routes!(
            api::conversations::messages,
            api::conversations::post_message
        ))
        .routes(routes!(api::conversations::mark_read))
        .routes(routes!(api::conversations::set_muted))
        .routes(routes!(api::conversations::events))
        .routes(routes!(api::conversations::permissions))
        .routes(routes!(api::conversations::screen))
        .routes(routes!(api::invites::resend))
        .routes(routes!(api::invites::revoke))
        .routes(routes!(api::invites::accept))
        .routes(routes!(api::invites::decline))
        .routes(routes!(api::invites::join))
        .routes(routes!(api::sync::sync))
        .routes(routes!(api::sync::history))
        .routes(routes!(api::stream::stream))
        .routes(routes!(openapi::serve))
        // API answers are one person's data, sessions among them: no cache keeps them.
        .layer(
            tower_http::set_header::SetResponseHeaderLayer::if_not_present(
                axum::http::header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-store"),
            ),
        );
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(api::healthz))
        .routes(routes!(api::readyz))
        .routes(routes!(web::app_index))
        .routes(routes!(web::app_index_bare))
        .routes(routes!(web::app_asset))
        .routes(routes!(web::join_page, web::join_form))
        .routes(routes!(web::signin_request_form))
        .routes(routes!(web::signin_page, web::signin_form))
        .routes(routes!(web::password_page, web::password_form))
        .merge(api)
}

/// The OpenAPI document of [`surface`], finished (see [`openapi::finish`]).
pub fn document() -> utoipa::openapi::OpenApi {
    openapi::finish(surface().into_openapi())
}

/// The whole HTTP surface of the server.
pub fn router(state: AppState) -> Router {
    let (routes, _) = surface().split_for_parts();
    routes
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
