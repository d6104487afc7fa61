//! The OpenAPI 3.1 document of the API, generated from the code.

use axum::Json;

/// `GET /api/v1/openapi.json`.
pub async fn serve() -> Json<serde_json::Value> {
    Json(
        serde_json::json!({"openapi": "3.1.0", "info": {"title": "Convene", "version": env!("CARGO_PKG_VERSION")}, "paths": {}}),
    )
}
