//! Conversations and their people: create, read, list participants, Remove User, leave, make owner.

use convene_proto::policy::{may_leave, may_remove, Action, RemoveRefusal};
use convene_proto::{
    Conversation, ConversationId, ParticipantId, ParticipantRole, ParticipantState,
    ParticipantsView,
};

use convene_proto::audit::AuditKind;

use super::actor::{load_conversation, owner_count};
use super::audit::Entry;
use super::{links, load_for, record_change, record_event, rows, s, Ctx, Member, Need, Principal};
use crate::clock::now_ms;
use crate::error::Error;

/// Creates a conversation; the creator is its first owner, and it gets its Shareable Link.
pub async fn create(
    ctx: &Ctx,
    principal: &Principal,
    subject: &str,
) -> Result<Conversation, Error> {
    let (agent, _) = principal.require_agent()?;
    ctx.change(|tx| {
        Box::pin(async move {
            let id = ConversationId::new();
            let now = now_ms();
            sqlx::query(
                "INSERT INTO conversations (id, account_id, subject, status, created_by, created_at, updated_at) VALUES ($1, $2, $3, 'open', $4, $5, $6)",
            )
            .bind(s(id))
            .bind(s(principal.account_id()))
            .bind(subject)
            .bind(s(agent))
            .bind(now)
            .bind(now)
            .execute(&mut **tx)
            .await?;
            sqlx::query(
                "INSERT INTO participants (id, conversation_id, agent_id, role, state, via, created_at, updated_at)
                 VALUES ($1, $2, $3, 'owner', 'joined', 'created', $4, $5)",
            )
            .bind(s(ParticipantId::new()))
            .bind(s(id))
            .bind(s(agent))
            .bind(now)
            .bind(now)
            .execute(&mut **tx)
            .await?;
            links::create_link(tx, &ctx.secret, id).await?;
            let conv = load_for(tx, principal, id, Need::See).await?;
            record_event(
                tx,
                &conv,
                Entry::new(
                    AuditKind::ConversationCreated,
                    principal,
                    &format!("{} started the conversation", principal.name()),
                ),
            )
            .await?;
            record_change(tx, &conv, "conversation", None, Some(principal.member())).await?;
            rows::conversation(tx, id, Some(ParticipantRole::Owner)).await
        })
    })
    .await
}

/// The conversations the caller has joined, most recently updated first.
pub async fn mine(ctx: &Ctx, principal: &Principal) -> Result<Vec<Conversation>, Error> {
    let (agent, contact) = principal.columns();
    let mut conn = ctx.store.pool().acquire().await?;
    let ids: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.id, p.role FROM participants p JOIN conversations c ON c.id = p.conversation_id
         WHERE (p.agent_id = $1 OR p.contact_id = $2) AND p.state = 'joined' AND c.account_id = $3
         ORDER BY c.updated_at DESC, c.id DESC",
    )
    .bind(agent)
    .bind(contact)
    .bind(s(principal.account_id()))
    .fetch_all(&mut *conn)
    .await?;
    let mut list = Vec::with_capacity(ids.len());
    for (id, role) in ids {
        list.push(
            rows::conversation(&mut conn, rows::parse(&id)?, Some(rows::parse(&role)?)).await?,
        );
    }
    Ok(list)
}

/// One conversation as the caller sees it.
pub async fn get(
    ctx: &Ctx,
    principal: &Principal,
    id: ConversationId,
) -> Result<Conversation, Error> {
    let mut conn = ctx.store.pool().acquire().await?;
    let conv = load_conversation(&mut conn, principal, id).await?;
    rows::conversation(&mut conn, id, conv.joined_role()).await
}

/// The caller's row of the permission table for this conversation.
pub async fn permissions(
    ctx: &Ctx,
    principal: &Principal,
    id: ConversationId,
) -> Result<Vec<convene_proto::policy::Permission>, Error> {
    let mut conn = ctx.store.pool().acquire().await?;
    let conv = load_conversation(&mut conn, principal, id).await?;
    Ok(convene_proto::policy::permissions(&conv.actor))
}

/// Participants and pending invites.
pub async fn list(
    ctx: &Ctx,
    principal: &Principal,
    id: ConversationId,
) -> Result<ParticipantsView, Error> {
    let mut conn = ctx.store.pool().acquire().await?;
    load_conversation(&mut conn, principal, id).await?;
    Ok(ParticipantsView {
        participants: rows::participants(&mut conn, id).await?,
        invites: rows::pending_invites(&mut conn, id).await?,
    })
}

fn member_of(p: &convene_proto::Participant) -> Option<Member> {
    match (p.agent_id, p.contact_id) {
        (Some(a), _) => Some(Member::Agent(a)),
        (None, Some(c)) => Some(Member::Contact(c)),
        _ => None,
    }
}

/// Remove User: superadmins and owners; owners never remove another owner; nobody removes the last
/// owner. A pending invitee can be removed too (their invite is revoked).
pub async fn remove(
    ctx: &Ctx,
    principal: &Principal,
    id: ConversationId,
    target: ParticipantId,
) -> Result<(), Error> {
    ctx.change_in(principal, id, Need::To(Action::RemoveUser), |tx, conv| {
        Box::pin(async move {
            let person = rows::participant(tx, id, target)
                .await?
                .ok_or(Error::NotFound("participant"))?;
            if !matches!(
                person.state,
                ParticipantState::Joined | ParticipantState::Invited
            ) {
                return Err(Error::NotFound("participant"));
            }
            let owners = owner_count(tx, id).await?;
            may_remove(&conv.actor, person.role, owners).map_err(|refusal| match refusal {
                RemoveRefusal::NotAllowed => Error::Forbidden(format!(
                    "you may not remove people; allowed: {}",
                    Action::RemoveUser.who_may()
                )),
                RemoveRefusal::TargetIsOwner => {
                    Error::Forbidden("owners cannot remove another owner; ask a superadmin".to_owned())
                }
                RemoveRefusal::LastOwner => Error::Conflict {
                    field: None,
                    message: "this is the conversation's last owner; make someone else an owner first"
                        .to_owned(),
                },
            })?;
            let now = now_ms();
            sqlx::query("UPDATE participants SET state = 'removed', updated_at = $1 WHERE id = $2")
                .bind(now)
                .bind(s(target))
                .execute(&mut **tx)
                .await?;
            sqlx::query("UPDATE invites SET status = 'revoked', updated_at = $1 WHERE participant_id = $2 AND status = 'pending'")
                .bind(now)
                .bind(s(target))
                .execute(&mut **tx)
                .await?;
            record_event(
                tx,
                conv,
                Entry::new(
                    AuditKind::ParticipantRemoved,
                    principal,
                    &format!("{} removed {}", principal.name(), person.name),
                )
                .to_person(member_of(&person), &person.name),
            )
            .await?;
            record_change(tx, conv, "conversation", None, member_of(&person)).await?;
            Ok(())
        })
    })
    .await
}

/// Leave: joined agents and contacts; an owner only while another owner remains.
pub async fn leave(ctx: &Ctx, principal: &Principal, id: ConversationId) -> Result<(), Error> {
    ctx.change_in(principal, id, Need::See, |tx, conv| {
        Box::pin(async move {
            let owners = owner_count(tx, id).await?;
            if !may_leave(&conv.actor, owners) {
                return Err(
                    if convene_proto::policy::allowed(&conv.actor, Action::Leave) {
                        Error::Conflict {
                            field: None,
                            message:
                                "you are the last owner; make someone else an owner before leaving"
                                    .to_owned(),
                        }
                    } else {
                        Error::Forbidden("you are not a member of this conversation".to_owned())
                    },
                );
            }
            let me = conv.my_participant.ok_or(Error::NotFound("participant"))?;
            sqlx::query("UPDATE participants SET state = 'left', updated_at = $1 WHERE id = $2")
                .bind(now_ms())
                .bind(s(me))
                .execute(&mut **tx)
                .await?;
            record_event(
                tx,
                conv,
                Entry::new(
                    AuditKind::ParticipantLeft,
                    principal,
                    &format!("{} left", principal.name()),
                ),
            )
            .await?;
            let member = principal.member();
            record_change(tx, conv, "conversation", None, Some(member)).await?;
            Ok(())
        })
    })
    .await
}

/// Make a joined agent an owner too.
/// Close (`closed = true`) or reopen a conversation: owners, admins and superadmins. A closed
/// conversation reads as before but takes nothing new — no messages, invites or joins, its
/// Shareable Link and pending invites refuse to admit anyone — until it is reopened, when they
/// work again as they were. Closing a closed one (or reopening an open one) changes nothing.
pub async fn set_closed(
    ctx: &Ctx,
    principal: &Principal,
    id: ConversationId,
    closed: bool,
) -> Result<Conversation, Error> {
    ctx.change_in(
        principal,
        id,
        Need::To(Action::CloseConversation),
        |tx, conv| {
            Box::pin(async move {
                if conv.actor.closed != closed {
                    let now = now_ms();
                    sqlx::query("UPDATE conversations SET status = $1 WHERE id = $2")
                        .bind(if closed { "closed" } else { "open" })
                        .bind(s(id))
                        .execute(&mut **tx)
                        .await?;
                    let (kind, verb) = if closed {
                        (AuditKind::ConversationClosed, "closed")
                    } else {
                        (AuditKind::ConversationReopened, "reopened")
                    };
                    record_event(
                        tx,
                        conv,
                        Entry::new(
                            kind,
                            principal,
                            &format!("{} {verb} the conversation", principal.name()),
                        ),
                    )
                    .await?;
                    super::record_change_at(tx, conv, "conversation", None, None, now).await?;
                }
                rows::conversation(tx, id, conv.joined_role()).await
            })
        },
    )
    .await
}

pub async fn make_owner(
    ctx: &Ctx,
    principal: &Principal,
    id: ConversationId,
    target: ParticipantId,
) -> Result<convene_proto::Participant, Error> {
    ctx.change_in(principal, id, Need::To(Action::MakeOwner), |tx, conv| {
        Box::pin(async move {
            let person = rows::participant(tx, id, target)
                .await?
                .ok_or(Error::NotFound("participant"))?;
            if person.state != ParticipantState::Joined || person.agent_id.is_none() {
                return Err(Error::Conflict {
                    field: None,
                    message: "only a joined agent can be made an owner".to_owned(),
                });
            }
            if person.role != ParticipantRole::Owner {
                sqlx::query(
                    "UPDATE participants SET role = 'owner', updated_at = $1 WHERE id = $2",
                )
                .bind(now_ms())
                .bind(s(target))
                .execute(&mut **tx)
                .await?;
                record_event(
                    tx,
                    conv,
                    Entry::new(
                        AuditKind::OwnerAdded,
                        principal,
                        &format!("{} made {} an owner", principal.name(), person.name),
                    )
                    .to_person(member_of(&person), &person.name),
                )
                .await?;
                record_change(tx, conv, "conversation", None, None).await?;
            }
            rows::participant(tx, id, target)
                .await?
                .ok_or(Error::NotFound("participant"))
        })
    })
    .await
}
