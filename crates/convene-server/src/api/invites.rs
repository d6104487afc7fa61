//! Invites, service requests, the Shareable Link and joining.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use axum::Json;
use convene_proto::{
    AgentInviteRequest, ContactInviteRequest, Invite, InviteOutcome, JoinRequest, JoinResponse,
    ServiceRequest, ServiceRequestCreate, ShareLink, ShareLinkPatch,
};

use super::extract::json_or_default;
use super::{ApiJson, AppState, Authed};
use crate::error::ApiError;
use crate::ratelimit;
use crate::service::{invites, join as joining, links, parse_id};

fn created(outcome: &InviteOutcome) -> StatusCode {
    if outcome.outcome == "invited" {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    }
}

pub async fn invite_agent(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<AgentInviteRequest>,
) -> Result<(StatusCode, Json<InviteOutcome>), ApiError> {
    ratelimit::hit(
        state.store(),
        ratelimit::INVITES,
        &format!("invite:{}", authed.principal.key()),
    )
    .await?;
    let outcome = invites::invite_agent(
        state.ctx(),
        &authed.principal,
        parse_id(&id, "conversation")?,
        req.agent_id,
    )
    .await?;
    state.changed(authed.principal.account_id(), false);
    Ok((created(&outcome), Json(outcome)))
}

pub async fn request_service(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ServiceRequestCreate>,
) -> Result<(StatusCode, Json<ServiceRequest>), ApiError> {
    ratelimit::hit(
        state.store(),
        ratelimit::INVITES,
        &format!("invite:{}", authed.principal.key()),
    )
    .await?;
    let request = invites::request_service(
        state.ctx(),
        &authed.principal,
        parse_id(&id, "conversation")?,
        req.crew_id,
    )
    .await?;
    state.changed(authed.principal.account_id(), false);
    Ok((StatusCode::CREATED, Json(request)))
}

pub async fn invite_contact(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ContactInviteRequest>,
) -> Result<(StatusCode, Json<InviteOutcome>), ApiError> {
    ratelimit::hit(
        state.store(),
        ratelimit::INVITES,
        &format!("invite:{}", authed.principal.key()),
    )
    .await?;
    let outcome = invites::invite_contact(
        state.ctx(),
        &authed.principal,
        parse_id(&id, "conversation")?,
        req,
    )
    .await?;
    state.changed(authed.principal.account_id(), outcome.outcome == "invited");
    Ok((created(&outcome), Json(outcome)))
}

pub async fn resend(
    State(state): State<AppState>,
    authed: Authed,
    Path(invite): Path<String>,
) -> Result<Json<Invite>, ApiError> {
    let invite =
        invites::resend(state.ctx(), &authed.principal, parse_id(&invite, "invite")?).await?;
    state.changed(authed.principal.account_id(), true);
    Ok(Json(invite))
}

pub async fn revoke(
    State(state): State<AppState>,
    authed: Authed,
    Path(invite): Path<String>,
) -> Result<Json<Invite>, ApiError> {
    let invite =
        invites::revoke(state.ctx(), &authed.principal, parse_id(&invite, "invite")?).await?;
    state.changed(authed.principal.account_id(), false);
    Ok(Json(invite))
}

pub async fn accept(
    State(state): State<AppState>,
    authed: Authed,
    Path(invite): Path<String>,
) -> Result<Json<Invite>, ApiError> {
    let invite = invites::answer(
        state.ctx(),
        &authed.principal,
        parse_id(&invite, "invite")?,
        true,
    )
    .await?;
    state.changed(authed.principal.account_id(), false);
    Ok(Json(invite))
}

pub async fn decline(
    State(state): State<AppState>,
    authed: Authed,
    Path(invite): Path<String>,
) -> Result<Json<Invite>, ApiError> {
    let invite = invites::answer(
        state.ctx(),
        &authed.principal,
        parse_id(&invite, "invite")?,
        false,
    )
    .await?;
    state.changed(authed.principal.account_id(), false);
    Ok(Json(invite))
}

pub async fn get_link(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
) -> Result<Json<ShareLink>, ApiError> {
    Ok(Json(
        links::get(
            state.ctx(),
            &authed.principal,
            parse_id(&id, "conversation")?,
        )
        .await?,
    ))
}

pub async fn patch_link(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<ShareLinkPatch>,
) -> Result<Json<ShareLink>, ApiError> {
    let link = links::patch(
        state.ctx(),
        &authed.principal,
        parse_id(&id, "conversation")?,
        patch,
    )
    .await?;
    state.changed(authed.principal.account_id(), false);
    Ok(Json(link))
}

pub async fn rotate_link(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
) -> Result<Json<ShareLink>, ApiError> {
    let link = links::rotate(
        state.ctx(),
        &authed.principal,
        parse_id(&id, "conversation")?,
    )
    .await?;
    state.changed(authed.principal.account_id(), false);
    Ok(Json(link))
}

/// Redeems an invite or Shareable Link token into a contact session.
pub async fn join(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    body: Bytes,
) -> Result<Json<JoinResponse>, ApiError> {
    ratelimit::hit(
        state.store(),
        ratelimit::REDEEM,
        &format!("redeem:{}", client.ip()),
    )
    .await?;
    let req: JoinRequest = json_or_default(&body)?;
    let joined = joining::redeem(state.ctx(), &token, req).await?;
    state.changed(joined_account(&joined), false);
    Ok(Json(joined))
}

fn joined_account(j: &JoinResponse) -> convene_proto::AccountId {
    match &j.me {
        convene_proto::Me::Agent { account_id, .. }
        | convene_proto::Me::Contact { account_id, .. } => *account_id,
    }
}
