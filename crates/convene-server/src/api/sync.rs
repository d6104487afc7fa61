//! `GET /api/v1/sync?cursor=`.

use axum::extract::{Query, State};
use axum::Json;
use convene_proto::SyncPage;
use serde::Deserialize;

use super::{AppState, Authed};
use crate::error::ApiError;
use crate::service::sync;

#[derive(Debug, Default, Deserialize)]
pub struct SyncQuery {
    #[serde(default)]
    pub cursor: Option<String>,
}

pub async fn sync(
    State(state): State<AppState>,
    authed: Authed,
    q: Result<Query<SyncQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<SyncPage>, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::invalid("cursor", e.body_text()))?;
    let cursor = sync::parse_cursor(q.cursor.as_deref())?;
    Ok(Json(
        sync::page(state.ctx(), &authed.principal, cursor).await?,
    ))
}
