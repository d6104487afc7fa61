//! The membership domain: every action a person can take, each one transaction that checks the
//! permission table ([`convene_proto::policy`]), writes the change, its timeline event and its
//! change-feed row together, and commits — so nothing half-done is ever stored.

mod actor;
pub mod bulk;
pub mod directory;
pub mod invites;
pub mod join;
pub mod links;
pub mod messages;
pub mod participants;
pub mod rows;
pub mod signin;
pub mod sync;

use convene_proto::{AccountId, AccountRole, AgentId, ContactId};
use sqlx::AnyConnection;

use crate::clock::now_ms;
use crate::error::ApiError;
use crate::secret::Secret;
use crate::store::Store;

pub use actor::{
    actor_for_change, actor_in, load_conversation, load_for_change, lock_conversation,
    ConversationRow,
};

/// Who is making a request: a signed-in agent or a contact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    Agent {
        id: AgentId,
        account_id: AccountId,
        role: AccountRole,
        name: String,
        email: String,
    },
    Contact {
        id: ContactId,
        account_id: AccountId,
        name: String,
        email: String,
        /// A guest of a Shareable Link: the email is what they typed, unproven. Their identity is
        /// their own (never the proven contact's), so it reaches only what they joined with it.
        guest: bool,
    },
}

impl Principal {
    pub fn account_id(&self) -> AccountId {
        match self {
            Principal::Agent { account_id, .. } | Principal::Contact { account_id, .. } => {
                *account_id
            }
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Principal::Agent { name, .. } | Principal::Contact { name, .. } => name,
        }
    }

    /// "Who am I", as the API answers it.
    pub fn me(self, account_name: String) -> convene_proto::Me {
        use convene_proto::Me;
        match self {
            Principal::Contact {
                id,
                account_id,
                name,
                email,
                guest,
            } => Me::Contact {
                id,
                account_id,
                account_name,
                email,
                name,
                email_verified: !guest,
            },
            Principal::Agent {
                id,
                account_id,
                role,
                name,
                email,
            } => Me::Agent {
                id,
                account_id,
                account_name,
                email,
                name,
                role,
            },
        }
    }

    /// Whether this is a guest of a Shareable Link (a contact whose email is not proven).
    pub fn is_guest(&self) -> bool {
        matches!(self, Principal::Contact { guest: true, .. })
    }

    /// A stable key for idempotency records and rate limits.
    pub fn key(&self) -> String {
        match self {
            Principal::Agent { id, .. } => format!("agent:{id}"),
            Principal::Contact { id, .. } => format!("contact:{id}"),
        }
    }

    /// The agent, or a 403 for contacts on agent-only routes.
    pub fn require_agent(&self) -> Result<(AgentId, AccountRole), ApiError> {
        match self {
            Principal::Agent { id, role, .. } => Ok((*id, *role)),
            Principal::Contact { .. } => Err(ApiError::Forbidden(
                "only agents of the account may do this".to_owned(),
            )),
        }
    }

    /// The (agent, contact) id columns of rows about this person: one is set, the other `None`.
    pub fn columns(&self) -> (Option<String>, Option<String>) {
        let m = self.member();
        (m.agent(), m.contact())
    }

    /// The caller as a participant would name them.
    pub fn member(&self) -> Member {
        match self {
            Principal::Agent { id, .. } => Member::Agent(*id),
            Principal::Contact { id, .. } => Member::Contact(*id),
        }
    }
}

/// Who a participant is: an agent or a contact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Member {
    Agent(AgentId),
    Contact(ContactId),
}

impl Member {
    pub fn agent(self) -> Option<String> {
        match self {
            Member::Agent(id) => Some(id.to_string()),
            Member::Contact(_) => None,
        }
    }

    pub fn contact(self) -> Option<String> {
        match self {
            Member::Contact(id) => Some(id.to_string()),
            Member::Agent(_) => None,
        }
    }
}

/// What the domain needs besides the database: where links point and how link tokens are made.
#[derive(Clone)]
pub struct Ctx {
    pub store: Store,
    pub public_url: String,
    pub secret: Secret,
}

impl Ctx {
    /// The join URL for a token.
    pub fn join_url(&self, token: &str) -> String {
        format!("{}/j/{token}", self.public_url)
    }
}

/// Writes one timeline event (and its change-feed row) for a conversation.
pub async fn record_event(
    tx: &mut AnyConnection,
    conv: &ConversationRow,
    kind: &str,
    actor: &str,
    text: &str,
) -> Result<(), sqlx::Error> {
    let id = uuid::Uuid::now_v7().to_string();
    let now = now_ms();
    sqlx::query(
        "INSERT INTO events (id, account_id, conversation_id, kind, actor, text, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(conv.account_id.to_string())
    .bind(conv.id.to_string())
    .bind(kind)
    .bind(actor)
    .bind(text)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    record_change(tx, conv, "event", Some(&id), None).await
}

/// Marks a conversation as changed (membership, invites, link), optionally naming the person whose
/// access changed so their sync reports it.
pub async fn record_change(
    tx: &mut AnyConnection,
    conv: &ConversationRow,
    kind: &str,
    ref_id: Option<&str>,
    affected: Option<Member>,
) -> Result<(), sqlx::Error> {
    record_change_at(tx, conv, kind, ref_id, affected, now_ms()).await
}

/// [`record_change`] at a given moment (the conversation's new `updated_at`).
pub async fn record_change_at(
    tx: &mut AnyConnection,
    conv: &ConversationRow,
    kind: &str,
    ref_id: Option<&str>,
    affected: Option<Member>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO changes (account_id, conversation_id, kind, ref_id, affected_agent, affected_contact, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(conv.account_id.to_string())
    .bind(conv.id.to_string())
    .bind(kind)
    .bind(ref_id)
    .bind(affected.and_then(Member::agent))
    .bind(affected.and_then(Member::contact))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if kind != "event" {
        sqlx::query("UPDATE conversations SET updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(conv.id.to_string())
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// A conversation id from a path, or 404 (ids that do not parse name nothing that exists).
pub fn parse_id<T: std::str::FromStr>(raw: &str, what: &'static str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound(what))
}

/// Shorthand for ids in SQL.
pub fn s(id: impl std::fmt::Display) -> String {
    id.to_string()
}

/// The change-feed position now (for the stream's hello): the end of what is final.
pub async fn current_cursor(
    store: &Store,
    account: AccountId,
) -> Result<crate::feed::FeedPos, sqlx::Error> {
    crate::feed::head(store, account).await
}
