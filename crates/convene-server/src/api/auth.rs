//! Sign-in, sign-out and "who am I".

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use convene_proto::{AgentStatus, LoginRequest, LoginResponse, Me};

use super::{ApiJson, AppState, AuthedAgent};
use crate::auth::{dummy_hash, new_token, verify_password, SESSION_DAYS};
use crate::clock::now_ms;
use crate::error::ApiError;
use crate::validate;

/// One answer for every failed sign-in, so it never tells whether an email exists.
fn bad_credentials() -> ApiError {
    ApiError::Unauthenticated("wrong email or password".to_owned())
}

pub async fn login(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    let email = validate::email("email", &req.email)?;
    let found = state.store().agent_login(&email).await?;
    let password = req.password;
    let (ok, agent) = match found {
        Some(agent) => {
            let hash = agent.password_hash.clone();
            let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
                .await
                .map_err(|e| ApiError::Internal(e.into()))?;
            (ok && agent.status == AgentStatus::Active, Some(agent))
        }
        None => {
            tokio::task::spawn_blocking(move || verify_password(&password, dummy_hash()))
                .await
                .map_err(|e| ApiError::Internal(e.into()))?;
            (false, None)
        }
    };
    let agent = match (ok, agent) {
        (true, Some(agent)) => agent,
        _ => return Err(bad_credentials()),
    };
    let (token, token_hash) = new_token();
    let expires = now_ms() + SESSION_DAYS * 24 * 3600 * 1000;
    state
        .store()
        .create_session(&token_hash, agent.id, expires)
        .await?;
    let me = state
        .store()
        .session_agent(&token_hash)
        .await?
        .ok_or_else(bad_credentials)?
        .me;
    tracing::info!(agent = %agent.id, "agent signed in");
    Ok(Json(LoginResponse { token, me }))
}

pub async fn logout(
    State(state): State<AppState>,
    authed: AuthedAgent,
) -> Result<StatusCode, ApiError> {
    state.store().delete_session(&authed.token_hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn me(authed: AuthedAgent) -> Json<Me> {
    Json(authed.agent.me)
}
