//! `GET /api/v1/stream`: a WebSocket of the signed-in user's changes and invites.
//!
//! The stream starts at the current end of the change feed (`hello`) and registers its user's
//! interest (the conversations they see) at the hub, which hands it only the batches of new change
//! rows that concern it. Changes in conversations the user sees become `changed` frames without
//! reading anything; a change naming the user (invited, removed, left) makes it read the feed as
//! the user's sync would and send `invited`, `changed` and `access_lost` frames from that, and
//! update the interest.

use std::collections::{BTreeSet, HashSet};
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use convene_proto::{InviteId, InviteStatus, StreamEvent};

use super::problem;
use super::{AppState, Authed};
use crate::error::Error;
use crate::hub::{lock, FeedChange, Interest};
use crate::service::{current_cursor, rows, sync, Principal};

/// Realtime stream (WebSocket)
///
/// Upgrades to a WebSocket of JSON text frames (`StreamEvent`): `hello` first, then `changed`,
/// `invited` and `access_lost` as they happen. Browsers may pass the token as the
/// `Authorization` header of the upgrade request. One session holds at most 16 streams at once
/// (429 past that, until one closes).
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
        (status = 429, response = problem::RateLimited),
    )
)]
pub async fn stream(
    State(state): State<AppState>,
    authed: Authed,
    ws: WebSocketUpgrade,
) -> Result<Response, Error> {
    let slot = state.streams().take(&authed.token_hash).ok_or_else(|| Error::RateLimited {
        retry_after_secs: 5,
        message: format!(
            "this session already has {} realtime streams open (other windows or tabs); close one and try again",
            crate::streams::MAX_PER_SESSION
        ),
    })?;
    let (agent, contact) = authed.principal.columns();
    let interest = Interest {
        visible: sync::visible_conversations(state.ctx(), &authed.principal).await?,
        agent,
        contact,
        ..Interest::default()
    };
    Ok(ws.on_upgrade(move |socket| async move {
        let _slot = slot;
        if let Err(e) = run(state, authed, socket, interest).await {
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
    interest: Interest,
) -> anyhow::Result<()> {
    let account = authed.principal.account_id();
    let mut cursor = current_cursor(state.store(), account).await?;
    let mut sub = state.hub().subscribe(account, cursor, interest);
    let mut announced = HashSet::new();
    let mut closing = state.hub().closing();
    send(
        &mut socket,
        &StreamEvent::Hello {
            cursor: sync::format_cursor(cursor),
        },
    )
    .await?;
    // Rows committed between reading the position and subscribing reached no one: read them.
    if current_cursor(state.store(), account).await? > cursor {
        cursor = forward(
            &state,
            &authed.principal,
            &mut socket,
            cursor,
            &sub.interest,
            &mut announced,
        )
        .await?;
    }
    let mut ping = tokio::time::interval(Duration::from_secs(25));
    loop {
        tokio::select! {
            batch = sub.batches.recv() => {
                let Some(batch) = batch else { return Ok(()) };
                // Rows up to `known` are either handled or were judged not to concern this user.
                let (known, missed) = {
                    let mut interest = lock(&sub.interest);
                    (cursor.max(interest.judged_upto), std::mem::take(&mut interest.missed))
                };
                let fresh: Vec<&FeedChange> = batch.changes.iter().filter(|c| c.pos > known).collect();
                let names_me = fresh.iter().any(|c| lock(&sub.interest).access_changed(c));
                if !missed && batch.after <= known && !names_me {
                    // Nobody's access changed: tell of the conversations the user sees, no reads.
                    let changed: BTreeSet<&str> = {
                        let interest = lock(&sub.interest);
                        fresh.iter().filter(|c| interest.tells(c)).map(|c| c.conversation_id.as_str()).collect()
                    };
                    let upto = batch.upto.max(known);
                    if !changed.is_empty() {
                        if !session_alive(&state, &authed).await? {
                            let _ = socket.send(Message::Close(None)).await;
                            return Ok(());
                        }
                        for id in changed {
                            send(&mut socket, &StreamEvent::Changed {
                                conversation_id: rows::parse(id)?,
                                cursor: sync::format_cursor(upto),
                            }).await?;
                        }
                    }
                    cursor = upto;
                    let mut interest = lock(&sub.interest);
                    interest.judged_upto = interest.judged_upto.max(cursor);
                } else {
                    // The user's own access changed, or rows were missed: read from the database.
                    if !session_alive(&state, &authed).await? {
                        let _ = socket.send(Message::Close(None)).await;
                        return Ok(());
                    }
                    cursor = known;
                    loop {
                        cursor = forward(&state, &authed.principal, &mut socket, cursor, &sub.interest, &mut announced).await?;
                        // Rows judged while the user's conversations were changing were judged
                        // by the old list: read those again.
                        let mut interest = lock(&sub.interest);
                        if interest.judged_upto <= cursor {
                            interest.judged_upto = cursor;
                            break;
                        }
                    }
                }
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

/// Whether the stream's session still holds as it opened (the user may have signed out since, or
/// been suspended; an agent whose role changed gets a new stream, judged by the new role).
async fn session_alive(state: &AppState, authed: &Authed) -> anyhow::Result<bool> {
    Ok(state
        .store()
        .session_principal(&authed.token_hash)
        .await?
        .is_some_and(|now| now == authed.principal))
}

/// Reads the feed after `cursor` as the user's sync would and sends frames for it: `invited` for
/// each new invite addressed to them, `changed` per conversation, `access_lost`. Answers the new
/// cursor.
async fn forward(
    state: &AppState,
    principal: &Principal,
    socket: &mut WebSocket,
    mut cursor: crate::feed::FeedPos,
    interest: &std::sync::Mutex<Interest>,
    announced: &mut HashSet<InviteId>,
) -> anyhow::Result<crate::feed::FeedPos> {
    let me = match principal {
        Principal::Agent { id, .. } => Some(*id),
        Principal::Contact { .. } => None,
    };
    loop {
        let page = sync::feed_page(state.ctx(), principal, cursor).await?;
        let next = match sync::parse_cursor(Some(&page.cursor))? {
            sync::Cursor::Feed(pos) => pos,
            _ => cursor,
        };
        let mut changed = BTreeSet::new();
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
            if let Some(v) = lock(interest).visible.as_mut() {
                v.insert(snapshot.conversation.id.to_string());
            }
        }
        changed.extend(page.messages.iter().map(|m| m.conversation_id));
        changed.extend(page.events.iter().map(|e| e.conversation_id));
        changed.extend(page.reads.iter().map(|r| r.conversation_id));
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
            if let Some(v) = lock(interest).visible.as_mut() {
                v.remove(&conversation_id.to_string());
            }
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
