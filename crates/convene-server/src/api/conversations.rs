//! Conversations, their people, messages and timeline.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use convene_proto::list::HomeList;
use convene_proto::{
    Conversation, ConversationId, ConversationList, CreateConversation, EventList, MarkRead,
    Message, MessagePage, Participant, ParticipantId, ParticipantsView, PostMessage, ReadState,
    SetMuted,
};

use super::{problem, IdempotencyKey};
use super::{ApiJson, AppState, Authed, Id};
use crate::error::Error;
use crate::service::{list, messages, participants, reading};
use crate::validate::{self, MAX_SUBJECT};

/// My conversations
///
/// The conversations the caller is in (or, for admins, may see).
#[utoipa::path(
    get,
    path = "/api/v1/conversations",
    operation_id = "list_conversations",
    tag = "conversations",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The conversations", body = ConversationList),
        (status = 401, response = problem::Unauthenticated),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Json<ConversationList>, Error> {
    let conversations = participants::mine(state.ctx(), &authed.principal).await?;
    Ok(Json(ConversationList { conversations }))
}

/// My conversation list (the web client)
///
/// The conversations the caller has joined, most recently updated first, each as a row of the
/// list: subject, the customers by name, a preview of the newest message. The desktop app builds
/// the same rows from its cache with the same function.
#[utoipa::path(
    get,
    path = "/api/v1/home",
    operation_id = "get_home",
    tag = "conversations",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The list's rows", body = HomeList),
        (status = 401, response = problem::Unauthenticated),
    )
)]
pub async fn home(State(state): State<AppState>, authed: Authed) -> Result<Json<HomeList>, Error> {
    Ok(Json(list::home(state.ctx(), &authed.principal).await?))
}

/// Create a conversation
///
/// Agents only; the caller becomes its owner.
#[utoipa::path(
    post,
    path = "/api/v1/conversations",
    operation_id = "create_conversation",
    tag = "conversations",
    params(IdempotencyKey),
    request_body = CreateConversation,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new conversation", body = Conversation),
        (status = 400, response = problem::BadRequest),
        (status = 401, response = problem::Unauthenticated),
        (status = 403, response = problem::Forbidden),
        (status = 409, response = problem::Conflict),
        (status = 413, response = problem::PayloadTooLarge),
        (status = 422, response = problem::InvalidInput),
        (status = 503, response = problem::Busy),
        (status = 507, response = problem::StorageFull),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    authed: Authed,
    ApiJson(req): ApiJson<CreateConversation>,
) -> Result<(StatusCode, Json<Conversation>), Error> {
    let subject = validate::text("subject", &req.subject, MAX_SUBJECT)?;
    let conversation = participants::create(state.ctx(), &authed.principal, &subject).await?;
    Ok((StatusCode::CREATED, Json(conversation)))
}

/// One conversation
#[utoipa::path(
    get,
    path = "/api/v1/conversations/{id}",
    operation_id = "get_conversation",
    tag = "conversations",
    params(("id" = ConversationId, Path, description = "The conversation")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The conversation", body = Conversation),
        (status = 401, response = problem::Unauthenticated),
        (status = 403, response = problem::Forbidden),
        (status = 404, response = problem::NotFound),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    authed: Authed,
    Id(id): Id<ConversationId>,
) -> Result<Json<Conversation>, Error> {
    Ok(Json(
        participants::get(state.ctx(), &authed.principal, id).await?,
    ))
}

/// Participants and pending invites
#[utoipa::path(
    get,
    path = "/api/v1/conversations/{id}/participants",
    operation_id = "list_participants",
    tag = "conversations",
    params(("id" = ConversationId, Path, description = "The conversation")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Participants and invites", body = ParticipantsView),
        (status = 401, response = problem::Unauthenticated),
        (status = 403, response = problem::Forbidden),
        (status = 404, response = problem::NotFound),
    )
)]
pub async fn participants(
    State(state): State<AppState>,
    authed: Authed,
    Id(id): Id<ConversationId>,
) -> Result<Json<ParticipantsView>, Error> {
    Ok(Json(
        participants::list(state.ctx(), &authed.principal, id).await?,
    ))
}

/// Remove User
///
/// Superadmins and conversation owners; owners never remove another owner, and nobody removes the
/// last owner.
#[utoipa::path(
    delete,
    path = "/api/v1/conversations/{id}/participants/{participant}",
    operation_id = "remove_participant",
    tag = "conversations",
    params(("id" = ConversationId, Path, description = "The conversation"), ("participant" = ParticipantId, Path, description = "The participant (not the agent or contact)"), IdempotencyKey),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, response = problem::Unauthenticated),
        (status = 403, response = problem::Forbidden),
        (status = 404, response = problem::NotFound),
        (status = 409, response = problem::Conflict),
        (status = 413, response = problem::PayloadTooLarge),
        (status = 422, response = problem::InvalidInput),
        (status = 503, response = problem::Busy),
        (status = 507, response = problem::StorageFull),
    )
)]
pub async fn remove(
    State(state): State<AppState>,
    authed: Authed,
    Id((id, participant)): Id<(ConversationId, ParticipantId)>,
) -> Result<StatusCode, Error> {
    participants::remove(state.ctx(), &authed.principal, id, participant).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Make a joined agent an owner too
#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/participants/{participant}/make-owner",
    operation_id = "make_owner",
    tag = "conversations",
    params(("id" = ConversationId, Path, description = "The conversation"), ("participant" = ParticipantId, Path, description = "The participant (not the agent or contact)"), IdempotencyKey),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The participant, now an owner", body = Participant),
        (status = 401, response = problem::Unauthenticated),
        (status = 403, response = problem::Forbidden),
        (status = 404, response = problem::NotFound),
        (status = 409, response = problem::Conflict),
        (status = 413, response = problem::PayloadTooLarge),
        (status = 422, response = problem::InvalidInput),
        (status = 503, response = problem::Busy),
        (status = 507, response = problem::StorageFull),
    )
)]
pub async fn make_owner(
    State(state): State<AppState>,
    authed: Authed,
    Id((id, participant)): Id<(ConversationId, ParticipantId)>,
) -> Result<Json<Participant>, Error> {
    let updated = participants::make_owner(state.ctx(), &authed.principal, id, participant).await?;
    Ok(Json(updated))
}

/// Close the conversation
///
/// Owners, admins and superadmins. A closed conversation reads as before but takes nothing new:
/// posting, inviting, Request Service, resending and accepting invites answer 409, and its
/// Shareable Link and email invites admit nobody (410) until it is reopened. Closing a closed
/// conversation changes nothing.
#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/close",
    operation_id = "close_conversation",
    tag = "conversations",
    params(("id" = ConversationId, Path, description = "The conversation"), IdempotencyKey),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The conversation, closed", body = Conversation),
        (status = 401, response = problem::Unauthenticated),
        (status = 403, response = problem::Forbidden),
        (status = 404, response = problem::NotFound),
        (status = 413, response = problem::PayloadTooLarge),
        (status = 422, response = problem::InvalidInput),
        (status = 503, response = problem::Busy),
        (status = 507, response = problem::StorageFull),
    )
)]
pub async fn close(
    State(state): State<AppState>,
    authed: Authed,
    Id(id): Id<ConversationId>,
) -> Result<Json<Conversation>, Error> {
    Ok(Json(
        participants::set_closed(state.ctx(), &authed.principal, id, true).await?,
    ))
}

/// Reopen the conversation
///
/// Owners, admins and superadmins. Its link and pending invites work again as they were.
#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/reopen",
    operation_id = "reopen_conversation",
    tag = "conversations",
    params(("id" = ConversationId, Path, description = "The conversation"), IdempotencyKey),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The conversation, open", body = Conversation),
        (status = 401, response = problem::Unauthenticated),
        (status = 403, response = problem::Forbidden),
        (status = 404, response = problem::NotFound),
        (status = 413, response = problem::PayloadTooLarge),
        (status = 422, response = problem::InvalidInput),
        (status = 503, response = problem::Busy),
        (status = 507, response = problem::StorageFull),
    )
)]
pub async fn reopen(
    State(state): State<AppState>,
    authed: Authed,
    Id(id): Id<ConversationId>,
) -> Result<Json<Conversation>, Error> {
    Ok(Json(
        participants::set_closed(state.ctx(), &authed.principal, id, false).await?,
    ))
}

/// Leave the conversation
///
/// An owner may leave only if another owner remains.
#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/leave",
    operation_id = "leave_conversation",
    tag = "conversations",
    params(("id" = ConversationId, Path, description = "The conversation"), IdempotencyKey),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Left"),
        (status = 401, response = problem::Unauthenticated),
        (status = 403, response = problem::Forbidden),
        (status = 404, response = problem::NotFound),
        (status = 409, response = problem::Conflict),
        (status = 413, response = problem::PayloadTooLarge),
        (status = 422, response = problem::InvalidInput),
        (status = 503, response = problem::Busy),
        (status = 507, response = problem::StorageFull),
    )
)]
pub async fn leave(
    State(state): State<AppState>,
    authed: Authed,
    Id(id): Id<ConversationId>,
) -> Result<StatusCode, Error> {
    participants::leave(state.ctx(), &authed.principal, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Which page of messages `GET …/messages` answers.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MessagesQuery {
    /// A message id (the page's `older`): the messages before it. Absent: from the newest.
    #[serde(default)]
    pub before: Option<String>,
    /// How many at most (1 to 500; 50 when absent).
    #[serde(default)]
    pub limit: Option<usize>,
}

/// Timeline messages, a page at a time
///
/// Newest first. `older` is the `before` of the next, older page; it is absent on the page that
/// holds the first message.
#[utoipa::path(
    get,
    path = "/api/v1/conversations/{id}/messages",
    operation_id = "list_messages",
    tag = "conversations",
    params(("id" = ConversationId, Path, description = "The conversation"), MessagesQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of messages, newest first", body = MessagePage),
        (status = 401, response = problem::Unauthenticated),
        (status = 403, response = problem::Forbidden),
        (status = 404, response = problem::NotFound),
        (status = 422, response = problem::InvalidInput),
    )
)]
pub async fn messages(
    State(state): State<AppState>,
    authed: Authed,
    Id(id): Id<ConversationId>,
    q: Result<Query<MessagesQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<MessagePage>, Error> {
    let Query(q) = q.map_err(|e| Error::invalid("limit", e.body_text()))?;
    Ok(Json(
        reading::page(
            state.ctx(),
            &authed.principal,
            id,
            q.before.as_deref(),
            q.limit,
        )
        .await?,
    ))
}

/// Mark the conversation read
///
/// The caller has read up to this message (of this conversation): every later message by
/// someone else counts as unread. Reading never goes back: an older mark than the stored one
/// changes nothing. The caller's other devices learn of it through sync.
#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/read",
    operation_id = "mark_read",
    tag = "conversations",
    params(("id" = ConversationId, Path, description = "The conversation"), IdempotencyKey),
    request_body = MarkRead,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's read state now", body = ReadState),
        (status = 400, response = problem::BadRequest),
        (status = 401, response = problem::Unauthenticated),
        (status = 404, response = problem::NotFound),
        (status = 413, response = problem::PayloadTooLarge),
        (status = 422, response = problem::InvalidInput),
        (status = 503, response = problem::Busy),
        (status = 507, response = problem::StorageFull),
    )
)]
pub async fn mark_read(
    State(state): State<AppState>,
    authed: Authed,
    Id(id): Id<ConversationId>,
    ApiJson(req): ApiJson<MarkRead>,
) -> Result<Json<ReadState>, Error> {
    Ok(Json(
        reading::mark_read(state.ctx(), &authed.principal, id, req.message_id).await?,
    ))
}

/// Mute or unmute the conversation
///
/// For the caller alone: a muted conversation raises no notification for new messages and is
/// not counted in the app's badge.
#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/mute",
    operation_id = "set_muted",
    tag = "conversations",
    params(("id" = ConversationId, Path, description = "The conversation"), IdempotencyKey),
    request_body = SetMuted,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's read state now", body = ReadState),
        (status = 400, response = problem::BadRequest),
        (status = 401, response = problem::Unauthenticated),
        (status = 404, response = problem::NotFound),
        (status = 413, response = problem::PayloadTooLarge),
        (status = 422, response = problem::InvalidInput),
        (status = 503, response = problem::Busy),
        (status = 507, response = problem::StorageFull),
    )
)]
pub async fn set_muted(
    State(state): State<AppState>,
    authed: Authed,
    Id(id): Id<ConversationId>,
    ApiJson(req): ApiJson<SetMuted>,
) -> Result<Json<ReadState>, Error> {
    Ok(Json(
        reading::set_muted(state.ctx(), &authed.principal, id, req.muted).await?,
    ))
}

/// Post a message
#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/messages",
    operation_id = "post_message",
    tag = "conversations",
    params(("id" = ConversationId, Path, description = "The conversation"), IdempotencyKey),
    request_body = PostMessage,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new message", body = Message),
        (status = 400, response = problem::BadRequest),
        (status = 401, response = problem::Unauthenticated),
        (status = 403, response = problem::Forbidden),
        (status = 404, response = problem::NotFound),
        (status = 409, response = problem::Conflict),
        (status = 413, response = problem::PayloadTooLarge),
        (status = 422, response = problem::InvalidInput),
        (status = 503, response = problem::Busy),
        (status = 507, response = problem::StorageFull),
    )
)]
pub async fn post_message(
    State(state): State<AppState>,
    authed: Authed,
    Id(id): Id<ConversationId>,
    ApiJson(req): ApiJson<PostMessage>,
) -> Result<(StatusCode, Json<Message>), Error> {
    let message = messages::post(state.ctx(), &authed.principal, id, &req.body).await?;
    Ok((StatusCode::CREATED, Json(message)))
}

/// What the caller may do here (the permission table, for greying out controls)
#[utoipa::path(
    get,
    path = "/api/v1/conversations/{id}/permissions",
    operation_id = "get_permissions",
    tag = "conversations",
    params(("id" = ConversationId, Path, description = "The conversation")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every action with whether the caller may do it", body = convene_proto::policy::PermissionList),
        (status = 401, response = problem::Unauthenticated),
        (status = 404, response = problem::NotFound),
    )
)]
pub async fn permissions(
    State(state): State<AppState>,
    authed: Authed,
    Id(id): Id<ConversationId>,
) -> Result<Json<convene_proto::policy::PermissionList>, Error> {
    let permissions = participants::permissions(state.ctx(), &authed.principal, id).await?;
    Ok(Json(convene_proto::policy::PermissionList { permissions }))
}

/// Membership events (audit)
#[utoipa::path(
    get,
    path = "/api/v1/conversations/{id}/events",
    operation_id = "list_events",
    tag = "conversations",
    params(("id" = ConversationId, Path, description = "The conversation")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The events, oldest first", body = EventList),
        (status = 401, response = problem::Unauthenticated),
        (status = 403, response = problem::Forbidden),
        (status = 404, response = problem::NotFound),
    )
)]
pub async fn events(
    State(state): State<AppState>,
    authed: Authed,
    Id(id): Id<ConversationId>,
) -> Result<Json<EventList>, Error> {
    let events = messages::events(state.ctx(), &authed.principal, id).await?;
    Ok(Json(EventList { events }))
}

/// One conversation's screen (the web client)
///
/// The conversation with its people, pending invites and service requests (the snapshot sync
/// sends), the messages and events, Request Service's crews, and a verdict for everything the
/// caller might do: the permission table, Leave, Remove User and Make owner per person, Revoke
/// and Resend per invite, Request Service per crew; each refusal says why. The desktop app
/// computes the same verdicts from its cache with the same function.
#[utoipa::path(
    get,
    path = "/api/v1/conversations/{id}/screen",
    operation_id = "get_screen",
    tag = "conversations",
    params(("id" = ConversationId, Path, description = "The conversation")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The conversation's screen", body = convene_proto::screen::ScreenPage),
        (status = 401, response = problem::Unauthenticated),
        (status = 404, response = problem::NotFound),
    )
)]
pub async fn screen(
    State(state): State<AppState>,
    authed: Authed,
    Id(id): Id<ConversationId>,
) -> Result<Json<convene_proto::screen::ScreenPage>, Error> {
    Ok(Json(
        crate::service::screen::screen(state.ctx(), &authed.principal, id).await?,
    ))
}
