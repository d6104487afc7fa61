//! Workload 4: membership throughput. A load generator on loopback sends a bounded number of
//! invite, join (accept) and remove requests, then a mix of the three, with a fixed number in
//! flight, to the real server on durable settings (an answer means the change is on disk: SQLite
//! through the server's group commit, PostgreSQL with fsync and synchronous_commit on). Baseline:
//! the same writes of each operation issued directly against the same kind of database, one
//! transaction per operation, each made durable the same way, with the same concurrency.

use std::sync::Arc;
use std::time::Instant;

use anyhow::{ensure, Context, Result};
use convene_proto::{AccountId, AgentId, InviteOutcome};
use convene_server::Store;
use futures_util::stream::{self, StreamExt};

use crate::figures::Figure;
use crate::server::Running;

/// Requests in flight at once.
const IN_FLIGHT: usize = 16;

/// Conversations owned by `owner`, made with plain statements (works on both databases).
pub async fn conversations(
    store: &Store,
    account: AccountId,
    owner: AgentId,
    n: usize,
) -> Result<Vec<String>> {
    let mut tx = store.pool().begin().await?;
    let now = convene_server::clock::now_ms();
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let id = uuid::Uuid::now_v7().to_string();
        sqlx::query(
            "INSERT INTO conversations (id, account_id, subject, status, created_by, created_at, updated_at)
             VALUES ($1, $2, $3, 'open', $4, $5, $5)",
        )
        .bind(&id)
        .bind(account.to_string())
        .bind(format!("Throughput {i}"))
        .bind(owner.to_string())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO participants (id, conversation_id, agent_id, role, state, via, created_at, updated_at)
             VALUES ($1, $2, $3, 'owner', 'joined', 'created', $4, $4)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(&id)
        .bind(owner.to_string())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        ids.push(id);
    }
    tx.commit().await?;
    store.durable().await?;
    Ok(ids)
}

/// A pair to work on: conversation, agent, the agent's token.
#[derive(Clone)]
struct Pair {
    conversation: String,
    agent: AgentId,
    token: String,
}

/// Where an invited pair stands.
#[derive(Clone)]
struct Invited {
    pair: Pair,
    invite: String,
    participant: String,
}

fn pairs(conversations: &[String], agents: &[(AgentId, String)], n: usize) -> Vec<Pair> {
    (0..n)
        .map(|i| {
            let (agent, token) = &agents[i % agents.len()];
            Pair {
                conversation: conversations[i / agents.len()].clone(),
                agent: *agent,
                token: token.clone(),
            }
        })
        .collect()
}

async fn invite(http: &reqwest::Client, url: &str, owner: &str, p: Pair) -> Result<Invited> {
    let outcome: InviteOutcome = http
        .post(format!(
            "{url}/api/v1/conversations/{}/agent-invites",
            p.conversation
        ))
        .bearer_auth(owner)
        .json(&serde_json::json!({ "agent_id": p.agent }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let invite = outcome.invite.context("no invite in the answer")?;
    Ok(Invited {
        pair: p,
        invite: invite.id.to_string(),
        participant: invite.participant_id.to_string(),
    })
}

async fn accept(http: &reqwest::Client, url: &str, i: &Invited) -> Result<()> {
    http.post(format!("{url}/api/v1/invites/{}/accept", i.invite))
        .bearer_auth(&i.pair.token)
        .send()
        .await?
        .error_for_status()?;
    Ok(())
}

async fn remove(http: &reqwest::Client, url: &str, owner: &str, i: &Invited) -> Result<()> {
    http.delete(format!(
        "{url}/api/v1/conversations/{}/participants/{}",
        i.pair.conversation, i.participant
    ))
    .bearer_auth(owner)
    .send()
    .await?
    .error_for_status()?;
    Ok(())
}

/// Runs `f` over `items` with [`IN_FLIGHT`] at once; answers results and operations per second.
async fn drive<T, R, F, Fut>(items: Vec<T>, ops_each: usize, f: F) -> Result<(Vec<R>, f64)>
where
    F: Fn(T) -> Fut,
    Fut: std::future::Future<Output = Result<R>>,
{
    let n = items.len();
    let started = Instant::now();
    let results: Vec<Result<R>> = stream::iter(items.into_iter().map(f))
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    let secs = started.elapsed().as_secs_f64();
    let results = results.into_iter().collect::<Result<Vec<R>>>()?;
    Ok((results, (n * ops_each) as f64 / secs))
}

/// The load generator against `server`. `conversations` are owned by the admin (`owner`);
/// `agents` get invited. Answers figures named `membership.{label}.*`.
#[allow(clippy::too_many_arguments)]
pub async fn membership(
    server: &Running,
    owner: &str,
    conversations: &[String],
    agents: &[(AgentId, String)],
    requests: usize,
    label: &str,
    floor: f64,
    baseline_ops: f64,
) -> Result<Vec<Figure>> {
    let http = Arc::new(reqwest::Client::new());
    let url = Arc::new(server.url.clone());
    let owner = Arc::new(owner.to_owned());
    let half = conversations.len() / 2;
    let first = pairs(&conversations[..half], agents, requests);
    let (invited, invite_ops) = drive(first, 1, |p| {
        let (http, url, owner) = (http.clone(), url.clone(), owner.clone());
        async move { invite(&http, &url, &owner, p).await }
    })
    .await?;
    let (_, join_ops) = drive(invited.clone(), 1, |i| {
        let (http, url) = (http.clone(), url.clone());
        async move { accept(&http, &url, &i).await }
    })
    .await?;
    let (_, remove_ops) = drive(invited, 1, |i| {
        let (http, url, owner) = (http.clone(), url.clone(), owner.clone());
        async move { remove(&http, &url, &owner, &i).await }
    })
    .await?;
    let second = pairs(&conversations[half..], agents, requests / 3);
    let (_, mixed_ops) = drive(second, 3, |p| {
        let (http, url, owner) = (http.clone(), url.clone(), owner.clone());
        async move {
            let i = invite(&http, &url, &owner, p).await?;
            accept(&http, &url, &i).await?;
            remove(&http, &url, &owner, &i).await
        }
    })
    .await?;
    ensure!(mixed_ops > 0.0, "no operations ran");
    let name = |op: &str| format!("membership.{label}.{op}");
    Ok(vec![
        Figure::at_least(name("invite"), invite_ops, "ops/s", floor),
        Figure::at_least(name("join"), join_ops, "ops/s", floor),
        Figure::at_least(name("remove"), remove_ops, "ops/s", floor),
        Figure::at_least(name("mixed"), mixed_ops, "ops/s", floor),
        Figure::new(name("baseline_direct_statements"), baseline_ops, "ops/s"),
        // The rules' cost (the conversation lock, the checks, the transaction helper) may take at
        // most a fifth of what the bare statements reach.
        Figure::share_at_least(
            name("mixed_share_of_baseline"),
            mixed_ops / baseline_ops,
            0.8,
        ),
    ])
}

/// The baseline: each operation's writes as direct statements in one transaction per
/// operation (invite, accept, remove for each pair), [`IN_FLIGHT`] at once. Answers ops/s.
pub async fn direct(
    store: &Store,
    conversations: &[String],
    agents: &[(AgentId, String)],
    requests: usize,
) -> Result<f64> {
    let list = pairs(conversations, agents, requests / 3);
    let store = Arc::new(store.clone());
    let (_, ops) = drive(list, 3, |p| {
        let store = store.clone();
        async move { direct_pair(&store, &p).await }
    })
    .await?;
    Ok(ops)
}

/// A write transaction as the server begins one (on SQLite, `BEGIN IMMEDIATE`).
async fn begin(store: &Store) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
    Ok(match store.backend() {
        convene_server::store::Backend::Sqlite => {
            store.pool().begin_with("BEGIN IMMEDIATE").await?
        }
        convene_server::store::Backend::Postgres => store.pool().begin().await?,
    })
}

async fn direct_pair(store: &Store, p: &Pair) -> Result<()> {
    let participant = uuid::Uuid::now_v7().to_string();
    let invite = uuid::Uuid::now_v7().to_string();
    let account: String = sqlx::query_scalar("SELECT account_id FROM conversations WHERE id = $1")
        .bind(&p.conversation)
        .fetch_one(store.pool())
        .await?;
    // Invite.
    let now = convene_server::clock::now_ms();
    let mut tx = begin(store).await?;
    sqlx::query(
        "INSERT INTO participants (id, conversation_id, agent_id, role, state, via, created_at, updated_at)
         VALUES ($1, $2, $3, 'agent', 'invited', 'direct', $4, $4)",
    )
    .bind(&participant)
    .bind(&p.conversation)
    .bind(p.agent.to_string())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO invites (id, conversation_id, participant_id, kind, status, send_count, created_at, updated_at)
         VALUES ($1, $2, $3, 'agent', 'pending', 1, $4, $4)",
    )
    .bind(&invite)
    .bind(&p.conversation)
    .bind(&participant)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    change(&mut tx, &account, p, now).await?;
    tx.commit().await?;
    store.durable().await?;
    // Accept.
    let mut tx = begin(store).await?;
    sqlx::query("UPDATE invites SET status = 'accepted', updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(&invite)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE participants SET state = 'joined', updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(&participant)
        .execute(&mut *tx)
        .await?;
    change(&mut tx, &account, p, now).await?;
    tx.commit().await?;
    store.durable().await?;
    // Remove.
    let mut tx = begin(store).await?;
    sqlx::query("UPDATE participants SET state = 'removed', updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(&participant)
        .execute(&mut *tx)
        .await?;
    change(&mut tx, &account, p, now).await?;
    tx.commit().await?;
    store.durable().await?;
    Ok(())
}

/// The writes every membership change makes besides its own: event, feed row, conversation time.
async fn change(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    account: &str,
    p: &Pair,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO events (id, account_id, conversation_id, kind, actor, text, created_at)
         VALUES ($1, $2, $3, 'bench', 'Bench', 'bench', $4)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(account)
    .bind(&p.conversation)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO changes (account_id, conversation_id, kind, affected_agent, created_at)
         VALUES ($1, $2, 'conversation', $3, $4)",
    )
    .bind(account)
    .bind(&p.conversation)
    .bind(p.agent.to_string())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE conversations SET updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(&p.conversation)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
