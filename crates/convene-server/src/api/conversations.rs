//! Conversations: list mine, create one.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use convene_proto::{Conversation, ConversationList, CreateConversation};

use super::{ApiJson, AppState, AuthedAgent};
use crate::error::ApiError;
use crate::validate::{self, MAX_SUBJECT};

pub async fn list(
    State(state): State<AppState>,
    authed: AuthedAgent,
) -> Result<Json<ConversationList>, ApiError> {
    let conversations = state
        .store()
        .conversations_of_agent(authed.agent.id)
        .await?;
    Ok(Json(ConversationList { conversations }))
}

pub async fn create(
    State(state): State<AppState>,
    authed: AuthedAgent,
    ApiJson(req): ApiJson<CreateConversation>,
) -> Result<(StatusCode, Json<Conversation>), ApiError> {
    let subject = validate::text("subject", &req.subject, MAX_SUBJECT)?;
    let conversation = state
        .store()
        .create_conversation(authed.agent.account_id, authed.agent.id, &subject)
        .await?;
    Ok((StatusCode::CREATED, Json(conversation)))
}
