//! The one error type every route returns, rendered as an RFC 9457 problem document.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use convene_proto::{ErrorCode, Problem, PROBLEM_CONTENT_TYPE};

use crate::store::StoreError;

/// Why a request failed, in terms the caller can act on.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{message}")]
    Invalid { field: String, message: String },
    #[error("{0}")]
    MalformedBody(String),
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("{message}")]
    Conflict {
        field: Option<String>,
        message: String,
    },
    #[error("{message}")]
    RateLimited {
        retry_after_secs: u64,
        message: String,
    },
    /// A join token that is unknown, expired, revoked or used up; `ask` names who can send a new one.
    #[error("this link is no longer valid: it may have expired, been revoked or already been used{}", ask.as_ref().map(|a| format!(". Ask {a} for a new one")).unwrap_or_default())]
    LinkInvalid { ask: Option<String> },
    /// The person was removed from this conversation: its Shareable Link does not bring them back.
    #[error("You were removed from this conversation, so its link does not let you back in. Ask {ask} to invite you again")]
    RemovedHere { ask: String },
    /// A sign-in link that is unknown, used or expired: one answer for all three.
    #[error("this sign-in link no longer works: each link works once, for 15 minutes. Ask for a new one")]
    SignInLinkInvalid,
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
    /// A concurrent change won a conflict the database could not order (serialization failure,
    /// deadlock); the transaction was rolled back, so retrying is safe.
    #[error("the server is busy with a conflicting change; nothing was stored, try again")]
    Busy,
}

impl ApiError {
    /// A field is missing or malformed.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// The request field the error is about, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Invalid { field, .. } => Some(field),
            Self::Conflict { field, .. } => field.as_deref(),
            _ => None,
        }
    }

    fn parts(&self) -> (StatusCode, ErrorCode, &'static str) {
        match self {
            Self::Unauthenticated(_) => (
                StatusCode::UNAUTHORIZED,
                ErrorCode::Unauthenticated,
                "Not signed in",
            ),
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, ErrorCode::Forbidden, "Not allowed"),
            Self::LinkInvalid { .. } | Self::RemovedHere { .. } | Self::SignInLinkInvalid => (
                StatusCode::GONE,
                ErrorCode::LinkInvalid,
                "Link no longer valid",
            ),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, ErrorCode::NotFound, "Not found"),
            Self::Invalid { .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::InvalidInput,
                "Invalid input",
            ),
            Self::MalformedBody(_) => (
                StatusCode::BAD_REQUEST,
                ErrorCode::MalformedBody,
                "Malformed request body",
            ),
            Self::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::PayloadTooLarge,
                "Request body too large",
            ),
            Self::Conflict { .. } => (StatusCode::CONFLICT, ErrorCode::Conflict, "Conflict"),
            Self::RateLimited { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::RateLimited,
                "Too many requests",
            ),
            Self::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::Internal,
                "Internal server error",
            ),
            Self::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Busy,
                "Busy, try again",
            ),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Duplicate { field, message } => Self::Conflict {
                field: Some(field.to_owned()),
                message,
            },
            other => Self::Internal(other.into()),
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        // A conflict with a concurrent change, not a fault: PostgreSQL's serialization_failure
        // and deadlock_detected, SQLite's BUSY and LOCKED (with their extended codes). The
        // transaction helper (`crate::tx`) retries these; past its bound they answer 503.
        if let sqlx::Error::Database(db) = &err {
            let code = db.code();
            let sqlite_busy = code
                .as_deref()
                .and_then(|c| c.parse::<i64>().ok())
                .is_some_and(|c| matches!(c & 0xff, 5 | 6));
            if sqlite_busy || matches!(code.as_deref(), Some("40001" | "40P01")) {
                tracing::debug!(error = %db, "conflicting concurrent change");
                return Self::Busy;
            }
        }
        Self::Internal(err.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, title) = self.parts();
        if let Self::Internal(err) = &self {
            tracing::error!(error = ?err, "request failed");
        }
        let problem = Problem {
            type_uri: code.type_uri(),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: Some(self.to_string()),
            code,
            field: self.field().map(str::to_owned),
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(PROBLEM_CONTENT_TYPE),
        );
        if let Self::RateLimited {
            retry_after_secs, ..
        } = self
        {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        if matches!(self, Self::Busy) {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(1u64));
        }
        response
    }
}
