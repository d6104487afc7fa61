//! `GET /api/v1/sync?cursor=`.

use axum::extract::{Query, State};
use axum::Json;
use convene_proto::{HistoryPage, SyncPage};
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

/// Older message history
///
/// After a first sync (which brings the newest messages of each conversation), the rest of every
/// conversation's history the caller sees, a page at a time: start without a cursor, then send
/// each page's `cursor` back until `has_more` is false.
#[utoipa::path(
    get,
    path = "/api/v1/sync/history",
    operation_id = "sync_history",
    tag = "sync",
    params(SyncQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of older messages", body = HistoryPage),
        (status = 401, response = problem::Unauthenticated),
        (status = 422, response = problem::InvalidInput),
        (status = 503, response = problem::Busy),
    )
)]
pub async fn history(
    State(state): State<AppState>,
    authed: Authed,
    q: Result<Query<SyncQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<HistoryPage>, Error> {
    let Query(q) = q.map_err(|e| Error::invalid("cursor", e.body_text()))?;
    Ok(Json(
        crate::service::reading::history(state.ctx(), &authed.principal, q.cursor.as_deref())
            .await?,
    ))
}
