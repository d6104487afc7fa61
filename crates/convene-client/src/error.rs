//! The client core's one error type, classified so callers can tell "offline" from "refused".

use convene_proto::Problem;

/// Why a client operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server could not be reached (down, no network, timeout). The action may be retried later.
    #[error("cannot reach the server: {0}")]
    Network(#[source] reqwest::Error),
    /// The server answered with a problem document: it refused the request.
    #[error("{}", .0.detail.clone().unwrap_or_else(|| .0.title.clone()))]
    Refused(Box<Problem>),
    /// The server answered something that is not what the API promises.
    #[error("unexpected answer from the server: {0}")]
    Protocol(String),
    /// The local cache failed.
    #[error("local cache error: {0}")]
    Cache(#[from] rusqlite::Error),
    /// The local cache holds data it cannot read.
    #[error("local cache is corrupt: {0}")]
    Corrupt(String),
    /// The realtime stream failed or closed.
    #[error("realtime stream: {0}")]
    Stream(String),
    /// An operation needs a signed-in user.
    #[error("not signed in")]
    NotSignedIn,
    /// The server ended the session (it answered 401 to a request made with it): sign in again.
    #[error("Signed out — sign in again")]
    SessionEnded,
    /// A join link cannot be redeemed here while someone is signed in: that would replace the
    /// session and delete the cache and the queued actions.
    #[error("already signed in as {0}: open the link in a browser instead")]
    SignedInAlready(String),
    /// Something typed in is wrong; `field` names it (checked here before anything is queued).
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// A file could not be written (a download: the folder is missing, read-only or full).
    #[error("cannot save {path}: {reason}")]
    File { path: String, reason: String },
    /// The server URL typed in is not usable.
    #[error("server URL {0:?} is not valid: it must start with http:// or https://")]
    BadServerUrl(String),
}

impl ClientError {
    /// Whether this is a failure to reach the server (as opposed to a refusal or a local fault).
    pub fn is_offline(&self) -> bool {
        matches!(self, Self::Network(_))
    }

    /// Whether the server ended the session (see [`ClientError::SessionEnded`]).
    pub fn is_session_ended(&self) -> bool {
        matches!(self, Self::SessionEnded)
    }

    /// The HTTP status of a refusal.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Refused(p) => Some(p.status),
            Self::SessionEnded => Some(401),
            _ => None,
        }
    }
}
