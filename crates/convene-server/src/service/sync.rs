//! Incremental sync: what changed after a cursor, for what the caller may see, in pages.
//!
//! The cursor is a position in the account's change feed. A page takes the next changes, groups
//! them by conversation, and answers each visible conversation whole (small and always consistent),
//! plus the new messages and events, plus the conversations the caller lost access to.

use std::collections::{BTreeMap, HashSet};

use convene_proto::{ConversationId, ConversationSnapshot, ParticipantState, SyncPage};
use sqlx::Row;

use super::actor::load_conversation;
use super::{rows, s, Ctx, Member, Principal};
use crate::error::ApiError;

/// Change-feed rows one page reads at most.
pub const PAGE_CHANGES: i64 = 500;

/// Parses a cursor ("" or absent = from the start).
pub fn parse_cursor(raw: Option<&str>) -> Result<i64, ApiError> {
    match raw.map(str::trim).filter(|c| !c.is_empty()) {
        None => Ok(0),
        Some(c) => c
            .strip_prefix("c")
            .and_then(|n| n.parse::<i64>().ok())
            .filter(|n| *n >= 0)
            .ok_or_else(|| {
                ApiError::invalid(
                    "cursor",
                    "cursor is not one this server gave out; sync again without it",
                )
            }),
    }
}

/// Formats a cursor for the wire.
pub fn format_cursor(seq: i64) -> String {
    format!("c{seq}")
}

/// One page of changes after `cursor`.
pub async fn page(ctx: &Ctx, principal: &Principal, cursor: i64) -> Result<SyncPage, ApiError> {
    let mut conn = ctx.store.pool().acquire().await?;
    let changes = sqlx::query(
        "SELECT seq, conversation_id, kind, ref_id, affected_agent, affected_contact FROM changes
         WHERE account_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
    )
    .bind(s(principal.account_id()))
    .bind(cursor)
    .bind(PAGE_CHANGES)
    .fetch_all(&mut *conn)
    .await?;
    let has_more = i64::try_from(changes.len()).unwrap_or(0) == PAGE_CHANGES;
    let next = changes.last().map(|r| r.get::<i64, _>(0)).unwrap_or(cursor);
    let me = principal.member();

    // conversation -> (touched as a whole?, message ids, event ids, affects me?)
    let mut touched: BTreeMap<String, (bool, Vec<String>, Vec<String>, bool)> = BTreeMap::new();
    for r in &changes {
        let entry = touched.entry(r.get::<String, _>(1)).or_default();
        let ref_id: Option<String> = r.get(3);
        match (r.get::<&str, _>(2), ref_id) {
            ("message", Some(id)) => entry.1.push(id),
            ("event", Some(id)) => entry.2.push(id),
            _ => entry.0 = true,
        }
        let affected_me = match me {
            Member::Agent(a) => r.get::<Option<&str>, _>(4) == Some(&s(a)),
            Member::Contact(c) => r.get::<Option<&str>, _>(5) == Some(&s(c)),
        };
        entry.3 |= affected_me;
    }

    let mut page = SyncPage {
        cursor: format_cursor(next),
        has_more,
        conversations: Vec::new(),
        messages: Vec::new(),
        events: Vec::new(),
        lost: Vec::new(),
    };
    let mut seen = HashSet::new();
    for (conv_id, (whole, messages, events, affects_me)) in touched {
        let id: ConversationId = rows::parse(&conv_id)?;
        match load_conversation(&mut conn, principal, id).await {
            Ok(conv) => {
                if whole && seen.insert(id) {
                    let my_role = conv
                        .actor
                        .participation
                        .filter(|p| p.state == ParticipantState::Joined)
                        .map(|p| p.role);
                    page.conversations.push(ConversationSnapshot {
                        conversation: rows::conversation(&mut conn, id, my_role).await?,
                        me: conv.actor,
                        participants: rows::participants(&mut conn, id).await?,
                        invites: rows::pending_invites(&mut conn, id).await?,
                        service_requests: rows::service_requests(&mut conn, id).await?,
                    });
                }
                for m in messages {
                    if let Some(m) = rows::message(&mut conn, &m).await? {
                        page.messages.push(m);
                    }
                }
                for e in events {
                    if let Some(e) = rows::event(&mut conn, &e).await? {
                        page.events.push(e);
                    }
                }
            }
            Err(ApiError::NotFound(_)) => {
                if affects_me {
                    page.lost.push(id);
                }
            }
            Err(other) => return Err(other),
        }
    }
    Ok(page)
}
