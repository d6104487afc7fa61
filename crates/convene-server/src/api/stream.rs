//! `GET /api/v1/stream`: a WebSocket of the signed-in user's changes and invites.
//!
//! The stream starts at the current end of the change feed (`hello`), then, each time the account
//! changes, reads the next sync pages for this user and turns them into frames: `invited` for a new
//! invite addressed to them, `changed` per conversation, `access_lost` when they lost one.

use std::collections::HashSet;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use convene_proto::{InviteId, InviteStatus, StreamEvent};

use super::{AppState, Authed};
use crate::error::ApiError;
use crate::openapi::problem;
use crate::service::{current_cursor, sync, Principal};

/// Realtime stream (WebSocket)
///
/// Upgrades to a WebSocket of JSON text frames (`StreamEvent`): `hello` first, then `changed`,
/// `invited` and `access_lost` as they happen. Browsers may pass the token as the
/// `Authorization` header of the upgrade request.
#[utoipa::path(
    get,
    path = "/api/v1/stream",
    operation_id = "stream",
    tag = "sync",
    security(("bearer" = [])),
    responses(
        (status = 101, description = "Switching to the WebSocket protocol; frames are `StreamEvent` JSON texts"),
        (status = 400, description = "Not a WebSocket upgrade request", body = String, content_type = "text/plain"),
        (status = 426, description = "The connection cannot be upgraded", body = String, content_type = "text/plain"),
        (status = 401, response = problem::Unauthenticated),
    )
)]
pub async fn stream(
    State(state): State<AppState>,
    authed: Authed,
    ws: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let cursor = current_cursor(state.store(), authed.principal.account_id()).await?;
    Ok(ws.on_upgrade(move |socket| async move {
        if let Err(e) = run(state, authed, socket, cursor).await {
            tracing::debug!(error = %e, "stream ended");
        }
    }))
}

async fn send(socket: &mut WebSocket, event: &StreamEvent) -> anyhow::Result<()> {
    socket
        .send(Message::Text(serde_json::to_string(event)?.into()))
        .await?;
    Ok(())
}

async fn run(
    state: AppState,
    authed: Authed,
    mut socket: WebSocket,
    mut cursor: i64,
) -> anyhow::Result<()> {
    let mut wake = state.hub().subscribe();
    let mut closing = state.hub().closing();
    let account = authed.principal.account_id();
    let mut announced: HashSet<InviteId> = HashSet::new();
    send(
        &mut socket,
        &StreamEvent::Hello {
            cursor: sync::format_cursor(cursor),
        },
    )
    .await?;
    let mut ping = tokio::time::interval(Duration::from_secs(25));
    loop {
        tokio::select! {
            notice = wake.recv() => {
                match notice {
                    Ok(a) if a != account => continue,
                    Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return Ok(()),
                }
                // The session may have ended (sign-out) since the stream opened.
                if state.store().session_principal(&authed.token_hash).await?.is_none() {
                    let _ = socket.send(Message::Close(None)).await;
                    return Ok(());
                }
                cursor = forward(&state, &authed.principal, &mut socket, cursor, &mut announced).await?;
            }
            incoming = socket.recv() => {
                match incoming {
                    None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return Ok(()),
                    Some(Ok(_)) => {}
                }
            }
            _ = closing.changed() => {
                let _ = socket.send(Message::Close(None)).await;
                return Ok(());
            }
            _ = ping.tick() => {
                socket.send(Message::Ping(Vec::new().into())).await?;
            }
        }
    }
}

/// Sends frames for everything after `cursor`; answers the new cursor.
async fn forward(
    state: &AppState,
    principal: &Principal,
    socket: &mut WebSocket,
    mut cursor: i64,
    announced: &mut HashSet<InviteId>,
) -> anyhow::Result<i64> {
    let me = match principal {
        Principal::Agent { id, .. } => Some(*id),
        Principal::Contact { .. } => None,
    };
    loop {
        let page = sync::page(state.ctx(), principal, cursor).await?;
        let next = sync::parse_cursor(Some(&page.cursor))?;
        let mut changed = HashSet::new();
        for snapshot in &page.conversations {
            for invite in &snapshot.invites {
                if invite.status == InviteStatus::Pending
                    && me.is_some()
                    && invite.agent_id == me
                    && announced.insert(invite.id)
                {
                    send(
                        socket,
                        &StreamEvent::Invited {
                            invite: invite.clone(),
                        },
                    )
                    .await?;
                }
            }
            changed.insert(snapshot.conversation.id);
        }
        changed.extend(page.messages.iter().map(|m| m.conversation_id));
        changed.extend(page.events.iter().map(|e| e.conversation_id));
        for conversation_id in changed {
            send(
                socket,
                &StreamEvent::Changed {
                    conversation_id,
                    cursor: page.cursor.clone(),
                },
            )
            .await?;
        }
        for conversation_id in &page.lost {
            send(
                socket,
                &StreamEvent::AccessLost {
                    conversation_id: *conversation_id,
                    cursor: page.cursor.clone(),
                },
            )
            .await?;
        }
        cursor = next;
        if !page.has_more {
            return Ok(cursor);
        }
    }
}
