//! The plain web page an email invite or a Shareable Link opens (`/j/{token}`).
//!
//! Opening it changes nothing — mail scanners fetch links before people do. Its "Join conversation"
//! form posts back to the same address, which redeems the token. Every piece of text from users is
//! escaped; the page carries no script and a CSP that allows none.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use convene_proto::JoinRequest;

use crate::api::AppState;
use crate::email::escape_html;
use crate::error::ApiError;
use crate::ratelimit;
use crate::service::join::{self, PreviewKind};

const CSP: &str = "default-src 'none'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The web client's policy: only our own scripts, styles and connections (the API and its stream).
const APP_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The cookie that carries a contact's session in the browser.
pub const SESSION_COOKIE: &str = "convene_session";

/// The session token in the request's cookie, if any.
pub fn session_cookie(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// Whether the request's `Origin` is the server's own public origin.
pub fn same_origin(headers: &axum::http::HeaderMap, public_url: &str) -> bool {
    let origin = |url: &str| -> String {
        let rest = url
            .split_once("://")
            .map(|(scheme, rest)| (scheme, rest.split('/').next().unwrap_or("")));
        rest.map(|(s, host)| format!("{s}://{host}"))
            .unwrap_or_default()
            .to_lowercase()
    };
    headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|o| o.to_lowercase() == origin(public_url))
}

/// `Set-Cookie` for a contact session: HttpOnly, Secure, SameSite=Strict, 30 days.
fn session_cookie_header(token: &str) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={}",
        crate::auth::SESSION_DAYS * 24 * 3600
    )
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0")
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

/// `GET /app` and `/app/`: the web client (the same UI as the desktop app, over HTTP).
pub async fn app_index(State(state): State<AppState>) -> Response {
    serve_ui_file(&state, "index.html").await
}

/// `GET /app/assets/{file}`: the web client's scripts and styles.
pub async fn app_asset(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    if file.is_empty()
        || !file
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        || file.starts_with('.')
    {
        return ApiError::NotFound("file").into_response();
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
        return ApiError::NotFound("file").into_response();
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
         <title>{title} · Convene</title></head><body><main><h1>{title}</h1>{body}</main></body></html>",
        title = escape_html(title)
    );
    let mut response = (status, Html(html)).into_response();
    security_headers(&mut response, CSP);
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

fn refused(message: &str) -> Response {
    page(
        StatusCode::GONE,
        "This link no longer works",
        &format!("<p>{}</p>", escape_html(message)),
    )
}

/// `GET /j/{token}`: who invited you to what, and the "Join conversation" button.
pub async fn join_page(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let preview = match join::preview(state.ctx(), &token).await {
        Ok(p) => p,
        Err(e @ ApiError::LinkInvalid { .. }) => return refused(&e.to_string()),
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
        PreviewKind::Invite => (intro, String::new()),
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

/// `POST /j/{token}` from the page's form: redeems the token.
pub async fn join_form(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    form: Result<Form<JoinRequest>, axum::extract::rejection::FormRejection>,
) -> Response {
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
    match join::redeem(state.ctx(), &token, req).await {
        Ok(joined) => {
            if let convene_proto::Me::Contact { account_id, .. } = &joined.me {
                state.changed(*account_id, false);
            }
            // Signed in by an HttpOnly cookie (the page's scripts never see the token), then on to
            // the conversation in the web client.
            let location = format!("/app/#/c/{}", joined.conversation_id);
            let mut response =
                (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response();
            if let Ok(cookie) = HeaderValue::from_str(&session_cookie_header(&joined.token)) {
                response.headers_mut().insert(header::SET_COOKIE, cookie);
            }
            security_headers(&mut response, CSP);
            response
        }
        Err(e @ ApiError::LinkInvalid { .. }) => refused(&e.to_string()),
        Err(ApiError::Invalid { message, .. }) => page(
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
