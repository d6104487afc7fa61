//! Agents, crews and contacts of the account.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use convene_proto::{Agent, AgentList, ContactList, CreateAgent, CreateCrew, Crew, CrewList};
use serde::Deserialize;

use super::{ApiJson, AppState, Authed};
use crate::error::ApiError;
use crate::service::{directory, parse_id};

/// `?q=` of the searches.
#[derive(Debug, Default, Deserialize)]
pub struct Search {
    #[serde(default)]
    pub q: String,
}

fn query(
    q: Result<Query<Search>, axum::extract::rejection::QueryRejection>,
) -> Result<String, ApiError> {
    q.map(|Query(s)| s.q)
        .map_err(|e| ApiError::invalid("q", e.body_text()))
}

pub async fn search_agents(
    State(state): State<AppState>,
    authed: Authed,
    q: Result<Query<Search>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<AgentList>, ApiError> {
    let agents = directory::search_agents(state.ctx(), &authed.principal, &query(q)?).await?;
    Ok(Json(AgentList { agents }))
}

pub async fn create_agent(
    State(state): State<AppState>,
    authed: Authed,
    ApiJson(req): ApiJson<CreateAgent>,
) -> Result<(StatusCode, Json<Agent>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(directory::create_agent(state.ctx(), &authed.principal, req).await?),
    ))
}

pub async fn crews(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Json<CrewList>, ApiError> {
    Ok(Json(CrewList {
        crews: directory::crews(state.ctx(), &authed.principal).await?,
    }))
}

pub async fn create_crew(
    State(state): State<AppState>,
    authed: Authed,
    ApiJson(req): ApiJson<CreateCrew>,
) -> Result<(StatusCode, Json<Crew>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(directory::create_crew(state.ctx(), &authed.principal, req).await?),
    ))
}

pub async fn add_crew_member(
    State(state): State<AppState>,
    authed: Authed,
    Path((crew, agent)): Path<(String, String)>,
) -> Result<Json<Crew>, ApiError> {
    let crew = directory::set_crew_member(
        state.ctx(),
        &authed.principal,
        parse_id(&crew, "crew")?,
        parse_id(&agent, "agent")?,
        true,
    )
    .await?;
    Ok(Json(crew))
}

pub async fn remove_crew_member(
    State(state): State<AppState>,
    authed: Authed,
    Path((crew, agent)): Path<(String, String)>,
) -> Result<Json<Crew>, ApiError> {
    let crew = directory::set_crew_member(
        state.ctx(),
        &authed.principal,
        parse_id(&crew, "crew")?,
        parse_id(&agent, "agent")?,
        false,
    )
    .await?;
    Ok(Json(crew))
}

pub async fn search_contacts(
    State(state): State<AppState>,
    authed: Authed,
    q: Result<Query<Search>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ContactList>, ApiError> {
    let contacts = directory::search_contacts(state.ctx(), &authed.principal, &query(q)?).await?;
    Ok(Json(ContactList { contacts }))
}
