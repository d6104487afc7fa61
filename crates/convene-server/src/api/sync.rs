//! `GET /api/v1/sync?cursor=`.

use axum::extract::{Query, State};
use axum::Json;
use convene_proto::SyncPage;
use serde::Deserialize;

use super::problem;
use super::{AppState, Authed};
use crate::error::Error;
use crate::service::sync;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SyncQuery {
    /// The `cursor` of the previous page; absent or empty starts from the beginning.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// Incremental sync
///
/// One page of what changed after `cursor`, for what the caller may see. When `has_more` is true,
/// ask again at once with the new cursor.
#[utoipa::path(
    get,
    path = "/api/v1/sync",
    operation_id = "sync",
    tag = "sync",
    params(SyncQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of changes", body = SyncPage),
        (status = 401, response = problem::Unauthenticated),
        (status = 422, response = problem::InvalidInput),
        (status = 503, response = problem::Busy),
        (status = 507, response = problem::StorageFull),
    )
)]
pub async fn sync(
    State(state): State<AppState>,
    authed: Authed,
    q: Result<Query<SyncQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<SyncPage>, Error> {
    let Query(q) = q.map_err(|e| Error::invalid("cursor", e.body_text()))?;
    let cursor = sync::parse_cursor(q.cursor.as_deref())?;
    Ok(Json(
        sync::page(state.ctx(), &authed.principal, cursor).await?,
    ))
}
