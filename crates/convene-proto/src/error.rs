//! RFC 9457 problem details and the stable machine codes they carry.

use serde::{Deserialize, Serialize};

use crate::ids::AccountId;

/// Stable machine-readable error codes. Clients branch on these, never on the human text.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Missing, unknown or expired credentials.
    Unauthenticated,
    /// Signed in, but not allowed to do this.
    Forbidden,
    /// No such thing, or not visible to the caller.
    NotFound,
    /// A field of the request is missing or malformed.
    InvalidInput,
    /// The body is not valid JSON of the expected shape.
    MalformedBody,
    /// The body is larger than the server accepts.
    PayloadTooLarge,
    /// The request conflicts with the current state (for example a duplicate email).
    Conflict,
    /// Too many requests; retry after the time in `Retry-After`.
    RateLimited,
    /// A join link that is unknown, expired, revoked or used up.
    LinkInvalid,
    /// The server failed; the request may be retried.
    Internal,
    /// The database could not order this change against a concurrent one (a serialization
    /// failure or deadlock); nothing was stored. Retry after `Retry-After` seconds.
    Busy,
    /// The server's disk is full; nothing was stored. Retry after `Retry-After` seconds.
    StorageFull,
    /// The server's storage cannot be written or reached right now (an I/O error, a read-only
    /// data folder, the database unreachable); nothing was stored. Retry after `Retry-After`.
    StorageUnavailable,
    /// The email and password are right for more than one account: sign in again naming one of
    /// the problem's `accounts` as `account_id`.
    ChooseAccount,
}

impl ErrorCode {
    /// The `type` URI of the problem document for this code.
    pub fn type_uri(self) -> String {
        let name = serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        format!(
            "https://convene.example/problems/{}",
            name.replace('_', "-")
        )
    }
}

/// An RFC 9457 problem document (`application/problem+json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct Problem {
    /// A URI naming the kind of problem; one per `code`.
    #[serde(rename = "type")]
    pub type_uri: String,
    /// A short, human-readable summary of the kind of problem.
    pub title: String,
    /// The HTTP status code of the response.
    pub status: u16,
    /// A human-readable explanation of this occurrence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    pub code: ErrorCode,
    /// The request field the problem is about, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// With `choose_account`: the accounts the sign-in would open, to pick one from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accounts: Option<Vec<AccountChoice>>,
    /// When asking again makes sense (429, 503, 507): the `Retry-After` header's seconds, also
    /// here for clients that read only the body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
}

/// An account a person may sign in to, as sign-in offers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct AccountChoice {
    pub id: AccountId,
    pub name: String,
}

/// The media type of problem documents.
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";
