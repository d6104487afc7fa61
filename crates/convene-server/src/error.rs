//! Why something the domain was asked to do did not happen: the one error type of services,
//! storage callers and handlers. It knows nothing of HTTP; `crate::api::errors` renders it as an
//! RFC 9457 problem document.

/// Why a request failed, in terms the caller can act on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
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

impl Error {
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
}

impl From<sqlx::Error> for Error {
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
