//! The realtime stream: a WebSocket to the server that turns pushed changes into syncs and app
//! events, reconnecting with backoff and resyncing from the cursor after every gap. When the server
//! ends the session (401 on connect, on a sync or a send) the loop stops instead of knocking again;
//! a new sign-in starts it again.

use std::sync::Arc;
use std::time::Duration;

use convene_proto::StreamEvent;
use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::client::Client;
use crate::error::ClientError;
use crate::events::{ClientEvent, SyncState};

/// Longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(8);

/// Keeps the stream open for as long as the task runs (abort it on sign-out), and returns when the
/// server ended the session or nobody is signed in.
pub async fn run(client: Arc<Client>) {
    let filler = tokio::spawn(fill_history(client.clone()));
    // The fill stops with the stream (sign-out aborts this task, and with it the fill).
    let _stop_filling = AbortOnDrop(filler);
    let mut backoff = Duration::from_millis(500);
    loop {
        match connect_and_follow(&client).await {
            Ok(()) => backoff = Duration::from_millis(500),
            Err(ClientError::SessionEnded | ClientError::NotSignedIn) => {
                tracing::info!("realtime stream stopped: signed out");
                return;
            }
            Err(e) => tracing::debug!(error = %e, "realtime stream unavailable"),
        }
        if client.sync_state() == SyncState::SignedOut {
            return;
        }
        client.set_state(SyncState::Offline);
        // Keep trying to send queued actions while waiting: the server may be reachable over HTTP.
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Fetches the history left to fetch whenever some is due, in the background: the list and the
/// recent messages are usable at once, and offline review has everything once it is done.
async fn fill_history(client: Arc<Client>) {
    let mut backoff = Duration::from_millis(500);
    loop {
        match client.fill_history().await {
            Ok(_) => {
                backoff = Duration::from_millis(500);
                client.history_due.notified().await;
            }
            Err(ClientError::SessionEnded | ClientError::NotSignedIn) => return,
            Err(e) => {
                tracing::debug!(error = %e, "history fill paused");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

/// The error for a failed WebSocket handshake: a 401 ends the session, anything else is an outage.
fn handshake_error(error: tokio_tungstenite::tungstenite::Error) -> ClientError {
    match &error {
        tokio_tungstenite::tungstenite::Error::Http(response)
            if response.status()
                == tokio_tungstenite::tungstenite::http::StatusCode::UNAUTHORIZED =>
        {
            ClientError::SessionEnded
        }
        _ => ClientError::Stream(error.to_string()),
    }
}

/// Stops following once the session is known to be over (a sync or a send was answered 401).
fn still_signed_in(client: &Client) -> Result<(), ClientError> {
    if client.sync_state() == SyncState::SignedOut {
        Err(ClientError::SessionEnded)
    } else {
        Ok(())
    }
}

async fn connect_and_follow(client: &Client) -> Result<(), ClientError> {
    let api = client.api()?;
    let (url, token) = api.stream_request();
    let session_token = token.clone();
    let stream_error = |e: &dyn std::fmt::Display| ClientError::Stream(e.to_string());
    let mut request = url.into_client_request().map_err(|e| stream_error(&e))?;
    if let Some(token) = token {
        let value = format!("Bearer {token}")
            .parse()
            .map_err(|e| stream_error(&e))?;
        request.headers_mut().insert("authorization", value);
    }
    let connected = tokio::time::timeout(
        Duration::from_secs(10),
        tokio_tungstenite::connect_async(request),
    )
    .await
    .map_err(|e| stream_error(&e))?
    .map_err(handshake_error);
    let (mut socket, _) = client.check_session(session_token.as_deref(), connected)?;
    // Connected: catch up on whatever happened during the gap, then send what was queued.
    client.set_state(SyncState::Syncing);
    client.sync_now().await?;
    client.set_state(SyncState::Online);
    client.flush().await;
    still_signed_in(client)?;
    loop {
        // An action the server asked to wait goes again when its time comes, stream or not.
        let frame = match client.next_wake() {
            Some(wait) => tokio::select! {
                frame = socket.next() => frame,
                () = tokio::time::sleep(wait) => {
                    client.flush().await;
                    still_signed_in(client)?;
                    continue;
                }
            },
            None => socket.next().await,
        };
        let Some(frame) = frame else { break };
        let text = match frame.map_err(|e| stream_error(&e))? {
            Message::Text(t) => t,
            Message::Close(_) => return Ok(()),
            _ => continue,
        };
        let Ok(event) = serde_json::from_str::<StreamEvent>(&text) else {
            continue;
        };
        match event {
            StreamEvent::Hello { .. } => {}
            StreamEvent::Invited { invite } => {
                let _ = client.sync_now().await;
                if invite.service_request_id.is_some() {
                    client.emit(ClientEvent::ServiceRequested { invite });
                } else {
                    client.emit(ClientEvent::Invited { invite });
                }
            }
            StreamEvent::Changed { .. } | StreamEvent::AccessLost { .. } => {
                let _ = client.sync_now().await;
            }
        }
        client.flush().await;
        still_signed_in(client)?;
    }
    Ok(())
}
