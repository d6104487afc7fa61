//! Agents, crews and contacts of the account.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use convene_proto::{
    Agent, AgentId, AgentList, ContactList, CreateAgent, CreateCrew, Crew, CrewId, CrewList,
    UpdateCrew,
};
use serde::Deserialize;

use super::{problem, IdempotencyKey};
use super::{ApiJson, AppState, Authed, Id};
use crate::error::Error;
use crate::service::directory;

/// `?q=` of the searches.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Search {
    /// Prefix of a name (any word) or email; empty or absent matches everyone.
    #[serde(default)]
    #[param(max_length = 254)]
    pub q: String,
}

fn query(
    q: Result<Query<Search>, axum::extract::rejection::QueryRejection>,
) -> Result<String, Error> {
    q.map(|Query(s)| s.q)
        .map_err(|e| Error::invalid("q", e.body_text()))
}

/// Search agents
///
/// Active agents of the account whose name (any word) or email starts with `q`.
#[utoipa::path(
    get,
    path = "/api/v1/agents",
    operation_id = "search_agents",
    tag = "directory",
    params(Search),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Matching active agents", body = AgentList),
        (status = 401, response = problem::Unauthenticated),
        (status = 403, response = problem::Forbidden),
        (status = 422, response = problem::InvalidInput),
        (status = 503, response = problem::Busy),
        (status = 507, response = problem::StorageFull),
    )
)]
pub async fn search_agents(
    State(state): State<AppState>,
    authed: Authed,
    q: Result<Query<Search>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<AgentList>, Error> {
    let agents = directory::search_agents(state.ctx(), &authed.principal, &query(q)?).await?;
    Ok(Json(AgentList { agents }))
}

/// Create an agent
///
/// Admins and superadmins only; only a superadmin may create admins and superadmins.
#[utoipa::path(
    post,
    path = "/api/v1/agents",
    operation_id = "create_agent",
    tag = "directory",
    params(IdempotencyKey),
    request_body = CreateAgent,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new agent", body = Agent),
        (status = 400, response = problem::BadRequest),
        (status = 401, response = problem::Unauthenticated),
        (status = 403, response = problem::Forbidden),
        (status = 409, response = problem::Conflict),
        (status = 413, response = problem::PayloadTooLarge),
        (status = 422, response = problem::InvalidInput),
        (status = 429, response = problem::RateLimited),
        (status = 503, response = problem::Busy),
        (status = 507, response = problem::StorageFull),
    )
)]
pub async fn create_agent(
    State(state): State<AppState>,
    authed: Authed,
    ApiJson(req): ApiJson<CreateAgent>,
) -> Result<(StatusCode, Json<Agent>), Error> {
    // Each new agent gets a welcome email: it counts against the account's daily bound on mail
    // to new addresses, like an invite does.
    crate::ratelimit::hit(
        state.store(),
        state.limits().new_addresses,
        &format!("new-addresses:{}", authed.principal.account_id()),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(directory::create_agent(state.ctx(), &authed.principal, req).await?),
    ))
}

/// List crews
///
/// The account's crews and their members.
#[utoipa::path(
    get,
    path = "/api/v1/crews",
    operation_id = "list_crews",
    tag = "directory",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The crews", body = CrewList),
        (status = 401, response = problem::Unauthenticated),
        (status = 403, response = problem::Forbidden),
    )
)]
pub async fn crews(State(state): State<AppState>, authed: Authed) -> Result<Json<CrewList>, Error> {
    Ok(Json(CrewList {
        crews: directory::crews(state.ctx(), &authed.principal).await?,
    }))
}

/// Create a crew
///
/// Admins and superadmins only.
#[utoipa::path(
    post,
    path = "/api/v1/crews",
    operation_id = "create_crew",
    tag = "directory",
    params(IdempotencyKey),
    request_body = CreateCrew,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new crew", body = Crew),
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
pub async fn create_crew(
    State(state): State<AppState>,
    authed: Authed,
    ApiJson(req): ApiJson<CreateCrew>,
) -> Result<(StatusCode, Json<Crew>), Error> {
    Ok((
        StatusCode::CREATED,
        Json(directory::create_crew(state.ctx(), &authed.principal, req).await?),
    ))
}

/// Edit a crew
///
/// Rename it, change its call to action, or whether customers may request it (absent fields stay).
/// Admins and superadmins only.
#[utoipa::path(
    patch,
    path = "/api/v1/crews/{crew}",
    operation_id = "update_crew",
    tag = "directory",
    params(("crew" = CrewId, Path, description = "The crew"), IdempotencyKey),
    request_body = UpdateCrew,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The crew as it now is", body = Crew),
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
pub async fn update_crew(
    State(state): State<AppState>,
    authed: Authed,
    Id(crew): Id<CrewId>,
    ApiJson(req): ApiJson<UpdateCrew>,
) -> Result<Json<Crew>, Error> {
    Ok(Json(
        directory::update_crew(state.ctx(), &authed.principal, crew, req).await?,
    ))
}

/// Delete a crew
///
/// It is listed nowhere and can no longer be requested; service requests made to it stay readable.
/// Admins and superadmins only.
#[utoipa::path(
    delete,
    path = "/api/v1/crews/{crew}",
    operation_id = "delete_crew",
    tag = "directory",
    params(("crew" = CrewId, Path, description = "The crew"), IdempotencyKey),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, response = problem::Unauthenticated),
        (status = 403, response = problem::Forbidden),
        (status = 404, response = problem::NotFound),
        (status = 422, response = problem::InvalidInput),
        (status = 503, response = problem::Busy),
        (status = 507, response = problem::StorageFull),
    )
)]
pub async fn delete_crew(
    State(state): State<AppState>,
    authed: Authed,
    Id(crew): Id<CrewId>,
) -> Result<StatusCode, Error> {
    directory::delete_crew(state.ctx(), &authed.principal, crew).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Add a crew member
///
/// Admins and superadmins only; adding a member twice changes nothing.
#[utoipa::path(
    put,
    path = "/api/v1/crews/{crew}/members/{agent}",
    operation_id = "add_crew_member",
    tag = "directory",
    params(("crew" = CrewId, Path, description = "The crew"), ("agent" = AgentId, Path, description = "The agent"), IdempotencyKey),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The crew with its members", body = Crew),
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
pub async fn add_crew_member(
    State(state): State<AppState>,
    authed: Authed,
    Id((crew, agent)): Id<(CrewId, AgentId)>,
) -> Result<Json<Crew>, Error> {
    let crew =
        directory::set_crew_member(state.ctx(), &authed.principal, crew, agent, true).await?;
    Ok(Json(crew))
}

/// Remove a crew member
///
/// Admins and superadmins only; removing a non-member changes nothing.
#[utoipa::path(
    delete,
    path = "/api/v1/crews/{crew}/members/{agent}",
    operation_id = "remove_crew_member",
    tag = "directory",
    params(("crew" = CrewId, Path, description = "The crew"), ("agent" = AgentId, Path, description = "The agent"), IdempotencyKey),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The crew with its members", body = Crew),
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
pub async fn remove_crew_member(
    State(state): State<AppState>,
    authed: Authed,
    Id((crew, agent)): Id<(CrewId, AgentId)>,
) -> Result<Json<Crew>, Error> {
    let crew =
        directory::set_crew_member(state.ctx(), &authed.principal, crew, agent, false).await?;
    Ok(Json(crew))
}

/// Search contacts
///
/// Contacts of the account whose name (any word) or email starts with `q`.
#[utoipa::path(
    get,
    path = "/api/v1/contacts",
    operation_id = "search_contacts",
    tag = "directory",
    params(Search),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Matching contacts", body = ContactList),
        (status = 401, response = problem::Unauthenticated),
        (status = 403, response = problem::Forbidden),
        (status = 422, response = problem::InvalidInput),
        (status = 503, response = problem::Busy),
        (status = 507, response = problem::StorageFull),
    )
)]
pub async fn search_contacts(
    State(state): State<AppState>,
    authed: Authed,
    q: Result<Query<Search>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ContactList>, Error> {
    let contacts = directory::search_contacts(state.ctx(), &authed.principal, &query(q)?).await?;
    Ok(Json(ContactList { contacts }))
}
