//! Request and response bodies of the HTTP API.

use crate::ids::*;
use crate::roles::*;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// `POST /api/v1/auth/login`.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct LoginRequest {
    #[schema(max_length = 254)]
    pub email: String,
    #[schema(max_length = 1024)]
    pub password: String,
    /// Which account to sign in to, when the email is an agent of several (the answer without it
    /// is a 409 `choose_account` listing those the password opens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<AccountId>,
}

/// The answer to a successful sign-in.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct LoginResponse {
    /// Bearer token for `Authorization: Bearer …`. Shown once; the server keeps only its hash.
    pub token: String,
    pub me: Me,
}

/// Who the caller is: an agent of an account, or a contact.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Me {
    Agent {
        id: AgentId,
        account_id: AccountId,
        account_name: String,
        email: String,
        name: String,
        role: AccountRole,
        /// Whether they may open the Admin area (agents, crews, settings), and why not.
        #[serde(default)]
        admin: crate::screen::Verdict,
    },
    Contact {
        id: ContactId,
        account_id: AccountId,
        account_name: String,
        email: String,
        name: String,
        /// `false` for a guest: someone who joined through a Shareable Link and has not proven
        /// that `email` is theirs. A guest reaches only the conversations joined through links
        /// with this identity; following a sign-in link sent to the address proves it.
        #[serde(default = "crate::dto::yes")]
        email_verified: bool,
    },
}

pub(crate) fn yes() -> bool {
    true
}

impl Me {
    /// The display name of whoever is signed in.
    pub fn name(&self) -> &str {
        match self {
            Me::Agent { name, .. } | Me::Contact { name, .. } => name,
        }
    }
}

/// `POST /api/v1/auth/email-link`: "Email me a sign-in link".
#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct EmailLinkRequest {
    #[schema(max_length = 254)]
    pub email: String,
}

/// The answer to [`EmailLinkRequest`]: the same whether or not the address is known.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct EmailLinkAccepted {
    pub message: String,
}

/// `POST /api/v1/auth/password-reset`: "Forgot password?" for agents. The answer is an
/// [`EmailLinkAccepted`], the same whether or not the address is known.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct PasswordResetRequest {
    #[schema(max_length = 254)]
    pub email: String,
}

/// `PUT /api/v1/me/password`: a signed-in agent changes their own password.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct ChangePassword {
    #[schema(max_length = 1024)]
    pub current_password: String,
    #[schema(min_length = 8, max_length = 1024)]
    pub new_password: String,
}

/// `POST /api/v1/conversations`.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct CreateConversation {
    #[schema(min_length = 1, max_length = 200)]
    pub subject: String,
}

/// A conversation as its members see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct Conversation {
    pub id: ConversationId,
    pub subject: String,
    pub status: ConversationStatus,
    pub created_by: AgentId,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub updated_at: OffsetDateTime,
    /// The caller's own role in it, if they are a participant.
    #[serde(default)]
    pub my_role: Option<ParticipantRole>,
    /// How many participants have joined.
    pub participant_count: i64,
}

/// `GET /api/v1/conversations`.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct ConversationList {
    pub conversations: Vec<Conversation>,
}

/// `GET /healthz`.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct Health {
    pub status: String,
    pub version: String,
}

/// `GET /readyz`: whether this instance can serve writes now, and if not, why.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct Readiness {
    /// `ready` or `not_ready`.
    pub status: String,
    /// `ok`, or what is wrong with the database (`unreachable: …`, `full`, `read-only`).
    pub database: String,
    /// `ok`, `full` or `read-only`: whether the data folder takes a small write now.
    pub data_folder: String,
}
