//! Sign-in, sign-out and "who am I".

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::Json;
use convene_proto::{
    AccountChoice, AgentStatus, ChangePassword, EmailLinkAccepted, EmailLinkRequest, LoginRequest,
    LoginResponse, Me, PasswordResetRequest,
};

use super::{problem, IdempotencyKey};
use super::{ApiJson, AppState, Authed};
use crate::auth::{dummy_hash, new_token, SESSION_DAYS};
use crate::clock::now_ms;
use crate::error::Error;
use crate::service::Principal;
use crate::{ratelimit, validate};

/// How long a client address where a person signed in stays exempt from the per-email bound.
const KNOWN_PLACE_SECS: i64 = 30 * 24 * 3600;

/// The most accounts one email's sign-in looks at (each costs a password check).
const MAX_ACCOUNTS_PER_EMAIL: i64 = 8;

/// One answer for every failed sign-in, so it never tells whether an email exists.
fn bad_credentials() -> Error {
    Error::Unauthenticated(
        "That email and password do not match. Check them and try again.".to_owned(),
    )
}

/// Agent sign-in
///
/// Answers a bearer token for `Authorization: Bearer …` and who signed in. Wrong email and wrong
/// password answer the same 401. An email may be an agent of several accounts, each with its own
/// password: when the password opens more than one, the answer is 409 `choose_account` listing
/// them (and only them), and the client signs in again with `account_id`. The right password of
/// a suspended agent answers 403 saying so.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    operation_id = "login",
    tag = "auth",
    params(IdempotencyKey),
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = LoginResponse),
        (status = 400, response = problem::BadRequest),
        (status = 401, response = problem::Unauthenticated),
        (status = 403, response = problem::Forbidden),
        (status = 409, response = problem::ChooseAccount),
        (status = 413, response = problem::PayloadTooLarge),
        (status = 422, response = problem::InvalidInput),
        (status = 503, response = problem::Busy),
        (status = 507, response = problem::StorageFull),
        (status = 429, response = problem::RateLimited),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    request_headers: axum::http::HeaderMap,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<(axum::http::HeaderMap, Json<LoginResponse>), Error> {
    let email = validate::email("email", &req.email)?;
    if req.password.len() > validate::MAX_PASSWORD {
        return Err(Error::invalid(
            "password",
            format!(
                "password must be at most {} characters",
                validate::MAX_PASSWORD
            ),
        ));
    }
    // Per address and email (a person mistyping), per address (one machine trying many emails),
    // and per email from anywhere (a slow bound on guessing). The last one does not apply where
    // the person has signed in before: a stranger elsewhere who uses it up locks out only new
    // places, never the person's own.
    let ip = client.ip();
    let limits = state.limits();
    ratelimit::hit(
        state.store(),
        limits.login_client,
        &format!("login-client:{ip}"),
    )
    .await?;
    ratelimit::hit(state.store(), limits.login, &format!("login:{email}:{ip}")).await?;
    let known_place = format!("login-ok:{email}:{ip}");
    if !ratelimit::seen(state.store(), &known_place, KNOWN_PLACE_SECS).await? {
        ratelimit::hit(
            state.store(),
            limits.login_email,
            &format!("login-email:{email}"),
        )
        .await?;
    }
    let found = state
        .store()
        .agent_logins(&email, req.account_id, MAX_ACCOUNTS_PER_EMAIL)
        .await?;
    // Every account's password is checked (a wrong one costs as much as a right one; with none, a
    // dummy hash is), and only the accounts the password opens are named in the answer.
    if found.is_empty() {
        crate::auth::verify_bounded(req.password.clone(), dummy_hash().to_owned()).await?;
    }
    let mut opened = Vec::new();
    // Teams whose password matched but that suspended this agent: said as such (only to someone
    // who knows the password), so a suspended person is not left guessing at a typo.
    let mut suspended = Vec::new();
    for agent in found {
        // An agent who has not chosen a password yet costs a full check too, and opens nothing.
        let stored = if agent.password_hash.is_empty() {
            dummy_hash().to_owned()
        } else {
            agent.password_hash.clone()
        };
        let ok = crate::auth::verify_bounded(req.password.clone(), stored).await?
            && !agent.password_hash.is_empty();
        if ok && agent.status == AgentStatus::Active {
            opened.push(agent);
        } else if ok {
            suspended.push(agent.account_name);
        }
    }
    let agent = match opened.len() {
        0 if !suspended.is_empty() => {
            return Err(Error::Forbidden(format!(
                "Your account at {} is suspended. Ask an admin of your team to reactivate it.",
                suspended.join(", ")
            )))
        }
        0 => return Err(bad_credentials()),
        1 => opened.remove(0),
        _ => {
            opened.sort_by(|a, b| a.account_name.cmp(&b.account_name));
            return Err(Error::ChooseAccount(
                opened
                    .into_iter()
                    .map(|a| AccountChoice {
                        id: a.account_id,
                        name: a.account_name,
                    })
                    .collect(),
            ));
        }
    };
    let (token, token_hash) = new_token();
    let expires = now_ms() + SESSION_DAYS * 24 * 3600 * 1000;
    state
        .store()
        .create_session(&token_hash, agent.id, expires)
        .await?;
    let principal = state
        .store()
        .session_principal(&token_hash)
        .await?
        .ok_or_else(bad_credentials)?;
    let marker = ratelimit::Limit {
        max: i64::MAX,
        window_secs: KNOWN_PLACE_SECS,
        what: "sign-ins from this place",
    };
    if let Err(e) = ratelimit::count(state.store(), marker, &known_place).await {
        tracing::warn!(error = %e, "could not note where an agent signed in");
    }
    tracing::info!(agent = %agent.id, "agent signed in");
    // Signed in from the web client on this server's own pages: the session rides in an HttpOnly
    // cookie (the web client keeps no token of its own), which is also how a browser's WebSocket
    // reaches the realtime stream. It lasts as long as the browser session, so closing the
    // browser on a borrowed machine signs the agent out. Cookie-carried changes must still come
    // from this origin.
    let mut headers = axum::http::HeaderMap::new();
    if crate::cookies::same_origin(&request_headers, &state.ctx().public_url) {
        if let Ok(cookie) = axum::http::HeaderValue::from_str(
            &crate::cookies::browser_session_cookie_header(&token),
        ) {
            headers.insert(axum::http::header::SET_COOKIE, cookie);
        }
    }
    Ok((
        headers,
        Json(LoginResponse {
            token,
            me: me_of(&state, &principal).await?,
        }),
    ))
}

/// Sign out
///
/// Ends the session of the bearer token; the token no longer works afterwards.
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    operation_id = "logout",
    tag = "auth",
    params(IdempotencyKey),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, response = problem::Unauthenticated),
        (status = 409, response = problem::Conflict),
        (status = 413, response = problem::PayloadTooLarge),
        (status = 422, response = problem::InvalidInput),
        (status = 503, response = problem::Busy),
        (status = 507, response = problem::StorageFull),
    )
)]
pub async fn logout(
    State(state): State<AppState>,
    authed: Authed,
    headers: axum::http::HeaderMap,
) -> Result<(StatusCode, [(axum::http::HeaderName, String); 1]), Error> {
    state.store().delete_session(&authed.token_hash).await?;
    // The cookie this answer clears ends too, whoever's it was: no session stays alive with nothing
    // left pointing at it.
    if let Some(cookie) = crate::cookies::session_cookie(&headers) {
        state
            .store()
            .delete_session(&crate::auth::hash_token(&cookie))
            .await?;
    }
    Ok((
        StatusCode::NO_CONTENT,
        [(
            axum::http::header::SET_COOKIE,
            crate::cookies::clear_cookie(),
        )],
    ))
}

/// Who am I
///
/// The signed-in agent (with their account role) or contact.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    operation_id = "me",
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = Me),
        (status = 401, response = problem::Unauthenticated),
    )
)]
pub async fn me(State(state): State<AppState>, authed: Authed) -> Result<Json<Me>, Error> {
    Ok(Json(me_of(&state, &authed.principal).await?))
}

async fn me_of(state: &AppState, principal: &Principal) -> Result<Me, Error> {
    let account_name = state.store().account_name(principal.account_id()).await?;
    Ok(principal.clone().me(account_name))
}

/// Sign out everywhere
///
/// Ends every session of the caller (all devices and browsers), this one included.
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout-all",
    operation_id = "logout_all",
    tag = "auth",
    params(IdempotencyKey),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Every session ended"),
        (status = 401, response = problem::Unauthenticated),
        (status = 409, response = problem::Conflict),
        (status = 413, response = problem::PayloadTooLarge),
        (status = 422, response = problem::InvalidInput),
        (status = 503, response = problem::Busy),
        (status = 507, response = problem::StorageFull),
    )
)]
pub async fn logout_all(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<(StatusCode, [(axum::http::HeaderName, String); 1]), Error> {
    state.store().delete_sessions_of(&authed.principal).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(
            axum::http::header::SET_COOKIE,
            crate::cookies::clear_cookie(),
        )],
    ))
}

/// The one answer to "Email me a sign-in link", whether or not the address is known.
pub fn email_link_message(email: &str) -> String {
    format!(
        "If {email} has conversations with us, a sign-in link is on its way to it. \
         The link works once, for 15 minutes."
    )
}

/// Email me a sign-in link
///
/// For contacts (customers), who have no password: emails a single-use sign-in link, valid for 15
/// minutes, to the address if it is a contact of any account on this server. The answer is the
/// same whether or not it is, so it tells nobody which addresses are known. Limited per address
/// and per client. Following the link proves the address: conversations joined through Shareable
/// Links with it (as a guest) become the contact's.
#[utoipa::path(
    post,
    path = "/api/v1/auth/email-link",
    operation_id = "email_link",
    tag = "auth",
    params(IdempotencyKey),
    request_body = EmailLinkRequest,
    responses(
        (status = 202, description = "Accepted: a link is sent if the address is known", body = EmailLinkAccepted),
        (status = 400, response = problem::BadRequest),
        (status = 409, response = problem::Conflict),
        (status = 413, response = problem::PayloadTooLarge),
        (status = 422, response = problem::InvalidInput),
        (status = 503, response = problem::Busy),
        (status = 507, response = problem::StorageFull),
        (status = 429, response = problem::RateLimited),
    )
)]
pub async fn email_link(
    State(state): State<AppState>,
    axum::extract::ConnectInfo(client): axum::extract::ConnectInfo<std::net::SocketAddr>,
    super::MaybeAuthed(caller): super::MaybeAuthed,
    ApiJson(req): ApiJson<EmailLinkRequest>,
) -> Result<(StatusCode, Json<EmailLinkAccepted>), Error> {
    let email = request_email_link(&state, client.ip(), &req.email, caller).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(EmailLinkAccepted {
            message: email_link_message(&email),
        }),
    ))
}

/// Checks the address and the limits, then looks the address up and queues the emails in the
/// background, so the answer (and how long it takes) is the same for known and unknown addresses.
/// Answers the address as validated. `caller`, when signed in, is recorded on the link (a guest
/// verifying their own address: see [`crate::service::signin::prove`]).
pub async fn request_email_link(
    state: &AppState,
    client: std::net::IpAddr,
    raw: &str,
    caller: Option<Principal>,
) -> Result<String, Error> {
    let email = validate::email("email", raw)?;
    ratelimit::hit(
        state.store(),
        state.limits().email_link_client,
        &format!("email-link-client:{client}"),
    )
    .await?;
    ratelimit::hit(
        state.store(),
        state.limits().email_link,
        &format!("email-link:{email}"),
    )
    .await?;
    let state = state.clone();
    let address = email.clone();
    tokio::spawn(async move {
        match crate::service::signin::request_links(state.ctx(), &address, caller.as_ref()).await {
            Ok(0) => tracing::info!("sign-in link asked for an address that is no contact"),
            Ok(n) => tracing::info!(emails = n, "sign-in link queued"),
            Err(e) => tracing::warn!(error = %e, "sign-in link could not be queued"),
        }
    });
    Ok(email)
}

/// Forgot password
///
/// For agents: emails a single-use link, valid for an hour, to choose a new password, for each team
/// in which the address is an active agent. The answer is the same whether or not it is. Limited
/// per address and per client. Choosing the new password signs the agent out everywhere.
#[utoipa::path(
    post,
    path = "/api/v1/auth/password-reset",
    operation_id = "password_reset",
    tag = "auth",
    params(IdempotencyKey),
    request_body = PasswordResetRequest,
    responses(
        (status = 202, description = "Accepted: a link is sent if the address is an agent's", body = EmailLinkAccepted),
        (status = 400, response = problem::BadRequest),
        (status = 413, response = problem::PayloadTooLarge),
        (status = 422, response = problem::InvalidInput),
        (status = 503, response = problem::Busy),
        (status = 507, response = problem::StorageFull),
        (status = 429, response = problem::RateLimited),
    )
)]
pub async fn password_reset(
    State(state): State<AppState>,
    axum::extract::ConnectInfo(client): axum::extract::ConnectInfo<std::net::SocketAddr>,
    ApiJson(req): ApiJson<PasswordResetRequest>,
) -> Result<(StatusCode, Json<EmailLinkAccepted>), Error> {
    let email = validate::email("email", &req.email)?;
    let limits = state.limits();
    let ip = client.ip();
    ratelimit::hit(
        state.store(),
        limits.email_link_client,
        &format!("password-reset-client:{ip}"),
    )
    .await?;
    ratelimit::hit(
        state.store(),
        limits.email_link,
        &format!("password-reset:{email}"),
    )
    .await?;
    // In the background, so the answer (and how long it takes) is the same for every address.
    let worker = state.clone();
    let address = email.clone();
    let origin = crate::service::audit::origin();
    tokio::spawn(crate::service::audit::within(origin, async move {
        match crate::service::passwords::request_reset(worker.ctx(), &address).await {
            Ok(n) => tracing::info!(emails = n, "password reset asked for"),
            Err(e) => tracing::warn!(error = %e, "password reset could not be queued"),
        }
    }));
    Ok((
        StatusCode::ACCEPTED,
        Json(EmailLinkAccepted {
            message: format!(
                "If {email} belongs to a Convene team member, a link to choose a new password is on its way to it. The link works once, for an hour."
            ),
        }),
    ))
}

/// Change my password
///
/// A signed-in agent proves their current password and sets a new one; their other sessions end.
#[utoipa::path(
    put,
    path = "/api/v1/me/password",
    operation_id = "change_password",
    tag = "auth",
    params(IdempotencyKey),
    request_body = ChangePassword,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Changed"),
        (status = 400, response = problem::BadRequest),
        (status = 401, response = problem::Unauthenticated),
        (status = 403, response = problem::Forbidden),
        (status = 409, response = problem::Conflict),
        (status = 413, response = problem::PayloadTooLarge),
        (status = 422, response = problem::InvalidInput),
        (status = 503, response = problem::Busy),
        (status = 507, response = problem::StorageFull),
        (status = 429, response = problem::RateLimited),
    )
)]
pub async fn change_password(
    State(state): State<AppState>,
    authed: Authed,
    ApiJson(req): ApiJson<ChangePassword>,
) -> Result<StatusCode, Error> {
    ratelimit::hit(
        state.store(),
        state.limits().login,
        &format!("change-password:{}", authed.token_hash),
    )
    .await?;
    crate::service::passwords::change_own(
        state.ctx(),
        &authed.principal,
        &authed.token_hash,
        &req.current_password,
        &req.new_password,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
