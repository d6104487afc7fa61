//! The OpenAPI 3.1 document of the API, generated from the code.
//!
//! Every handler carries a `#[utoipa::path(...)]` annotation next to its code; the router
//! (`crate::routes`, utoipa-axum's `OpenApiRouter`) takes each route's path and methods from it and
//! collects the paths, and [`ApiDoc`] adds the shared pieces defined here: the problem responses every route can answer (RFC 9457,
//! `application/problem+json`), the `Idempotency-Key` header of mutating routes, and the bearer
//! security scheme.

use std::sync::OnceLock;

use axum::http::header;
use axum::response::IntoResponse;
use convene_proto::{ErrorCode, Problem};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::Required;
use utoipa::{Modify, OpenApi};

use crate::api::problem;

/// The name of the bearer security scheme in the document.
pub const BEARER: &str = "bearer";

/// The generated document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Convene API",
        description = "The HTTP API of the Convene server. Authenticated routes take \
            `Authorization: Bearer TOKEN` (from `POST /api/v1/auth/login` or `POST /api/v1/join/{token}`). \
            Errors are RFC 9457 problem documents (`application/problem+json`) with a stable `code`. \
            Every mutating route accepts an `Idempotency-Key` header; routes that answer with a new \
            session (sign-in, join) never store their answer, so a retry with the key runs again.",
        license(name = "MIT", identifier = "MIT"),
    ),
    components(
        schemas(Problem, ErrorCode, convene_proto::StreamEvent),
        responses(
            problem::BadRequest,
            problem::Unauthenticated,
            problem::Forbidden,
            problem::NotFound,
            problem::Conflict,
            problem::ChooseAccount,
            problem::LinkInvalid,
            problem::PayloadTooLarge,
            problem::InvalidInput,
            problem::RateLimited,
            problem::Busy,
            problem::StorageFull,
        ),
    ),
    modifiers(&Security),
    tags(
        (name = "meta", description = "Liveness and this document"),
        (name = "auth", description = "Sign-in, sign-out and who am I"),
        (name = "directory", description = "Agents, crews and contacts of the account"),
        (name = "team", description = "Team administration: the agents list, roles, suspension, settings, the audit log"),
        (name = "conversations", description = "Conversations, their participants, messages and timeline"),
        (name = "invites", description = "Add Agent, Request Service, contact invites and their lifecycle"),
        (name = "share-link", description = "The Shareable Link of a conversation"),
        (name = "join", description = "Redeeming invite and Shareable Link tokens"),
        (name = "sync", description = "Incremental sync and the realtime stream"),
    )
)]
pub struct ApiDoc;

/// Adds the bearer security scheme.
struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A session token from `POST /api/v1/auth/login` (agents) or \
                         `POST /api/v1/join/{token}` (contacts).",
                    ))
                    .build(),
            ),
        );
    }
}

/// Marks the bodies that may be left out (the join routes: an invite needs none) as optional.
///
/// Annotating them as `Option<T>` would also make the schema nullable, but a `null` body is refused.
struct OptionalBodies;

impl Modify for OptionalBodies {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for path in ["/api/v1/join/{token}", "/j/{token}"] {
            if let Some(body) = openapi
                .paths
                .paths
                .get_mut(path)
                .and_then(|item| item.post.as_mut())
                .and_then(|op| op.request_body.as_mut())
            {
                body.required = Some(Required::False);
            }
        }
    }
}

/// The parts the paths bring, once the router added them: the optional bodies.
pub fn finish(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    OptionalBodies.modify(&mut doc);
    doc
}

/// The document as JSON, built once (from the router's own list, `crate::routes`).
pub fn document() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        crate::routes::document()
            .to_json()
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    })
}

/// This OpenAPI 3.1 document.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    operation_id = "openapi",
    tag = "meta",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document of this API", body = Object, content_type = "application/json"),
    )
)]
pub async fn serve() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], document())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_openapi_3_1_json() {
        let doc: serde_json::Value = serde_json::from_str(document()).expect("json");
        assert!(doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")));
        assert!(doc["components"]["securitySchemes"][BEARER].is_object());
        assert!(doc["components"]["schemas"]["Problem"].is_object());
    }

    /// The schemas' lengths are the limits of `convene_proto::limits`, which the validation and
    /// the UI (generated constants) read too: utoipa takes only literals, so this keeps them equal.
    #[test]
    fn schema_lengths_are_the_shared_limits() {
        use convene_proto::limits::*;
        let doc: serde_json::Value = serde_json::from_str(document()).expect("json");
        let schemas = &doc["components"]["schemas"];
        for (schema, field, key, limit) in [
            ("LoginRequest", "email", "maxLength", MAX_EMAIL),
            ("LoginRequest", "password", "maxLength", MAX_PASSWORD),
            ("CreateAgent", "email", "maxLength", MAX_EMAIL),
            ("CreateAgent", "name", "maxLength", MAX_NAME),
            ("CreateAgent", "password", "minLength", MIN_PASSWORD),
            ("CreateAgent", "password", "maxLength", MAX_PASSWORD),
            ("CreateCrew", "name", "maxLength", MAX_NAME),
            ("CreateConversation", "subject", "maxLength", MAX_SUBJECT),
            ("PostMessage", "body", "maxLength", MAX_MESSAGE),
            ("ContactInviteRequest", "email", "maxLength", MAX_EMAIL),
            ("ContactInviteRequest", "name", "maxLength", MAX_NAME),
            ("JoinRequest", "name", "maxLength", MAX_NAME),
            ("JoinRequest", "email", "maxLength", MAX_EMAIL),
            ("EmailLinkRequest", "email", "maxLength", MAX_EMAIL),
        ] {
            let property = &schemas[schema]["properties"][field];
            assert_eq!(
                property[key].as_u64(),
                Some(limit as u64),
                "{schema}.{field} {key}: {property}"
            );
        }
    }
}
