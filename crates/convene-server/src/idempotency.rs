//! `Idempotency-Key` on mutating requests: the same key with the same request answers the stored
//! response without doing anything again; the same key with another request is refused (422).
//!
//! Records live in the database, scoped to the authenticated caller (the agent or contact, so a
//! retry after signing in again still finds its record), so a retry after a lost answer — to this
//! instance or another — never repeats an effect. Callers without a valid session write nothing
//! (their requests are refused or run plain), records expire after [`RECORD_TTL_MS`], and answers
//! that carry a secret (a session, a Shareable Link's URL) are never stored.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::auth::hash_token;
use crate::clock::now_ms;
use crate::error::Error;
use crate::routes::MAX_BODY_BYTES;
use crate::state::AppState;

/// The header clients send.
pub const HEADER: &str = "idempotency-key";

fn refuse(message: &str) -> Response {
    Error::Invalid {
        field: "Idempotency-Key".to_owned(),
        message: message.to_owned(),
    }
    .into_response()
}

/// How long a record answers retries.
pub const RECORD_TTL_MS: i64 = 24 * 3600 * 1000;

/// Routes whose answer carries a secret: a new session (in its body or a cookie) or a Shareable
/// Link's URL; and routes whose request carries a password (its hash would be a fast, unsalted
/// hash of the password at rest). They are never recorded: a secret must not rest in the database,
/// nor be replayed. A retry runs again (signing in again; a link joins once; the link's settings
/// are set again; a rotation rotates again; a password is set again).
fn answer_is_secret(path: &str) -> bool {
    path == "/api/v1/auth/login"
        || path == "/api/v1/me/password"
        || path == "/api/v1/agents"
        || path.ends_with("/share-link")
        || path.ends_with("/share-link/rotate")
        || ["/api/v1/join/", "/j/", "/s/", "/p/"]
            .iter()
            .any(|prefix| path.starts_with(prefix))
}

/// The middleware.
pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    ) {
        return next.run(req).await;
    }
    let Some(key) = req.headers().get(HEADER) else {
        return next.run(req).await;
    };
    let Some(key) = key
        .to_str()
        .ok()
        .filter(|k| !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic()))
    else {
        return refuse("Idempotency-Key must be 1 to 255 visible ASCII characters");
    };
    let key = key.to_owned();
    if answer_is_secret(req.uri().path()) {
        return next.run(req).await;
    }
    // The caller, by bearer or by the browser's cookie; no valid session, no record.
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned())
        .or_else(|| crate::cookies::session_cookie(req.headers()));
    let caller = match token {
        Some(t) => state.store().session_principal(&hash_token(&t)).await,
        None => Ok(None),
    };
    let scope = match caller {
        Ok(Some(principal)) => principal.key(),
        Ok(None) => return next.run(req).await,
        Err(e) => return Error::from(e).into_response(),
    };
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY_BYTES).await else {
        return Error::PayloadTooLarge.into_response();
    };
    let mut hasher = Sha256::new();
    hasher.update(parts.method.as_str());
    hasher.update([0]);
    hasher.update(parts.uri.path());
    hasher.update([0]);
    hasher.update(parts.uri.query().unwrap_or(""));
    hasher.update([0]);
    hasher.update(&bytes);
    let request_hash: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();

    let pool = state.ctx().store.pool();
    let now = now_ms();
    // A record past its time is taken over as if it were not there.
    let inserted = sqlx::query(
        "INSERT INTO idempotency_keys (principal, key, request_hash, status, content_type, body, created_at)
         VALUES ($1, $2, $3, 0, '', $4, $5)
         ON CONFLICT (principal, key) DO UPDATE SET request_hash = excluded.request_hash, status = 0,
             content_type = '', body = excluded.body, created_at = excluded.created_at
         WHERE idempotency_keys.created_at < $6",
    )
    .bind(&scope)
    .bind(&key)
    .bind(&request_hash)
    .bind(Vec::<u8>::new())
    .bind(now)
    .bind(now - RECORD_TTL_MS)
    .execute(pool)
    .await;
    if rand::random::<u8>() == 0 {
        // Now and then, the expired records go.
        let store = state.store().clone();
        tokio::spawn(async move {
            let _ = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
                .bind(now - RECORD_TTL_MS)
                .execute(store.pool())
                .await;
        });
    }
    match inserted {
        Ok(done) if done.rows_affected() == 1 => {}
        Ok(_) => return replay(&state, &scope, &key, &request_hash).await,
        Err(e) => return Error::from(e).into_response(),
    }

    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let (parts, body) = response.into_parts();
    let Ok(body) = to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let stored = if parts.status.is_server_error() || parts.status == StatusCode::TOO_MANY_REQUESTS
    {
        // Nothing was done (every action is one transaction; a 429 is "not now"): let a retry
        // with the same key run it, after the `Retry-After` the answer gave.
        sqlx::query("DELETE FROM idempotency_keys WHERE principal = $1 AND key = $2")
            .bind(&scope)
            .bind(&key)
            .execute(pool)
            .await
    } else {
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        sqlx::query("UPDATE idempotency_keys SET status = $1, content_type = $2, body = $3 WHERE principal = $4 AND key = $5")
            .bind(i64::from(parts.status.as_u16()))
            .bind(content_type)
            .bind(body.to_vec())
            .bind(&scope)
            .bind(&key)
            .execute(pool)
            .await
    };
    if let Err(e) = stored {
        tracing::error!(error = %e, "could not record an idempotent response");
    }
    Response::from_parts(parts, Body::from(body))
}

async fn replay(state: &AppState, scope: &str, key: &str, request_hash: &str) -> Response {
    let row = sqlx::query("SELECT request_hash, status, content_type, body FROM idempotency_keys WHERE principal = $1 AND key = $2")
        .bind(scope)
        .bind(key)
        .fetch_optional(state.ctx().store.pool())
        .await;
    let row = match row {
        Ok(Some(r)) => r,
        Ok(None) => return refuse("Idempotency-Key was just released; send the request again"),
        Err(e) => return Error::from(e).into_response(),
    };
    if row.get::<&str, _>(0) != request_hash {
        let mut response = Error::Invalid {
            field: "Idempotency-Key".to_owned(),
            message: "this Idempotency-Key was already used for a different request".to_owned(),
        }
        .into_response();
        response
            .headers_mut()
            .insert("idempotency-key-reused", HeaderValue::from_static("true"));
        return response;
    }
    let status: i64 = row.get(1);
    if status == 0 {
        let mut response = Error::Conflict {
            field: Some("Idempotency-Key".to_owned()),
            message: "a request with this Idempotency-Key is still running; retry shortly"
                .to_owned(),
        }
        .into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return response;
    }
    let status =
        StatusCode::from_u16(u16::try_from(status).unwrap_or(500)).unwrap_or(StatusCode::OK);
    let mut response = (status, row.get::<Vec<u8>, _>(3)).into_response();
    if let Ok(ct) = HeaderValue::from_str(row.get::<&str, _>(2)) {
        response.headers_mut().insert(header::CONTENT_TYPE, ct);
    }
    response
        .headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}
