//! Workloads 1 and 2: a first sync of 10,000 conversations into an empty client cache, and an
//! incremental sync of 100 changes on top of it, each against a raw baseline: decoding the same
//! JSON pages and inserting the same rows with rusqlite in one transaction. Workload 1c: a first
//! sync of a long history (1,000,000 messages), to the recent pages and to the whole history
//! filled in the background, each against the same raw baseline over the same pages.

use std::path::Path;
use std::time::Instant;

use anyhow::{ensure, Context, Result};
use convene_client::Client;
use convene_proto::SyncPage;
use rusqlite::params;
use serde::Serialize;

use crate::figures::Figure;
use crate::server::Running;

/// Just what paging needs of a sync page.
#[derive(serde::Deserialize)]
struct PageHead {
    cursor: String,
    has_more: bool,
}

/// The raw JSON pages a sync from `cursor` answers (fetched before any timing).
pub async fn fetch_pages(
    server: &Running,
    token: &str,
    mut cursor: Option<String>,
) -> Result<Vec<Vec<u8>>> {
    let http = reqwest::Client::new();
    let mut pages = Vec::new();
    loop {
        let mut req = http
            .get(format!("{}/api/v1/sync", server.url))
            .bearer_auth(token);
        if let Some(c) = &cursor {
            req = req.query(&[("cursor", c)]);
        }
        let body = req.send().await?.error_for_status()?.bytes().await?;
        let page: PageHead = serde_json::from_slice(&body)?;
        pages.push(body.to_vec());
        if !page.has_more {
            return Ok(pages);
        }
        cursor = Some(page.cursor);
    }
}

fn body<T: Serialize>(v: &T) -> Result<String> {
    Ok(serde_json::to_string(v)?)
}

fn time_key(t: time::OffsetDateTime) -> Result<String> {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    Ok(t.to_offset(time::UtcOffset::UTC).format(&format)?)
}

fn insert_messages(
    stmt: &mut rusqlite::Statement<'_>,
    messages: &[convene_proto::Message],
) -> Result<()> {
    for m in messages {
        stmt.execute(params![
            m.id.to_string(),
            m.conversation_id.to_string(),
            time_key(m.created_at)?,
            body(m)?
        ])?;
    }
    Ok(())
}

/// The baseline: decode `pages` and insert the same rows into the cache file at `db` (schema
/// already made by the client) with prepared statements in one transaction. Answers seconds.
pub fn baseline(db: &Path, pages: &[Vec<u8>]) -> Result<f64> {
    let mut conn = rusqlite::Connection::open(db)?;
    let started = Instant::now();
    let tx = conn.transaction()?;
    {
        let mut conv = tx.prepare(
            "INSERT OR REPLACE INTO conversations (id, updated_at, body, me) VALUES (?1, ?2, ?3, ?4)",
        )?;
        let mut part = tx.prepare(
            "INSERT OR REPLACE INTO participants (id, conversation_id, body) VALUES (?1, ?2, ?3)",
        )?;
        let mut msg = tx.prepare(
            "INSERT OR REPLACE INTO messages (id, conversation_id, created_at, body, outbox_seq) VALUES (?1, ?2, ?3, ?4, NULL)",
        )?;
        let mut event = tx.prepare(
            "INSERT OR REPLACE INTO events (id, conversation_id, created_at, body) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for raw in pages {
            let page: SyncPage = serde_json::from_slice(raw)?;
            for s in &page.conversations {
                let id = s.conversation.id.to_string();
                conv.execute(params![
                    id,
                    time_key(s.conversation.updated_at)?,
                    body(&s.conversation)?,
                    body(&s.me)?
                ])?;
                for p in &s.participants {
                    part.execute(params![p.id.to_string(), id, body(p)?])?;
                }
            }
            insert_messages(&mut msg, &page.messages)?;
            for e in &page.events {
                event.execute(params![
                    e.id.to_string(),
                    e.conversation_id.to_string(),
                    time_key(e.created_at)?,
                    body(e)?
                ])?;
            }
        }
    }
    tx.commit()?;
    Ok(started.elapsed().as_secs_f64())
}

/// The raw JSON pages of the history fill (fetched before any timing).
async fn fetch_history(server: &Running, token: &str) -> Result<Vec<Vec<u8>>> {
    let http = reqwest::Client::new();
    let mut pages = Vec::new();
    let mut cursor = String::new();
    loop {
        let body = http
            .get(format!("{}/api/v1/sync/history", server.url))
            .query(&[("cursor", &cursor)])
            .bearer_auth(token)
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        let page: PageHead = serde_json::from_slice(&body)?;
        pages.push(body.to_vec());
        if !page.has_more {
            return Ok(pages);
        }
        cursor = page.cursor;
    }
}

/// The history baseline: decode the history pages and insert their messages, as [`baseline`].
fn baseline_history(db: &Path, pages: &[Vec<u8>]) -> Result<f64> {
    let mut conn = rusqlite::Connection::open(db)?;
    let started = Instant::now();
    let tx = conn.transaction()?;
    {
        let mut msg = tx.prepare(
            "INSERT OR REPLACE INTO messages (id, conversation_id, created_at, body, outbox_seq) VALUES (?1, ?2, ?3, ?4, NULL)",
        )?;
        for raw in pages {
            let page: convene_proto::HistoryPage = serde_json::from_slice(raw)?;
            insert_messages(&mut msg, &page.messages)?;
        }
    }
    tx.commit()?;
    Ok(started.elapsed().as_secs_f64())
}

/// Workload 1c on a server holding `expect_messages` messages in long conversations for the
/// agent with `token`: one first sync into an empty cache, timed to its end (the recent pages:
/// the list and every conversation's newest messages are usable) and then through the background
/// fill of the rest. Answers the client (its cache whole) and the figures.
pub async fn long_history(
    server: &Running,
    token: &str,
    work: &Path,
    expect_messages: i64,
) -> Result<(Client, Vec<Figure>)> {
    let pages = fetch_pages(server, token, None).await?;
    let history = fetch_history(server, token).await?;
    let dir = work.join("history-sync");
    let (client, recent_secs) = first_sync(server, token, &dir).await?;
    let fill_started = Instant::now();
    client.fill_history().await.context("history fill")?;
    let full_secs = recent_secs + fill_started.elapsed().as_secs_f64();
    let db = client.cache_path().to_owned();
    ensure!(
        count(&db, "messages")? == expect_messages,
        "the fill did not bring every message: {} of {expect_messages}",
        count(&db, "messages")?
    );
    let raw_dir = work.join("history-baseline");
    let raw = Client::open(&raw_dir)?;
    let raw_db = raw.cache_path().to_owned();
    drop(raw);
    let base_recent = baseline(&raw_db, &pages)?;
    let base_full = base_recent + baseline_history(&raw_db, &history)?;
    ensure!(
        count(&raw_db, "messages")? == expect_messages,
        "baseline stored a different number of messages"
    );
    let mb = |p: &[Vec<u8>]| p.iter().map(Vec::len).sum::<usize>() as f64 / 1e6;
    Ok((
        client,
        vec![
            Figure::new("history_sync.recent_pages", recent_secs * 1000.0, "ms"),
            Figure::new(
                "history_sync.recent_pages.baseline",
                base_recent * 1000.0,
                "ms",
            ),
            Figure::ratio(
                "history_sync.recent_pages.ratio_to_baseline",
                recent_secs / base_recent,
                Some(3.0),
            ),
            Figure::new("history_sync.full_history", full_secs * 1000.0, "ms"),
            Figure::new(
                "history_sync.full_history.baseline",
                base_full * 1000.0,
                "ms",
            ),
            Figure::ratio(
                "history_sync.full_history.ratio_to_baseline",
                full_secs / base_full,
                Some(3.0),
            ),
            Figure::new(
                "history_sync.recent_share_of_full",
                recent_secs / full_secs,
                "x",
            ),
            Figure::new("history_sync.recent_json", mb(&pages), "MB"),
            Figure::new("history_sync.history_json", mb(&history), "MB"),
        ],
    ))
}

fn count(db: &Path, table: &str) -> Result<i64> {
    let conn = rusqlite::Connection::open(db)?;
    Ok(conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?)
}

/// A client signed in with `token` after a timed first sync into an empty cache in `dir`.
pub async fn first_sync(server: &Running, token: &str, dir: &Path) -> Result<(Client, f64)> {
    let client = Client::open(dir)?;
    let started = Instant::now();
    client
        .adopt_session(&server.url, token)
        .await
        .context("first sync")?;
    Ok((client, started.elapsed().as_secs_f64()))
}

/// Workload 1 on a server holding `conversations`/`participants`/`messages` for the agent with
/// `token`; `runs` timed first syncs, each into a new empty cache.
pub async fn initial(
    server: &Running,
    token: &str,
    work: &Path,
    expect: (i64, i64, i64),
    runs: usize,
) -> Result<Vec<Figure>> {
    // Untimed warm-up, then the server's part alone: the same pages fetched raw.
    fetch_pages(server, token, None).await?;
    let fetch_started = Instant::now();
    let pages = fetch_pages(server, token, None).await?;
    let server_ms = fetch_started.elapsed().as_secs_f64() * 1000.0;
    let bytes: usize = pages.iter().map(Vec::len).sum();
    let mut synced = Vec::new();
    let mut base = Vec::new();
    for run in 0..runs {
        let dir = work.join(format!("first-sync-{run}"));
        let (client, secs) = first_sync(server, token, &dir).await?;
        let db = client.cache_path().to_owned();
        drop(client);
        ensure!(
            (
                count(&db, "conversations")?,
                count(&db, "participants")?,
                count(&db, "messages")?
            ) == expect,
            "the first sync did not fill the cache with {expect:?}"
        );
        synced.push(secs * 1000.0);
        let raw_dir = work.join(format!("baseline-{run}"));
        let raw = Client::open(&raw_dir)?;
        let raw_db = raw.cache_path().to_owned();
        drop(raw);
        base.push(baseline(&raw_db, &pages)? * 1000.0);
        ensure!(
            count(&raw_db, "participants")? == expect.1,
            "baseline stored a different number of rows"
        );
    }
    let sync_ms = crate::figures::percentile(&mut synced, 50.0);
    let base_ms = crate::figures::percentile(&mut base, 50.0);
    Ok(vec![
        Figure::below(
            "initial_sync.10k_conversations.median",
            sync_ms,
            "ms",
            3000.0,
        ),
        Figure::new("initial_sync.baseline_decode_insert.median", base_ms, "ms"),
        Figure::ratio(
            "initial_sync.ratio_to_baseline",
            sync_ms / base_ms,
            Some(3.0),
        ),
        Figure::new("initial_sync.server_pages_raw_fetch", server_ms, "ms"),
        Figure::new("initial_sync.json_bytes", bytes as f64 / 1e6, "MB"),
        Figure::new("initial_sync.pages", pages.len() as f64, "pages"),
    ])
}

#[allow(clippy::too_many_arguments)]
/// Workload 2: `rounds` times, `changes` messages are posted (as other work on the server), then
/// the client's incremental sync is timed; the baseline decodes and inserts that same page.
pub async fn incremental(
    server: &Running,
    client: &Client,
    poster_token: &str,
    conversations: &[String],
    label: &str,
    changes: usize,
    rounds: usize,
    work: &Path,
) -> Result<Vec<Figure>> {
    let http = reqwest::Client::new();
    let mut synced = Vec::new();
    let mut base = Vec::new();
    for round in 0..rounds {
        let cursor = client_cursor(client)?;
        for i in 0..changes {
            let conv = &conversations[(round * changes + i * 37) % conversations.len()];
            http.post(format!(
                "{}/api/v1/conversations/{conv}/messages",
                server.url
            ))
            .bearer_auth(poster_token)
            .json(&serde_json::json!({ "body": format!("Update {round}/{i}: the parcel left the warehouse.") }))
            .send()
            .await?
            .error_for_status()?;
        }
        let pages = fetch_pages(server, poster_token, cursor).await?;
        let started = Instant::now();
        client.sync_now().await?;
        synced.push(started.elapsed().as_secs_f64() * 1000.0);
        let raw_dir = work.join(format!("incremental-{label}-{round}"));
        let raw = Client::open(&raw_dir)?;
        let raw_db = raw.cache_path().to_owned();
        drop(raw);
        base.push(baseline(&raw_db, &pages)? * 1000.0);
    }
    let sync_ms = crate::figures::percentile(&mut synced, 50.0);
    let base_ms = crate::figures::percentile(&mut base, 50.0);
    Ok(vec![
        Figure::below(
            format!("incremental_sync.{changes}_changes.{label}.median"),
            sync_ms,
            "ms",
            50.0,
        ),
        Figure::new(
            format!("incremental_sync.{changes}_changes.{label}.baseline.median"),
            base_ms,
            "ms",
        ),
        Figure::ratio(
            format!("incremental_sync.{changes}_changes.{label}.ratio_to_baseline"),
            sync_ms / base_ms,
            None,
        ),
    ])
}

fn client_cursor(client: &Client) -> Result<Option<String>> {
    let conn = rusqlite::Connection::open(client.cache_path())?;
    Ok(conn
        .query_row("SELECT cursor FROM sync_state WHERE id = 1", [], |r| {
            r.get(0)
        })
        .ok()
        .flatten())
}
