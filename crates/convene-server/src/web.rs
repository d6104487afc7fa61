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

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>{title} · Convene</title></head><body><main><h1>{title}</h1>{body}</main></body></html>",
        title = escape_html(title)
    );
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// Percent-encodes a query value.
fn query_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
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
    let deep_link = format!("convene://join/{token}?server={}", query_escape(&state.ctx().public_url));
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
            page(
                StatusCode::OK,
                "You joined the conversation",
                &format!(
                    "<p>Welcome, {}. You are now part of the conversation.</p><p><a href=\"convene://conversation/{}\">Open in Convene</a></p>",
                    escape_html(joined.me.name()),
                    joined.conversation_id
                ),
            )
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
