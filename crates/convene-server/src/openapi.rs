//! The OpenAPI 3.1 document of the API, generated from the code.
//!
//! Every handler carries a `#[utoipa::path(...)]` annotation next to its code; [`ApiDoc`] gathers
//! them with the shared pieces defined here: the problem responses every route can answer (RFC 9457,
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
    paths(
        crate::api::healthz,
        crate::api::readyz,
        serve,
        crate::api::auth::login,
        crate::api::auth::logout,
        crate::api::auth::me,
        crate::api::auth::logout_all,
        crate::api::auth::email_link,
        crate::api::auth::password_reset,
        crate::api::auth::change_password,
        crate::api::directory::search_agents,
        crate::api::directory::create_agent,
        crate::api::directory::crews,
        crate::api::directory::create_crew,
        crate::api::directory::update_crew,
        crate::api::directory::delete_crew,
        crate::api::directory::add_crew_member,
        crate::api::directory::remove_crew_member,
        crate::api::directory::search_contacts,
        crate::api::team::agents,
        crate::api::team::set_role,
        crate::api::team::suspend,
        crate::api::team::reactivate,
        crate::api::team::settings,
        crate::api::team::set_settings,
        crate::api::audit::page,
        crate::api::audit::export,
        crate::api::conversations::list,
        crate::api::conversations::home,
        crate::api::conversations::create,
        crate::api::conversations::get,
        crate::api::conversations::participants,
        crate::api::conversations::remove,
        crate::api::conversations::make_owner,
        crate::api::conversations::leave,
        crate::api::invites::invite_agent,
        crate::api::invites::request_service,
        crate::api::invites::invite_contact,
        crate::api::invites::get_link,
        crate::api::invites::patch_link,
        crate::api::invites::rotate_link,
        crate::api::conversations::messages,
        crate::api::conversations::post_message,
        crate::api::conversations::events,
        crate::api::conversations::permissions,
        crate::api::conversations::screen,
        crate::api::invites::resend,
        crate::api::invites::revoke,
        crate::api::invites::accept,
        crate::api::invites::decline,
        crate::api::invites::join,
        crate::api::sync::sync,
        crate::api::stream::stream,
        web_page::join_page,
        web_page::join_form,
        web_page::signin_page,
        web_page::signin_form,
        web_page::signin_request_form,
        web_page::password_page,
        web_page::password_form,
        web_page::web_client,
        web_page::web_client_bare,
        web_page::web_client_asset,
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
    modifiers(&Security, &OptionalBodies),
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

/// The document as JSON, built once.
pub fn document() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        ApiDoc::openapi()
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

/// `/j/{token}`, the HTML page an email invite or a Shareable Link opens (handlers in
/// [`crate::web`]), documented here beside the JSON API.
#[allow(dead_code)]
mod web_page {
    use crate::api::{problem, IdempotencyKey};
    use convene_proto::{JoinRequest, Problem};

    /// The join page
    ///
    /// Who invited you to what, and a "Join conversation" form; opening it changes nothing.
    #[utoipa::path(
        get,
        path = "/j/{token}",
        operation_id = "join_page",
        tag = "join",
        params(("token" = String, Path, description = "An invite or Shareable Link token")),
        responses(
            (status = 200, description = "The page", body = String, content_type = "text/html"),
            (status = 410, description = "The link no longer works", body = String, content_type = "text/html"),
        )
    )]
    pub fn join_page() {}

    /// The join page's form
    ///
    /// Redeems the token, as `POST /api/v1/join/{token}` does, and answers a page.
    #[utoipa::path(
        post,
        path = "/j/{token}",
        operation_id = "join_form",
        tag = "join",
        params(("token" = String, Path, description = "An invite or Shareable Link token"), IdempotencyKey),
        request_body(content = JoinRequest, description = "Who is joining (Shareable Link only); may be empty for an invite", content_type = "application/x-www-form-urlencoded"),
        responses(
            (status = 303, description = "Joined: the session is set as an HttpOnly cookie and the browser is sent to the conversation in the web client", headers(("Location" = String, description = "/app/#/c/{conversation}"), ("Set-Cookie" = String, description = "convene_session (HttpOnly; Secure; SameSite=Strict)"))),
            (status = 409, response = problem::Conflict),
            (status = 410, description = "The link no longer works", body = String, content_type = "text/html"),
            (status = 413, response = problem::PayloadTooLarge),
            (status = 422, description = "A field is missing or malformed (a page), or a malformed `Idempotency-Key` (a problem document)", content(
                (String = "text/html"),
                (Problem = "application/problem+json"),
            )),
            (status = 429, response = problem::RateLimited),
        )
    )]
    pub fn join_form() {}

    /// The sign-in link's page
    ///
    /// "Sign in to <account> as <email>" and a "Sign in" button; opening it changes nothing.
    /// Unknown, used and expired links all get the same page.
    #[utoipa::path(
        get,
        path = "/s/{token}",
        operation_id = "signin_page",
        tag = "auth",
        params(("token" = String, Path, description = "A sign-in link token, from the email")),
        responses(
            (status = 200, description = "The page", body = String, content_type = "text/html"),
            (status = 410, description = "The link no longer works (one page for unknown, used and expired links)", body = String, content_type = "text/html"),
        )
    )]
    pub fn signin_page() {}

    /// The sign-in link's "Sign in" button
    ///
    /// Redeems the link once: proves the address, sets the contact session as an HttpOnly cookie
    /// and sends the browser to the web client.
    #[utoipa::path(
        post,
        path = "/s/{token}",
        operation_id = "signin_form",
        tag = "auth",
        params(("token" = String, Path, description = "A sign-in link token, from the email"), IdempotencyKey),
        responses(
            (status = 303, description = "Signed in", headers(("Location" = String, description = "/app/"), ("Set-Cookie" = String, description = "convene_session (HttpOnly; Secure; SameSite=Strict)"))),
            (status = 409, response = problem::Conflict),
            (status = 410, description = "The link no longer works", body = String, content_type = "text/html"),
            (status = 413, response = problem::PayloadTooLarge),
            (status = 422, response = problem::InvalidInput),
            (status = 503, response = problem::Busy),
            (status = 507, response = problem::StorageFull),
            (status = 429, response = problem::RateLimited),
        )
    )]
    pub fn signin_form() {}

    /// The password link's page
    ///
    /// "Choose your password" (a new agent's welcome email) or "Choose a new password" (a reset),
    /// with the form; opening it changes nothing. Unknown, used and expired links get one page.
    #[utoipa::path(
        get,
        path = "/p/{token}",
        operation_id = "password_page",
        tag = "auth",
        params(("token" = String, Path, description = "A password link token, from the email")),
        responses(
            (status = 200, description = "The page", body = String, content_type = "text/html"),
            (status = 410, description = "The link no longer works", body = String, content_type = "text/html"),
        )
    )]
    pub fn password_page() {}

    /// The password link's form
    ///
    /// Sets the password (twice the same, at least 8 characters), uses the link up and signs the
    /// agent out everywhere; answers a page saying so, or the form again naming the problem.
    #[utoipa::path(
        post,
        path = "/p/{token}",
        operation_id = "password_form",
        tag = "auth",
        params(("token" = String, Path, description = "A password link token, from the email"), IdempotencyKey),
        responses(
            (status = 200, description = "The password is set", body = String, content_type = "text/html"),
            (status = 403, description = "The form was posted from another site", body = String, content_type = "text/html"),
            (status = 410, description = "The link no longer works", body = String, content_type = "text/html"),
            (status = 413, response = problem::PayloadTooLarge),
            (status = 422, description = "The passwords differ or are too short (the form again, a page), or a malformed `Idempotency-Key` (a problem document)", content(
                (String = "text/html"),
                (Problem = "application/problem+json"),
            )),
            (status = 429, response = problem::RateLimited),
            (status = 503, response = problem::Busy),
            (status = 507, response = problem::StorageFull),
        )
    )]
    pub fn password_form() {}

    /// "Email me a sign-in link" from a page
    ///
    /// The form on refused join pages and sign-in pages; answers the same page for every address.
    #[utoipa::path(
        post,
        path = "/s",
        operation_id = "signin_request_form",
        tag = "auth",
        params(IdempotencyKey),
        request_body(content = EmailLinkForm, description = "The address", content_type = "application/x-www-form-urlencoded"),
        responses(
            (status = 202, description = "\"Check your inbox\", whether or not the address is known", body = String, content_type = "text/html"),
            (status = 409, response = problem::Conflict),
            (status = 413, response = problem::PayloadTooLarge),
            (status = 422, description = "The address is malformed (a page), or a malformed `Idempotency-Key` (a problem document)", content(
                (String = "text/html"),
                (Problem = "application/problem+json"),
            )),
            (status = 429, description = "Too many requests", body = String, content_type = "text/html"),
        )
    )]
    pub fn signin_request_form() {}

    /// The "Email me a sign-in link" form's field.
    #[derive(utoipa::ToSchema)]
    #[allow(dead_code)]
    pub struct EmailLinkForm {
        /// The address to send the link to.
        #[schema(max_length = 254)]
        email: String,
    }

    /// The web client
    ///
    /// The same UI as the desktop app, over HTTP, for contacts in a browser.
    #[utoipa::path(
        get,
        path = "/app/",
        operation_id = "web_client",
        tag = "web",
        responses(
            (status = 200, description = "The web client's page", body = String, content_type = "text/html"),
            (status = 503, description = "The UI is not built on this server", body = String, content_type = "text/html"),
        )
    )]
    pub fn web_client() {}

    /// The web client (without the trailing slash)
    #[utoipa::path(
        get,
        path = "/app",
        operation_id = "web_client_bare",
        tag = "web",
        responses(
            (status = 200, description = "The web client's page", body = String, content_type = "text/html"),
            (status = 503, description = "The UI is not built on this server", body = String, content_type = "text/html"),
        )
    )]
    pub fn web_client_bare() {}

    /// The web client's scripts and styles
    #[utoipa::path(
        get,
        path = "/app/assets/{file}",
        operation_id = "web_client_asset",
        tag = "web",
        params(("file" = String, Path, description = "A file name of the built UI")),
        responses(
            (status = 200, description = "The file", body = String, content_type = "text/javascript"),
            (status = 404, response = problem::NotFound),
        )
    )]
    pub fn web_client_asset() {}
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
