//! The HTTP API under `/api/v1`: its handlers (wired in `crate::routes`).

// The handler modules are visible to the crate so that `crate::openapi` can gather their
// `#[utoipa::path]` annotations.
pub(crate) mod audit;
pub(crate) mod auth;
pub(crate) mod conversations;
pub(crate) mod directory;
mod extract;
mod ids;
pub(crate) mod invites;
pub(crate) mod stream;
pub(crate) mod sync;
pub(crate) mod team;

mod docs;
mod errors;

use axum::Json;
use convene_proto::Health;

pub use crate::state::AppState;
pub use docs::{problem, IdempotencyKey};
pub use extract::{ApiJson, Authed, MaybeAuthed};
pub use ids::Id;

/// Liveness
#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "healthz",
    tag = "meta",
    responses((status = 200, description = "The server is up", body = Health))
)]
pub(crate) async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    })
}

/// Readiness
///
/// Whether this instance can take writes now: the database answers and the data folder takes a
/// flushed write. 503 with the reason when not (a full or read-only disk, an unreachable database).
/// Checked at most once a second; callers within it share the answer.
#[utoipa::path(
    get,
    path = "/readyz",
    operation_id = "readyz",
    tag = "meta",
    responses(
        (status = 200, description = "Ready", body = convene_proto::Readiness),
        (status = 503, description = "Not ready; the fields say why", body = convene_proto::Readiness),
    )
)]
pub(crate) async fn readyz(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> (axum::http::StatusCode, Json<convene_proto::Readiness>) {
    let readiness = state.readiness().get(state.store(), state.data_dir()).await;
    let status = if readiness.status == "ready" {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(readiness))
}
