//! Sign-in, sign-out and "who am I".

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use convene_proto::{AgentStatus, LoginRequest, LoginResponse, Me};

use super::{ApiJson, AppState, Authed};
use crate::auth::{dummy_hash, new_token, verify_password, SESSION_DAYS};
use crate::clock::now_ms;
use crate::error::ApiError;
use crate::openapi::{problem, IdempotencyKey};
use crate::service::Principal;
use crate::{ratelimit, validate};

/// One answer for every failed sign-in, so it never tells whether an email exists.
fn bad_credentials() -> ApiError {
    ApiError::Unauthenticated("wrong email or password".to_owned())
}

/// Agent sign-in
///
/// Answers a bearer token for `Authorization: Bearer …` and who signed in. Wrong email and wrong
/// password answer the same 401.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    operation_id = "login",
    tag = "auth",
    params(IdempotencyKey),
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = LoginResponse),
        (status = 400, response = problem::BadRequest),
        (status = 401, response = problem::Unauthenticated),
        (status = 409, response = problem::Conflict),
        (status = 413, response = problem::PayloadTooLarge),
        (status = 422, response = problem::InvalidInput),
        (status = 429, response = problem::RateLimited),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    let email = validate::email("email", &req.email)?;
    if req.password.len() > 1024 {
        return Err(ApiError::invalid(
            "password",
            "password must be at most 1024 characters",
        ));
    }
    ratelimit::hit(
        state.store(),
        state.limits().login,
        &format!("login:{email}"),
    )
    .await?;
    let found = state.store().agent_login(&email).await?;
    let password = req.password;
    let (hash, candidate) = match &found {
        Some(agent) => (agent.password_hash.clone(), Some(agent)),
        None => (dummy_hash().to_owned(), None),
    };
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    let agent = match candidate {
        Some(agent) if ok && agent.status == AgentStatus::Active => agent,
        _ => return Err(bad_credentials()),
    };
    let (token, token_hash) = new_token();
    let expires = now_ms() + SESSION_DAYS * 24 * 3600 * 1000;
    state
        .store()
        .create_session(&token_hash, agent.id, expires)
        .await?;
    let principal = state
        .store()
        .session_principal(&token_hash)
        .await?
        .ok_or_else(bad_credentials)?;
    tracing::info!(agent = %agent.id, "agent signed in");
    Ok(Json(LoginResponse {
        token,
        me: me_of(&state, &principal).await?,
    }))
}

/// Sign out
///
/// Ends the session of the bearer token; the token no longer works afterwards.
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    operation_id = "logout",
    tag = "auth",
    params(IdempotencyKey),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, response = problem::Unauthenticated),
        (status = 409, response = problem::Conflict),
        (status = 413, response = problem::PayloadTooLarge),
        (status = 422, response = problem::InvalidInput),
    )
)]
pub async fn logout(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<(StatusCode, [(axum::http::HeaderName, String); 1]), ApiError> {
    state.store().delete_session(&authed.token_hash).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(axum::http::header::SET_COOKIE, crate::web::clear_cookie())],
    ))
}

/// Who am I
///
/// The signed-in agent (with their account role) or contact.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    operation_id = "me",
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = Me),
        (status = 401, response = problem::Unauthenticated),
    )
)]
pub async fn me(State(state): State<AppState>, authed: Authed) -> Result<Json<Me>, ApiError> {
    Ok(Json(me_of(&state, &authed.principal).await?))
}

async fn me_of(state: &AppState, principal: &Principal) -> Result<Me, ApiError> {
    let account_name = state.store().account_name(principal.account_id()).await?;
    Ok(match principal.clone() {
        Principal::Agent {
            id,
            account_id,
            role,
            name,
            email,
        } => Me::Agent {
            id,
            account_id,
            account_name,
            email,
            name,
            role,
        },
        Principal::Contact {
            id,
            account_id,
            name,
            email,
        } => Me::Contact {
            id,
            account_id,
            account_name,
            email,
            name,
        },
    })
}
