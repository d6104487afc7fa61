//! Invites, service requests, the Shareable Link and joining.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use axum::Json;
use convene_proto::{
    AgentInviteRequest, ContactInviteRequest, ConversationId, Invite, InviteId, InviteOutcome,
    JoinRequest, JoinResponse, ServiceRequest, ServiceRequestCreate, ShareLink, ShareLinkPatch,
};

use super::extract::json_or_default;
use super::{problem, IdempotencyKey};
use super::{ApiJson, AppState, Authed, Id};
use crate::error::Error;
use crate::ratelimit;
use crate::service::{invites, join as joining, links};

fn created(outcome: &InviteOutcome) -> StatusCode {
    if outcome.outcome == "invited" {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    }
}

/// Add Agent (Send invite)
///
/// Invites an agent of the account; answers 201 with the new invite, or 200 when the agent is
/// already joined or invited.
#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/agent-invites",
    operation_id = "invite_agent",
    tag = "invites",
    params(("id" = ConversationId, Path, description = "The conversation"), IdempotencyKey),
    request_body = AgentInviteRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Invited (`outcome` is `invited`)", body = InviteOutcome),
        (status = 200, description = "Nothing to do: `outcome` is `already_joined` or `already_invited`", body = InviteOutcome),
        (status = 400, response = problem::BadRequest),
        (status = 401, response = problem::Unauthenticated),
        (status = 403, response = problem::Forbidden),
        (status = 404, response = problem::NotFound),
        (status = 409, response = problem::Conflict),
        (status = 413, response = problem::PayloadTooLarge),
        (status = 422, response = problem::InvalidInput),
        (status = 503, response = problem::Busy),
        (status = 507, response = problem::StorageFull),
        (status = 429, response = problem::RateLimited),
    )
)]
pub async fn invite_agent(
    State(state): State<AppState>,
    authed: Authed,
    Id(id): Id<ConversationId>,
    ApiJson(req): ApiJson<AgentInviteRequest>,
) -> Result<(StatusCode, Json<InviteOutcome>), Error> {
    ratelimit::hit(
        state.store(),
        state.limits().invites,
        &format!("invite:{}", authed.principal.key()),
    )
    .await?;
    let outcome = invites::invite_agent(state.ctx(), &authed.principal, id, req.agent_id).await?;
    Ok((created(&outcome), Json(outcome)))
}

/// Request Service
///
/// Invites every active member of a crew (a `customer_requestable` crew for contacts).
#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/service-requests",
    operation_id = "request_service",
    tag = "invites",
    params(("id" = ConversationId, Path, description = "The conversation"), IdempotencyKey),
    request_body = ServiceRequestCreate,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The service request", body = ServiceRequest),
        (status = 400, response = problem::BadRequest),
        (status = 401, response = problem::Unauthenticated),
        (status = 403, response = problem::Forbidden),
        (status = 404, response = problem::NotFound),
        (status = 409, response = problem::Conflict),
        (status = 413, response = problem::PayloadTooLarge),
        (status = 422, response = problem::InvalidInput),
        (status = 503, response = problem::Busy),
        (status = 507, response = problem::StorageFull),
        (status = 429, response = problem::RateLimited),
    )
)]
pub async fn request_service(
    State(state): State<AppState>,
    authed: Authed,
    Id(id): Id<ConversationId>,
    ApiJson(req): ApiJson<ServiceRequestCreate>,
) -> Result<(StatusCode, Json<ServiceRequest>), Error> {
    ratelimit::hit(
        state.store(),
        state.limits().invites,
        &format!("invite:{}", authed.principal.key()),
    )
    .await?;
    let request = invites::request_service(state.ctx(), &authed.principal, id, req.crew_id).await?;
    Ok((StatusCode::CREATED, Json(request)))
}

/// Add to Conversation
///
/// Invites a contact by email (`{email, name?}`, a new or known address) or a known contact
/// (`{contact_id}`); the invite email goes out through the outbox. Answers 201 with the new
/// invite, or 200 when the contact is already joined or invited.
#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/contact-invites",
    operation_id = "invite_contact",
    tag = "invites",
    params(("id" = ConversationId, Path, description = "The conversation"), IdempotencyKey),
    request_body = ContactInviteRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Invited (`outcome` is `invited`)", body = InviteOutcome),
        (status = 200, description = "Nothing to do: `outcome` is `already_joined` or `already_invited`", body = InviteOutcome),
        (status = 400, response = problem::BadRequest),
        (status = 401, response = problem::Unauthenticated),
        (status = 403, response = problem::Forbidden),
        (status = 404, response = problem::NotFound),
        (status = 409, response = problem::Conflict),
        (status = 413, response = problem::PayloadTooLarge),
        (status = 422, response = problem::InvalidInput),
        (status = 503, response = problem::Busy),
        (status = 507, response = problem::StorageFull),
        (status = 429, response = problem::RateLimited),
    )
)]
pub async fn invite_contact(
    State(state): State<AppState>,
    authed: Authed,
    Id(id): Id<ConversationId>,
    ApiJson(req): ApiJson<ContactInviteRequest>,
) -> Result<(StatusCode, Json<InviteOutcome>), Error> {
    ratelimit::hit(
        state.store(),
        state.limits().invites,
        &format!("invite:{}", authed.principal.key()),
    )
    .await?;
    let outcome =
        invites::invite_contact(state.ctx(), state.limits(), &authed.principal, id, req).await?;
    Ok((created(&outcome), Json(outcome)))
}

/// Resend an invite
///
/// Sends a pending contact invite's email again.
#[utoipa::path(
    post,
    path = "/api/v1/invites/{invite}/resend",
    operation_id = "resend_invite",
    tag = "invites",
    params(("invite" = InviteId, Path, description = "The invite"), IdempotencyKey),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The invite", body = Invite),
        (status = 401, response = problem::Unauthenticated),
        (status = 403, response = problem::Forbidden),
        (status = 404, response = problem::NotFound),
        (status = 409, response = problem::Conflict),
        (status = 413, response = problem::PayloadTooLarge),
        (status = 422, response = problem::InvalidInput),
        (status = 503, response = problem::Busy),
        (status = 507, response = problem::StorageFull),
        (status = 429, response = problem::RateLimited),
    )
)]
pub async fn resend(
    State(state): State<AppState>,
    authed: Authed,
    Id(invite): Id<InviteId>,
) -> Result<Json<Invite>, Error> {
    let invite = invites::resend(state.ctx(), &authed.principal, invite).await?;
    Ok(Json(invite))
}

/// Revoke an invite
#[utoipa::path(
    post,
    path = "/api/v1/invites/{invite}/revoke",
    operation_id = "revoke_invite",
    tag = "invites",
    params(("invite" = InviteId, Path, description = "The invite"), IdempotencyKey),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The invite, now revoked", body = Invite),
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
pub async fn revoke(
    State(state): State<AppState>,
    authed: Authed,
    Id(invite): Id<InviteId>,
) -> Result<Json<Invite>, Error> {
    let invite = invites::revoke(state.ctx(), &authed.principal, invite).await?;
    Ok(Json(invite))
}

/// Accept my invite
#[utoipa::path(
    post,
    path = "/api/v1/invites/{invite}/accept",
    operation_id = "accept_invite",
    tag = "invites",
    params(("invite" = InviteId, Path, description = "The invite"), IdempotencyKey),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The invite, now accepted", body = Invite),
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
pub async fn accept(
    State(state): State<AppState>,
    authed: Authed,
    Id(invite): Id<InviteId>,
) -> Result<Json<Invite>, Error> {
    let invite = invites::answer(state.ctx(), &authed.principal, invite, true).await?;
    Ok(Json(invite))
}

/// Decline my invite
#[utoipa::path(
    post,
    path = "/api/v1/invites/{invite}/decline",
    operation_id = "decline_invite",
    tag = "invites",
    params(("invite" = InviteId, Path, description = "The invite"), IdempotencyKey),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The invite, now declined", body = Invite),
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
pub async fn decline(
    State(state): State<AppState>,
    authed: Authed,
    Id(invite): Id<InviteId>,
) -> Result<Json<Invite>, Error> {
    let invite = invites::answer(state.ctx(), &authed.principal, invite, false).await?;
    Ok(Json(invite))
}

/// The Shareable Link
///
/// A closed conversation's link is not handed out (409) until the conversation is reopened.
#[utoipa::path(
    get,
    path = "/api/v1/conversations/{id}/share-link",
    operation_id = "get_share_link",
    tag = "share-link",
    params(("id" = ConversationId, Path, description = "The conversation")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The link and who joined through it", body = ShareLink),
        (status = 401, response = problem::Unauthenticated),
        (status = 403, response = problem::Forbidden),
        (status = 404, response = problem::NotFound),
        (status = 409, response = problem::Conflict),
    )
)]
pub async fn get_link(
    State(state): State<AppState>,
    authed: Authed,
    Id(id): Id<ConversationId>,
) -> Result<Json<ShareLink>, Error> {
    Ok(Json(links::get(state.ctx(), &authed.principal, id).await?))
}

/// Change the Shareable Link
///
/// Only the fields present change; `null` clears `expires_at` or `max_uses`.
#[utoipa::path(
    patch,
    path = "/api/v1/conversations/{id}/share-link",
    operation_id = "patch_share_link",
    tag = "share-link",
    params(("id" = ConversationId, Path, description = "The conversation"), IdempotencyKey),
    request_body = ShareLinkPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The link", body = ShareLink),
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
pub async fn patch_link(
    State(state): State<AppState>,
    authed: Authed,
    Id(id): Id<ConversationId>,
    ApiJson(patch): ApiJson<ShareLinkPatch>,
) -> Result<Json<ShareLink>, Error> {
    let link = links::patch(state.ctx(), &authed.principal, id, patch).await?;
    Ok(Json(link))
}

/// Rotate the Shareable Link
///
/// A new URL; the old one stops working.
#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/share-link/rotate",
    operation_id = "rotate_share_link",
    tag = "share-link",
    params(("id" = ConversationId, Path, description = "The conversation"), IdempotencyKey),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The link with its new URL", body = ShareLink),
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
pub async fn rotate_link(
    State(state): State<AppState>,
    authed: Authed,
    Id(id): Id<ConversationId>,
) -> Result<Json<ShareLink>, Error> {
    let link = links::rotate(state.ctx(), &authed.principal, id).await?;
    Ok(Json(link))
}

/// Join with a token
///
/// Redeems an invite or Shareable Link token into a contact session. An invite needs no body; a
/// Shareable Link needs `{name, email}`.
#[utoipa::path(
    post,
    path = "/api/v1/join/{token}",
    operation_id = "join",
    tag = "join",
    params(
        ("token" = String, Path, description = "An invite or Shareable Link token, as in the link `/j/{token}`"),
        IdempotencyKey
    ),
    // Optional (an invite needs no body): `crate::openapi::OptionalBodies` marks it so.
    request_body(content = JoinRequest, description = "Who is joining (Shareable Link only); may be empty for an invite", content_type = "application/json"),
    responses(
        (status = 200, description = "Joined: a contact session", body = JoinResponse),
        (status = 400, response = problem::BadRequest),
        (status = 409, response = problem::Conflict),
        (status = 410, response = problem::LinkInvalid),
        (status = 413, response = problem::PayloadTooLarge),
        (status = 422, response = problem::InvalidInput),
        (status = 503, response = problem::Busy),
        (status = 507, response = problem::StorageFull),
        (status = 429, response = problem::RateLimited),
    )
)]
pub async fn join(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    super::MaybeAuthed(caller): super::MaybeAuthed,
    body: Bytes,
) -> Result<Json<JoinResponse>, Error> {
    ratelimit::hit(
        state.store(),
        state.limits().redeem,
        &format!("redeem:{}", client.ip()),
    )
    .await?;
    let req: JoinRequest = json_or_default(&body)?;
    let joined = joining::redeem(state.ctx(), &token, req, caller.as_ref()).await?;
    Ok(Json(joined))
}
