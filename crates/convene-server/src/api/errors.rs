//! How a domain [`Error`] reads over HTTP: its status, its stable code, and the RFC 9457 problem
//! document (with `Retry-After` where waiting helps).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use convene_proto::{ErrorCode, Problem, PROBLEM_CONTENT_TYPE};

use crate::error::Error;

impl Error {
    /// The status, stable code and title of this error's problem document.
    pub fn parts(&self) -> (StatusCode, ErrorCode, &'static str) {
        match self {
            Self::Unauthenticated(_) => (
                StatusCode::UNAUTHORIZED,
                ErrorCode::Unauthenticated,
                "Not signed in",
            ),
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, ErrorCode::Forbidden, "Not allowed"),
            Self::LinkInvalid { .. }
            | Self::RemovedHere { .. }
            | Self::ConversationClosed { .. }
            | Self::SignInLinkInvalid => (
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
            Self::Overloaded(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Busy,
                "Busy, try again",
            ),
            Self::StorageFull => (
                StatusCode::INSUFFICIENT_STORAGE,
                ErrorCode::StorageFull,
                "Server storage full",
            ),
            Self::StorageUnavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::StorageUnavailable,
                "Server storage unavailable",
            ),
            Self::ChooseAccount(_) => (
                StatusCode::CONFLICT,
                ErrorCode::ChooseAccount,
                "Choose an account",
            ),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let (status, code, title) = self.parts();
        if let Self::Internal(err) = &self {
            tracing::error!(error = ?err, "request failed");
        }
        let retry_after: Option<u64> = match &self {
            Self::RateLimited {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            Self::Busy => Some(1),
            Self::Overloaded(_) => Some(2),
            Self::StorageFull => Some(30),
            Self::StorageUnavailable(_) => Some(5),
            _ => None,
        };
        let problem = Problem {
            type_uri: code.type_uri(),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: Some(self.to_string()),
            code,
            field: self.field().map(str::to_owned),
            accounts: match &self {
                Self::ChooseAccount(accounts) => Some(accounts.clone()),
                _ => None,
            },
            retry_after_secs: retry_after,
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(PROBLEM_CONTENT_TYPE),
        );
        if let Some(secs) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}
