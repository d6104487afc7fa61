//! Proof of an email address, and what it unlocks.
//!
//! A Shareable Link hands out a *guest* identity: a contact row with the name and email the person
//! typed (see [`super::join`]). It reaches only the conversations joined with it. Only something
//! that arrives at the address proves it: an email invite's link, or a sign-in link asked for with
//! "Email me a sign-in link". Proving an address ([`prove`]) finds or makes the proven contact;
//! when the guest who asked for the link did so from their own session, their conversations become
//! the proven contact's and their sessions end. Other guests who claimed the address stay guests
//! with what they joined: a proof never vouches for a stranger, and a stranger who claimed someone's
//! email first never holds their invites (those go to the proven contact).
//!
//! Sign-in links are single use, expire after [`LOGIN_TTL_MS`], and are asked for with one answer
//! whether or not the address is known. Their token is derived from the server secret and a stored
//! nonce (like invite links), so the outbox keeps a placeholder and the database only a hash.

use convene_proto::audit::{AuditKind, AuditVia};
use convene_proto::{AccountId, ContactId, ConversationId, Me, ParticipantId};
use sqlx::{AnyConnection, Row};

use super::audit::Entry;
use super::{actor_in, record_change, record_event, rows, s, Ctx, Member, Principal};
use crate::auth::{hash_token, new_token, SESSION_DAYS};
use crate::clock::now_ms;
use crate::email;
use crate::error::Error;
use crate::secret::new_nonce;
use crate::tx::Tx;

/// How long a sign-in link works.
pub const LOGIN_TTL_MS: i64 = 15 * 60 * 1000;

/// The sign-in link with token hash `$1` that still works at time `$2` (unused, unexpired).
const WORKING_LOGIN: &str = "FROM email_logins l JOIN accounts a ON a.id = l.account_id
     WHERE l.token_hash = $1 AND l.used_at IS NULL AND l.expires_at > $2";

pub use crate::secret::LOGIN_TOKEN;

/// "Email me a sign-in link": queues one sign-in email for each account in which `email` is a
/// contact (proven, or claimed by a guest). Unknown addresses get nothing, and the caller's answer
/// does not depend on it. Answers how many emails were queued (for logs and tests only).
///
/// `caller` is who asked, if signed in: a guest of this address asking ("Verify your email") is
/// recorded on the link, and only that guest's conversations become the proven contact's when it
/// is followed. Nobody else's claims are vouched for by someone proving the address.
pub async fn request_links(
    ctx: &Ctx,
    email: &str,
    caller: Option<&Principal>,
) -> Result<usize, Error> {
    ctx.change(|tx| {
        Box::pin(async move {
            let accounts = sqlx::query(
                "SELECT DISTINCT a.id, a.name FROM contacts k JOIN accounts a ON a.id = k.account_id WHERE k.email = $1",
            )
            .bind(email)
            .fetch_all(&mut **tx)
            .await?;
            let now = now_ms();
            for account in &accounts {
                let id = uuid::Uuid::now_v7().to_string();
                let nonce = new_nonce();
                let token = ctx.secret.derive(LOGIN_TOKEN, &id, &nonce);
                let expires = now + LOGIN_TTL_MS;
                let account_id: String = account.get(0);
                let claimant = match caller {
                    Some(Principal::Contact {
                        id,
                        account_id: theirs,
                        email: claimed,
                        guest: true,
                        ..
                    }) if theirs.to_string() == account_id && claimed == email => Some(s(id)),
                    _ => None,
                };
                sqlx::query(
                    "INSERT INTO email_logins (id, account_id, email, token_hash, token_nonce, created_at, expires_at, guest_id)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&id)
                .bind(&account_id)
                .bind(email)
                .bind(hash_token(&token))
                .bind(&nonce)
                .bind(now)
                .bind(expires)
                .bind(claimant)
                .execute(&mut **tx)
                .await?;
                email::enqueue_login(tx, &id, email, &account.get::<String, _>(1), expires).await?;
            }
            Ok(accounts.len())
        })
    })
    .await
}

/// What a sign-in link's page shows: the account and the address. `None` for every link that does
/// not work (unknown, used, expired), so the page says one thing for all three.
pub async fn preview_login(ctx: &Ctx, token: &str) -> Result<Option<(String, String)>, Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT a.name, l.email {WORKING_LOGIN}"
    )))
    .bind(hash_token(token))
    .bind(now_ms())
    .fetch_optional(ctx.store.pool())
    .await?;
    Ok(row.map(|r| (r.get(0), r.get(1))))
}

/// A new contact session.
pub struct SignedIn {
    pub token: String,
    pub me: Me,
}

/// Redeems a sign-in link: proves its address in its account and opens a session for the proven
/// contact. The link works once.
pub async fn redeem_login(ctx: &Ctx, token: &str) -> Result<SignedIn, Error> {
    ctx.change(|tx| {
        Box::pin(async move {
            let now = now_ms();
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT l.id, l.account_id, l.email, a.name, l.guest_id {WORKING_LOGIN}"
            )))
            .bind(hash_token(token))
            .bind(now)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(Error::SignInLinkInvalid)?;
            // Used once: of two redemptions racing, the one that marks it first wins.
            let marked = sqlx::query(
                "UPDATE email_logins SET used_at = $1 WHERE id = $2 AND used_at IS NULL",
            )
            .bind(now)
            .bind(row.get::<String, _>(0))
            .execute(&mut **tx)
            .await?
            .rows_affected();
            if marked != 1 {
                return Err(Error::SignInLinkInvalid);
            }
            let account: AccountId = rows::parse(row.get::<&str, _>(1))?;
            let email: String = row.get(2);
            let claimant = row
                .get::<Option<&str>, _>(4)
                .map(rows::parse::<ContactId>)
                .transpose()?;
            let contact = prove(tx, account, &email, claimant).await?;
            let principal = contact_principal(tx, contact).await?;
            let session = open_session(tx, contact).await?;
            Ok(SignedIn {
                token: session,
                me: principal.me(row.get(3)),
            })
        })
    })
    .await
}

/// Opens a contact session in the caller's transaction; answers the token (stored only hashed).
pub async fn open_session(tx: &mut AnyConnection, contact: ContactId) -> Result<String, Error> {
    let (session, session_hash) = new_token();
    let now = now_ms();
    sqlx::query(
        "INSERT INTO sessions (token_hash, contact_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&session_hash)
    .bind(s(contact))
    .bind(now)
    .bind(now + SESSION_DAYS * 24 * 3600 * 1000)
    .execute(&mut *tx)
    .await?;
    Ok(session)
}

/// The contact as a principal.
pub async fn contact_principal(
    tx: &mut AnyConnection,
    contact: ContactId,
) -> Result<Principal, Error> {
    let r = sqlx::query("SELECT account_id, name, email, guest FROM contacts WHERE id = $1")
        .bind(s(contact))
        .fetch_one(&mut *tx)
        .await?;
    Ok(Principal::Contact {
        id: contact,
        account_id: rows::parse(r.get::<&str, _>(0))?,
        name: r.get(1),
        email: r.get(2),
        guest: r.get::<i64, _>(3) != 0,
    })
}

/// `email` is proven in `account`: answers the proven contact, creating it when there is none.
/// `claimant` is the guest of this address who asked for the proof from their own session: their
/// conversations become the proven contact's and their sessions end (the proof may be completed
/// on another device; the guest session itself is never promoted, since whoever asked is not
/// necessarily whoever holds the mailbox). Other guests who claimed the address stay guests with
/// what they joined: proving an address never vouches for what strangers did under it.
pub async fn prove(
    tx: &mut Tx<'_>,
    account: AccountId,
    email: &str,
    claimant: Option<ContactId>,
) -> Result<ContactId, Error> {
    let claimant = match claimant {
        Some(guest) => sqlx::query("SELECT name FROM contacts WHERE id = $1 AND account_id = $2 AND email = $3 AND guest = 1")
            .bind(s(guest))
            .bind(s(account))
            .bind(email)
            .fetch_optional(&mut **tx)
            .await?
            .map(|r| (guest, r.get::<String, _>(0))),
        None => None,
    };
    // A new contact is named as the claimant said (a name is display only), else by the address.
    let name = claimant
        .as_ref()
        .map(|(_, name)| name.clone())
        .unwrap_or_else(|| email.split('@').next().unwrap_or(email).to_owned());
    let proven = crate::store::ensure_contact(tx, account, email, &name).await?;
    let Some((guest, _)) = claimant else {
        return Ok(proven);
    };
    let principal = contact_principal(tx, proven).await?;
    sqlx::query("DELETE FROM sessions WHERE contact_id = $1")
        .bind(s(guest))
        .execute(&mut **tx)
        .await?;
    let mut memberships: Vec<(ConversationId, ParticipantId)> = Vec::new();
    for m in sqlx::query("SELECT id, conversation_id FROM participants WHERE contact_id = $1")
        .bind(s(guest))
        .fetch_all(&mut **tx)
        .await?
    {
        memberships.push((
            rows::parse(m.get::<&str, _>(1))?,
            rows::parse(m.get::<&str, _>(0))?,
        ));
    }
    // The conversations' locks in one order (by id), so two proofs never wait on each other in
    // a circle; each membership is read again under its lock.
    memberships.sort_by_key(|(conversation, _)| conversation.to_string());
    for (conversation, pid) in memberships {
        super::lock_conversation(tx, conversation).await?;
        let state: Option<String> =
            sqlx::query_scalar("SELECT state FROM participants WHERE id = $1 AND contact_id = $2")
                .bind(s(pid))
                .bind(s(guest))
                .fetch_optional(&mut **tx)
                .await?;
        if let Some(state) = state {
            hand_over(tx, &principal, guest, pid, conversation, state == "joined").await?;
        }
    }
    Ok(proven)
}

/// Gives one guest membership to the proven contact: moves it when they have none in that
/// conversation, else merges it into theirs (joined wins, except over a removal, which stands).
async fn hand_over(
    tx: &mut Tx<'_>,
    proven: &Principal,
    guest: ContactId,
    guest_participant: ParticipantId,
    conversation: ConversationId,
    guest_joined: bool,
) -> Result<(), Error> {
    let now = now_ms();
    let theirs = sqlx::query(
        "SELECT id, state FROM participants WHERE conversation_id = $1 AND contact_id = $2",
    )
    .bind(s(conversation))
    .bind(proven.member().contact())
    .fetch_optional(&mut **tx)
    .await?;
    let removed = match &theirs {
        None => {
            sqlx::query("UPDATE participants SET contact_id = $1, updated_at = $2 WHERE id = $3")
                .bind(proven.member().contact())
                .bind(now)
                .bind(s(guest_participant))
                .execute(&mut **tx)
                .await?;
            false
        }
        Some(r) => {
            let state: String = r.get(1);
            let removed = state == "removed";
            if guest_joined && !removed && state != "joined" {
                let pid: String = r.get(0);
                sqlx::query(
                    "UPDATE participants SET state = 'joined', via = 'shareable_link', updated_at = $1 WHERE id = $2",
                )
                .bind(now)
                .bind(&pid)
                .execute(&mut **tx)
                .await?;
                sqlx::query("UPDATE invites SET status = 'accepted', updated_at = $1 WHERE participant_id = $2 AND status = 'pending'")
                    .bind(now)
                    .bind(&pid)
                    .execute(&mut **tx)
                    .await?;
            }
            // The guest's own row ends: the person behind it is now the proven contact's row (whose
            // removal, if they were removed, stands). A removed guest's row stays removed: it is
            // the record that keeps the address from walking back in through the link.
            sqlx::query(
                "UPDATE participants SET state = 'left', updated_at = $1 WHERE id = $2 AND state <> 'removed'",
            )
            .bind(now)
            .bind(s(guest_participant))
            .execute(&mut **tx)
            .await?;
            removed
        }
    };
    let conv = actor_in(tx, proven, conversation).await?;
    if guest_joined && !removed {
        let who = proven.name().to_owned();
        record_event(
            tx,
            &conv,
            Entry::new(
                AuditKind::EmailVerified,
                proven,
                &format!("{who} verified their email address"),
            )
            .via(AuditVia::Email),
        )
        .await?;
    }
    record_change(
        tx,
        &conv,
        "conversation",
        None,
        Some(Member::Contact(guest)),
    )
    .await?;
    record_change(tx, &conv, "conversation", None, Some(proven.member())).await?;
    Ok(())
}
