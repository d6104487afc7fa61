//! Team administration: the Admin area's agents list, and changing an agent's role, suspending and
//! reactivating them. The rules are `convene_proto::team`'s; every change here takes the account's
//! lock first, so the last-superadmin guard holds when two admins act at the same instant (and the
//! caller's own role is read again under it, so a just-demoted admin cannot act on a stale role).
//! Suspension ends the agent's sessions, closes their streams on every instance, and revokes the
//! invites waiting for them, in the one transaction.

use std::collections::HashMap;

use convene_proto::audit::{AuditKind, AuditPartyKind};
use convene_proto::team::{self, AgentChange, CrewRef, TeamAgent, TeamAgentList};
use convene_proto::{AccountId, AccountRole, Agent, AgentId, AgentStatus, CrewId};
use sqlx::{AnyConnection, Row};

use super::audit::{self, Entry};
use super::directory::agent_row;
use super::{invites, rows, s, Ctx, Principal};
use crate::error::Error;
use crate::tx::Tx;

/// Most agents one listing answers (the filters narrow it).
pub const LIST_LIMIT: i64 = 1000;

/// The filters of the agents list; each `None` (or empty text) matches everyone.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub role: Option<AccountRole>,
    pub status: Option<AgentStatus>,
    pub crew: Option<CrewId>,
    /// Part of a name or email, anywhere in it.
    pub text: String,
}

/// A team rule's refusal as an error: 403 for who the caller is, 409 for the state of the team.
pub(crate) fn refused(refusal: team::TeamRefusal) -> Error {
    if refusal.is_forbidden() {
        Error::Forbidden(refusal.to_string())
    } else {
        Error::Conflict {
            field: None,
            message: refusal.to_string(),
        }
    }
}

const AGENT_SELECT: &str = "SELECT a.id, a.email, a.name, a.role, a.status FROM agents a";

async fn agent(
    conn: &mut AnyConnection,
    account: AccountId,
    id: AgentId,
) -> Result<Option<Agent>, Error> {
    let sql = format!("{AGENT_SELECT} WHERE a.id = $1 AND a.account_id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(s(id))
        .bind(s(account))
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(agent_row).transpose()
}

async fn active_superadmins(conn: &mut AnyConnection, account: AccountId) -> Result<usize, Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM agents WHERE account_id = $1 AND role = 'superadmin' AND status = 'active'",
    )
    .bind(s(account))
    .fetch_one(conn)
    .await?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// The caller as an active agent of the account, read now (not from the session's snapshot).
pub(crate) async fn me_now(
    conn: &mut AnyConnection,
    principal: &Principal,
) -> Result<Agent, Error> {
    let (id, _) = principal.require_agent()?;
    agent(conn, principal.account_id(), id)
        .await?
        .filter(|a| a.status == AgentStatus::Active)
        .ok_or_else(|| Error::Unauthenticated("your session has ended; sign in again".to_owned()))
}

/// The account's agents that match `filter`, by name, each with what the caller may do to them.
pub async fn agents(
    ctx: &Ctx,
    principal: &Principal,
    filter: &Filter,
) -> Result<TeamAgentList, Error> {
    let mut conn = ctx.store.pool().acquire().await?;
    let me = me_now(&mut conn, principal).await?;
    team::may_administer(Some(me.role)).map_err(refused)?;
    let account = principal.account_id();
    let text = filter.text.trim().to_lowercase();
    let pattern = format!(
        "%{}%",
        text.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let sql = format!(
        "{AGENT_SELECT} WHERE a.account_id = $1
           AND ($2 = '' OR a.role = $2) AND ($3 = '' OR a.status = $3)
           AND ($4 = '' OR EXISTS (SELECT 1 FROM crew_members m WHERE m.agent_id = a.id AND m.crew_id = $4))
           AND ($5 = '' OR lower(a.name) LIKE $6 ESCAPE '\\' OR a.email LIKE $6 ESCAPE '\\')
         ORDER BY lower(a.name), a.id LIMIT $7"
    );
    let found = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(s(account))
        .bind(filter.role.map(|r| r.as_str()).unwrap_or(""))
        .bind(filter.status.map(|r| r.as_str()).unwrap_or(""))
        .bind(filter.crew.map(s).unwrap_or_default())
        .bind(&text)
        .bind(&pattern)
        .bind(LIST_LIMIT)
        .fetch_all(&mut *conn)
        .await?;
    let mut crews: HashMap<String, Vec<CrewRef>> = HashMap::new();
    let memberships = sqlx::query(
        "SELECT m.agent_id, c.id, c.name FROM crew_members m JOIN crews c ON c.id = m.crew_id
         WHERE c.account_id = $1 AND c.deleted_at IS NULL ORDER BY c.name",
    )
    .bind(s(account))
    .fetch_all(&mut *conn)
    .await?;
    for m in &memberships {
        crews
            .entry(m.get::<String, _>(0))
            .or_default()
            .push(CrewRef {
                id: rows::parse(m.get::<&str, _>(1))?,
                name: m.get(2),
            });
    }
    let supers = active_superadmins(&mut conn, account).await?;
    let agents = found
        .iter()
        .map(|r| {
            let a = agent_row(r)?;
            let of = crews.remove(&a.id.to_string()).unwrap_or_default();
            Ok(TeamAgent::judged(a, of, me.role, me.id, supers))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let creatable_roles = AccountRole::ALL
        .iter()
        .copied()
        .filter(|r| team::may_create(me.role, *r).is_ok())
        .collect();
    Ok(TeamAgentList {
        agents,
        creatable_roles,
    })
}

/// Takes the account's lock: team changes of one account take turns (SQLite's writers always do).
pub(crate) async fn lock_account(tx: &mut Tx<'_>, account: AccountId) -> Result<(), Error> {
    if tx.backend_name() == "PostgreSQL" {
        sqlx::query("SELECT id FROM accounts WHERE id = $1 FOR UPDATE")
            .bind(s(account))
            .fetch_optional(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Makes `change` to agent `target` of the caller's account; answers the agent as it now is.
/// Asking for what already holds (the same role, suspending the suspended) changes nothing.
pub async fn change_agent(
    ctx: &Ctx,
    principal: &Principal,
    target: AgentId,
    change: AgentChange,
) -> Result<Agent, Error> {
    principal.require_agent()?;
    let account = principal.account_id();
    ctx.change(move |tx| {
        Box::pin(async move {
            lock_account(tx, account).await?;
            let me = me_now(tx, principal).await?;
            team::may_administer(Some(me.role)).map_err(refused)?;
            let it = agent(tx, account, target)
                .await?
                .ok_or(Error::NotFound("agent"))?;
            let supers = active_superadmins(tx, account).await?;
            let judged = team::Target {
                id: it.id,
                role: it.role,
                status: it.status,
            };
            team::may_change(me.role, me.id, judged, change, supers).map_err(refused)?;
            let by = principal.name();
            let name = &it.name;
            let recorded = match change {
                AgentChange::Role(role) if role != it.role => Some((
                    AuditKind::AgentRoleChanged,
                    format!("{by} changed {name}'s role from {} to {role}", it.role),
                )),
                AgentChange::Suspend if it.status == AgentStatus::Active => {
                    Some((AuditKind::AgentSuspended, format!("{by} suspended {name}")))
                }
                AgentChange::Reactivate if it.status == AgentStatus::Suspended => Some((
                    AuditKind::AgentReactivated,
                    format!("{by} reactivated {name}"),
                )),
                _ => None,
            };
            if let Some((kind, summary)) = &recorded {
                audit::record(
                    tx,
                    account,
                    Entry::new(*kind, principal, summary).to(audit::target(
                        AuditPartyKind::Agent,
                        target,
                        name,
                    )),
                )
                .await?;
            }
            match change {
                AgentChange::Role(role) if role != it.role => {
                    sqlx::query("UPDATE agents SET role = $1 WHERE id = $2")
                        .bind(role.as_str())
                        .bind(s(target))
                        .execute(&mut **tx)
                        .await?;
                    // Their open streams were judged by the old role (an admin's sees every
                    // conversation): they close, and reconnect as the agent now is.
                    tx.sessions_ended(account, target);
                }
                AgentChange::Suspend if it.status == AgentStatus::Active => {
                    sqlx::query("UPDATE agents SET status = 'suspended' WHERE id = $1")
                        .bind(s(target))
                        .execute(&mut **tx)
                        .await?;
                    sqlx::query("DELETE FROM sessions WHERE agent_id = $1")
                        .bind(s(target))
                        .execute(&mut **tx)
                        .await?;
                    invites::revoke_all_to_agent(tx, principal, target, &it.name).await?;
                    super::passwords::void_links(tx, target).await?;
                    tx.sessions_ended(account, target);
                    tracing::info!(agent = %target, by = %me.id, "agent suspended");
                }
                AgentChange::Reactivate if it.status == AgentStatus::Suspended => {
                    sqlx::query("UPDATE agents SET status = 'active' WHERE id = $1")
                        .bind(s(target))
                        .execute(&mut **tx)
                        .await?;
                }
                _ => {}
            }
            agent(tx, account, target)
                .await?
                .ok_or(Error::NotFound("agent"))
        })
    })
    .await
}
