//! The membership domain: every action a person can take, each one transaction that checks the
//! permission table ([`convene_proto::policy`]), writes the change, its timeline event and its
//! change-feed row together, and commits — so nothing half-done is ever stored.

mod actor;
pub mod audit;
pub mod bulk;
pub mod directory;
pub mod invites;
pub mod join;
pub mod links;
pub mod list;
pub mod messages;
pub mod participants;
pub mod passwords;
pub mod reading;
pub mod rows;
pub mod screen;
pub mod settings;
pub mod signin;
pub mod sync;
pub mod team;

use convene_proto::policy::Action;
use convene_proto::{AccountId, ConversationId};
use futures_util::future::BoxFuture;
use sqlx::AnyConnection;

use crate::clock::now_ms;
use crate::error::Error;
use crate::secret::Secret;
use crate::store::Store;
use crate::tx::{Announcer, Tx};

pub use crate::principal::{Member, Principal};
pub use actor::{
    actor_for_change, actor_in, load_conversation, load_for_change, lock_conversation,
    ConversationRow, Hold,
};

/// What the domain needs besides the database: where links point, how link tokens are made, and
/// whom to tell when something changed.
#[derive(Clone)]
pub struct Ctx {
    pub store: Store,
    pub public_url: String,
    pub secret: Secret,
    pub announcer: Announcer,
    /// The server's email sender (`--email-from`), for accounts that set none of their own.
    pub email_from: lettre::message::Mailbox,
    /// The domains an account's own sender address may be at (`--email-sender-domains`).
    pub sender_domains: Vec<String>,
    /// How soon an invite may be resent (`Limits::resend_interval_ms`).
    pub resend_interval_ms: i64,
}

/// What a change to a conversation needs of the caller before it runs.
#[derive(Clone, Copy, Debug)]
pub enum Need {
    /// Only that the conversation is in the caller's account (an invitee answering their invite,
    /// which may no longer let them see it).
    Account,
    /// That the caller may see it; otherwise 404.
    See,
    /// That the caller may do this; 403 with the rule in words, or 404 when they may not see it.
    To(Action),
    /// That the caller may see it, for a change to their own state of it alone (how far they
    /// have read, mute), which holds the conversation no more than a message does.
    Personal,
}

impl Ctx {
    /// The join URL for a token.
    pub fn join_url(&self, token: &str) -> String {
        format!("{}/j/{token}", self.public_url)
    }

    /// One change, in one transaction with its events and feed rows, retried on conflicts and
    /// announced once committed (see [`crate::tx::write`]). For changes not made to one
    /// conversation (creating one, the directory, sign-in); the rest use [`Ctx::change_in`].
    pub async fn change<'a, T, F>(&'a self, change: F) -> Result<T, Error>
    where
        T: Send,
        F: for<'t> Fn(&'t mut Tx<'a>) -> BoxFuture<'t, Result<T, Error>> + Send + Sync,
    {
        crate::tx::run(&self.store, &self.announcer, change).await
    }

    /// A change to conversation `id` by `principal`: takes the conversation's lock, loads the
    /// caller's place in it, checks `need` against the permission table, and only then runs
    /// `change` with what it loaded — all in one transaction, as [`Ctx::change`].
    pub async fn change_in<'a, T, F>(
        &'a self,
        principal: &'a Principal,
        id: ConversationId,
        need: Need,
        change: F,
    ) -> Result<T, Error>
    where
        T: Send,
        F: for<'t> Fn(&'t mut Tx<'a>, &'t ConversationRow) -> BoxFuture<'t, Result<T, Error>>
            + Send
            + Sync,
    {
        crate::tx::write(
            &self.store,
            Some(&self.announcer),
            move |tx| Box::pin(async move { load_for(tx, principal, id, need).await }),
            change,
        )
        .await
    }
}

impl Need {
    /// How a change with this need holds its conversation: the additive changes side by side,
    /// everything else in turn (see [`Hold`]).
    pub fn hold(self) -> Hold {
        match self {
            Need::To(Action::PostMessage | Action::InviteAgents | Action::InviteContact)
            | Need::Personal => Hold::Shared,
            _ => Hold::Exclusive,
        }
    }
}

/// Loads conversation `id` under its lock and checks `need`.
pub async fn load_for(
    tx: &mut AnyConnection,
    principal: &Principal,
    id: ConversationId,
    need: Need,
) -> Result<ConversationRow, Error> {
    load_held(tx, principal, id, need, need.hold()).await
}

/// [`load_for`] holding the conversation as `hold` says.
pub async fn load_held(
    tx: &mut AnyConnection,
    principal: &Principal,
    id: ConversationId,
    need: Need,
    hold: Hold,
) -> Result<ConversationRow, Error> {
    match need {
        Need::Account => actor_for_change(tx, principal, id, hold).await,
        Need::See | Need::Personal => load_for_change(tx, principal, id, hold).await,
        Need::To(action) => {
            let conv = load_for_change(tx, principal, id, hold).await?;
            conv.require(action)?;
            Ok(conv)
        }
    }
}

/// Writes one timeline event (and its change-feed row) for a conversation, and the same change to
/// the account's audit log: the two cannot disagree, and no change to a conversation is missing
/// from the log.
pub async fn record_event(
    tx: &mut Tx<'_>,
    conv: &ConversationRow,
    entry: audit::Entry<'_>,
) -> Result<(), sqlx::Error> {
    let id = uuid::Uuid::now_v7().to_string();
    let now = now_ms();
    let postgres = tx.backend_name() == "PostgreSQL";
    // On PostgreSQL the event and its feed row are one statement (one round trip fewer for every
    // change); SQLite has no round trips to save.
    let sql = if postgres {
        "WITH e AS (
             INSERT INTO events (id, account_id, conversation_id, kind, actor, text, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, account_id, conversation_id, created_at)
         INSERT INTO changes (account_id, conversation_id, kind, ref_id, created_at)
         SELECT account_id, conversation_id, 'event', id, created_at FROM e"
    } else {
        "INSERT INTO events (id, account_id, conversation_id, kind, actor, text, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    };
    sqlx::query(sql)
        .bind(&id)
        .bind(conv.account_id.to_string())
        .bind(conv.id.to_string())
        .bind(entry.kind.as_str())
        .bind(entry.by.name())
        .bind(entry.summary)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    let account = conv.account_id;
    audit::record(
        tx,
        account,
        audit::Entry {
            conversation: Some((conv.id, &conv.subject)),
            ..entry
        },
    )
    .await?;
    if postgres {
        tx.changed(account);
        Ok(())
    } else {
        record_change(tx, conv, "event", Some(&id), None).await
    }
}

/// Marks a conversation as changed (membership, invites, link), optionally naming the person whose
/// access changed so their sync reports it.
pub async fn record_change(
    tx: &mut Tx<'_>,
    conv: &ConversationRow,
    kind: &str,
    ref_id: Option<&str>,
    affected: Option<Member>,
) -> Result<(), sqlx::Error> {
    record_change_at(tx, conv, kind, ref_id, affected, now_ms()).await
}

/// [`record_change`] at a given moment (the conversation's new `updated_at`).
pub async fn record_change_at(
    tx: &mut Tx<'_>,
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
    .execute(&mut **tx)
    .await?;
    tx.changed(conv.account_id);
    // An event moves nothing by itself (its change did), and a person's read state is theirs.
    if kind != "event" && kind != "read" {
        // Written just before the commit (`Tx::touch`): every change to a conversation writes
        // its row, so the row's lock is held for the commit only, not for the whole change.
        tx.touch(conv.id, now);
    }
    Ok(())
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
