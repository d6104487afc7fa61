//! Sync: what the caller may see, in pages, from a cursor.
//!
//! A first sync (no cursor) walks the conversations the caller may see in id order, a page of
//! whole conversations with all their messages and events at a time, all read with a few set
//! queries per page; it ends at the position the change feed had when it began. After that, a
//! page takes the next changes of the account's change feed, groups them by conversation and
//! answers each changed conversation whole, plus the new messages and events, plus the
//! conversations the caller lost access to. Changes made during a first sync are in the feed
//! after its end position, so nothing is missed; applying a conversation twice is harmless.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use convene_proto::policy::{allowed, Action};
use convene_proto::reading::RECENT_MESSAGES;
use convene_proto::SyncPage;
use sqlx::{AnyConnection, Row};

use super::{bulk, current_cursor, reading, rows, s, Ctx, Member, Principal};
use crate::error::Error;
use crate::feed::{self, FeedPos};
use crate::principal::Place;

/// Change-feed rows one page reads at most.
pub const PAGE_CHANGES: i64 = 500;

/// Conversations one page of a first sync carries at most.
pub const PAGE_CONVERSATIONS: i64 = 1000;

/// Where a sync stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cursor {
    /// Nothing synced yet.
    Start,
    /// Inside a first sync that began when the feed stood at `head`: conversations after `after`
    /// (in id order) are still to come.
    Snapshot { head: FeedPos, after: String },
    /// Up to date with the change feed up to this position.
    Feed(FeedPos),
}

fn bad_cursor() -> Error {
    Error::invalid(
        "cursor",
        "cursor is not one this server gave out; sync again without it",
    )
}

/// Parses a cursor ("" or absent = from the start).
pub fn parse_cursor(raw: Option<&str>) -> Result<Cursor, Error> {
    let Some(c) = raw.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(Cursor::Start);
    };
    // Cursors of the earlier single-number feed ("c123", "s123.…") say nothing about commit
    // order: such a client starts over with a first sync, which misses nothing.
    let legacy = |n: &str| !n.contains('_') && n.parse::<i64>().is_ok_and(|n| n >= 0);
    if let Some(n) = c.strip_prefix('c') {
        if legacy(n) {
            return Ok(Cursor::Start);
        }
        return FeedPos::parse(n).map(Cursor::Feed).ok_or_else(bad_cursor);
    }
    let (head, after) = c
        .strip_prefix('s')
        .and_then(|rest| rest.split_once('.'))
        .ok_or_else(bad_cursor)?;
    let after: convene_proto::ConversationId = after.parse().map_err(|_| bad_cursor())?;
    if legacy(head) {
        return Ok(Cursor::Start);
    }
    let head = FeedPos::parse(head).ok_or_else(bad_cursor)?;
    Ok(Cursor::Snapshot {
        head,
        after: after.to_string(),
    })
}

/// Formats a change-feed position for the wire.
pub fn format_cursor(pos: FeedPos) -> String {
    format!("c{}", pos.format())
}

/// One page of what the caller may see after `cursor`.
pub async fn page(ctx: &Ctx, principal: &Principal, cursor: Cursor) -> Result<SyncPage, Error> {
    match cursor {
        Cursor::Start => {
            let head = current_cursor(&ctx.store, principal.account_id()).await?;
            snapshot_page(ctx, principal, head, "").await
        }
        Cursor::Snapshot { head, after } => snapshot_page(ctx, principal, head, &after).await,
        Cursor::Feed(pos) => feed_page(ctx, principal, pos).await,
    }
}

/// Whether the caller sees every conversation of the account, whatever their place in it.
fn sees_all(principal: &Principal) -> bool {
    allowed(&principal.actor(Place::default()), Action::See)
}

/// The next conversations (in id order, after `after`) that the caller might see.
async fn candidates(
    conn: &mut AnyConnection,
    principal: &Principal,
    after: &str,
) -> Result<Vec<String>, Error> {
    candidates_from(conn, principal, after, false).await
}

/// [`candidates`] after `from`, or from it on when `inclusive`.
async fn candidates_from(
    conn: &mut AnyConnection,
    principal: &Principal,
    from: &str,
    inclusive: bool,
) -> Result<Vec<String>, Error> {
    let account = s(principal.account_id());
    let op = if inclusive { ">=" } else { ">" };
    let rows = if sees_all(principal) {
        let sql = format!(
            "SELECT id FROM conversations WHERE account_id = $1 AND id {op} $2 ORDER BY id LIMIT $3"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(account)
            .bind(from)
            .bind(PAGE_CONVERSATIONS)
            .fetch_all(&mut *conn)
            .await?
    } else {
        let (column, me) = match principal.columns() {
            (Some(agent), _) => ("agent_id", agent),
            (_, Some(contact)) => ("contact_id", contact),
            (None, None) => return Ok(Vec::new()),
        };
        let sql = format!(
            "SELECT p.conversation_id FROM participants p JOIN conversations c ON c.id = p.conversation_id
             WHERE p.{column} = $1 AND c.account_id = $2 AND p.conversation_id {op} $3
             ORDER BY p.conversation_id LIMIT $4"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(me)
            .bind(account)
            .bind(from)
            .bind(PAGE_CONVERSATIONS)
            .fetch_all(&mut *conn)
            .await?
    };
    Ok(rows.iter().map(|r| r.get::<String, _>(0)).collect())
}

/// One batch of the conversations the caller sees, in id order.
pub struct Visible {
    /// Those of the batch the caller may see.
    pub visible: Vec<String>,
    /// The batch's last candidate (seen or not): the next batch starts after it.
    pub last: Option<String>,
    /// Whether more candidates may follow.
    pub more: bool,
}

/// The next batch of conversations the caller sees, after `from` (or from it on, `inclusive`).
pub async fn visible_from(
    conn: &mut AnyConnection,
    principal: &Principal,
    from: &str,
    inclusive: bool,
) -> Result<Visible, Error> {
    let ids = candidates_from(conn, principal, from, inclusive).await?;
    let actors = bulk::actors(conn, principal, &ids).await?;
    Ok(Visible {
        more: i64::try_from(ids.len()).unwrap_or(0) == PAGE_CONVERSATIONS,
        visible: ids
            .iter()
            .filter(|id| actors.get(*id).is_some_and(|a| allowed(a, Action::See)))
            .cloned()
            .collect(),
        last: ids.last().cloned(),
    })
}

/// The conversations the caller sees now, or `None` when they see every conversation of the
/// account (admins), for realtime streams to judge changes by.
pub async fn visible_conversations(
    ctx: &Ctx,
    principal: &Principal,
) -> Result<Option<HashSet<String>>, Error> {
    if sees_all(principal) {
        return Ok(None);
    }
    let mut conn = ctx.store.pool().acquire().await?;
    let mut visible = HashSet::new();
    let mut after = String::new();
    loop {
        let ids = candidates(&mut conn, principal, &after).await?;
        let actors = bulk::actors(&mut conn, principal, &ids).await?;
        visible.extend(
            ids.iter()
                .filter(|id| actors.get(*id).is_some_and(|a| allowed(a, Action::See)))
                .cloned(),
        );
        match ids.last() {
            Some(last) if i64::try_from(ids.len()).unwrap_or(0) == PAGE_CONVERSATIONS => {
                after = last.clone();
            }
            _ => return Ok(Some(visible)),
        }
    }
}

/// One page of a first sync.
async fn snapshot_page(
    ctx: &Ctx,
    principal: &Principal,
    head: FeedPos,
    after: &str,
) -> Result<SyncPage, Error> {
    let mut conn = ctx.store.pool().acquire().await?;
    let ids = candidates(&mut conn, principal, after).await?;
    let backend = ctx.store.backend();
    let (conversations, _) = bulk::snapshots(&mut conn, backend, principal, &ids).await?;
    let visible: Vec<String> = conversations.iter().map(|c| s(c.conversation.id)).collect();
    let (messages, older) =
        bulk::recent_messages_of(&mut conn, backend, &visible, RECENT_MESSAGES).await?;
    let events = bulk::events_of(&mut conn, &visible, principal.member()).await?;
    let reads = reading::states(&mut conn, principal.member(), &visible).await?;
    let more_conversations = i64::try_from(ids.len()).unwrap_or(0) == PAGE_CONVERSATIONS;
    let (cursor, has_more) = match ids.last() {
        Some(last) if more_conversations => (format!("s{}.{last}", head.format()), true),
        _ => {
            // The first sync is over; changes made meanwhile follow from the feed.
            let now = current_cursor(&ctx.store, principal.account_id()).await?;
            (format_cursor(head), now > head)
        }
    };
    Ok(SyncPage {
        cursor,
        has_more,
        conversations,
        messages,
        events,
        lost: Vec::new(),
        reads,
        older,
    })
}

/// What one conversation's changes in a page ask for.
#[derive(Default)]
struct Touched {
    whole: bool,
    messages: Vec<String>,
    events: Vec<String>,
    affects_me: bool,
}

/// One page of changes after feed position `pos`, in commit order.
pub async fn feed_page(ctx: &Ctx, principal: &Principal, pos: FeedPos) -> Result<SyncPage, Error> {
    let changes = feed::read_settled(&ctx.store, principal.account_id(), pos, PAGE_CHANGES)
        .await?
        .rows;
    let mut conn = ctx.store.pool().acquire().await?;
    let has_more = i64::try_from(changes.len()).unwrap_or(0) == PAGE_CHANGES;
    let next = changes.last().map_or(pos, |r| r.pos);
    let me = principal.member();

    let mut touched: BTreeMap<String, Touched> = BTreeMap::new();
    let mut read_changed = BTreeSet::new();
    for r in &changes {
        let mine = match me {
            Member::Agent(a) => r.affected_agent.as_deref() == Some(&s(a)),
            Member::Contact(c) => r.affected_contact.as_deref() == Some(&s(c)),
        };
        if r.kind == "read" {
            // Someone's read state: theirs alone to sync.
            if mine {
                read_changed.insert(r.conversation_id.clone());
            }
            continue;
        }
        let entry = touched.entry(r.conversation_id.clone()).or_default();
        match (r.kind.as_str(), r.ref_id.clone()) {
            // A message also moves the conversation's `updated_at` to its `created_at`; clients
            // apply that themselves, so the conversation need not come again whole.
            ("message", Some(id)) => entry.messages.push(id),
            ("event", Some(id)) => entry.events.push(id),
            _ => entry.whole = true,
        }
        entry.affects_me |= mine;
    }

    let ids: Vec<String> = touched
        .keys()
        .chain(read_changed.iter())
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let actors = bulk::actors(&mut conn, principal, &ids).await?;
    let sees = |id: &String| actors.get(id).is_some_and(|a| allowed(a, Action::See));
    let whole: Vec<String> = touched
        .iter()
        .filter(|(id, t)| t.whole && sees(id))
        .map(|(id, _)| id.clone())
        .collect();
    let (conversations, _) =
        bulk::snapshots_as(&mut conn, ctx.store.backend(), principal, &whole, &actors).await?;
    let mut message_ids = Vec::new();
    let mut event_ids = Vec::new();
    let mut lost = Vec::new();
    let mut seen = HashSet::new();
    // A conversation the user may have just come to see (their own access changed) brings its
    // recent messages, as a first sync would; the older ones follow on scroll.
    let mut arrived = Vec::new();
    for (id, t) in touched {
        if sees(&id) {
            if t.whole && t.affects_me {
                arrived.push(id.clone());
            }
            message_ids.extend(t.messages);
            event_ids.extend(t.events);
        } else if t.affects_me && seen.insert(id.clone()) {
            lost.push(rows::parse(&id)?);
        }
    }
    let (mut messages, older) =
        bulk::recent_messages_of(&mut conn, ctx.store.backend(), &arrived, RECENT_MESSAGES).await?;
    let recent: HashSet<String> = messages.iter().map(|m| s(m.id)).collect();
    message_ids.retain(|id| !recent.contains(id));
    messages.extend(bulk::messages_by_id(&mut conn, &message_ids).await?);
    let mut events = bulk::events_by_id(&mut conn, &event_ids, me).await?;
    if !arrived.is_empty() {
        let known: HashSet<String> = events.iter().map(|e| s(e.id)).collect();
        let all = bulk::events_of(&mut conn, &arrived, me).await?;
        events.extend(all.into_iter().filter(|e| !known.contains(&s(e.id))));
    }
    // The reader's own changed marks, and the marks of conversations that just arrived (the
    // cache dropped its state with the conversation, if it had one).
    let read_ids: Vec<String> = read_changed
        .into_iter()
        .filter(|id| sees(id))
        .chain(arrived.iter().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    Ok(SyncPage {
        cursor: format_cursor(next),
        has_more,
        conversations,
        messages,
        events,
        lost,
        reads: reading::states(&mut conn, me, &read_ids).await?,
        older,
    })
}
