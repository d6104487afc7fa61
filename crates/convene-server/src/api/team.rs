//! Team administration over HTTP: the Admin area's agents list, role changes, suspension and
//! reactivation (the rules in `convene_proto::team`, the work in `service::team`).

use axum::extract::{Query, State};
use axum::Json;
use convene_proto::team::{AccountSettings, AgentChange, SetRole, SettingsPage, TeamAgentList};
use convene_proto::{AccountRole, Agent, AgentId, AgentStatus, CrewId};
use serde::Deserialize;

use super::{problem, IdempotencyKey};
use super::{ApiJson, AppState, Authed, Id};
use crate::error::Error;
use crate::service::team;

/// The filters of the agents list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TeamFilter {
    /// Only agents with this account role.
    pub role: Option<AccountRole>,
    /// Only active, or only suspended, agents.
    pub status: Option<AgentStatus>,
    /// Only members of this crew.
    pub crew: Option<CrewId>,
    /// Part of a name or email, anywhere in it.
    #[serde(default)]
    #[param(max_length = 254)]
    pub q: String,
}

/// List the team
///
/// Every agent of the account that matches the filters (at most 1,000, by name), with their crews
/// and, for each, whether the caller may change their role, suspend or reactivate them and why
/// not. Admins and superadmins only.
#[utoipa::path(
    get,
    path = "/api/v1/team/agents",
    operation_id = "team_agents",
    tag = "team",
    params(TeamFilter),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The matching agents", body = TeamAgentList),
        (status = 401, response = problem::Unauthenticated),
        (status = 403, response = problem::Forbidden),
        (status = 422, response = problem::InvalidInput),
        (status = 503, response = problem::Busy),
    )
)]
pub async fn agents(
    State(state): State<AppState>,
    authed: Authed,
    filter: Result<Query<TeamFilter>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<TeamAgentList>, Error> {
    let Query(f) = filter.map_err(|e| Error::invalid("query", e.body_text()))?;
    if f.q.chars().count() > 254 {
        return Err(Error::invalid("q", "q must be at most 254 characters"));
    }
    let filter = team::Filter {
        role: f.role,
        status: f.status,
        crew: f.crew,
        text: f.q,
    };
    Ok(Json(
        team::agents(state.ctx(), &authed.principal, &filter).await?,
    ))
}

async fn change(
    state: &AppState,
    authed: &Authed,
    id: AgentId,
    change: AgentChange,
) -> Result<Json<Agent>, Error> {
    Ok(Json(
        team::change_agent(state.ctx(), &authed.principal, id, change).await?,
    ))
}

/// Change an agent's role
///
/// Admins may make agents admins and back; only superadmins give or take the superadmin role,
/// and the account's last active superadmin keeps it (409).
#[utoipa::path(
    put,
    path = "/api/v1/agents/{id}/role",
    operation_id = "set_agent_role",
    tag = "team",
    params(("id" = AgentId, Path, description = "The agent"), IdempotencyKey),
    request_body = SetRole,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The agent as they now are", body = Agent),
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
pub async fn set_role(
    State(state): State<AppState>,
    authed: Authed,
    Id(id): Id<AgentId>,
    ApiJson(req): ApiJson<SetRole>,
) -> Result<Json<Agent>, Error> {
    change(&state, &authed, id, AgentChange::Role(req.role)).await
}

/// Suspend an agent
///
/// The agent's sessions end and their open streams close at once, on every instance; invites
/// waiting for them are revoked; their history stays. Nobody suspends themselves, and the last
/// active superadmin is never suspended (409).
#[utoipa::path(
    post,
    path = "/api/v1/agents/{id}/suspend",
    operation_id = "suspend_agent",
    tag = "team",
    params(("id" = AgentId, Path, description = "The agent"), IdempotencyKey),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The agent, suspended", body = Agent),
        (status = 401, response = problem::Unauthenticated),
        (status = 403, response = problem::Forbidden),
        (status = 404, response = problem::NotFound),
        (status = 409, response = problem::Conflict),
        (status = 422, response = problem::InvalidInput),
        (status = 503, response = problem::Busy),
        (status = 507, response = problem::StorageFull),
    )
)]
pub async fn suspend(
    State(state): State<AppState>,
    authed: Authed,
    Id(id): Id<AgentId>,
) -> Result<Json<Agent>, Error> {
    change(&state, &authed, id, AgentChange::Suspend).await
}

/// Reactivate an agent
///
/// A suspended agent may sign in again (with the password they had).
#[utoipa::path(
    post,
    path = "/api/v1/agents/{id}/reactivate",
    operation_id = "reactivate_agent",
    tag = "team",
    params(("id" = AgentId, Path, description = "The agent"), IdempotencyKey),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The agent, active", body = Agent),
        (status = 401, response = problem::Unauthenticated),
        (status = 403, response = problem::Forbidden),
        (status = 404, response = problem::NotFound),
        (status = 422, response = problem::InvalidInput),
        (status = 503, response = problem::Busy),
        (status = 507, response = problem::StorageFull),
    )
)]
pub async fn reactivate(
    State(state): State<AppState>,
    authed: Authed,
    Id(id): Id<AgentId>,
) -> Result<Json<Agent>, Error> {
    change(&state, &authed, id, AgentChange::Reactivate).await
}

/// The account's settings
///
/// Whether contacts may invite contacts, who the account's emails come from (and the server's
/// default), and how long email invites last; whether the caller may change them. Admins and
/// superadmins.
#[utoipa::path(
    get,
    path = "/api/v1/team/settings",
    operation_id = "account_settings",
    tag = "team",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The settings", body = SettingsPage),
        (status = 401, response = problem::Unauthenticated),
        (status = 403, response = problem::Forbidden),
        (status = 503, response = problem::Busy),
    )
)]
pub async fn settings(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Json<SettingsPage>, Error> {
    Ok(Json(
        crate::service::settings::get(state.ctx(), &authed.principal).await?,
    ))
}

/// Change the account's settings
///
/// Superadmins only. A sender address must be one mail can be sent from; leave the sender out to
/// use the server's (`--email-from`).
#[utoipa::path(
    put,
    path = "/api/v1/team/settings",
    operation_id = "set_account_settings",
    tag = "team",
    params(IdempotencyKey),
    request_body = AccountSettings,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The settings as they now are", body = SettingsPage),
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
pub async fn set_settings(
    State(state): State<AppState>,
    authed: Authed,
    ApiJson(req): ApiJson<AccountSettings>,
) -> Result<Json<SettingsPage>, Error> {
    Ok(Json(
        crate::service::settings::put(state.ctx(), &authed.principal, req).await?,
    ))
}
