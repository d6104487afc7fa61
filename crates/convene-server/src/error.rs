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
    /// The conversation is closed: its Shareable Link and invites admit nobody until it reopens.
    #[error("This conversation is closed, so its links let nobody in. Ask {ask} to reopen it")]
    ConversationClosed { ask: String },
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
    /// Too much work of one kind is queued (password checks); nothing was done.
    #[error("{0}")]
    Overloaded(String),
    /// The disk under the database is full: nothing was stored, and writes work again by
    /// themselves once space is freed.
    #[error("the server's disk is full, so nothing was stored; try again later")]
    StorageFull,
    /// The database cannot be written or reached (an I/O error, a read-only data folder, a lost
    /// connection): nothing was stored.
    #[error(
        "the server cannot store anything right now ({0}); nothing was stored, try again later"
    )]
    StorageUnavailable(String),
    /// The email and password open more than one account: the caller names one.
    #[error("this email and password sign in to {} teams ({}); choose one", .0.len(), .0.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", "))]
    ChooseAccount(Vec<convene_proto::AccountChoice>),
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
        // A conflict with a concurrent change is not a fault: PostgreSQL's serialization_failure
        // and deadlock_detected, SQLite's BUSY and LOCKED (with their extended codes). The
        // transaction helper (`crate::tx`) retries these; past its bound they answer 503. A full
        // or failing disk is not the caller's fault either, nor a bug: it says so.
        match &err {
            sqlx::Error::Database(db) => {
                let code = db.code();
                let code = code.as_deref().unwrap_or_default();
                // SQLite reports its (extended) result code as a number of at most four digits,
                // whose low byte is the primary code; PostgreSQL a five-character SQLSTATE.
                let sqlite = (code.len() < 5)
                    .then(|| code.parse::<i64>().ok())
                    .flatten()
                    .map(|c| c & 0xff);
                let (class, postgres) = match sqlite {
                    Some(_) => ("", ""),
                    None => (code.get(..2).unwrap_or_default(), code),
                };
                // A unique violation on PostgreSQL is a change that ran side by side with another
                // adding the same row (see `service::Hold`): retried, it answers as a repeat.
                // Inserts that expect duplicates handle them before they get here.
                if matches!(sqlite, Some(5 | 6)) || matches!(postgres, "40001" | "40P01" | "23505")
                {
                    tracing::debug!(error = %db, "conflicting concurrent change");
                    return Self::Busy;
                }
                // SQLITE_FULL; PostgreSQL's disk_full.
                if sqlite == Some(13) || postgres == "53100" {
                    tracing::error!(error = %db, "the disk under the database is full");
                    return Self::StorageFull;
                }
                // SQLITE_READONLY, SQLITE_IOERR, SQLITE_CANTOPEN; PostgreSQL's other
                // insufficient-resources (53…), connection (08…) and operator-intervention (57…)
                // classes.
                if matches!(sqlite, Some(8 | 10 | 14)) || matches!(class, "53" | "08" | "57") {
                    tracing::error!(error = %db, "the database cannot be written");
                    return Self::StorageUnavailable(db.message().to_owned());
                }
            }
            sqlx::Error::Io(e) => {
                tracing::error!(error = %e, "the database cannot be reached");
                return Self::StorageUnavailable("the database cannot be reached".to_owned());
            }
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => {
                return Self::StorageUnavailable("no database connection is free".to_owned());
            }
            _ => {}
        }
        Self::Internal(err.into())
    }
}

impl From<crate::auth::Overloaded> for Error {
    fn from(e: crate::auth::Overloaded) -> Self {
        Self::Overloaded(e.to_string())
    }
}
