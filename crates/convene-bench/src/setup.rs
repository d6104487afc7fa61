//! Benchmark data: an account, agents with sessions, and (for SQLite) bulk conversations,
//! participants, messages and contacts written straight into the server's database file, so
//! setting up 100,000 rows takes seconds and is not part of any figure.

use std::path::Path;

use anyhow::{Context, Result};
use convene_proto::{AccountId, AccountRole, AgentId};
use convene_server::store::{contact_terms, NewAgent, Store};
use rusqlite::params;

/// Password of every benchmark agent.
pub const PASSWORD: &str = "bench-password-1";

const FIRST: &[&str] = &[
    "Ada", "Bruno", "Carmen", "Dmitri", "Elena", "Farid", "Greta", "Hiro", "Ines", "Jonas",
    "Kemal", "Lena", "Mateo", "Nadia", "Oscar", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma",
    "Victor", "Wanda", "Xiu", "Yusuf", "Zoe",
];
const LAST: &[&str] = &[
    "Andersen", "Bauer", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ivanova",
    "Jensen", "Kowalski", "Larsen", "Moreau", "Novak", "Okafor", "Petrov", "Quispe", "Rossi",
    "Silva", "Tanaka", "Urban", "Vogel", "Weber", "Xu", "Yilmaz", "Zimmer",
];

/// A contact's name and email, spread over first names, last names and domains.
pub fn contact(i: usize) -> (String, String) {
    let first = FIRST[i % FIRST.len()];
    let last = LAST[(i / FIRST.len()) % LAST.len()];
    let name = format!("{first} {last} {i}");
    let email = format!(
        "{}.{}{i}@customer{}.example",
        first.to_lowercase(),
        last.to_lowercase(),
        i % 97
    );
    (name, email)
}

/// An account with one superadmin and `agents` plain agents, each with a session token.
pub struct Account {
    pub id: AccountId,
    pub admin: AgentId,
    pub admin_token: String,
    pub agents: Vec<(AgentId, String)>,
}

/// Creates the account and its agents through the server's own store code, and mints a session
/// token for each (signing in a thousand agents would only measure argon2).
pub async fn account(store: &Store, agents: usize) -> Result<Account> {
    let hash = convene_server::auth::hash_password(PASSWORD).context("hashing the password")?;
    let (id, admin) = store
        .create_account("Bench", "owner@bench.example", "Bench Owner", &hash)
        .await?;
    let admin_token = mint_session(store, admin).await?;
    let mut list = Vec::with_capacity(agents);
    for i in 0..agents {
        let email = format!("agent{i}@bench.example");
        let agent = store
            .create_agent(&NewAgent {
                account_id: id,
                email: &email,
                name: &format!("Agent {i:04}"),
                role: AccountRole::Agent,
                password_hash: &hash,
            })
            .await?;
        list.push((agent, mint_session(store, agent).await?));
    }
    Ok(Account {
        id,
        admin,
        admin_token,
        agents: list,
    })
}

/// Stores a session for `agent` and answers its bearer token.
pub async fn mint_session(store: &Store, agent: AgentId) -> Result<String> {
    let (token, hash) = convene_server::auth::new_token();
    sqlx::query(
        "INSERT INTO sessions (token_hash, agent_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(hash)
    .bind(agent.to_string())
    .bind(convene_server::clock::now_ms())
    .bind(i64::MAX / 2)
    .execute(store.pool())
    .await?;
    Ok(token)
}

/// How big a bulk data set is.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    pub conversations: usize,
    /// Participants of each conversation: the owning agent and contacts.
    pub participants_per: usize,
    pub messages_per: usize,
    pub contacts: usize,
}

/// Writes `shape` into the SQLite database `db` for `account`: conversations owned by `owner`,
/// each with contacts from the pool, messages, a creation event and a change-feed row.
pub fn bulk(db: &Path, account: AccountId, owner: AgentId, shape: Shape) -> Result<()> {
    let mut conn = rusqlite::Connection::open(db)?;
    conn.execute_batch("PRAGMA synchronous = OFF; PRAGMA foreign_keys = OFF;")?;
    let tx = conn.transaction()?;
    let account = account.to_string();
    let owner = owner.to_string();
    let t0 = convene_server::clock::now_ms() - 10_000_000;
    let mut contact_ids = Vec::with_capacity(shape.contacts);
    {
        let mut c = tx.prepare(
            "INSERT INTO contacts (id, account_id, email, name, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        let mut t = tx.prepare(
            "INSERT OR IGNORE INTO contact_terms (account_id, term, contact_id) VALUES (?1, ?2, ?3)",
        )?;
        for i in 0..shape.contacts {
            let id = uuid::Uuid::now_v7().to_string();
            let (name, email) = contact(i);
            c.execute(params![id, account, email, name, t0])?;
            for term in contact_terms(&name, &email) {
                t.execute(params![account, term, id])?;
            }
            contact_ids.push(id);
        }
        let mut conv = tx.prepare(
            "INSERT INTO conversations (id, account_id, subject, status, created_by, created_at, updated_at)
             VALUES (?1, ?2, ?3, 'open', ?4, ?5, ?6)",
        )?;
        let mut part = tx.prepare(
            "INSERT INTO participants (id, conversation_id, agent_id, contact_id, role, state, added_by, via, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'joined', ?6, ?7, ?8, ?8)",
        )?;
        let mut msg = tx.prepare(
            "INSERT INTO messages (id, conversation_id, author_agent_id, author_contact_id, body, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        let mut event = tx.prepare(
            "INSERT INTO events (id, account_id, conversation_id, kind, actor, text, created_at)
             VALUES (?1, ?2, ?3, 'conversation_created', 'Bench Owner', 'Bench Owner started the conversation', ?4)",
        )?;
        let mut change = tx.prepare(
            "INSERT INTO changes (account_id, conversation_id, kind, affected_agent, created_at)
             VALUES (?1, ?2, 'conversation', ?3, ?4)",
        )?;
        let mut next_contact = 0usize;
        for i in 0..shape.conversations {
            let id = uuid::Uuid::now_v7().to_string();
            let at = t0 + i64::try_from(i)? * 1000;
            // Updated when its last message was posted, as the server keeps it.
            conv.execute(params![
                id,
                account,
                format!("Order #{:06}: delivery and billing questions", 100_000 + i),
                owner,
                at,
                at + i64::try_from(shape.messages_per)?
            ])?;
            part.execute(params![
                uuid::Uuid::now_v7().to_string(),
                id,
                owner,
                Option::<String>::None,
                "owner",
                Option::<String>::None,
                "created",
                at
            ])?;
            let mut members = Vec::new();
            for _ in 1..shape.participants_per {
                let contact = &contact_ids[next_contact % contact_ids.len().max(1)];
                next_contact += 1;
                members.push(contact.clone());
                part.execute(params![
                    uuid::Uuid::now_v7().to_string(),
                    id,
                    Option::<String>::None,
                    contact,
                    "contact",
                    owner,
                    "email_invite",
                    at
                ])?;
            }
            for m in 0..shape.messages_per {
                let by_agent = m % 2 == 0 || members.is_empty();
                msg.execute(params![
                    uuid::Uuid::now_v7().to_string(),
                    id,
                    by_agent.then(|| owner.clone()),
                    (!by_agent).then(|| members[m % members.len()].clone()),
                    format!("Message {m} about order {i}: could you confirm the delivery date and the invoice address?"),
                    at + i64::try_from(m)? + 1
                ])?;
            }
            event.execute(params![uuid::Uuid::now_v7().to_string(), account, id, at])?;
            change.execute(params![account, id, owner, at])?;
        }
    }
    tx.commit()?;
    Ok(())
}
