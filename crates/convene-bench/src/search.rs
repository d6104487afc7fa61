//! Workload 5: contact typeahead over 100,000 contacts. Every query is timed by the server
//! itself (its `Server-Timing` header) and by the client (round trip on loopback). Baseline: the
//! same index range query issued directly against the database file with rusqlite.

use std::path::Path;
use std::time::Instant;

use anyhow::{ensure, Result};
use convene_proto::ContactList;
use rusqlite::params;

use crate::figures::{percentile, Figure};
use crate::server::Running;
use crate::setup;

/// Typeahead queries as people type them: growing prefixes of first names, last names and
/// emails, and two-word queries.
pub fn queries(contacts: usize, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let (name, email) = setup::contact((i * 7919) % contacts.max(1));
            let words: Vec<&str> = name.split_whitespace().collect();
            let len = 1 + i % 4;
            let cut = |s: &str| s.chars().take(len).collect::<String>().to_lowercase();
            match i % 4 {
                0 => cut(words[0]),
                1 => cut(words[1]),
                2 => cut(&email),
                _ => format!("{} {}", words[0].to_lowercase(), cut(words[1])),
            }
        })
        .collect()
}

fn server_ms(res: &reqwest::Response) -> Option<f64> {
    let header = res.headers().get("server-timing")?.to_str().ok()?;
    header.split("dur=").nth(1)?.trim().parse().ok()
}

/// Runs the workload against `server` as the agent with `token`; `db` is the server's SQLite file.
pub async fn contacts(
    server: &Running,
    token: &str,
    db: &Path,
    account: &str,
    contacts: usize,
) -> Result<Vec<Figure>> {
    let qs = queries(contacts, 2000);
    let http = reqwest::Client::new();
    // Warm up: the first queries pay for opening connections and cold pages.
    for q in qs.iter().take(100) {
        http.get(format!("{}/api/v1/contacts", server.url))
            .query(&[("q", q)])
            .bearer_auth(token)
            .send()
            .await?
            .error_for_status()?;
    }
    let mut inside = Vec::with_capacity(qs.len());
    let mut round = Vec::with_capacity(qs.len());
    let mut empty = 0;
    for q in &qs {
        let started = Instant::now();
        let res = http
            .get(format!("{}/api/v1/contacts", server.url))
            .query(&[("q", q)])
            .bearer_auth(token)
            .send()
            .await?
            .error_for_status()?;
        let ms = server_ms(&res);
        let found: ContactList = res.json().await?;
        round.push(started.elapsed().as_secs_f64() * 1000.0);
        inside.extend(ms);
        if found.contacts.is_empty() {
            empty += 1;
        }
    }
    ensure!(inside.len() == qs.len(), "answers without Server-Timing");
    ensure!(empty == 0, "{empty} typeahead queries found nobody");
    let mut base = baseline(db, account, &qs)?;
    let p99 = percentile(&mut inside, 99.0);
    let base99 = percentile(&mut base, 99.0);
    Ok(vec![
        Figure::new(
            "contact_search.server.p50",
            percentile(&mut inside, 50.0),
            "ms",
        ),
        Figure::below("contact_search.server.p99", p99, "ms", 5.0),
        Figure::new(
            "contact_search.round_trip.p99",
            percentile(&mut round, 99.0),
            "ms",
        ),
        Figure::new("contact_search.baseline_direct_query.p99", base99, "ms"),
        Figure::ratio(
            "contact_search.server_p99_ratio_to_baseline",
            p99 / base99,
            None,
        ),
        Figure::new("contact_search.contacts", contacts as f64, "contacts"),
    ])
}

/// The first word's index range query, straight against the database file.
fn baseline(db: &Path, account: &str, qs: &[String]) -> Result<Vec<f64>> {
    let conn = rusqlite::Connection::open(db)?;
    let mut stmt = conn.prepare(
        "SELECT t.contact_id, c.email, c.name FROM contact_terms t JOIN contacts c ON c.id = t.contact_id
         WHERE t.account_id = ?1 AND t.term >= ?2 AND t.term < ?3 ORDER BY t.term, t.contact_id LIMIT 200",
    )?;
    let mut out = Vec::with_capacity(qs.len());
    for q in qs {
        let first = q.split_whitespace().next().unwrap_or_default().to_owned();
        let mut upper = first.clone();
        upper.push(char::MAX);
        let started = Instant::now();
        let rows = stmt
            .query_map(params![account, first, upper], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        out.push(started.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(rows);
    }
    Ok(out)
}

/// The client-cache half of workload 5: the same queries against the contacts a synced client
/// met in its cached conversations (no network). Baseline: the same query through rusqlite.
pub fn cached(client: &convene_client::Client, contacts: usize) -> Result<Vec<Figure>> {
    let qs = queries(contacts, 2000);
    let mut took = Vec::with_capacity(qs.len());
    let mut found_any = 0usize;
    for q in &qs {
        let started = Instant::now();
        let found = client.search_cached_contacts(q)?;
        took.push(started.elapsed().as_secs_f64() * 1000.0);
        found_any += usize::from(!found.is_empty());
    }
    ensure!(
        found_any * 2 > qs.len(),
        "the cache found contacts for only {found_any} of {} queries",
        qs.len()
    );
    let conn = rusqlite::Connection::open(client.cache_path())?;
    // The same two index ranges the client reads, without its filtering and decoding.
    let mut stmt = conn.prepare(
        "SELECT id, name, email, name_key, email_key FROM (
             SELECT * FROM (SELECT * FROM contacts_seen WHERE name_key >= ?1 AND name_key < ?2
                            ORDER BY name_key LIMIT 200)
             UNION
             SELECT * FROM (SELECT * FROM contacts_seen WHERE email_key >= ?1 AND email_key < ?2
                            ORDER BY email_key LIMIT 200))
         ORDER BY name_key",
    )?;
    let mut base = Vec::with_capacity(qs.len());
    for q in &qs {
        let first = q.split_whitespace().next().unwrap_or_default().to_owned();
        let mut upper = first.clone();
        upper.push(char::MAX);
        let started = Instant::now();
        let rows = stmt
            .query_map(params![first, upper], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        base.push(started.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(rows);
    }
    let p99 = percentile(&mut took, 99.0);
    let base99 = percentile(&mut base, 99.0);
    Ok(vec![
        Figure::new(
            "contact_search.client_cache.p50",
            percentile(&mut took, 50.0),
            "ms",
        ),
        Figure::new("contact_search.client_cache.p99", p99, "ms"),
        Figure::new("contact_search.client_cache.baseline.p99", base99, "ms"),
        Figure::ratio(
            "contact_search.client_cache.ratio_to_baseline",
            p99 / base99,
            None,
        ),
    ])
}

/// The conversation list's full-text search over the client cache after a first sync (workload
/// 5b): words and prefixes from subjects, people and message text, as typed. Baseline: the bare
/// FTS5 match over the message index of the first query the search runs, without the ranking
/// across the three indexes, the snippets and the grouping by conversation.
pub fn conversations_cached(client: &convene_client::Client, label: &str) -> Result<Vec<Figure>> {
    const TYPED: &[&str] = &[
        "deliv",
        "invoice addr",
        "confirm",
        "order 12",
        "address",
        "message 3",
        "could you",
        "invo",
        "date",
        "about order 7",
    ];
    let qs: Vec<String> = (0..400)
        .map(|i| TYPED[i % TYPED.len()].to_owned())
        .collect();
    for q in qs.iter().take(20) {
        client.search_conversations(q)?;
    }
    let mut took = Vec::with_capacity(qs.len());
    let mut found_any = 0usize;
    for q in &qs {
        let started = Instant::now();
        let found = client.search_conversations(q)?;
        took.push(started.elapsed().as_secs_f64() * 1000.0);
        found_any += usize::from(!found.is_empty());
    }
    ensure!(
        found_any == qs.len(),
        "the search found nothing for {} of {} queries",
        qs.len() - found_any,
        qs.len()
    );
    let conn = rusqlite::Connection::open(client.cache_path())?;
    let mut stmt =
        conn.prepare("SELECT rowid FROM message_fts WHERE message_fts MATCH ?1 LIMIT 200")?;
    let mut base = Vec::with_capacity(qs.len());
    for q in &qs {
        // The first query the search runs (whole words and indexed prefixes).
        let query = convene_client::cache::fts_queries(q)
            .into_iter()
            .next()
            .unwrap_or_default();
        let started = Instant::now();
        let rows = stmt
            .query_map(params![query], |r| r.get::<_, i64>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        base.push(started.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(rows);
    }
    let p99 = percentile(&mut took, 99.0);
    let base99 = percentile(&mut base, 99.0);
    Ok(vec![
        Figure::new(
            format!("conversation_search.{label}.p50"),
            percentile(&mut took, 50.0),
            "ms",
        ),
        Figure::below(format!("conversation_search.{label}.p99"), p99, "ms", 20.0),
        Figure::new(
            format!("conversation_search.{label}.baseline.p99"),
            base99,
            "ms",
        ),
        Figure::ratio(
            format!("conversation_search.{label}.ratio_to_baseline"),
            p99 / base99.max(1e-6),
            None,
        ),
    ])
}
