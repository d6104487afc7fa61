//! Workload 3: invite-to-realtime delivery with 10,000 stream clients on loopback. Each of 10,000
//! invites goes to a different agent, sent by [`WRITERS`] writers at once; the figure is the time
//! from the invite's commit (its `created_at`, stamped inside the committing transaction, so the
//! figure errs high) to the invitee's client reading the `invited` frame, and every client must
//! hear of its own invite exactly once. Baseline: a bare WebSocket server on loopback sending one
//! frame at a time to each of the same number of clients.
//!
//! 10,000 sockets in each process, and twice that in the baseline, need more open files than a
//! default limit allows: `main` raises this process's limit first (the hard limit too when it
//! runs as root), and the server started from here inherits it. The realtime clients close before
//! the baseline opens its own.

use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use convene_proto::StreamEvent;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::figures::{percentile, Figure};
use crate::server::Running;

fn now_ms_f64() -> f64 {
    let now = time::OffsetDateTime::now_utc();
    now.unix_timestamp_nanos() as f64 / 1e6
}

/// How many clients send the invites at the same time.
pub const WRITERS: usize = 8;

/// Opens a stream for `token`, waits for `hello`, then reports the latency of each `invited`,
/// as (this client's index, ms); a negative latency says the stream is ready.
async fn listen(
    url: String,
    token: String,
    me: usize,
    tx: mpsc::UnboundedSender<(usize, f64)>,
) -> Result<()> {
    let mut req = url.into_client_request()?;
    req.headers_mut()
        .insert("authorization", format!("Bearer {token}").parse()?);
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await?;
    let hello = ws.next().await.context("stream closed before hello")??;
    ensure!(
        hello.to_text()?.contains("hello"),
        "first frame is not hello"
    );
    tx.send((me, -1.0)).ok();
    while let Some(frame) = ws.next().await {
        let Message::Text(text) = frame? else {
            continue;
        };
        let received = now_ms_f64();
        if let Ok(StreamEvent::Invited { invite }) = serde_json::from_str(text.as_str()) {
            let committed = invite.created_at.unix_timestamp_nanos() as f64 / 1e6;
            tx.send((me, received - committed)).ok();
        }
    }
    Ok(())
}

/// Runs the workload against `server`, where the admin (`admin_token`) owns `conversations` and
/// `agents` are (id, token) pairs, one per conversation.
pub async fn invites(
    server: &Running,
    admin_token: &str,
    conversations: &[String],
    agents: &[(convene_proto::AgentId, String)],
) -> Result<Vec<Figure>> {
    let n = agents.len().min(conversations.len());
    let ws_url = format!("{}/api/v1/stream", server.url.replacen("http", "ws", 1));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut clients = Vec::with_capacity(n);
    // Connect in waves, as a fleet of apps coming online would, not 10,000 handshakes at once.
    for (wave, chunk) in agents[..n].chunks(500).enumerate() {
        for (k, (_, token)) in chunk.iter().enumerate() {
            let (url, token, tx) = (ws_url.clone(), token.clone(), tx.clone());
            let me = wave * 500 + k;
            // A client that fails shows as a missing answer below (the server going away at the
            // end of the run ends every client, which is not a failure).
            clients.push(tokio::spawn(
                async move { listen(url, token, me, tx).await },
            ));
        }
        for _ in 0..chunk.len() {
            let (_, v) = tokio::time::timeout(Duration::from_secs(60), rx.recv())
                .await
                .context("stream clients took over a minute to connect")?
                .context("a stream client failed to connect")?;
            ensure!(v < 0.0, "an invite arrived before any was sent");
        }
    }
    drop(tx);
    eprintln!("{n} streams connected; {WRITERS} writers send {n} invites");
    let http = reqwest::Client::new();
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let (http, url, admin) = (http.clone(), server.url.clone(), admin_token.to_owned());
        let jobs: Vec<(String, convene_proto::AgentId)> = (w..n)
            .step_by(WRITERS)
            .map(|i| (conversations[i].clone(), agents[i].0))
            .collect();
        writers.push(tokio::spawn(async move {
            for (conversation, agent) in jobs {
                http.post(format!(
                    "{url}/api/v1/conversations/{conversation}/agent-invites"
                ))
                .bearer_auth(&admin)
                .json(&serde_json::json!({ "agent_id": agent }))
                .send()
                .await?
                .error_for_status()?;
            }
            anyhow::Ok(())
        }));
    }
    let mut heard = vec![0usize; n];
    let mut latencies = Vec::with_capacity(n);
    while latencies.len() < n {
        match tokio::time::timeout(Duration::from_secs(30), rx.recv()).await {
            Ok(Some((me, ms))) => {
                heard[me] += 1;
                latencies.push(ms);
            }
            _ => break,
        }
    }
    for w in writers {
        w.await??;
    }
    // A moment more, so a second copy of any invite would be counted too.
    while let Ok(Some((me, _))) = tokio::time::timeout(Duration::from_secs(1), rx.recv()).await {
        heard[me] += 1;
    }
    let missed = heard.iter().filter(|&&h| h == 0).count();
    let doubled = heard.iter().filter(|&&h| h > 1).count();
    ensure!(
        missed == 0 && doubled == 0,
        "of {n} invitees, {missed} never heard of their invite and {doubled} heard twice"
    );
    // The clients' sockets are closed before the baseline opens as many again.
    for client in clients {
        client.abort();
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    // The baseline holds both ends of its sockets in this process: as many clients as the
    // open-file limit allows (all of them where it can be raised high enough).
    let (soft, _) = rlimit::getrlimit(rlimit::Resource::NOFILE)?;
    let base_n = n.min(usize::try_from(soft.saturating_sub(1_000) / 2).unwrap_or(n));
    let (base50, base99) = baseline(base_n).await?;
    let p50 = percentile(&mut latencies, 50.0);
    let p99 = percentile(&mut latencies, 99.0);
    Ok(vec![
        Figure::new("realtime.invite_to_client.p50", p50, "ms"),
        Figure::below("realtime.invite_to_client.p99", p99, "ms", 50.0),
        Figure::new("realtime.baseline_bare_websocket.p50", base50, "ms"),
        Figure::new("realtime.baseline_bare_websocket.p99", base99, "ms"),
        Figure::ratio("realtime.p99_ratio_to_baseline", p99 / base99, None),
        Figure::new("realtime.stream_clients", n as f64, "clients"),
        Figure::new("realtime.baseline_clients", base_n as f64, "clients"),
        Figure::new("realtime.writers", WRITERS as f64, "writers"),
        Figure::below("realtime.invites_missed", missed as f64, "invites", 0.5),
    ])
}

/// A bare WebSocket server on loopback with `n` clients; sends one frame to each client in turn
/// and measures send-to-receive. Answers (p50, p99) in ms.
async fn baseline(n: usize) -> Result<(f64, f64)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (conn_tx, mut conn_rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let conn_tx = conn_tx.clone();
            tokio::spawn(async move {
                if let Ok(ws) = tokio_tungstenite::accept_async(tcp).await {
                    conn_tx.send(ws).ok();
                }
            });
        }
    });
    let started = Instant::now();
    let (lat_tx, mut lat_rx) = mpsc::unbounded_channel::<f64>();
    for _ in 0..n {
        let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}")).await?;
        let lat_tx = lat_tx.clone();
        tokio::spawn(async move {
            while let Some(Ok(Message::Text(text))) = ws.next().await {
                if let Ok(sent_ns) = text.as_str().parse::<u128>() {
                    let now = started.elapsed().as_nanos();
                    lat_tx.send((now - sent_ns) as f64 / 1e6).ok();
                }
            }
        });
    }
    let mut servers = Vec::with_capacity(n);
    for _ in 0..n {
        servers.push(conn_rx.recv().await.context("baseline accept")?);
    }
    // One frame at a time, as the invites are sent one at a time.
    let mut lat = Vec::with_capacity(n);
    for ws in servers.iter_mut() {
        let sent = started.elapsed().as_nanos().to_string();
        ws.send(Message::Text(sent.into())).await?;
        match tokio::time::timeout(Duration::from_secs(10), lat_rx.recv()).await {
            Ok(Some(v)) => lat.push(v),
            _ => break,
        }
    }
    ensure!(lat.len() == n, "baseline lost frames");
    Ok((percentile(&mut lat, 50.0), percentile(&mut lat, 99.0)))
}
