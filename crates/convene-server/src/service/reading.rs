//! Read state and message history: each person's last-read position and mute switch per
//! conversation, kept here so that every device of theirs agrees, and messages read in pages,
//! newest first (one conversation on scroll, or every conversation's older history after a first
//! sync).
//!
//! A read position is a message's `(created_at, id)`, the order messages are shown in; it only
//! moves forward, in one upsert, so two devices marking at once keep the later mark. A change of
//! read state is a feed row of kind `read` naming its person: their other devices sync it, and
//! nobody else is told.

use std::collections::HashMap;

use convene_proto::reading::{MAX_MESSAGE_PAGE, MESSAGE_PAGE, RECENT_MESSAGES};
use convene_proto::{
    ConversationId, HistoryPage, Member, Message, MessageId, MessagePage, ReadState,
};
use sqlx::{AnyConnection, Row};

use super::bulk::{self, fetch_in};
use super::rows;
use super::{s, ConversationRow, Ctx, Need, Principal};
use crate::clock::{from_ms, now_ms};
use crate::error::Error;
use crate::tx::Tx;

/// The caller has read conversation `id` up to `message` (a message of it).
pub async fn mark_read(
    ctx: &Ctx,
    principal: &Principal,
    id: ConversationId,
    message: MessageId,
) -> Result<ReadState, Error> {
    ctx.change_in(principal, id, Need::Personal, |tx, conv| {
        Box::pin(async move {
            let (at, _) = position(tx, &s(id), &s(message), "message_id").await?;
            let me = principal.member().id();
            // Forward only: a mark older than the stored one leaves it as it is.
            let moved = sqlx::query(
                "INSERT INTO reads (conversation_id, member_id, last_read_at, last_read_id, muted, updated_at)
                 VALUES ($1, $2, $3, $4, 0, $5)
                 ON CONFLICT (conversation_id, member_id) DO UPDATE
                   SET last_read_at = excluded.last_read_at, last_read_id = excluded.last_read_id,
                       updated_at = excluded.updated_at
                   WHERE reads.last_read_at IS NULL OR reads.last_read_at < excluded.last_read_at
                      OR (reads.last_read_at = excluded.last_read_at AND reads.last_read_id < excluded.last_read_id)",
            )
            .bind(s(id))
            .bind(&me)
            .bind(at)
            .bind(s(message))
            .bind(now_ms())
            .execute(&mut **tx)
            .await?
            .rows_affected();
            if moved > 0 {
                record_read(tx, conv, principal.member()).await?;
            }
            state_of(tx, principal.member(), id).await
        })
    })
    .await
}

/// Mutes or unmutes conversation `id` for the caller.
pub async fn set_muted(
    ctx: &Ctx,
    principal: &Principal,
    id: ConversationId,
    muted: bool,
) -> Result<ReadState, Error> {
    ctx.change_in(principal, id, Need::Personal, |tx, conv| {
        Box::pin(async move {
            let changed = sqlx::query(
                "INSERT INTO reads (conversation_id, member_id, muted, updated_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (conversation_id, member_id) DO UPDATE
                   SET muted = excluded.muted, updated_at = excluded.updated_at
                   WHERE reads.muted <> excluded.muted",
            )
            .bind(s(id))
            .bind(principal.member().id())
            .bind(i64::from(muted))
            .bind(now_ms())
            .execute(&mut **tx)
            .await?
            .rows_affected();
            if changed > 0 {
                record_read(tx, conv, principal.member()).await?;
            }
            state_of(tx, principal.member(), id).await
        })
    })
    .await
}

/// A feed row telling `member`'s other devices that their read state of `conv` changed (kind
/// `read`: it moves the conversation up nobody's list).
async fn record_read(tx: &mut Tx<'_>, conv: &ConversationRow, member: Member) -> Result<(), Error> {
    Ok(super::record_change(tx, conv, "read", None, Some(member)).await?)
}

fn state_row(
    conversation_id: ConversationId,
    r: Option<&sqlx::any::AnyRow>,
) -> Result<ReadState, Error> {
    let Some(r) = r else {
        return Ok(ReadState {
            conversation_id,
            last_read_message_id: None,
            last_read_at: None,
            muted: false,
        });
    };
    Ok(ReadState {
        conversation_id,
        last_read_message_id: r
            .get::<Option<&str>, _>("last_read_id")
            .map(rows::parse)
            .transpose()?,
        last_read_at: r.get::<Option<i64>, _>("last_read_at").map(from_ms),
        muted: r.get::<i64, _>("muted") != 0,
    })
}

/// `member`'s read state of conversation `id` (nothing read, not muted, when never set).
async fn state_of(
    conn: &mut AnyConnection,
    member: Member,
    id: ConversationId,
) -> Result<ReadState, Error> {
    let row = sqlx::query(
        "SELECT conversation_id, last_read_at, last_read_id, muted FROM reads
         WHERE conversation_id = $1 AND member_id = $2",
    )
    .bind(s(id))
    .bind(member.id())
    .fetch_optional(&mut *conn)
    .await?;
    state_row(id, row.as_ref())
}

/// `member`'s read states that are set, of the conversations `ids`.
pub async fn states(
    conn: &mut AnyConnection,
    member: Member,
    ids: &[String],
) -> Result<Vec<ReadState>, Error> {
    let rows = fetch_in(
        conn,
        "SELECT conversation_id, last_read_at, last_read_id, muted FROM reads
         WHERE member_id = $1 AND conversation_id IN ({in}) ORDER BY conversation_id",
        &[member.id()],
        ids,
    )
    .await?;
    rows.iter()
        .map(|r| state_row(rows::parse(r.get::<&str, _>("conversation_id"))?, Some(r)))
        .collect()
}

/// How many messages of each of the conversations `ids` that `member` did not write are newer
/// than their read position (at most [`convene_proto::reading::UNREAD_CAP`] + 1 are counted).
pub async fn unread_counts(
    conn: &mut AnyConnection,
    member: Member,
    ids: &[String],
) -> Result<HashMap<String, (i64, bool)>, Error> {
    let mut out = HashMap::new();
    let me = member.id();
    let reads = states(conn, member, ids).await?;
    let by_id: HashMap<String, &ReadState> =
        reads.iter().map(|r| (s(r.conversation_id), r)).collect();
    for id in ids {
        let read = by_id.get(id);
        let (at, last) = read
            .and_then(|r| r.last_read_at.zip(r.last_read_message_id))
            .map_or((i64::MIN, String::new()), |(t, m)| {
                (crate::clock::to_ms(t), s(m))
            });
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT 1 FROM messages
               WHERE conversation_id = $1 AND COALESCE(author_agent_id, author_contact_id) <> $2
                 AND created_at >= $3 AND (created_at > $3 OR (created_at = $3 AND id > $4))
               LIMIT $5) unread",
        )
        .bind(id)
        .bind(&me)
        .bind(at)
        .bind(&last)
        .bind(convene_proto::reading::UNREAD_CAP + 1)
        .fetch_one(&mut *conn)
        .await?;
        out.insert(id.clone(), (count, read.is_some_and(|r| r.muted)));
    }
    Ok(out)
}

/// A message's place in the order messages are shown in.
async fn position(
    conn: &mut AnyConnection,
    conversation: &str,
    message: &str,
    field: &str,
) -> Result<(i64, String), Error> {
    let at: Option<i64> = sqlx::query_scalar(
        "SELECT created_at FROM messages WHERE id = $1 AND conversation_id = $2",
    )
    .bind(message)
    .bind(conversation)
    .fetch_optional(&mut *conn)
    .await?;
    at.map(|at| (at, message.to_owned())).ok_or_else(|| {
        Error::invalid(
            field,
            format!("{field} is not a message of this conversation"),
        )
    })
}

/// One page of conversation `id`'s messages, newest first, older than message `before` (from
/// the newest when `None`), at most `limit` ([`MESSAGE_PAGE`] when `None`).
pub async fn page(
    ctx: &Ctx,
    principal: &Principal,
    id: ConversationId,
    before: Option<&str>,
    limit: Option<usize>,
) -> Result<MessagePage, Error> {
    let limit = limit.unwrap_or(MESSAGE_PAGE);
    if limit == 0 || limit > MAX_MESSAGE_PAGE {
        return Err(Error::invalid(
            "limit",
            format!("limit must be between 1 and {MAX_MESSAGE_PAGE}"),
        ));
    }
    let mut conn = ctx.store.pool().acquire().await?;
    super::load_conversation(&mut conn, principal, id).await?;
    let key = s(id);
    let before = match before {
        Some(m) => {
            let m: MessageId = m
                .parse()
                .map_err(|_| Error::invalid("before", "before is not a message id"))?;
            Some(position(&mut conn, &key, &s(m), "before").await?)
        }
        None => None,
    };
    let (messages, more) = bulk::older_messages(&mut conn, &key, before, 0, limit).await?;
    let older = more.then(|| messages.last().map(|m| s(m.id))).flatten();
    Ok(MessagePage { messages, older })
}

/// Messages one history page carries at most (a page ends at a conversation's end when it can).
pub const HISTORY_PAGE: usize = 5000;

/// Batches of candidate conversations ([`super::sync::PAGE_CONVERSATIONS`] each) one history page
/// looks through at most.
const HISTORY_BATCHES: usize = 2;

/// Where a history fill stands: the conversations after `after` (in id order) are still to come;
/// of `after` itself, the messages older than `before`, when set.
#[derive(Debug, PartialEq, Eq)]
struct HistoryCursor {
    after: String,
    before: Option<String>,
}

fn parse_history(raw: Option<&str>) -> Result<HistoryCursor, Error> {
    let bad = || {
        Error::invalid(
            "cursor",
            "cursor is not one this server gave out; start again without it",
        )
    };
    let Some(c) = raw.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(HistoryCursor {
            after: String::new(),
            before: None,
        });
    };
    let rest = c.strip_prefix('h').ok_or_else(bad)?;
    let (conv, before) = match rest.split_once('.') {
        Some((c, m)) => (c, Some(m)),
        None => (rest, None),
    };
    let conv: ConversationId = conv.parse().map_err(|_| bad())?;
    let before = before
        .map(|m| m.parse::<MessageId>().map(s).map_err(|_| bad()))
        .transpose()?;
    Ok(HistoryCursor {
        after: s(conv),
        before,
    })
}

/// One page of the older history of every conversation the caller sees: each conversation's
/// messages past its newest [`RECENT_MESSAGES`] (which the first sync brought), newest first,
/// conversations in id order. A message the first sync also brought may come again (when newer
/// ones arrived meanwhile); applying it twice is harmless, and none is missed.
pub async fn history(
    ctx: &Ctx,
    principal: &Principal,
    cursor: Option<&str>,
) -> Result<HistoryPage, Error> {
    let cursor = parse_history(cursor)?;
    let mut conn = ctx.store.pool().acquire().await?;
    let mut messages: Vec<Message> = Vec::new();
    let mut complete = Vec::new();
    let mut after = cursor.after.clone();
    // The conversation a cursor stopped inside comes first again, from where it stopped.
    let mut resume = cursor.before.map(|m| (cursor.after, m));
    let mut batches = 0;
    loop {
        let batch =
            super::sync::visible_from(&mut conn, principal, &after, resume.is_some()).await?;
        for id in &batch.visible {
            let before = match resume.take() {
                Some((c, m)) if &c == id => Some(position(&mut conn, id, &m, "cursor").await?),
                _ => None,
            };
            let room = HISTORY_PAGE - messages.len();
            let (got, full) =
                bulk::older_messages(&mut conn, id, before, RECENT_MESSAGES, room).await?;
            messages.extend(got);
            if full {
                let last = messages.last().map(|m| s(m.id)).unwrap_or_default();
                return Ok(HistoryPage {
                    messages,
                    complete,
                    cursor: format!("h{id}.{last}"),
                    has_more: true,
                });
            }
            complete.push(rows::parse(id)?);
            if messages.len() >= HISTORY_PAGE / 2 {
                return Ok(HistoryPage {
                    messages,
                    complete,
                    cursor: format!("h{id}"),
                    has_more: true,
                });
            }
        }
        resume = None;
        batches += 1;
        match batch.last {
            // However few messages the conversations had, one request walks a bounded number of
            // them; the next page goes on after the last one looked at.
            Some(last) if batch.more && batches >= HISTORY_BATCHES => {
                return Ok(HistoryPage {
                    messages,
                    complete,
                    cursor: format!("h{last}"),
                    has_more: true,
                })
            }
            Some(last) if batch.more => after = last,
            _ => {
                return Ok(HistoryPage {
                    messages,
                    complete,
                    cursor: String::new(),
                    has_more: false,
                })
            }
        }
    }
}
