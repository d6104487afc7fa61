//! Invites: Add Agent, Request Service, Add to Conversation (contacts), Resend, Revoke, and the
//! invitee's Join / Decline.

use convene_proto::audit::{AuditKind, AuditPartyKind, AuditVia};
use convene_proto::policy::Action;
use convene_proto::{
    AgentId, ContactInviteRequest, ConversationId, CrewId, Invite, InviteId, InviteOutcome,
    ParticipantId, ServiceRequest, ServiceRequestId,
};
use futures_util::future::BoxFuture;
use sqlx::{AnyConnection, Row};

use super::audit::{self, Entry};
use super::{
    load_held, record_change, record_event, rows, s, ConversationRow, Ctx, Hold, Member, Need,
    Principal,
};
use crate::clock::now_ms;
use crate::email;
use crate::error::Error;
use crate::secret::new_nonce;
use crate::tx::Tx;
use crate::validate;

/// At most one resend a minute per invite…
pub const RESEND_INTERVAL_MS: i64 = 60 * 1000;
/// …and at most this many resends a day.
pub const RESENDS_PER_DAY: i64 = 10;
pub use crate::secret::INVITE_TOKEN;

/// The invitee's existing participant row, if any: (id, state).
async fn existing(
    tx: &mut AnyConnection,
    conv: ConversationId,
    member: Member,
) -> Result<Option<(ParticipantId, String)>, Error> {
    let row = sqlx::query("SELECT id, state FROM participants WHERE conversation_id = $1 AND (agent_id = $2 OR contact_id = $3)")
        .bind(s(conv))
        .bind(member.agent())
        .bind(member.contact())
        .fetch_optional(&mut *tx)
        .await?;
    row.map(|r| Ok((rows::parse(r.get::<&str, _>(0))?, r.get::<String, _>(1))))
        .transpose()
}

async fn pending_invite_of(
    tx: &mut AnyConnection,
    participant: ParticipantId,
) -> Result<Option<InviteId>, Error> {
    let row =
        sqlx::query("SELECT id FROM invites WHERE participant_id = $1 AND status = 'pending'")
            .bind(s(participant))
            .fetch_optional(&mut *tx)
            .await?;
    row.map(|r| rows::parse(r.get::<&str, _>(0))).transpose()
}

/// Puts `member` in the conversation as `invited` (new row, or an old one that left or was
/// removed). Answers `Err(outcome)` when they are already joined or already invited.
async fn upsert_invited(
    tx: &mut AnyConnection,
    conv: &ConversationRow,
    member: Member,
    role: &str,
    via: &str,
    added_by: Option<String>,
) -> Result<Result<ParticipantId, InviteOutcome>, Error> {
    let now = now_ms();
    match existing(tx, conv.id, member).await? {
        Some((pid, state)) if state == "joined" => {
            let name = rows::participant(tx, conv.id, pid).await?.map(|p| p.name);
            Ok(Err(InviteOutcome::already_joined(name.as_deref())))
        }
        Some((pid, state)) if state == "invited" => match pending_invite_of(tx, pid).await? {
            Some(invite) => Ok(Err(InviteOutcome::already_invited(
                rows::invite(tx, invite).await?,
            ))),
            None => Ok(Ok(pid)),
        },
        Some((pid, state)) => {
            // Only from the state just read: an invite of the same person running side by side
            // (a shared hold) may have moved it; then this change runs again and sees that.
            let moved = sqlx::query("UPDATE participants SET state = 'invited', role = $1, via = $2, added_by = $3, updated_at = $4 WHERE id = $5 AND state = $6")
                .bind(role)
                .bind(via)
                .bind(added_by)
                .bind(now)
                .bind(s(pid))
                .bind(&state)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if moved != 1 {
                return Err(Error::Busy);
            }
            Ok(Ok(pid))
        }
        None => {
            let pid = ParticipantId::new();
            sqlx::query(
                "INSERT INTO participants (id, conversation_id, agent_id, contact_id, role, state, added_by, via, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, 'invited', $6, $7, $8, $9)",
            )
            .bind(s(pid))
            .bind(s(conv.id))
            .bind(member.agent())
            .bind(member.contact())
            .bind(role)
            .bind(added_by)
            .bind(via)
            .bind(now)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            Ok(Ok(pid))
        }
    }
}

fn principal_id(principal: &Principal) -> String {
    match principal {
        Principal::Agent { id, .. } => s(id),
        Principal::Contact { id, .. } => s(id),
    }
}

/// Inserts a pending agent invite for participant `pid`.
async fn insert_agent_invite(
    tx: &mut AnyConnection,
    conv: &ConversationRow,
    pid: ParticipantId,
    principal: &Principal,
    request: Option<ServiceRequestId>,
) -> Result<InviteId, Error> {
    let id = InviteId::new();
    let now = now_ms();
    let (by_agent, by_contact) = principal.columns();
    sqlx::query(
        "INSERT INTO invites (id, conversation_id, participant_id, kind, invited_by_agent, invited_by_contact,
                              service_request_id, status, send_count, last_sent_at, created_at, updated_at)
         VALUES ($1, $2, $3, 'agent', $4, $5, $6, 'pending', 1, $7, $8, $9)",
    )
    .bind(s(id))
    .bind(s(conv.id))
    .bind(s(pid))
    .bind(by_agent)
    .bind(by_contact)
    .bind(request.map(s))
    .bind(now)
    .bind(now)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(id)
}

async fn agent_name(
    tx: &mut AnyConnection,
    principal: &Principal,
    agent: AgentId,
) -> Result<String, Error> {
    let row = sqlx::query(
        "SELECT name FROM agents WHERE id = $1 AND account_id = $2 AND status = 'active'",
    )
    .bind(s(agent))
    .bind(s(principal.account_id()))
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(Error::NotFound("agent"))?;
    Ok(row.get(0))
}

/// Add Agent → Send invite.
pub async fn invite_agent(
    ctx: &Ctx,
    principal: &Principal,
    conversation: ConversationId,
    agent: AgentId,
) -> Result<InviteOutcome, Error> {
    ctx.change_in(
        principal,
        conversation,
        Need::To(Action::InviteAgents),
        |tx, conv| {
            Box::pin(async move {
                let name = agent_name(tx, principal, agent).await?;
                let pid = match upsert_invited(
                    tx,
                    conv,
                    Member::Agent(agent),
                    "agent",
                    "direct",
                    Some(principal_id(principal)),
                )
                .await?
                {
                    Ok(pid) => pid,
                    Err(outcome) => return Ok(outcome),
                };
                let id = insert_agent_invite(tx, conv, pid, principal, None).await?;
                record_event(
                    tx,
                    conv,
                    Entry::new(
                        AuditKind::AgentInvited,
                        principal,
                        &format!("{} invited {name}", principal.name()),
                    )
                    .to_person(Member::Agent(agent), &name),
                )
                .await?;
                record_change(tx, conv, "conversation", None, Some(Member::Agent(agent))).await?;
                let invite = rows::invite(tx, id).await?;
                Ok(InviteOutcome::invited(invite))
            })
        },
    )
    .await
}

/// Request Service: invites every active agent of the crew who is not already in or invited.
pub async fn request_service(
    ctx: &Ctx,
    principal: &Principal,
    conversation: ConversationId,
    crew: CrewId,
) -> Result<ServiceRequest, Error> {
    ctx.change_in(principal, conversation, Need::See, |tx, conv| {
        Box::pin(async move {
            let crew_row = sqlx::query(
                "SELECT name, customer_requestable FROM crews WHERE id = $1 AND account_id = $2 AND deleted_at IS NULL",
            )
            .bind(s(crew))
            .bind(s(conv.account_id))
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(Error::NotFound("crew"))?;
            let crew_name: String = crew_row.get(0);
            let customer_requestable = crew_row.get::<i64, _>(1) != 0;
            if !convene_proto::policy::may_request_crew(&conv.actor, customer_requestable) {
                conv.require(Action::InviteAgents)?;
            }
            let members: Vec<String> = sqlx::query_scalar(
                "SELECT a.id FROM crew_members m JOIN agents a ON a.id = m.agent_id
                 WHERE m.crew_id = $1 AND a.status = 'active' ORDER BY a.name",
            )
            .bind(s(crew))
            .fetch_all(&mut **tx)
            .await?;
            let request = ServiceRequestId::new();
            let (by_agent, by_contact) = principal.columns();
            sqlx::query(
                "INSERT INTO service_requests (id, conversation_id, crew_id, requested_by_agent, requested_by_contact, notified, status, created_at)
                 VALUES ($1, $2, $3, $4, $5, 0, 'open', $6)",
            )
            .bind(s(request))
            .bind(s(conv.id))
            .bind(s(crew))
            .bind(by_agent)
            .bind(by_contact)
            .bind(now_ms())
            .execute(&mut **tx)
            .await?;
            let mut notified = 0i64;
            for agent in members {
                let agent: AgentId = rows::parse(&agent)?;
                if let Ok(pid) = upsert_invited(
                    tx,
                    conv,
                    Member::Agent(agent),
                    "agent",
                    "crew_request",
                    Some(principal_id(principal)),
                )
                .await?
                {
                    insert_agent_invite(tx, conv, pid, principal, Some(request)).await?;
                    // Each invitee's own row in the feed, so their realtime stream learns of it.
                    record_change(
                        tx,
                        conv,
                        "conversation",
                        None,
                        Some(Member::Agent(agent)),
                    )
                    .await?;
                    notified += 1;
                }
            }
            if notified == 0 {
                return Err(Error::invalid(
                    "crew_id",
                    format!("{crew_name} has no active agents left to invite: they are all in the conversation or already invited"),
                ));
            }
            sqlx::query("UPDATE service_requests SET notified = $1 WHERE id = $2")
                .bind(notified)
                .bind(s(request))
                .execute(&mut **tx)
                .await?;
            let people = if notified == 1 {
                "1 agent".to_owned()
            } else {
                format!("{notified} agents")
            };
            record_event(
                tx,
                conv,
                Entry::new(
                    AuditKind::ServiceRequested,
                    principal,
                    &format!(
                        "{} requested service from {crew_name} ({people} notified)",
                        principal.name()
                    ),
                )
                .to(audit::target(AuditPartyKind::Crew, crew, &crew_name)),
            )
            .await?;
            record_change(tx, conv, "conversation", None, None).await?;
            let created = rows::service_requests(tx, conv.id)
                .await?
                .into_iter()
                .find(|r| r.id == request)
                .ok_or_else(|| Error::Internal(anyhow::anyhow!("service request vanished")))?;
            Ok(created)
        })
    })
    .await
}

/// The contact an invite goes to.
struct Invitee {
    id: convene_proto::ContactId,
    name: String,
    email: String,
    /// The account had no contact with this address: the invite emails a new address.
    fresh: bool,
}

/// Finds the contact by id, or by email (creating it), in the caller's account.
async fn resolve_contact(
    tx: &mut AnyConnection,
    principal: &Principal,
    req: &ContactInviteRequest,
) -> Result<Invitee, Error> {
    let account = s(principal.account_id());
    if let Some(id) = req.contact_id {
        let row = sqlx::query(
            "SELECT name, email FROM contacts WHERE id = $1 AND account_id = $2 AND guest = 0",
        )
        .bind(s(id))
        .bind(&account)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(Error::NotFound("contact"))?;
        return Ok(Invitee {
            id,
            name: row.get(0),
            email: row.get(1),
            fresh: false,
        });
    }
    let raw = req.email.as_deref().ok_or_else(|| {
        Error::invalid(
            "email",
            "email is required (or contact_id for a known contact)",
        )
    })?;
    let email = validate::email("email", raw)?;
    let name = match req.name.as_deref() {
        Some(n) => Some(validate::text("name", n, validate::MAX_NAME)?),
        None => None,
    };
    if let Some(row) = sqlx::query(
        "SELECT id, name FROM contacts WHERE account_id = $1 AND email = $2 AND guest = 0",
    )
    .bind(&account)
    .bind(&email)
    .fetch_optional(&mut *tx)
    .await?
    {
        return Ok(Invitee {
            id: rows::parse(row.get::<&str, _>(0))?,
            name: row.get(1),
            email,
            fresh: false,
        });
    }
    let name = name.unwrap_or_else(|| email.split('@').next().unwrap_or(&email).to_owned());
    // Another conversation's invite may create the same contact at this moment (the lock is per
    // conversation): the insert yields to the unique index, and both get the one contact.
    let id = crate::store::ensure_contact(tx, principal.account_id(), &email, &name).await?;
    let name: String = sqlx::query_scalar("SELECT name FROM contacts WHERE id = $1")
        .bind(s(id))
        .fetch_one(&mut *tx)
        .await?;
    Ok(Invitee {
        id,
        name,
        email,
        fresh: true,
    })
}

/// The daily caps on invites to new addresses that apply to `principal`: an agent's use the
/// team's; a contact's use the customers' (never the team's) and their own.
fn new_address_caps(
    limits: &crate::ratelimit::Limits,
    principal: &Principal,
) -> Vec<(crate::ratelimit::Limit, String)> {
    let account = principal.account_id();
    match principal {
        Principal::Agent { .. } => vec![(limits.new_addresses, format!("new-addresses:{account}"))],
        Principal::Contact { .. } => vec![
            (
                limits.new_addresses_by_contacts,
                format!("new-addresses-contacts:{account}"),
            ),
            (
                limits.new_addresses_by_contact,
                format!("new-addresses:{}", principal.key()),
            ),
        ],
    }
}

/// Whether `req` names an address that has no contact in the account yet (read before the
/// change, to take the caps' places; the change itself says for sure).
async fn looks_new(
    ctx: &Ctx,
    principal: &Principal,
    req: &ContactInviteRequest,
) -> Result<bool, Error> {
    let Some(raw) = req.email.as_deref().filter(|_| req.contact_id.is_none()) else {
        return Ok(false);
    };
    let Ok(email) = validate::email("email", raw) else {
        return Ok(false);
    };
    let known: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM contacts WHERE account_id = $1 AND email = $2 AND guest = 0",
    )
    .bind(s(principal.account_id()))
    .bind(&email)
    .fetch_optional(ctx.store.pool())
    .await?;
    Ok(known.is_none())
}

/// Add to Conversation: invite a contact by email (creating them) or a known contact; the email
/// with the join link is queued in the same transaction. An invite to an address new to the
/// account takes a place in its daily caps (`limits`) first, given back when the change fails or
/// the address was known after all; no cap grants more than its bound, however many race.
pub async fn invite_contact(
    ctx: &Ctx,
    limits: &crate::ratelimit::Limits,
    principal: &Principal,
    conversation: ConversationId,
    req: ContactInviteRequest,
) -> Result<InviteOutcome, Error> {
    let req = &req;
    let caps = new_address_caps(limits, principal);
    // A contact whose own cap is used up is refused any invite by email, known address or not,
    // so the refusal never tells which addresses are the account's customers.
    if let (Principal::Contact { .. }, Some((limit, bucket)), None) =
        (principal, caps.last(), req.contact_id)
    {
        crate::ratelimit::check_room(&ctx.store, *limit, bucket).await?;
    }
    let mut taken = Vec::new();
    if looks_new(ctx, principal, req).await? {
        for (limit, bucket) in &caps {
            if let Err(e) = crate::ratelimit::reserve(&ctx.store, *limit, bucket).await {
                for (limit, bucket) in taken {
                    crate::ratelimit::release(&ctx.store, limit, bucket).await;
                }
                return Err(e);
            }
            taken.push((*limit, bucket.as_str()));
        }
    }
    let changed = ctx.change_in(principal, conversation, Need::To(Action::InviteContact), |tx, conv| {
        Box::pin(async move {
            let invitee = resolve_contact(tx, principal, req).await?;
            let Invitee { id: contact, name, email: email_address, fresh } = invitee;
            // Someone an owner removed comes back only when an agent invites them, not a customer.
            if matches!(principal, Principal::Contact { .. })
                && super::join::removed_here(tx, conv.id, &s(conv.account_id), &email_address).await?
            {
                return Err(Error::Forbidden(format!(
                    "{name} was removed from this conversation; only an agent can invite them back"
                )));
            }
            let pid = match upsert_invited(
                tx,
                conv,
                Member::Contact(contact),
                "contact",
                "email_invite",
                Some(principal_id(principal)),
            )
            .await?
            {
                Ok(pid) => pid,
                Err(outcome) => return Ok((outcome, false)),
            };
            let id = InviteId::new();
            let nonce = new_nonce();
            let token = ctx.secret.derive(INVITE_TOKEN, &s(id), &nonce);
            let now = now_ms();
            let expires = now + conv.invite_ttl_ms;
            let (by_agent, by_contact) = principal.columns();
            sqlx::query(
                "INSERT INTO invites (id, conversation_id, participant_id, kind, invited_by_agent, invited_by_contact, status,
                                      token_hash, token_nonce, expires_at, delivery, send_count, last_sent_at, created_at, updated_at)
                 VALUES ($1, $2, $3, 'contact', $4, $5, 'pending', $6, $7, $8, 'queued', 1, $9, $10, $11)",
            )
            .bind(s(id))
            .bind(s(conv.id))
            .bind(s(pid))
            .bind(by_agent)
            .bind(by_contact)
            .bind(crate::auth::hash_token(&token))
            .bind(&nonce)
            .bind(expires)
            .bind(now)
            .bind(now)
            .bind(now)
            .execute(&mut **tx)
            .await?;
            email::enqueue_invite(
                tx,
                id,
                &email::InviteEmail {
                    to_name: &name,
                    to_address: &email_address,
                    inviter: principal.name(),
                    subject: &conv.subject,
                    expires_at: expires,
                    resent: false,
                },
            )
            .await?;
            record_event(
                tx,
                conv,
                Entry::new(
                    AuditKind::ContactInvited,
                    principal,
                    &format!("{} invited {email_address}", principal.name()),
                )
                .to_person(Member::Contact(contact), &name),
            )
            .await?;
            record_change(tx, conv, "conversation", None, None).await?;
            let invite = rows::invite(tx, id).await?;
            Ok((
                InviteOutcome::invited(invite),
                fresh,
            ))
        })
    })
    .await;
    let fresh = matches!(changed, Ok((_, true)));
    if taken.is_empty() && fresh {
        // New after all (it was not when read): counted, since its place was not taken.
        for (limit, bucket) in &caps {
            if let Err(e) = crate::ratelimit::count(&ctx.store, *limit, bucket).await {
                tracing::warn!(error = %e, bucket, "could not count an invite to a new address");
            }
        }
    } else if !fresh {
        for (limit, bucket) in taken {
            crate::ratelimit::release(&ctx.store, limit, bucket).await;
        }
    }
    changed.map(|(outcome, _)| outcome)
}

/// A change to invite `id` by `principal`: in one transaction (see [`crate::tx::write`]), takes
/// its conversation's lock, checks `need`, reads the invite again under the lock (so its status is
/// what the last change left), and runs `change` with both. 404 "invite" when either is hidden.
async fn change_invite<'a, T, F>(
    ctx: &'a Ctx,
    principal: &'a Principal,
    id: InviteId,
    need: Need,
    change: F,
) -> Result<T, Error>
where
    T: Send,
    F: for<'t> Fn(&'t mut Tx<'a>, &'t (ConversationRow, Invite)) -> BoxFuture<'t, Result<T, Error>>
        + Send
        + Sync,
{
    // An invite never moves to another conversation or request, so this read needs no lock.
    let found =
        sqlx::query("SELECT conversation_id, service_request_id FROM invites WHERE id = $1")
            .bind(s(id))
            .fetch_optional(ctx.store.pool())
            .await?
            .ok_or(Error::NotFound("invite"))?;
    let conversation: ConversationId = rows::parse(found.get::<&str, _>(0))?;
    // Answering a direct invite touches only that invite and its person: it shares the
    // conversation (the invite's own row lock orders two answers to it). Answering a crew's
    // invite may fulfil the request and end the others' invites: that takes turns.
    let crew = found.get::<Option<&str>, _>(1).is_some();
    let hold = match need {
        Need::Account if !crew => Hold::Shared,
        _ => need.hold(),
    };
    crate::tx::write(
        &ctx.store,
        Some(&ctx.announcer),
        move |tx| {
            Box::pin(async move {
                let conv = load_held(tx, principal, conversation, need, hold)
                    .await
                    .map_err(|e| match e {
                        Error::NotFound(_) => Error::NotFound("invite"),
                        other => other,
                    })?;
                if tx.backend_name() == "PostgreSQL" {
                    sqlx::query("SELECT 1 FROM invites WHERE id = $1 FOR UPDATE")
                        .bind(s(id))
                        .fetch_optional(&mut **tx)
                        .await?;
                }
                let invite = rows::invite(tx, id)
                    .await?
                    .ok_or(Error::NotFound("invite"))?;
                Ok((conv, invite))
            })
        },
        change,
    )
    .await
}

fn require_pending(invite: &Invite) -> Result<(), Error> {
    if invite.status == convene_proto::InviteStatus::Pending {
        Ok(())
    } else {
        Err(Error::Conflict {
            field: None,
            message: format!("this invite is no longer pending: it was {}", invite.status),
        })
    }
}

/// Resend Invite: the same link again, its expiry restarted, counted; at most once a minute (the
/// server's `resend_interval_ms`) and ten times a day.
pub async fn resend(ctx: &Ctx, principal: &Principal, id: InviteId) -> Result<Invite, Error> {
    change_invite(ctx, principal, id, Need::To(Action::ResendInvite), |tx, found| {
        Box::pin(async move {
            let (conv, invite) = (&found.0, &found.1);
            require_pending(invite)?;
            let now = now_ms();
            let sends: Vec<i64> = sqlx::query_scalar(
                "SELECT sent_at FROM invite_sends WHERE invite_id = $1 AND sent_at > $2 ORDER BY sent_at",
            )
            .bind(s(id))
            .bind(now - 24 * 3600 * 1000)
            .fetch_all(&mut **tx)
            .await?;
            if let Some(last) = sends.last() {
                let interval = ctx.resend_interval_ms;
                if now - last < interval {
                    let wait = ((interval - (now - last) + 999) / 1000).max(1);
                    return Err(Error::RateLimited {
                        retry_after_secs: u64::try_from(wait).unwrap_or(60),
                        message: format!(
                            "this invite was resent less than a minute ago; try again in {wait} s"
                        ),
                    });
                }
            }
            if i64::try_from(sends.len()).unwrap_or(i64::MAX) >= RESENDS_PER_DAY {
                let oldest = sends.first().copied().unwrap_or(now);
                let wait = ((oldest + 24 * 3600 * 1000 - now + 999) / 1000).max(1);
                return Err(Error::RateLimited {
                    retry_after_secs: u64::try_from(wait).unwrap_or(3600),
                    message: format!("this invite was already resent {RESENDS_PER_DAY} times today"),
                });
            }
            sqlx::query("INSERT INTO invite_sends (invite_id, sent_at) VALUES ($1, $2)")
                .bind(s(id))
                .bind(now)
                .execute(&mut **tx)
                .await?;
            let contact = invite.kind == convene_proto::InviteeKind::Contact;
            let expires = contact.then_some(now + conv.invite_ttl_ms);
            sqlx::query(
                "UPDATE invites SET send_count = send_count + 1, last_sent_at = $1, expires_at = COALESCE($2, expires_at),
                        delivery = CASE WHEN kind = 'contact' THEN 'queued' ELSE delivery END, delivery_error = NULL, updated_at = $3
                 WHERE id = $4",
            )
            .bind(now)
            .bind(expires)
            .bind(now)
            .bind(s(id))
            .execute(&mut **tx)
            .await?;
            if let Some(expires_at) = expires {
                email::enqueue_invite(
                    tx,
                    id,
                    &email::InviteEmail {
                        to_name: &invite.invitee_name,
                        to_address: &invite.invitee_email,
                        inviter: principal.name(),
                        subject: &conv.subject,
                        expires_at,
                        resent: true,
                    },
                )
                .await?;
            }
            let to = addressee(invite);
            record_event(
                tx,
                conv,
                Entry::new(
                    AuditKind::InviteResent,
                    principal,
                    &format!("{} resent the invite to {to}", principal.name()),
                )
                .to_person(invitee(invite), &invite.invitee_name),
            )
            .await?;
            record_change(tx, conv, "conversation", None, None).await?;
            let updated = rows::invite(tx, id)
                .await?
                .ok_or(Error::NotFound("invite"))?;
            Ok(updated)
        })
    })
    .await
}

/// Ends a pending invite with `status`, and the invitee's `invited` participation with `state`.
/// Ends every pending invite whose time is up, each in its own change with its timeline event
/// (the server's sweep, `crate::server`), so an invite expires on time whether or not anyone
/// tries its link. Answers how many ended. Safe on several instances at once: each invite is read
/// again under its conversation's lock and ends once.
pub async fn expire_due(ctx: &Ctx) -> Result<usize, Error> {
    let due: Vec<(String, String)> = sqlx::query_as(
        "SELECT id, conversation_id FROM invites
         WHERE status = 'pending' AND expires_at IS NOT NULL AND expires_at <= $1
         ORDER BY expires_at LIMIT 200",
    )
    .bind(now_ms())
    .fetch_all(ctx.store.pool())
    .await?;
    let mut ended = 0;
    for (id, conversation) in due {
        let id: InviteId = rows::parse(&id)?;
        let conversation: ConversationId = rows::parse(&conversation)?;
        let done = ctx
            .change(move |tx| {
                Box::pin(async move {
                    super::actor::lock_conversation(tx, conversation).await?;
                    let Some(invite) = rows::invite(tx, id).await? else {
                        return Ok(false);
                    };
                    let due = invite.status == convene_proto::InviteStatus::Pending
                        && invite
                            .expires_at
                            .is_some_and(|e| e <= time::OffsetDateTime::now_utc());
                    if !due {
                        return Ok(false);
                    }
                    expire(tx, &invite).await?;
                    Ok(true)
                })
            })
            .await?;
        ended += usize::from(done);
    }
    Ok(ended)
}

/// Ends a pending invite whose time is up, with its event (the sweep, or a redemption that
/// finds it out of time first).
pub async fn expire(tx: &mut Tx<'_>, invite: &Invite) -> Result<(), Error> {
    end_invite(tx, invite, "expired", "left").await?;
    let conv = super::actor::system_row(tx, invite.conversation_id).await?;
    record_event(
        tx,
        &conv,
        Entry::new(
            AuditKind::InviteExpired,
            audit::By::Server,
            &format!("The invite to {} expired", addressee(invite)),
        )
        .to_person(invitee(invite), &invite.invitee_name)
        .via(Some(AuditVia::System)),
    )
    .await?;
    record_change(tx, &conv, "conversation", None, invitee(invite)).await?;
    Ok(())
}

async fn end_invite(
    tx: &mut AnyConnection,
    invite: &Invite,
    status: &str,
    state: &str,
) -> Result<(), Error> {
    let now = now_ms();
    sqlx::query("UPDATE invites SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(status)
        .bind(now)
        .bind(s(invite.id))
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE participants SET state = $1, updated_at = $2 WHERE id = $3 AND state = 'invited'",
    )
    .bind(state)
    .bind(now)
    .bind(s(invite.participant_id))
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// How the timeline names an invite's person: a contact by the address it went to, a
/// colleague by name.
fn addressee(invite: &Invite) -> String {
    match invite.kind {
        convene_proto::InviteeKind::Contact => invite.invitee_email.clone(),
        convene_proto::InviteeKind::Agent => invite.invitee_name.clone(),
    }
}

fn invitee(invite: &Invite) -> Option<Member> {
    match (invite.agent_id, invite.contact_id) {
        (Some(a), _) => Some(Member::Agent(a)),
        (None, Some(c)) => Some(Member::Contact(c)),
        (None, None) => None,
    }
}

/// Revoke a pending invite: owners, admins and superadmins any; others only their own.
pub async fn revoke(ctx: &Ctx, principal: &Principal, id: InviteId) -> Result<Invite, Error> {
    change_invite(ctx, principal, id, Need::See, |tx, found| {
        Box::pin(async move {
            let (conv, invite) = (&found.0, &found.1);
            let own = principal.member().sent(invite);
            if !convene_proto::policy::may_revoke(&conv.actor, own) {
                conv.require(Action::RevokeAnyInvite)?;
            }
            require_pending(invite)?;
            end_invite(tx, invite, "revoked", "removed").await?;
            record_event(
                tx,
                conv,
                Entry::new(
                    AuditKind::InviteRevoked,
                    principal,
                    &format!(
                        "{} revoked the invite to {}",
                        principal.name(),
                        invite.invitee_name
                    ),
                )
                .to_person(invitee(invite), &invite.invitee_name),
            )
            .await?;
            record_change(tx, conv, "conversation", None, invitee(invite)).await?;
            let updated = rows::invite(tx, id)
                .await?
                .ok_or(Error::NotFound("invite"))?;
            Ok(updated)
        })
    })
    .await
}

/// Revokes, inside `tx`, every pending invite addressed to `agent` (who is being suspended), each
/// with its timeline event and feed row, as `principal` (an admin: they see every conversation).
pub(crate) async fn revoke_all_to_agent(
    tx: &mut Tx<'_>,
    principal: &Principal,
    agent: AgentId,
    name: &str,
) -> Result<usize, Error> {
    let pending: Vec<(String, String)> = sqlx::query_as(
        "SELECT i.id, i.conversation_id FROM invites i JOIN participants p ON p.id = i.participant_id
         WHERE p.agent_id = $1 AND i.status = 'pending' ORDER BY i.conversation_id",
    )
    .bind(s(agent))
    .fetch_all(&mut **tx)
    .await?;
    for (id, conversation) in &pending {
        let conv = load_held(
            tx,
            principal,
            rows::parse(conversation)?,
            Need::See,
            Hold::Exclusive,
        )
        .await?;
        let Some(invite) = rows::invite(tx, rows::parse(id)?).await? else {
            continue;
        };
        end_invite(tx, &invite, "revoked", "removed").await?;
        record_event(
            tx,
            &conv,
            Entry::new(
                AuditKind::InviteRevoked,
                principal,
                &format!(
                    "{} revoked the invite to {name}: their account was suspended",
                    principal.name()
                ),
            )
            .to_person(Member::Agent(agent), name),
        )
        .await?;
        record_change(tx, &conv, "conversation", None, invitee(&invite)).await?;
    }
    Ok(pending.len())
}

/// Join or Decline, by the invitee. Joining fulfils an open service request and supersedes the
/// other invites it made.
pub async fn answer(
    ctx: &Ctx,
    principal: &Principal,
    id: InviteId,
    accept: bool,
) -> Result<Invite, Error> {
    // The invitee may act on their own invite even when it no longer lets them see the
    // conversation (superseded, revoked): they get a clear 409 rather than a 404.
    change_invite(ctx, principal, id, Need::Account, |tx, found| {
        Box::pin(async move {
            let (conv, invite) = (&found.0, &found.1);
            if conv.my_participant != Some(invite.participant_id) {
                return Err(Error::NotFound("invite"));
            }
            require_pending(invite)?;
            accept_or_decline(tx, conv, invite, principal, None, accept).await?;
            rows::invite(tx, id).await?.ok_or(Error::NotFound("invite"))
        })
    })
    .await
}

/// The shared part of answering an invite (also used when a contact redeems an email link).
pub async fn accept_or_decline(
    tx: &mut Tx<'_>,
    conv: &ConversationRow,
    invite: &Invite,
    by: &Principal,
    via: Option<AuditVia>,
    accept: bool,
) -> Result<(), Error> {
    let now = now_ms();
    let who = by.name();

    if !accept {
        end_invite(tx, invite, "declined", "left").await?;
        record_event(
            tx,
            conv,
            Entry::new(
                AuditKind::InviteDeclined,
                by,
                &format!("{who} declined the invite"),
            )
            .via(via),
        )
        .await?;
        record_change(tx, conv, "conversation", None, invitee(invite)).await?;
        return Ok(());
    }
    if conv.actor.closed {
        // Declining still works; joining waits until the conversation is reopened.
        return Err(Error::Conflict {
            field: None,
            message: convene_proto::policy::CLOSED.to_owned(),
        });
    }
    sqlx::query("UPDATE invites SET status = 'accepted', updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(s(invite.id))
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE participants SET state = 'joined', updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(s(invite.participant_id))
        .execute(&mut **tx)
        .await?;
    record_event(
        tx,
        conv,
        Entry::new(AuditKind::ParticipantJoined, by, &format!("{who} joined")).via(via),
    )
    .await?;
    if let Some(request) = invite.service_request_id {
        let fulfilled = sqlx::query(
            "UPDATE service_requests SET status = 'fulfilled', fulfilled_by = $1, fulfilled_at = $2 WHERE id = $3 AND status = 'open'",
        )
        .bind(invite.agent_id.map(s))
        .bind(now)
        .bind(s(request))
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if fulfilled == 1 {
            let others = sqlx::query_scalar::<_, String>(
                "SELECT id FROM invites WHERE service_request_id = $1 AND status = 'pending' AND id <> $2",
            )
            .bind(s(request))
            .bind(s(invite.id))
            .fetch_all(&mut **tx)
            .await?;
            for other in others {
                let other: InviteId = rows::parse(&other)?;
                if let Some(o) = rows::invite(tx, other).await? {
                    end_invite(tx, &o, "superseded", "left").await?;
                    record_event(
                        tx,
                        conv,
                        Entry::new(
                            AuditKind::InviteSuperseded,
                            by,
                            &format!(
                                "The invite to {} ended: {who} answered the request",
                                addressee(&o)
                            ),
                        )
                        .to_person(invitee(&o), &o.invitee_name)
                        .via(via),
                    )
                    .await?;
                    record_change(tx, conv, "conversation", None, invitee(&o)).await?;
                }
            }
            let (crew_id, crew): (String, String) = sqlx::query_as("SELECT cr.id, cr.name FROM service_requests s JOIN crews cr ON cr.id = s.crew_id WHERE s.id = $1")
                .bind(s(request))
                .fetch_one(&mut **tx)
                .await?;
            record_event(
                tx,
                conv,
                Entry::new(
                    AuditKind::ServiceRequestFulfilled,
                    by,
                    &format!("{who} answered the request to {crew}"),
                )
                .via(via)
                .to(audit::target(AuditPartyKind::Crew, crew_id, &crew)),
            )
            .await?;
        }
    }
    record_change(tx, conv, "conversation", None, None).await?;
    Ok(())
}
