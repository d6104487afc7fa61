//! Loading a conversation together with the caller's place in it, so every action checks the
//! permission table against the same facts, inside its own transaction.

use convene_proto::policy::{allowed, Action, Actor, Participation};
use convene_proto::{AccountId, ConversationId, ParticipantId, ParticipantRole, ParticipantState};
use sqlx::{AnyConnection, Row};

use super::rows::parse;
use super::Principal;
use crate::error::Error;
use crate::principal::Place;

/// The facts about a conversation that actions need.
#[derive(Clone, Debug)]
pub struct ConversationRow {
    pub id: ConversationId,
    pub account_id: AccountId,
    pub subject: String,
    /// The caller, relative to it.
    pub actor: Actor,
    /// The caller's participant row, if any.
    pub my_participant: Option<ParticipantId>,
    /// How long an email invite to it lasts (the account's setting), in milliseconds.
    pub invite_ttl_ms: i64,
}

impl ConversationRow {
    /// The caller's role in the conversation while they are joined.
    pub fn joined_role(&self) -> Option<ParticipantRole> {
        self.actor
            .participation
            .filter(|p| p.state == ParticipantState::Joined)
            .map(|p| p.role)
    }

    /// 403 with the rule in words unless the caller may do `action`; 409 when only the
    /// conversation being closed stands in the way.
    pub fn require(&self, action: Action) -> Result<(), Error> {
        if allowed(&self.actor, action) {
            Ok(())
        } else if self.actor.closed && action.needs_open() {
            // 409, not 403: the caller may do it once the conversation is open again.
            Err(Error::Conflict {
                field: None,
                message: convene_proto::policy::reason(&self.actor, action),
            })
        } else {
            Err(Error::Forbidden(format!(
                "you may not do this here; allowed: {}",
                action.who_may()
            )))
        }
    }
}

/// A conversation as the server itself acts on it (an invite's expiry): nobody's place in it.
pub async fn system_row(
    tx: &mut AnyConnection,
    id: ConversationId,
) -> Result<ConversationRow, Error> {
    let row = sqlx::query("SELECT account_id, subject, status FROM conversations WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(Error::NotFound("conversation"))?;
    Ok(ConversationRow {
        id,
        account_id: parse(row.get::<&str, _>(0))?,
        subject: row.get(1),
        actor: Actor {
            account_role: None,
            participation: None,
            pending_invite: false,
            contacts_may_invite: false,
            guest: false,
            closed: row.get::<&str, _>(2) == "closed",
        },
        my_participant: None,
        invite_ttl_ms: 0,
    })
}

/// How a change holds its conversation for the rest of its transaction (PostgreSQL; SQLite's
/// writers take turns anyway).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hold {
    /// `FOR KEY SHARE`: changes that only add rows of their own (a message, an invite of one
    /// person, the answer to one invite) run side by side; what they could collide on, the
    /// database's unique indexes and the invite's own row lock settle.
    Shared,
    /// `FOR UPDATE`: changes whose rule counts or checks the conversation's rows (owners left,
    /// link uses, an open crew request, resends) take turns with every other change to it.
    Exclusive,
}

/// Takes the conversation's row lock for the rest of the write transaction. Every membership
/// rule counts or checks rows of one conversation (link uses, owners left, pending invites, an
/// open service request, resends); with the lock, two changes to one conversation take turns, and
/// each check sees what the one before committed — on PostgreSQL's READ COMMITTED as on SQLite,
/// whose writers take turns anyway (`BEGIN IMMEDIATE`), and across server instances.
pub async fn lock_conversation(tx: &mut AnyConnection, id: ConversationId) -> Result<(), Error> {
    if tx.backend_name() == "PostgreSQL" {
        sqlx::query("SELECT 1 FROM conversations WHERE id = $1 FOR UPDATE")
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
    }
    Ok(())
}

/// [`load_conversation`] for a change: holds the conversation as it reads it.
pub async fn load_for_change(
    tx: &mut AnyConnection,
    principal: &Principal,
    id: ConversationId,
    hold: Hold,
) -> Result<ConversationRow, Error> {
    let conv = read_actor(tx, principal, id, Some(hold)).await?;
    if !allowed(&conv.actor, Action::See) {
        return Err(Error::NotFound("conversation"));
    }
    Ok(conv)
}

/// [`actor_in`] for a change: holds the conversation as it reads it.
pub async fn actor_for_change(
    tx: &mut AnyConnection,
    principal: &Principal,
    id: ConversationId,
    hold: Hold,
) -> Result<ConversationRow, Error> {
    read_actor(tx, principal, id, Some(hold)).await
}

/// Loads conversation `id` as `principal` sees it; 404 when it is in another account or the
/// caller may not see it.
pub async fn load_conversation(
    tx: &mut AnyConnection,
    principal: &Principal,
    id: ConversationId,
) -> Result<ConversationRow, Error> {
    let conv = actor_in(tx, principal, id).await?;
    if !allowed(&conv.actor, Action::See) {
        return Err(Error::NotFound("conversation"));
    }
    Ok(conv)
}

/// Loads conversation `id` of the caller's account with the caller's place in it, whether or not
/// they may see it (for acting on an invite addressed to them). 404 only for other accounts.
pub async fn actor_in(
    tx: &mut AnyConnection,
    principal: &Principal,
    id: ConversationId,
) -> Result<ConversationRow, Error> {
    read_actor(tx, principal, id, None).await
}

/// The conversation and the caller's place in it, in one query; with `hold`, the first takes
/// the conversation's row lock that way (PostgreSQL; SQLite's writers take turns anyway).
async fn read_actor(
    tx: &mut AnyConnection,
    principal: &Principal,
    id: ConversationId,
    hold: Option<Hold>,
) -> Result<ConversationRow, Error> {
    let hold = hold.filter(|_| tx.backend_name() == "PostgreSQL");
    let lock = match hold {
        Some(Hold::Exclusive) => " FOR UPDATE OF c",
        Some(Hold::Shared) => " FOR KEY SHARE OF c",
        None => "",
    };
    // The conversation, the account's setting and the caller's participant row in one query.
    let sql = format!(
        "SELECT c.subject, a.contacts_may_invite, p.id, p.role, p.state,
                CASE WHEN p.id IS NOT NULL AND EXISTS (
                    SELECT 1 FROM invites i WHERE i.participant_id = p.id AND i.status = 'pending')
                THEN 1 ELSE 0 END,
                a.invite_ttl_days, c.status
         FROM conversations c JOIN accounts a ON a.id = c.account_id
         LEFT JOIN participants p ON p.conversation_id = c.id AND (p.agent_id = $3 OR p.contact_id = $4)
         WHERE c.id = $1 AND c.account_id = $2{lock}"
    );
    let member = principal.member();
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.to_string())
        .bind(principal.account_id().to_string())
        .bind(member.agent())
        .bind(member.contact())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(Error::NotFound("conversation"))?;
    let subject: String = row.get(0);
    let contacts_may_invite = row.get::<i64, _>(1) != 0;
    let (my_participant, participation, pending_invite) = match row.get::<Option<&str>, _>(2) {
        Some(pid) => (
            Some(parse::<ParticipantId>(pid)?),
            Some(Participation {
                role: parse::<ParticipantRole>(row.get::<&str, _>(3))?,
                state: parse::<ParticipantState>(row.get::<&str, _>(4))?,
            }),
            row.get::<i64, _>(5) != 0,
        ),
        None => (None, None, false),
    };
    let actor = principal.actor(Place {
        participation,
        pending_invite,
        contacts_may_invite,
        closed: row.get::<&str, _>(7) == "closed",
    });
    Ok(ConversationRow {
        id,
        account_id: principal.account_id(),
        subject,
        actor,
        my_participant,
        invite_ttl_ms: super::settings::ttl_ms(row.get::<Option<i64>, _>(6)),
    })
}

/// Counts the joined owners of a conversation.
pub async fn owner_count(tx: &mut AnyConnection, id: ConversationId) -> Result<usize, Error> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM participants WHERE conversation_id = $1 AND role = 'owner' AND state = 'joined'",
    )
    .bind(id.to_string())
    .fetch_one(&mut *tx)
    .await
    ?;
    Ok(usize::try_from(n).unwrap_or(0))
}
