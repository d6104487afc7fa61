//! The account's directory: agents, crews and contacts, managed by superadmins and admins.

use convene_proto::audit::{AuditKind, AuditPartyKind};
use convene_proto::{
    AccountRole, Agent, AgentId, AgentStatus, Contact, CreateAgent, CreateCrew, Crew, CrewId,
    UpdateCrew,
};
use sqlx::{AnyConnection, Row};

use super::audit::{self, Entry};
use super::{rows, s, Ctx, Principal};
use crate::error::Error;
use crate::validate;

/// Most rows a search answers.
const SEARCH_LIMIT: i64 = 20;

/// Index rows a contact search reads at most to find them (a contact can match on several terms,
/// and further words of the query narrow the first word's matches).
const SEARCH_SCAN: i64 = 200;

/// `q` as a LIKE prefix pattern, with LIKE's wildcards escaped.
fn prefix_pattern(q: &str) -> String {
    let escaped = q
        .trim()
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("{escaped}%")
}

fn require_manager(principal: &Principal) -> Result<AccountRole, Error> {
    let (_, role) = principal.require_agent()?;
    convene_proto::team::may_administer(Some(role)).map_err(super::team::refused)?;
    Ok(role)
}

/// An agent from a row of `id, email, name, role, status`.
pub(crate) fn agent_row(r: &sqlx::any::AnyRow) -> Result<Agent, Error> {
    Ok(Agent {
        id: rows::parse(r.get::<&str, _>(0))?,
        email: r.get(1),
        name: r.get(2),
        role: rows::parse(r.get::<&str, _>(3))?,
        status: rows::parse(r.get::<&str, _>(4))?,
    })
}

/// Active agents whose name (any word) or email starts with `q`.
pub async fn search_agents(ctx: &Ctx, principal: &Principal, q: &str) -> Result<Vec<Agent>, Error> {
    principal.require_agent()?;
    if q.chars().count() > 254 {
        return Err(Error::invalid("q", "q must be at most 254 characters"));
    }
    let pattern = prefix_pattern(q);
    let word = format!("% {pattern}");
    let rows = sqlx::query(
        "SELECT id, email, name, role, status FROM agents
         WHERE account_id = $1 AND status = 'active'
           AND (lower(name) LIKE $2 ESCAPE '\\' OR lower(name) LIKE $3 ESCAPE '\\' OR email LIKE $4 ESCAPE '\\')
         ORDER BY name LIMIT $5",
    )
    .bind(s(principal.account_id()))
    .bind(&pattern)
    .bind(&word)
    .bind(&pattern)
    .bind(SEARCH_LIMIT)
    .fetch_all(ctx.store.pool())
    .await?;
    rows.iter().map(agent_row).collect()
}

/// Creates an agent; admins may not create superadmins. Without a password the new agent is
/// emailed a link to choose one (until then no password signs them in).
pub async fn create_agent(
    ctx: &Ctx,
    principal: &Principal,
    req: CreateAgent,
) -> Result<Agent, Error> {
    let (_, role) = principal.require_agent()?;
    convene_proto::team::may_create(role, req.role).map_err(super::team::refused)?;
    let email = validate::email("email", &req.email)?;
    let name = validate::text("name", &req.name, validate::MAX_NAME)?;
    let hash = match &req.password {
        Some(password) => {
            let password = validate::password("password", password)?;
            crate::auth::hash_bounded(password)
                .await?
                .map_err(|e| Error::Internal(e.into()))?
        }
        // Matches no password: the welcome link sets the first one.
        None => String::new(),
    };
    let welcome = req.password.is_none();
    let agent = crate::store::NewAgent {
        account_id: principal.account_id(),
        email: &email,
        name: &name,
        role: req.role,
        password_hash: &hash,
    };
    let agent = &agent;
    let id = ctx
        .change(|tx| {
            Box::pin(async move {
                // The caller's role as it is now, under the account's lock (not the request's
                // first reading of it).
                super::team::lock_account(tx, agent.account_id).await?;
                let me = super::team::me_now(tx, principal).await?;
                convene_proto::team::may_create(me.role, agent.role)
                    .map_err(super::team::refused)?;
                let id = crate::store::insert_agent(tx, agent).await?;
                let summary = format!(
                    "{} added {} <{}> as {}{}",
                    principal.name(),
                    agent.name,
                    agent.email,
                    agent.role,
                    if welcome {
                        "; a welcome email lets them choose a password"
                    } else {
                        ""
                    }
                );
                audit::record(
                    tx,
                    agent.account_id,
                    Entry::new(AuditKind::AgentCreated, principal, &summary).to(audit::target(
                        AuditPartyKind::Agent,
                        id,
                        agent.name,
                    )),
                )
                .await?;
                if welcome {
                    let account_name: String =
                        sqlx::query_scalar("SELECT name FROM accounts WHERE id = $1")
                            .bind(s(agent.account_id))
                            .fetch_one(&mut **tx)
                            .await?;
                    let to = super::passwords::Recipient {
                        agent: id,
                        name: agent.name,
                        email: agent.email,
                        account_name: &account_name,
                    };
                    super::passwords::issue(ctx, tx, &to, Some(principal.name())).await?;
                }
                Ok(id)
            })
        })
        .await?;
    Ok(Agent {
        id,
        email,
        name,
        role: req.role,
        status: convene_proto::AgentStatus::Active,
    })
}

async fn crew_members(conn: &mut AnyConnection, crew: &str) -> Result<Vec<Agent>, Error> {
    let rows = sqlx::query(
        "SELECT a.id, a.email, a.name, a.role, a.status FROM crew_members m JOIN agents a ON a.id = m.agent_id
         WHERE m.crew_id = $1 ORDER BY a.name",
    )
    .bind(crew)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(agent_row).collect()
}

/// The account's crews. Contacts see only the crews they may request, without members.
pub async fn crews(ctx: &Ctx, principal: &Principal) -> Result<Vec<Crew>, Error> {
    let contact = matches!(principal, Principal::Contact { .. });
    crews_with(ctx, principal, !contact).await
}

/// The crews `principal` may see (contacts: only those they may request), with their members
/// when `members` (for judging who is left to ask; not to be shown to contacts).
pub async fn crews_with(
    ctx: &Ctx,
    principal: &Principal,
    members: bool,
) -> Result<Vec<Crew>, Error> {
    let mut conn = ctx.store.pool().acquire().await?;
    let contact = matches!(principal, Principal::Contact { .. });
    let rows = sqlx::query(
        "SELECT c.id, c.name, c.call_to_action, c.customer_requestable,
                (SELECT COUNT(*) FROM crew_members m JOIN agents a ON a.id = m.agent_id
                 WHERE m.crew_id = c.id AND a.status = 'active')
         FROM crews c
         WHERE c.account_id = $1 AND c.deleted_at IS NULL AND (c.customer_requestable = 1 OR $2 = 0) ORDER BY c.name",
    )
    .bind(s(principal.account_id()))
    .bind(i64::from(contact))
    .fetch_all(&mut *conn)
    .await?;
    let mut crews = Vec::with_capacity(rows.len());
    for r in rows {
        let id: String = r.get(0);
        let members = if members {
            crew_members(&mut conn, &id).await?
        } else {
            Vec::new()
        };
        crews.push(Crew {
            id: rows::parse(&id)?,
            name: r.get(1),
            call_to_action: r.get(2),
            customer_requestable: r.get::<i64, _>(3) != 0,
            available: r.get::<i64, _>(4) > 0,
            members,
        });
    }
    Ok(crews)
}

/// Creates a crew.
pub async fn create_crew(ctx: &Ctx, principal: &Principal, req: CreateCrew) -> Result<Crew, Error> {
    require_manager(principal)?;
    let name = validate::text("name", &req.name, validate::MAX_NAME)?;
    let cta = validate::text("call_to_action", &req.call_to_action, validate::MAX_NAME)?;
    let (n, c) = (&name, &cta);
    let id = ctx
        .change(|tx| {
            Box::pin(async move {
                let id = crate::store::insert_crew(
                    tx,
                    principal.account_id(),
                    n,
                    c,
                    req.customer_requestable,
                    &[],
                )
                .await?;
                audit::record(
                    tx,
                    principal.account_id(),
                    Entry::new(
                        AuditKind::CrewCreated,
                        principal,
                        &format!("{} created the crew {n}", principal.name()),
                    )
                    .to(audit::target(AuditPartyKind::Crew, id, n)),
                )
                .await?;
                Ok(id)
            })
        })
        .await?;
    Ok(Crew {
        id,
        name,
        call_to_action: cta,
        customer_requestable: req.customer_requestable,
        members: Vec::new(),
        available: false,
    })
}

/// Adds (`add = true`) or removes an agent from a crew. Idempotent.
pub async fn set_crew_member(
    ctx: &Ctx,
    principal: &Principal,
    crew: CrewId,
    agent: AgentId,
    add: bool,
) -> Result<Crew, Error> {
    require_manager(principal)?;
    ctx.change(|tx| {
        Box::pin(async move {
            let account = s(principal.account_id());
            let crew_name: String = sqlx::query_scalar("SELECT name FROM crews WHERE id = $1 AND account_id = $2 AND deleted_at IS NULL")
                .bind(s(crew))
                .bind(&account)
                .fetch_optional(&mut **tx)
                .await?
                .ok_or(Error::NotFound("crew"))?;
            // Under the account's lock, as role changes are: the roles read here are current.
            super::team::lock_account(tx, principal.account_id()).await?;
            let me = super::team::me_now(tx, principal).await?;
            let target = sqlx::query("SELECT name, role FROM agents WHERE id = $1 AND account_id = $2")
                .bind(s(agent))
                .bind(&account)
                .fetch_optional(&mut **tx)
                .await?
                .ok_or(Error::NotFound("agent"))?;
            let agent_name: String = target.get(0);
            let target_role: AccountRole = rows::parse(target.get::<&str, _>(1))?;
            convene_proto::team::may_crew(Some(me.role), target_role).map_err(super::team::refused)?;
            let changed = if add {
                sqlx::query(
                    "INSERT INTO crew_members (crew_id, agent_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                )
                .bind(s(crew))
                .bind(s(agent))
                .execute(&mut **tx)
                .await?
            } else {
                sqlx::query("DELETE FROM crew_members WHERE crew_id = $1 AND agent_id = $2")
                    .bind(s(crew))
                    .bind(s(agent))
                    .execute(&mut **tx)
                    .await?
            };
            // Asking for what already holds records nothing.
            if changed.rows_affected() > 0 {
                let by = principal.name();
                let (kind, summary) = if add {
                    (AuditKind::CrewMemberAdded, format!("{by} added {agent_name} to the crew {crew_name}"))
                } else {
                    (AuditKind::CrewMemberRemoved, format!("{by} removed {agent_name} from the crew {crew_name}"))
                };
                audit::record(
                    tx,
                    principal.account_id(),
                    Entry::new(kind, principal, &summary)
                        .to(audit::target(AuditPartyKind::Agent, agent, &agent_name)),
                )
                .await?;
            }
            crew_row(tx, crew).await
        })
    })
    .await
}

/// Renames a crew, or changes its call to action or whether customers may request it; answers the
/// crew as it now is.
pub async fn update_crew(
    ctx: &Ctx,
    principal: &Principal,
    crew: CrewId,
    req: UpdateCrew,
) -> Result<Crew, Error> {
    require_manager(principal)?;
    let name = req
        .name
        .as_deref()
        .map(|n| validate::text("name", n, validate::MAX_NAME))
        .transpose()?;
    let cta = req
        .call_to_action
        .as_deref()
        .map(|c| validate::text("call_to_action", c, validate::MAX_NAME))
        .transpose()?;
    let (name, cta) = (&name, &cta);
    ctx.change(move |tx| {
        Box::pin(async move {
            // Live crews' names are unique in the account (a deleted crew keeps its name for the
            // requests made to them, but frees it). Asked first, so a taken name is a clear 409; two renames racing to
            // one name meet at the unique index, and the retry finds the winner here.
            if let Some(name) = name {
                let taken = sqlx::query(
                    "SELECT 1 FROM crews WHERE account_id = $1 AND name = $2 AND id <> $3 AND deleted_at IS NULL",
                )
                .bind(s(principal.account_id()))
                .bind(name)
                .bind(s(crew))
                .fetch_optional(&mut **tx)
                .await?;
                if taken.is_some() {
                    return Err(Error::Conflict {
                        field: Some("name".to_owned()),
                        message: format!(
                            "a crew named {name} already exists; choose another name"
                        ),
                    });
                }
            }
            let before = crew_row(tx, crew).await;
            let done = sqlx::query(
                "UPDATE crews SET name = COALESCE($1, name), call_to_action = COALESCE($2, call_to_action),
                        customer_requestable = COALESCE($3, customer_requestable)
                 WHERE id = $4 AND account_id = $5 AND deleted_at IS NULL",
            )
            .bind(name.as_deref())
            .bind(cta.as_deref())
            .bind(req.customer_requestable.map(i64::from))
            .bind(s(crew))
            .bind(s(principal.account_id()))
            .execute(&mut **tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(Error::NotFound("crew"));
            }
            let (before, after) = (before?, crew_row(tx, crew).await?);
            let mut what = Vec::new();
            if before.name != after.name {
                what.push(format!("renamed it to {}", after.name));
            }
            if before.call_to_action != after.call_to_action {
                what.push(format!("set its call to action to \"{}\"", after.call_to_action));
            }
            if before.customer_requestable != after.customer_requestable {
                what.push(if after.customer_requestable {
                    "let customers request it".to_owned()
                } else {
                    "stopped customers requesting it".to_owned()
                });
            }
            if !what.is_empty() {
                let summary = format!(
                    "{} changed the crew {}: {}",
                    principal.name(),
                    before.name,
                    what.join(", ")
                );
                audit::record(
                    tx,
                    principal.account_id(),
                    Entry::new(AuditKind::CrewUpdated, principal, &summary)
                        .to(audit::target(AuditPartyKind::Crew, crew, &after.name)),
                )
                .await?;
            }
            Ok(after)
        })
    })
    .await
}

/// Deletes a crew: it is listed nowhere and can no longer be requested; the service requests made
/// to it stay readable with its name.
pub async fn delete_crew(ctx: &Ctx, principal: &Principal, crew: CrewId) -> Result<(), Error> {
    require_manager(principal)?;
    ctx.change(move |tx| {
        Box::pin(async move {
            let done = sqlx::query(
                "UPDATE crews SET deleted_at = $1 WHERE id = $2 AND account_id = $3 AND deleted_at IS NULL",
            )
            .bind(crate::clock::now_ms())
            .bind(s(crew))
            .bind(s(principal.account_id()))
            .execute(&mut **tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(Error::NotFound("crew"));
            }
            let name: String = sqlx::query_scalar("SELECT name FROM crews WHERE id = $1")
                .bind(s(crew))
                .fetch_one(&mut **tx)
                .await?;
            audit::record(
                tx,
                principal.account_id(),
                Entry::new(
                    AuditKind::CrewDeleted,
                    principal,
                    &format!("{} deleted the crew {name}", principal.name()),
                )
                .to(audit::target(AuditPartyKind::Crew, crew, &name)),
            )
            .await?;
            Ok(())
        })
    })
    .await
}

async fn crew_row(conn: &mut AnyConnection, crew: CrewId) -> Result<Crew, Error> {
    let r =
        sqlx::query("SELECT name, call_to_action, customer_requestable FROM crews WHERE id = $1")
            .bind(s(crew))
            .fetch_one(&mut *conn)
            .await?;
    let members = crew_members(conn, &s(crew)).await?;
    Ok(Crew {
        id: crew,
        name: r.get(0),
        call_to_action: r.get(1),
        customer_requestable: r.get::<i64, _>(2) != 0,
        available: members.iter().any(|a| a.status == AgentStatus::Active),
        members,
    })
}

/// Contacts with a name word or email starting with each word of `q`, in the order of the word
/// the first word of `q` matched. Agents only: contacts never see each other.
pub async fn search_contacts(
    ctx: &Ctx,
    principal: &Principal,
    q: &str,
) -> Result<Vec<Contact>, Error> {
    principal.require_agent()?;
    if q.chars().count() > 254 {
        return Err(Error::invalid("q", "q must be at most 254 characters"));
    }
    let words: Vec<String> = q.split_whitespace().map(str::to_lowercase).collect();
    let Some(first) = words.first() else {
        return Ok(Vec::new());
    };
    // The first word is a range over the terms index, in term order; the other words narrow it.
    let mut upper = first.clone();
    upper.push(char::MAX);
    let hits = sqlx::query(
        "SELECT t.contact_id, c.email, c.name FROM contact_terms t JOIN contacts c ON c.id = t.contact_id
         WHERE t.account_id = $1 AND t.term >= $2 AND t.term < $3
         ORDER BY t.term, t.contact_id LIMIT $4",
    )
    .bind(s(principal.account_id()))
    .bind(first)
    .bind(&upper)
    .bind(SEARCH_SCAN)
    .fetch_all(ctx.store.pool())
    .await?;
    let mut seen = std::collections::HashSet::new();
    let mut found = Vec::new();
    for r in &hits {
        let id: &str = r.get(0);
        let (email, name): (String, String) = (r.get(1), r.get(2));
        let terms = crate::store::contact_terms(&name, &email);
        let matches = words[1..]
            .iter()
            .all(|w| terms.iter().any(|t| t.starts_with(w.as_str())));
        if matches && seen.insert(id.to_owned()) {
            found.push(Contact {
                id: rows::parse(id)?,
                email,
                name,
            });
            if found.len() as i64 == SEARCH_LIMIT {
                break;
            }
        }
    }
    Ok(found)
}
