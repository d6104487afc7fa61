//! Workload 3: invite-to-realtime delivery with 1,000 stream clients on loopback. Each of 1,000
//! invites goes to a different agent; the figure is the time from the invite's commit (its
//! `created_at`, stamped inside the committing transaction, so the figure errs high) to the
//! invitee's client reading the `invited` frame. Baseline: a bare WebSocket server on loopback
//! sending one frame at a time to each of the same number of clients.

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

/// Opens a stream for `token`, waits for `hello`, then reports the latency of each `invited`.
async fn listen(url: String, token: String, tx: mpsc::UnboundedSender<f64>) -> Result<()> {
    let mut req = url.into_client_request()?;
    req.headers_mut()
        .insert("authorization", format!("Bearer {token}").parse()?);
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await?;
    let hello = ws.next().await.context("stream closed before hello")??;
    ensure!(
        hello.to_text()?.contains("hello"),
        "first frame is not hello"
    );
    tx.send(-1.0).ok();
    while let Some(frame) = ws.next().await {
        let Message::Text(text) = frame? else {
            continue;
        };
        let received = now_ms_f64();
        if let Ok(StreamEvent::Invited { invite }) = serde_json::from_str(text.as_str()) {
            let committed = invite.created_at.unix_timestamp_nanos() as f64 / 1e6;
            tx.send(received - committed).ok();
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
    for (_, token) in &agents[..n] {
        let (url, token, tx) = (ws_url.clone(), token.clone(), tx.clone());
        // A client that fails shows as a missing answer below (the server going away at the end
        // of the run ends every client, which is not a failure).
        tokio::spawn(async move { listen(url, token, tx).await });
    }
    drop(tx);
    for _ in 0..n {
        let v = rx
            .recv()
            .await
            .context("a stream client failed to connect")?;
        ensure!(v < 0.0, "an invite arrived before any was sent");
    }
    eprintln!("{n} streams connected");
    let http = reqwest::Client::new();
    for i in 0..n {
        http.post(format!(
            "{}/api/v1/conversations/{}/agent-invites",
            server.url, conversations[i]
        ))
        .bearer_auth(admin_token)
        .json(&serde_json::json!({ "agent_id": agents[i].0 }))
        .send()
        .await?
        .error_for_status()?;
    }
    let mut latencies = Vec::with_capacity(n);
    while latencies.len() < n {
        match tokio::time::timeout(Duration::from_secs(30), rx.recv()).await {
            Ok(Some(ms)) => latencies.push(ms),
            _ => break,
        }
    }
    ensure!(
        latencies.len() == n,
        "only {} of {n} invitees heard of their invite",
        latencies.len()
    );
    let (base50, base99) = baseline(n).await?;
    let p50 = percentile(&mut latencies, 50.0);
    let p99 = percentile(&mut latencies, 99.0);
    Ok(vec![
        Figure::new("realtime.invite_to_client.p50", p50, "ms"),
        Figure::below("realtime.invite_to_client.p99", p99, "ms", 50.0),
        Figure::new("realtime.baseline_bare_websocket.p50", base50, "ms"),
        Figure::new("realtime.baseline_bare_websocket.p99", base99, "ms"),
        Figure::ratio("realtime.p99_ratio_to_baseline", p99 / base99, None),
        Figure::new("realtime.stream_clients", n as f64, "clients"),
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
