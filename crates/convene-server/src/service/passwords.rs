//! Passwords agents choose themselves. An admin adding an agent types no password: the new agent
//! gets a welcome email whose link lets them choose one ([`WELCOME_TTL_MS`]); a forgotten password
//! is reset the same way from "Forgot password?" ([`RESET_TTL_MS`]), with one answer whether or not
//! the address is known. Links are single use, and only their hash is stored (the token is derived
//! from the server secret and a stored nonce, like invite and sign-in links). Setting a password
//! ends the agent's other sessions and streams; a signed-in agent may also change their own.

use convene_proto::audit::{AuditKind, AuditPartyKind, AuditVia};
use convene_proto::{AccountId, AgentId};
use sqlx::Row;

use super::audit::{self, By, Entry};
use super::{s, Ctx, Principal};
use crate::auth::hash_token;
use crate::clock::now_ms;
use crate::email;
use crate::error::Error;
use crate::secret::{new_nonce, PASSWORD_TOKEN};
use crate::tx::Tx;
use crate::validate;

/// How long a new agent's welcome link works.
pub const WELCOME_TTL_MS: i64 = 7 * 24 * 3600 * 1000;
/// How long a reset link works.
pub const RESET_TTL_MS: i64 = 60 * 60 * 1000;

/// The error for every password link that does not work (unknown, used, expired).
fn link_invalid() -> Error {
    Error::Conflict {
        field: None,
        message: "this password link no longer works: each link works once, for a limited time. Ask for a new one with \"Forgot password?\" on the sign-in screen".to_owned(),
    }
}

/// The link with token hash `$1` that still works at time `$2`.
const WORKING: &str = "FROM password_links l JOIN agents g ON g.id = l.agent_id JOIN accounts a ON a.id = g.account_id
     WHERE l.token_hash = $1 AND l.used_at IS NULL AND l.expires_at > $2 AND g.status = 'active'";

/// Who a password email goes to.
pub struct Recipient<'a> {
    pub agent: AgentId,
    pub name: &'a str,
    pub email: &'a str,
    pub account_name: &'a str,
}

/// Issues a password link for `to` and queues its email, in the caller's transaction. `welcome_by`
/// names the admin who added a new agent; `None` is a reset.
pub async fn issue(
    ctx: &Ctx,
    tx: &mut Tx<'_>,
    to: &Recipient<'_>,
    welcome_by: Option<&str>,
) -> Result<(), Error> {
    let id = uuid::Uuid::now_v7().to_string();
    let nonce = new_nonce();
    let token = ctx.secret.derive(PASSWORD_TOKEN, &id, &nonce);
    let now = now_ms();
    let expires = now
        + if welcome_by.is_some() {
            WELCOME_TTL_MS
        } else {
            RESET_TTL_MS
        };
    sqlx::query(
        "INSERT INTO password_links (id, agent_id, purpose, token_hash, token_nonce, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(s(to.agent))
    .bind(if welcome_by.is_some() { "welcome" } else { "reset" })
    .bind(hash_token(&token))
    .bind(&nonce)
    .bind(now)
    .bind(expires)
    .execute(&mut **tx)
    .await?;
    let rendered = email::render_password(
        welcome_by,
        to.name,
        to.account_name,
        expires,
        email::LINK_MARKER,
    );
    email::enqueue_password(tx, &id, (to.name, to.email), rendered).await?;
    Ok(())
}

/// "Forgot password?": a reset email for each active agent with this address (one per team).
/// Unknown addresses get nothing, and the caller's answer does not depend on it. Answers how many
/// were queued (for logs and tests only).
pub async fn request_reset(ctx: &Ctx, email: &str) -> Result<usize, Error> {
    ctx.change(|tx| {
        Box::pin(async move {
            let agents = sqlx::query(
                "SELECT g.id, g.name, a.name, a.id FROM agents g JOIN accounts a ON a.id = g.account_id
                 WHERE g.email = $1 AND g.status = 'active' ORDER BY g.created_at LIMIT 10",
            )
            .bind(email)
            .fetch_all(&mut **tx)
            .await?;
            for agent in &agents {
                let to = Recipient {
                    agent: super::rows::parse(agent.get::<&str, _>(0))?,
                    name: agent.get(1),
                    email,
                    account_name: agent.get(2),
                };
                issue(ctx, tx, &to, None).await?;
                // Asked for by whoever typed the address: the server sent it.
                audit::record(
                    tx,
                    super::rows::parse(agent.get::<&str, _>(3))?,
                    Entry::new(
                        AuditKind::PasswordResetRequested,
                        By::Server,
                        &format!("A password reset link was emailed to {email}"),
                    )
                    .to(audit::target(AuditPartyKind::Agent, to.agent, to.name)),
                )
                .await?;
            }
            Ok(agents.len())
        })
    })
    .await
}

/// What a password link's page shows: the team, the address, and whether it is a welcome.
pub struct Preview {
    pub account_name: String,
    pub email: String,
    pub welcome: bool,
}

/// The page of a password link; `None` for every link that does not work.
pub async fn preview(ctx: &Ctx, token: &str) -> Result<Option<Preview>, Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT a.name, g.email, l.purpose {WORKING}"
    )))
    .bind(hash_token(token))
    .bind(now_ms())
    .fetch_optional(ctx.store.pool())
    .await?;
    Ok(row.map(|r| Preview {
        account_name: r.get(0),
        email: r.get(1),
        welcome: r.get::<&str, _>(2) == "welcome",
    }))
}

/// Voids every unused password link of `agent` (their password was set, or they were suspended:
/// a link sent before must not choose the password they come back to).
pub async fn void_links(tx: &mut Tx<'_>, agent: AgentId) -> Result<(), Error> {
    sqlx::query("UPDATE password_links SET used_at = $1 WHERE agent_id = $2 AND used_at IS NULL")
        .bind(now_ms())
        .bind(s(agent))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Sets `agent`'s password hash in the caller's transaction and ends all their sessions.
async fn set_hash(
    tx: &mut Tx<'_>,
    account: AccountId,
    agent: AgentId,
    hash: &str,
) -> Result<(), Error> {
    sqlx::query("UPDATE agents SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(s(agent))
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE agent_id = $1")
        .bind(s(agent))
        .execute(&mut **tx)
        .await?;
    tx.sessions_ended(account, agent);
    Ok(())
}

async fn hash(password: &str) -> Result<String, Error> {
    crate::auth::hash_bounded(password.to_owned())
        .await?
        .map_err(|e| Error::Internal(e.into()))
}

/// Redeems a password link: sets the password and ends the agent's sessions (a reset signs out
/// every device). The link, and every other unused link of the agent, stops working. Answers the
/// agent's email, to sign in with.
pub async fn redeem(ctx: &Ctx, token: &str, password: &str) -> Result<String, Error> {
    let password = validate::password("password", password)?;
    if preview(ctx, token).await?.is_none() {
        return Err(link_invalid());
    }
    let hashed = hash(&password).await?;
    let hashed = &hashed;
    ctx.change(move |tx| {
        Box::pin(async move {
            let now = now_ms();
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT l.id, g.id, g.account_id, g.email, g.name, l.purpose {WORKING}"
            )))
            .bind(hash_token(token))
            .bind(now)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(link_invalid)?;
            let agent: AgentId = super::rows::parse(row.get::<&str, _>(1))?;
            // Used once: of two redemptions racing, the one that marks it first wins.
            let marked = sqlx::query(
                "UPDATE password_links SET used_at = $1 WHERE id = $2 AND used_at IS NULL",
            )
            .bind(now)
            .bind(row.get::<String, _>(0))
            .execute(&mut **tx)
            .await?
            .rows_affected();
            if marked != 1 {
                return Err(link_invalid());
            }
            void_links(tx, agent).await?;
            let account: AccountId = super::rows::parse(row.get::<&str, _>(2))?;
            set_hash(tx, account, agent, hashed).await?;
            let name: String = row.get(4);
            let summary = if row.get::<&str, _>(5) == "welcome" {
                format!("{name} chose their password from the welcome email")
            } else {
                format!("{name} set a new password from a reset email")
            };
            audit::record(
                tx,
                account,
                Entry::new(
                    AuditKind::PasswordChanged,
                    By::Agent(agent, &name),
                    &summary,
                )
                .to(audit::target(AuditPartyKind::Agent, agent, &name))
                .via(AuditVia::Email),
            )
            .await?;
            Ok(row.get::<String, _>(3))
        })
    })
    .await
}

/// A signed-in agent changes their own password, proving the current one. Their other sessions
/// end; the caller's own session stays.
pub async fn change_own(
    ctx: &Ctx,
    principal: &Principal,
    session_hash: &str,
    current: &str,
    new: &str,
) -> Result<(), Error> {
    let (me, _) = principal.require_agent()?;
    let new = validate::password("new_password", new)?;
    let stored: String = sqlx::query_scalar("SELECT password_hash FROM agents WHERE id = $1")
        .bind(s(me))
        .fetch_one(ctx.store.pool())
        .await?;
    if !crate::auth::verify_bounded(current.to_owned(), stored.clone()).await? {
        return Err(Error::invalid(
            "current_password",
            "The current password is not right",
        ));
    }
    let hashed = hash(&new).await?;
    let hashed = &hashed;
    let stored = &stored;
    let account = principal.account_id();
    ctx.change(move |tx| {
        Box::pin(async move {
            // Changed meanwhile (another device, a reset): prove the new one instead.
            let now: String = sqlx::query_scalar("SELECT password_hash FROM agents WHERE id = $1")
                .bind(s(me))
                .fetch_one(&mut **tx)
                .await?;
            if &now != stored {
                return Err(Error::Conflict {
                    field: Some("current_password".to_owned()),
                    message: "Your password was changed meanwhile; sign in again".to_owned(),
                });
            }
            sqlx::query("UPDATE agents SET password_hash = $1 WHERE id = $2")
                .bind(hashed)
                .bind(s(me))
                .execute(&mut **tx)
                .await?;
            void_links(tx, me).await?;
            sqlx::query("DELETE FROM sessions WHERE agent_id = $1 AND token_hash <> $2")
                .bind(s(me))
                .bind(session_hash)
                .execute(&mut **tx)
                .await?;
            tx.sessions_ended(account, me);
            audit::record(
                tx,
                account,
                Entry::new(
                    AuditKind::PasswordChanged,
                    principal,
                    &format!("{} changed their password", principal.name()),
                )
                .to(audit::target(AuditPartyKind::Agent, me, principal.name())),
            )
            .await?;
            Ok(())
        })
    })
    .await
}
