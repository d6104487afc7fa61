//! Conversations, their people, messages and timeline.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use convene_proto::{
    Conversation, ConversationList, CreateConversation, EventList, Message, MessageList,
    Participant, ParticipantsView, PostMessage,
};

use super::{ApiJson, AppState, Authed};
use crate::error::ApiError;
use crate::service::{messages, parse_id, participants};
use crate::validate::{self, MAX_SUBJECT};

pub async fn list(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Json<ConversationList>, ApiError> {
    let conversations = participants::mine(state.ctx(), &authed.principal).await?;
    Ok(Json(ConversationList { conversations }))
}

pub async fn create(
    State(state): State<AppState>,
    authed: Authed,
    ApiJson(req): ApiJson<CreateConversation>,
) -> Result<(StatusCode, Json<Conversation>), ApiError> {
    let subject = validate::text("subject", &req.subject, MAX_SUBJECT)?;
    let conversation = participants::create(state.ctx(), &authed.principal, &subject).await?;
    state.changed(authed.principal.account_id(), false);
    Ok((StatusCode::CREATED, Json(conversation)))
}

pub async fn get(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
) -> Result<Json<Conversation>, ApiError> {
    Ok(Json(
        participants::get(
            state.ctx(),
            &authed.principal,
            parse_id(&id, "conversation")?,
        )
        .await?,
    ))
}

pub async fn participants(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
) -> Result<Json<ParticipantsView>, ApiError> {
    Ok(Json(
        participants::list(
            state.ctx(),
            &authed.principal,
            parse_id(&id, "conversation")?,
        )
        .await?,
    ))
}

pub async fn remove(
    State(state): State<AppState>,
    authed: Authed,
    Path((id, participant)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let id = parse_id(&id, "conversation")?;
    participants::remove(
        state.ctx(),
        &authed.principal,
        id,
        parse_id(&participant, "participant")?,
    )
    .await?;
    state.changed(authed.principal.account_id(), false);
    Ok(StatusCode::NO_CONTENT)
}

pub async fn make_owner(
    State(state): State<AppState>,
    authed: Authed,
    Path((id, participant)): Path<(String, String)>,
) -> Result<Json<Participant>, ApiError> {
    let id = parse_id(&id, "conversation")?;
    let updated = participants::make_owner(
        state.ctx(),
        &authed.principal,
        id,
        parse_id(&participant, "participant")?,
    )
    .await?;
    state.changed(authed.principal.account_id(), false);
    Ok(Json(updated))
}

pub async fn leave(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    participants::leave(
        state.ctx(),
        &authed.principal,
        parse_id(&id, "conversation")?,
    )
    .await?;
    state.changed(authed.principal.account_id(), false);
    Ok(StatusCode::NO_CONTENT)
}

pub async fn messages(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
) -> Result<Json<MessageList>, ApiError> {
    let messages = messages::list(
        state.ctx(),
        &authed.principal,
        parse_id(&id, "conversation")?,
    )
    .await?;
    Ok(Json(MessageList { messages }))
}

pub async fn post_message(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<PostMessage>,
) -> Result<(StatusCode, Json<Message>), ApiError> {
    let message = messages::post(
        state.ctx(),
        &authed.principal,
        parse_id(&id, "conversation")?,
        &req.body,
    )
    .await?;
    state.changed(authed.principal.account_id(), false);
    Ok((StatusCode::CREATED, Json(message)))
}

pub async fn events(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
) -> Result<Json<EventList>, ApiError> {
    let events = messages::events(
        state.ctx(),
        &authed.principal,
        parse_id(&id, "conversation")?,
    )
    .await?;
    Ok(Json(EventList { events }))
}
