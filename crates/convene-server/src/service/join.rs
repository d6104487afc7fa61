//! Redeeming join tokens: an email invite's link or a conversation's Shareable Link becomes a
//! contact session. Looking at a token (the join page) changes nothing; only `redeem` does.

use convene_proto::{
    ContactId, ConversationId, InviteId, JoinRequest, JoinResponse, ParticipantId,
};
use sqlx::{AnyConnection, Row};

use convene_proto::audit::{AuditKind, AuditVia};

use super::actor::{load_conversation, lock_conversation};
use super::audit::Entry;
use super::signin::{self, contact_principal};
use super::{
    invites, load_for, record_change, record_event, rows, s, Ctx, Member, Need, Principal,
};
use crate::auth::hash_token;
use crate::clock::now_ms;
use crate::error::Error;
use crate::tx::Tx;
use crate::validate;

/// What a token leads to, for the join page.
#[derive(Clone, Debug)]
pub struct Preview {
    pub kind: PreviewKind,
    pub conversation_id: ConversationId,
    pub subject: String,
    pub account_name: String,
    /// Who sent the invite, or the conversation's owner for a link.
    pub inviter: String,
    /// For an invite: who it is for.
    pub invitee_name: Option<String>,
    /// `None` when the token can be redeemed; else why not, in words.
    pub refusal: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PreviewKind {
    Invite,
    ShareLink,
}

struct Found {
    kind: PreviewKind,
    conversation: ConversationId,
    account: String,
    subject: String,
    account_name: String,
    inviter: String,
    invite: Option<FoundInvite>,
    link: Option<FoundLink>,
    /// The conversation is closed: the token admits nobody until it reopens.
    closed: bool,
}

/// An invite a token names: id, status, expiry, kind, the invitee contact's name.
type FoundInvite = (InviteId, String, Option<i64>, String, Option<String>);
/// A Shareable Link a token names: enabled, expiry, maximum uses, uses.
type FoundLink = (i64, Option<i64>, Option<i64>, i64);

async fn find(tx: &mut AnyConnection, token: &str) -> Result<Option<Found>, Error> {
    let hash = hash_token(token);
    if let Some(r) = sqlx::query(
        "SELECT i.id, i.status, i.expires_at, i.conversation_id, c.account_id, c.subject, ac.name,
                COALESCE(ba.name, bk.name, ''), k.name, i.kind, c.status
         FROM invites i JOIN conversations c ON c.id = i.conversation_id JOIN accounts ac ON ac.id = c.account_id
         JOIN participants p ON p.id = i.participant_id LEFT JOIN contacts k ON k.id = p.contact_id
         LEFT JOIN agents ba ON ba.id = i.invited_by_agent LEFT JOIN contacts bk ON bk.id = i.invited_by_contact
         WHERE i.token_hash = $1",
    )
    .bind(&hash)
    .fetch_optional(&mut *tx)
    .await?
    {
        return Ok(Some(Found {
            kind: PreviewKind::Invite,
            conversation: rows::parse(r.get::<&str, _>(3))?,
            account: r.get(4),
            subject: r.get(5),
            account_name: r.get(6),
            inviter: r.get(7),
            invite: Some((rows::parse(r.get::<&str, _>(0))?, r.get(1), r.get(2), r.get(9), r.get(8))),
            link: None,
            closed: r.get::<&str, _>(10) == "closed",
        }));
    }
    if let Some(r) = sqlx::query(
        "SELECT l.conversation_id, c.account_id, c.subject, ac.name, l.enabled, l.expires_at, l.max_uses, l.uses,
                (SELECT a.name FROM participants p JOIN agents a ON a.id = p.agent_id
                 WHERE p.conversation_id = c.id AND p.role = 'owner' AND p.state = 'joined' ORDER BY p.created_at LIMIT 1),
                c.status
         FROM share_links l JOIN conversations c ON c.id = l.conversation_id JOIN accounts ac ON ac.id = c.account_id
         WHERE l.token_hash = $1",
    )
    .bind(&hash)
    .fetch_optional(&mut *tx)
    .await?
    {
        return Ok(Some(Found {
            kind: PreviewKind::ShareLink,
            conversation: rows::parse(r.get::<&str, _>(0))?,
            account: r.get(1),
            subject: r.get(2),
            account_name: r.get(3),
            inviter: r.get::<Option<String>, _>(8).unwrap_or_else(|| r.get(3)),
            invite: None,
            link: Some((r.get(4), r.get(5), r.get(6), r.get(7))),
            closed: r.get::<&str, _>(9) == "closed",
        }));
    }
    Ok(None)
}

fn refusal(found: &Found, now: i64) -> Option<Error> {
    let ask = Some(found.inviter.clone());
    let invalid = || Some(Error::LinkInvalid { ask: ask.clone() });
    if found.closed {
        return Some(Error::ConversationClosed {
            ask: found.inviter.clone(),
        });
    }
    if let Some((_, status, expires, kind, _)) = &found.invite {
        if status != "pending" || kind != "contact" || expires.is_some_and(|e| e <= now) {
            return invalid();
        }
    }
    if let Some((enabled, expires, max_uses, uses)) = found.link {
        if enabled == 0 || expires.is_some_and(|e| e <= now) || max_uses.is_some_and(|m| uses >= m)
        {
            return invalid();
        }
    }
    None
}

/// What the join page shows for a token. Changes nothing.
pub async fn preview(ctx: &Ctx, token: &str) -> Result<Preview, Error> {
    let mut conn = ctx.store.pool().acquire().await?;
    let found = find(&mut conn, token)
        .await?
        .ok_or(Error::LinkInvalid { ask: None })?;
    Ok(Preview {
        kind: found.kind,
        conversation_id: found.conversation,
        subject: found.subject.clone(),
        account_name: found.account_name.clone(),
        inviter: found.inviter.clone(),
        invitee_name: found.invite.as_ref().and_then(|i| i.4.clone()),
        refusal: refusal(&found, now_ms()).map(|e| e.to_string()),
    })
}

/// Redeems a token into a contact session: joins the invited contact (the invite's email proves
/// the address), or, for a Shareable Link, the person who gives a name and email. `caller` is the
/// session the request came with, if any: a contact of this account who joins a link with their
/// own email joins as themselves; everyone else gets a new guest identity (see [`super::signin`]).
pub async fn redeem(
    ctx: &Ctx,
    token: &str,
    req: JoinRequest,
    caller: Option<&Principal>,
) -> Result<JoinResponse, Error> {
    let req = &req;
    // A refusal is answered only after the transaction commits, because an invite that ran out is
    // marked expired on the way (so the People panel says so).
    let joined = ctx
        .change(|tx| {
            Box::pin(async move {
                let found = find(tx, token)
                    .await?
                    .ok_or(Error::LinkInvalid { ask: None })?;
                // Read again under the conversation's lock (a token never changes conversation):
                // of two redemptions of one invite racing, the second sees it accepted.
                lock_conversation(tx, found.conversation).await?;
                let found = find(tx, token)
                    .await?
                    .ok_or(Error::LinkInvalid { ask: None })?;
                let now = now_ms();
                if let Some(refused) = refusal(&found, now) {
                    if let Some((id, status, Some(expires), _, _)) = &found.invite {
                        if status == "pending" && *expires <= now {
                            // Out of time before the sweep got to it: it ends now, with its event.
                            if let Some(invite) = rows::invite(tx, *id).await? {
                                invites::expire(tx, &invite).await?;
                            }
                        }
                    }
                    return Ok(Err(refused));
                }
                let contact: ContactId = match (&found.kind, &found.invite) {
                    (PreviewKind::Invite, Some((invite_id, ..))) => {
                        let invite = rows::invite(tx, *invite_id)
                            .await?
                            .ok_or(Error::LinkInvalid { ask: None })?;
                        let contact = invite.contact_id.ok_or(Error::LinkInvalid { ask: None })?;
                        // The person at the address may give their own name (the inviter may
                        // have given none, and the address's first part is no name).
                        if let Some(name) = req.name.as_deref().filter(|n| !n.trim().is_empty()) {
                            let name = validate::text("name", name, validate::MAX_NAME)?;
                            let account = rows::parse(&found.account)?;
                            crate::store::rename_contact(tx, contact, account, &name).await?;
                        }
                        let principal = contact_principal(tx, contact).await?;
                        let conv =
                            load_for(tx, &principal, found.conversation, Need::Account).await?;
                        let via = Some(AuditVia::Email);
                        invites::accept_or_decline(tx, &conv, &invite, &principal, via, true)
                            .await?;
                        contact
                    }
                    _ => join_by_link(tx, &found, req, caller).await?,
                };
                let principal = contact_principal(tx, contact).await?;
                let session = signin::open_session(tx, contact).await?;
                Ok(Ok(JoinResponse {
                    token: session,
                    conversation_id: found.conversation,
                    me: principal.me(found.account_name.clone()),
                }))
            })
        })
        .await?;
    joined
}

/// Whether a person with `email` was removed from the conversation and no agent has invited them
/// back since: then its Shareable Link does not let them in again, under any identity claiming
/// that address.
pub(super) async fn removed_here(
    tx: &mut AnyConnection,
    conversation: ConversationId,
    account: &str,
    email: &str,
) -> Result<bool, Error> {
    let rows = sqlx::query(
        "SELECT p.state, k.guest FROM participants p JOIN contacts k ON k.id = p.contact_id
         WHERE p.conversation_id = $1 AND k.account_id = $2 AND k.email = $3",
    )
    .bind(s(conversation))
    .bind(account)
    .bind(email)
    .fetch_all(&mut *tx)
    .await?;
    let removed = rows.iter().any(|r| r.get::<&str, _>(0) == "removed");
    let invited_back = rows
        .iter()
        .any(|r| r.get::<i64, _>(1) == 0 && matches!(r.get::<&str, _>(0), "invited" | "joined"));
    Ok(removed && !invited_back)
}

async fn join_by_link(
    tx: &mut Tx<'_>,
    found: &Found,
    req: &JoinRequest,
    caller: Option<&Principal>,
) -> Result<ContactId, Error> {
    let name = validate::text(
        "name",
        req.name.as_deref().unwrap_or(""),
        validate::MAX_NAME,
    )?;
    let email = validate::email("email", req.email.as_deref().unwrap_or(""))?;
    if removed_here(tx, found.conversation, &found.account, &email).await? {
        return Err(Error::RemovedHere {
            ask: found.inviter.clone(),
        });
    }
    let now = now_ms();
    // The same person again (the session they came with has this email in this account): they
    // join as who they are, proven or guest. Anyone else typing an address gets a guest identity
    // of their own, never the contact who owns it: nobody has proven the address is theirs.
    let contact: ContactId = match caller {
        Some(Principal::Contact {
            id,
            account_id,
            email: theirs,
            ..
        }) if account_id.to_string() == found.account && *theirs == email => *id,
        _ => {
            let id = ContactId::new();
            let account: convene_proto::AccountId = rows::parse(&found.account)?;
            crate::store::insert_guest(tx, id, account, &email, &name, now).await?;
            id
        }
    };
    let principal = contact_principal(tx, contact).await?;
    let existing = sqlx::query(
        "SELECT id, state FROM participants WHERE conversation_id = $1 AND contact_id = $2",
    )
    .bind(s(found.conversation))
    .bind(s(contact))
    .fetch_optional(&mut **tx)
    .await?;
    let already_joined = existing
        .as_ref()
        .is_some_and(|r| r.get::<&str, _>(1) == "joined");
    if !already_joined {
        match existing {
            Some(r) => {
                let pid: ParticipantId = rows::parse(r.get::<&str, _>(0))?;
                sqlx::query("UPDATE participants SET state = 'joined', via = 'shareable_link', role = 'contact', updated_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(s(pid))
                    .execute(&mut **tx)
                    .await?;
                sqlx::query("UPDATE invites SET status = 'accepted', updated_at = $1 WHERE participant_id = $2 AND status = 'pending'")
                    .bind(now)
                    .bind(s(pid))
                    .execute(&mut **tx)
                    .await?;
            }
            None => {
                sqlx::query(
                    "INSERT INTO participants (id, conversation_id, contact_id, role, state, via, created_at, updated_at)
                     VALUES ($1, $2, $3, 'contact', 'joined', 'shareable_link', $4, $5)",
                )
                .bind(s(ParticipantId::new()))
                .bind(s(found.conversation))
                .bind(s(contact))
                .bind(now)
                .bind(now)
                .execute(&mut **tx)
                .await?;
            }
        }
        // Counted under the conversation's lock, and only while under the limit: of racing
        // joins, exactly `max_uses` get in.
        let counted = sqlx::query(
            "UPDATE share_links SET uses = uses + 1
             WHERE conversation_id = $1 AND enabled = 1 AND (max_uses IS NULL OR uses < max_uses)",
        )
        .bind(s(found.conversation))
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if counted != 1 {
            return Err(Error::LinkInvalid {
                ask: Some(found.inviter.clone()),
            });
        }
        let conv = load_conversation(tx, &principal, found.conversation).await?;
        let who = principal.name().to_owned();
        record_event(
            tx,
            &conv,
            Entry::new(
                AuditKind::ParticipantJoined,
                &principal,
                &format!("{who} joined via the Shareable Link"),
            )
            .via(AuditVia::Link),
        )
        .await?;
        record_change(
            tx,
            &conv,
            "conversation",
            None,
            Some(Member::Contact(contact)),
        )
        .await?;
    }
    Ok(contact)
}
