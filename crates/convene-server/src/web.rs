//! The plain web pages an email opens: an invite or a Shareable Link (`/j/{token}`), a sign-in link
//! (`/s/{token}`), a new agent's welcome or a password reset (`/p/{token}`).
//!
//! Opening it changes nothing — mail scanners fetch links before people do. Its "Join conversation"
//! form posts back to the same address, which redeems the token. Every piece of text from users is
//! escaped; the page carries no script and a CSP that allows none.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use convene_proto::{JoinRequest, Problem};

use crate::api::{problem, IdempotencyKey};
use crate::cookies::{from_elsewhere, session_cookie_header};
use crate::email::escape_html;
use crate::error::Error;
use crate::ratelimit;
use crate::service::join::{self, PreviewKind};
use crate::state::AppState;

/// The join page's style: the app's own tokens, then its layout, inlined (the page loads nothing).
const STYLE: &str = concat!(
    include_str!("../../../ui/src/tokens.css"),
    include_str!("join.css")
);

/// The join page's policy: nothing but its one inline style block, named by its hash.
static CSP: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    use base64::Engine;
    use sha2::Digest;
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(STYLE));
    format!("default-src 'none'; style-src 'sha256-{hash}'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
});

/// The web client's policy: only our own scripts, styles and connections (the API and its stream).
const APP_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The page for a form another site posted.
fn forged() -> Response {
    page(
        StatusCode::FORBIDDEN,
        "Please use the link itself",
        "<p>This form was sent from another website, so nothing was done. Open the link from your email or the conversation again.</p>",
    )
}

fn security_headers(response: &mut Response, csp: &'static str) {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
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
pub async fn app_index(State(state): State<AppState>) -> Response {
    serve_ui_file(&state, "index.html").await
}

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
pub async fn app_index_bare(state: State<AppState>) -> Response {
    app_index(state).await
}

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
pub async fn app_asset(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    if file.is_empty()
        || !file
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        || file.starts_with('.')
    {
        return Error::NotFound("file").into_response();
    }
    serve_ui_file(&state, &format!("assets/{file}")).await
}

async fn serve_ui_file(state: &AppState, relative: &str) -> Response {
    let path = state.ui_dir().join(relative);
    let Ok(bytes) = tokio::fs::read(&path).await else {
        if relative == "index.html" {
            return page(
                StatusCode::SERVICE_UNAVAILABLE,
                "The web client is not built",
                "<p>Build the UI (npm run build in ui/) or point CONVENE_UI_DIR at it.</p>",
            );
        }
        return Error::NotFound("file").into_response();
    };
    let content_type = match relative.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    };
    let mut response = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, content_type)],
        bytes,
    )
        .into_response();
    security_headers(&mut response, APP_CSP);
    let cache = if relative.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    if let Ok(v) = HeaderValue::from_str(cache) {
        response.headers_mut().insert(header::CACHE_CONTROL, v);
    }
    response
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>{title} · Convene</title><style>{STYLE}</style></head><body><main><h1>{title}</h1>{body}</main></body></html>",
        title = escape_html(title)
    );
    let mut response = (status, Html(html)).into_response();
    security_headers(&mut response, CSP.as_str());
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Percent-encodes a query value.
fn query_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The "Email me a sign-in link" form, for contacts who have lost their way in.
fn email_link_form() -> String {
    "<form method=\"post\" action=\"/s\" aria-labelledby=\"email-link-title\">\
     <h2 id=\"email-link-title\">Been here before?</h2>\
     <p>We can email you a link that signs you in to your conversations.</p>\
     <p><label>Your email <input name=\"email\" type=\"email\" required maxlength=\"254\" autocomplete=\"email\"></label></p>\
     <p><button type=\"submit\">Email me a sign-in link</button></p></form>"
        .to_owned()
}

fn refused(message: &str) -> Response {
    page(
        StatusCode::GONE,
        "This link no longer works",
        &format!("<p>{}</p>{}", escape_html(message), email_link_form()),
    )
}

/// Sets the contact session cookie on a redirect to `location` in the web client.
fn signed_in_redirect(location: &str, token: &str) -> Response {
    let mut response = (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, location.to_owned())],
    )
        .into_response();
    if let Ok(cookie) = HeaderValue::from_str(&session_cookie_header(token)) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    security_headers(&mut response, CSP.as_str());
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The one page for every sign-in link that does not work (unknown, used or expired).
fn signin_refused() -> Response {
    page(
        StatusCode::GONE,
        "This sign-in link no longer works",
        &format!(
            "<p>{}</p>{}",
            escape_html(&Error::SignInLinkInvalid.to_string()),
            email_link_form()
        ),
    )
}

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
pub async fn signin_page(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    match crate::service::signin::preview_login(state.ctx(), &token).await {
        Ok(Some((account, email))) => page(
            StatusCode::OK,
            &format!("Sign in to {account}"),
            &format!(
                "<p>Sign in as <strong>{}</strong> to your conversations with {}.</p>\
                 <form method=\"post\"><p><button type=\"submit\">Sign in</button></p></form>",
                escape_html(&email),
                escape_html(&account)
            ),
        ),
        Ok(None) => signin_refused(),
        Err(e) => e.into_response(),
    }
}

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
pub async fn signin_form(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    headers: axum::http::HeaderMap,
) -> Response {
    if from_elsewhere(&headers, &state.ctx().public_url) {
        return forged();
    }
    if let Err(e) = ratelimit::hit(
        state.store(),
        state.limits().redeem,
        &format!("redeem:{}", client.ip()),
    )
    .await
    {
        return e.into_response();
    }
    match crate::service::signin::redeem_login(state.ctx(), &token).await {
        Ok(signed_in) => signed_in_redirect("/app/", &signed_in.token),
        Err(Error::SignInLinkInvalid) => signin_refused(),
        Err(e) => e.into_response(),
    }
}

/// The "Email me a sign-in link" form posted from a page.
#[derive(serde::Deserialize, Default, utoipa::ToSchema)]
pub struct EmailLinkForm {
    /// The address to send the link to.
    #[serde(default)]
    #[schema(max_length = 254)]
    email: String,
}

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
pub async fn signin_request_form(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    crate::api::MaybeAuthed(caller): crate::api::MaybeAuthed,
    form: Result<Form<EmailLinkForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    if from_elsewhere(&headers, &state.ctx().public_url) {
        return forged();
    }
    let raw = form.map(|Form(f)| f.email).unwrap_or_default();
    match crate::api::auth::request_email_link(&state, client.ip(), &raw, caller).await {
        Ok(email) => page(
            StatusCode::ACCEPTED,
            "Check your inbox",
            &format!(
                "<p>{}</p>",
                escape_html(&crate::api::auth::email_link_message(&email))
            ),
        ),
        Err(Error::Invalid { message, .. }) => page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Please check the address",
            &format!("<p>{}</p>{}", escape_html(&message), email_link_form()),
        ),
        Err(Error::RateLimited {
            retry_after_secs,
            message,
        }) => {
            let mut response = page(
                StatusCode::TOO_MANY_REQUESTS,
                "Please wait a moment",
                &format!("<p>{}</p>", escape_html(&message)),
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            response
        }
        Err(e) => e.into_response(),
    }
}

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
pub async fn join_page(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let preview = match join::preview(state.ctx(), &token).await {
        Ok(p) => p,
        Err(e @ Error::LinkInvalid { .. }) => return refused(&e.to_string()),
        Err(e) => return e.into_response(),
    };
    if let Some(why) = preview.refusal {
        return refused(&why);
    }
    let deep_link = format!(
        "convene://join/{token}?server={}",
        query_escape(&state.ctx().public_url)
    );
    let intro = match preview.kind {
        PreviewKind::Invite => format!(
            "<p>{} invited {} to the conversation <strong>“{}”</strong> with {}.</p>",
            escape_html(&preview.inviter),
            escape_html(preview.invitee_name.as_deref().unwrap_or("you")),
            escape_html(&preview.subject),
            escape_html(&preview.account_name),
        ),
        PreviewKind::ShareLink => format!(
            "<p>You have a link to the conversation <strong>“{}”</strong> with {}. Tell them who you are to join.</p>\
             <p><label>Your name <input name=\"name\" required maxlength=\"100\" autocomplete=\"name\"></label></p>\
             <p><label>Your email <input name=\"email\" type=\"email\" required maxlength=\"254\" autocomplete=\"email\"></label></p>",
            escape_html(&preview.subject),
            escape_html(&preview.account_name),
        ),
    };
    let (intro, fields) = match preview.kind {
        // The person the invite was sent to may say how they are called.
        PreviewKind::Invite => (
            intro,
            format!(
                "<p><label>Your name <input name=\"name\" maxlength=\"100\" autocomplete=\"name\" value=\"{}\"></label></p>",
                escape_html(preview.invitee_name.as_deref().unwrap_or(""))
            ),
        ),
        PreviewKind::ShareLink => (String::new(), intro),
    };
    page(
        StatusCode::OK,
        &preview.subject,
        &format!(
            "{intro}<form method=\"post\">{fields}<p><button type=\"submit\">Join conversation</button></p></form>\
             <p><a href=\"{}\">Open in Convene</a> if you have the desktop app.</p>",
            escape_html(&deep_link)
        ),
    )
}

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
pub async fn join_form(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    crate::api::MaybeAuthed(caller): crate::api::MaybeAuthed,
    headers: axum::http::HeaderMap,
    form: Result<Form<JoinRequest>, axum::extract::rejection::FormRejection>,
) -> Response {
    if from_elsewhere(&headers, &state.ctx().public_url) {
        return forged();
    }
    if let Err(e) = ratelimit::hit(
        state.store(),
        state.limits().redeem,
        &format!("redeem:{}", client.ip()),
    )
    .await
    {
        return e.into_response();
    }
    let req = form.map(|Form(f)| f).unwrap_or_default();
    match join::redeem(state.ctx(), &token, req, caller.as_ref()).await {
        Ok(joined) => {
            // Signed in by an HttpOnly cookie (the page's scripts never see the token), then on to
            // the conversation in the web client.
            signed_in_redirect(
                &format!("/app/#/c/{}", joined.conversation_id),
                &joined.token,
            )
        }
        Err(
            e @ (Error::LinkInvalid { .. }
            | Error::RemovedHere { .. }
            | Error::ConversationClosed { .. }),
        ) => refused(&e.to_string()),
        Err(Error::Invalid { message, .. }) => page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Please check your details",
            &format!(
                "<p>{}</p><p><a href=\"\">Back</a></p>",
                escape_html(&message)
            ),
        ),
        Err(e) => e.into_response(),
    }
}

/// The password page for every link that does not work.
fn password_link_refused() -> Response {
    page(
        StatusCode::GONE,
        "This password link no longer works",
        "<p>Each link works once, for a limited time. Ask for a new one with “Forgot password?” on the Convene sign-in screen, or ask an admin of your team.</p>",
    )
}

/// The "choose a password" form, with `problem` said above it when the last try was refused.
fn password_page_for(
    status: StatusCode,
    preview: &crate::service::passwords::Preview,
    problem: Option<&str>,
) -> Response {
    let title = if preview.welcome {
        format!("Welcome to {}", preview.account_name)
    } else {
        "Choose a new password".to_owned()
    };
    let problem = problem
        .map(|p| format!("<p class=\"error\" role=\"alert\">{}</p>", escape_html(p)))
        .unwrap_or_default();
    page(
        status,
        &title,
        &format!(
            "<p>Choose the password you will sign in to Convene with, as <strong>{email}</strong>.</p>{problem}\
             <form method=\"post\">\
             <input type=\"hidden\" name=\"username\" value=\"{email}\" autocomplete=\"username\">\
             <p><label>New password <input name=\"password\" type=\"password\" required minlength=\"{min}\" maxlength=\"{max}\" autocomplete=\"new-password\"></label></p>\
             <p><label>The same again <input name=\"confirm\" type=\"password\" required minlength=\"{min}\" maxlength=\"{max}\" autocomplete=\"new-password\"></label></p>\
             <p><button type=\"submit\">Set password</button></p></form>",
            email = escape_html(&preview.email),
            min = crate::validate::MIN_PASSWORD,
            max = crate::validate::MAX_PASSWORD,
        ),
    )
}

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
pub async fn password_page(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    match crate::service::passwords::preview(state.ctx(), &token).await {
        Ok(Some(preview)) => password_page_for(StatusCode::OK, &preview, None),
        Ok(None) => password_link_refused(),
        Err(e) => e.into_response(),
    }
}

/// The password form's fields.
#[derive(serde::Deserialize, Default)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

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
pub async fn password_form(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    headers: axum::http::HeaderMap,
    form: Result<Form<PasswordForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    if from_elsewhere(&headers, &state.ctx().public_url) {
        return forged();
    }
    if let Err(e) = ratelimit::hit(
        state.store(),
        state.limits().redeem,
        &format!("redeem:{}", client.ip()),
    )
    .await
    {
        return e.into_response();
    }
    let preview = match crate::service::passwords::preview(state.ctx(), &token).await {
        Ok(Some(preview)) => preview,
        Ok(None) => return password_link_refused(),
        Err(e) => return e.into_response(),
    };
    let form = form.map(|Form(f)| f).unwrap_or_default();
    if form.password != form.confirm {
        return password_page_for(
            StatusCode::UNPROCESSABLE_ENTITY,
            &preview,
            Some("The two passwords differ. Type the same password twice."),
        );
    }
    match crate::service::passwords::redeem(state.ctx(), &token, &form.password).await {
        Ok(email) => page(
            StatusCode::OK,
            "Your password is set",
            &format!(
                "<p>Sign in to the Convene app as <strong>{}</strong> with your new password, or <a href=\"/app/\">sign in in your browser</a>.</p>",
                escape_html(&email)
            ),
        ),
        Err(Error::Invalid { message, .. }) => {
            password_page_for(StatusCode::UNPROCESSABLE_ENTITY, &preview, Some(&message))
        }
        Err(Error::Conflict { .. }) => password_link_refused(),
        Err(e) => e.into_response(),
    }
}
