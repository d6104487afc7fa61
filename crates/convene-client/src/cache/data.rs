//! The cached copy of what the user may see, kept up to date by applying sync pages.
//!
//! A page is applied in one transaction together with its cursor, so an interrupted sync resumes
//! from the last page that was stored whole, and a lost conversation is purged in that same
//! transaction.

use convene_proto::list::{self, ListConversation, MessageHead, NAMED_CUSTOMERS, PREVIEW_CHARS};
use convene_proto::policy::Actor;
use convene_proto::{
    Conversation, ConversationId, ConversationSnapshot, Event, Invite, Message, SyncPage,
};
use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;

use super::{from_json, to_json, Cache};
use crate::error::ClientError;

/// One conversation with everything the app shows about it: the snapshot sync delivered, as
/// cached (the same rows the server reads for the web client's screen).
pub type ConversationView = ConversationSnapshot;

/// Messages and events of a conversation, each in time order.
#[derive(Clone, Debug, Default, Serialize, ts_rs::TS)]
pub struct Timeline {
    pub messages: Vec<Message>,
    /// Outbox sequence numbers of messages that are only local copies, by message id.
    pub pending: Vec<(String, i64)>,
    pub events: Vec<Event>,
    /// Older messages exist: cached beyond the page asked for, or still on the server.
    pub has_older: bool,
}

/// A sort key for a moment: RFC 3339 in UTC with a fixed six-digit fraction, so that text order
/// is time order (plain RFC 3339 drops trailing zeros: "…58.12Z" would sort after "…58.123Z").
pub(super) fn rfc3339(t: time::OffsetDateTime) -> Result<String, ClientError> {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    t.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .map_err(|e| ClientError::Corrupt(e.to_string()))
}

fn replace_children<T: Serialize>(
    tx: &Transaction<'_>,
    table: &str,
    conversation: &str,
    rows: &[(String, T)],
) -> Result<(), ClientError> {
    tx.prepare_cached(&format!("DELETE FROM {table} WHERE conversation_id = ?1"))?
        .execute(params![conversation])?;
    let mut insert = tx.prepare_cached(&format!(
        "INSERT INTO {table} (id, conversation_id, body) VALUES (?1, ?2, ?3)"
    ))?;
    for (id, row) in rows {
        insert.execute(params![id, conversation, to_json(row)?])?;
    }
    Ok(())
}

fn store_snapshot(tx: &Transaction<'_>, s: &ConversationSnapshot) -> Result<(), ClientError> {
    let id = s.conversation.id.to_string();
    tx.prepare_cached(
        "INSERT INTO conversations (id, updated_at, body, me) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at, body = excluded.body, me = excluded.me",
    )?
    .execute(params![id, rfc3339(s.conversation.updated_at)?, to_json(&s.conversation)?, to_json(&s.me)?],
    )?;
    let participants: Vec<_> = s
        .participants
        .iter()
        .map(|p| (p.id.to_string(), p))
        .collect();
    replace_children(tx, "participants", &id, &participants)?;
    for p in &s.participants {
        super::search::remember(tx, p)?;
    }
    let invites: Vec<_> = s.invites.iter().map(|i| (i.id.to_string(), i)).collect();
    replace_children(tx, "invites", &id, &invites)?;
    let requests: Vec<_> = s
        .service_requests
        .iter()
        .map(|r| (r.id.to_string(), r))
        .collect();
    replace_children(tx, "service_requests", &id, &requests)?;
    Ok(())
}

/// Deletes every cached row of a conversation (not its outbox actions: those are reported).
fn purge(tx: &Transaction<'_>, id: &ConversationId) -> Result<(), ClientError> {
    let id = id.to_string();
    for table in [
        "participants",
        "invites",
        "service_requests",
        "messages",
        "events",
        "reads",
        "history_gaps",
    ] {
        tx.execute(
            &format!("DELETE FROM {table} WHERE conversation_id = ?1"),
            params![id],
        )?;
    }
    tx.execute("DELETE FROM conversations WHERE id = ?1", params![id])?;
    // A history fill stopped inside it goes on after it: should it come back, it comes with its
    // recent messages and a gap of its own, not as "complete" from the middle.
    tx.execute(
        "UPDATE sync_state SET history = 'h' || ?1 WHERE history LIKE 'h' || ?1 || '.%'",
        params![id],
    )?;
    Ok(())
}

impl Cache {
    /// Applies one sync page and stores its cursor, all in one transaction.
    pub fn apply_page(&mut self, page: &SyncPage) -> Result<(), ClientError> {
        let tx = self.conn.transaction()?;
        for snapshot in &page.conversations {
            store_snapshot(&tx, snapshot)?;
        }
        for m in &page.messages {
            // A message moves its conversation up the list: `updated_at` becomes its time.
            tx.prepare_cached(
                "UPDATE conversations SET updated_at = ?2, body = json_set(body, '$.updated_at', ?3)
                 WHERE id = ?1 AND updated_at < ?2",
            )?
            .execute(params![
                m.conversation_id.to_string(),
                rfc3339(m.created_at)?,
                m.created_at
                    .format(&time::format_description::well_known::Rfc3339)
                    .map_err(|e| ClientError::Corrupt(e.to_string()))?
            ])?;
            super::reading::store_message(&tx, m)?;
        }
        for e in &page.events {
            tx.prepare_cached(
                "INSERT INTO events (id, conversation_id, created_at, body) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(id) DO NOTHING",
            )?
            .execute(params![
                e.id.to_string(),
                e.conversation_id.to_string(),
                rfc3339(e.created_at)?,
                to_json(e)?
            ])?;
        }
        for r in &page.reads {
            super::reading::store(&tx, r)?;
        }
        super::reading::add_gaps(&tx, &page.older)?;
        let touched: std::collections::BTreeSet<String> = page
            .conversations
            .iter()
            .map(|c| c.conversation.id)
            .chain(page.messages.iter().map(|m| m.conversation_id))
            .chain(page.reads.iter().map(|r| r.conversation_id))
            .map(|id| id.to_string())
            .collect();
        for id in &touched {
            super::reading::recount(&tx, id)?;
        }
        for lost in &page.lost {
            purge(&tx, lost)?;
        }
        let now = rfc3339(time::OffsetDateTime::now_utc())?;
        tx.execute(
            "INSERT INTO sync_state (id, last_synced_at, cursor) VALUES (1, ?1, ?2)
             ON CONFLICT(id) DO UPDATE SET last_synced_at = excluded.last_synced_at, cursor = excluded.cursor",
            params![now, page.cursor],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The cursor to sync from (`None`: never synced).
    pub fn cursor(&self) -> Result<Option<String>, ClientError> {
        Ok(self
            .conn
            .query_row("SELECT cursor FROM sync_state WHERE id = 1", [], |r| {
                r.get::<_, Option<String>>(0)
            })
            .optional()?
            .flatten())
    }

    /// When the cache was last brought up to date.
    pub fn last_synced_at(&self) -> Result<Option<String>, ClientError> {
        Ok(self
            .conn
            .query_row(
                "SELECT last_synced_at FROM sync_state WHERE id = 1",
                [],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Every cached conversation (joined or invited to), most recently updated first.
    pub fn conversation_list(&self) -> Result<Vec<(Conversation, Actor)>, ClientError> {
        let mut stmt = self
            .conn
            .prepare("SELECT body, me FROM conversations ORDER BY updated_at DESC, id DESC")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        rows.map(|row| {
            let (body, me) = row?;
            Ok((from_json(&body)?, from_json(&me)?))
        })
        .collect()
    }

    /// The conversation list's rows, most recently updated first, each with the user's place in
    /// the conversation: its joined customers and the head of its newest message (the user's own
    /// unsent ones included) are read here in one statement, by index, so the list of 10,000
    /// conversations does not read 10,000 message histories.
    pub fn list_rows(&self) -> Result<Vec<(ListConversation, Actor)>, ClientError> {
        const CUSTOMERS: &str = "FROM participants p WHERE p.conversation_id = c.id
             AND json_extract(p.body, '$.kind') = 'contact'
             AND json_extract(p.body, '$.state') = 'joined'";
        let sql = format!(
            "SELECT c.body, c.me,
                (SELECT json_group_array(name) FROM (SELECT json_extract(p.body, '$.name') AS name
                    {CUSTOMERS} ORDER BY p.rowid LIMIT {NAMED_CUSTOMERS})),
                (SELECT count(*) {CUSTOMERS}),
                json_extract(m.body, '$.author_name'), json_extract(m.body, '$.author_kind'),
                substr(json_extract(m.body, '$.body'), 1, {head}), json_extract(m.body, '$.created_at'),
                coalesce(r.unread, 0), coalesce(r.muted, 0)
             FROM conversations c
             LEFT JOIN reads r ON r.conversation_id = c.id
             LEFT JOIN messages m ON m.rowid = (SELECT rowid FROM messages
                WHERE conversation_id = c.id ORDER BY created_at DESC, rowid DESC LIMIT 1)
             ORDER BY c.updated_at DESC, c.id DESC",
            head = PREVIEW_CHARS * 4,
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, Option<String>>(7)?,
                list::Unread {
                    count: r.get(8)?,
                    muted: r.get(9)?,
                },
            ))
        })?;
        rows.map(|row| {
            let (body, me, names, count, author, kind, text, at, unread) = row?;
            let last = match (author, kind, at) {
                (Some(author_name), Some(kind), Some(at)) => Some(MessageHead {
                    author_name,
                    author_kind: kind
                        .parse()
                        .map_err(|e| ClientError::Corrupt(format!("{e}")))?,
                    text: text.unwrap_or_default(),
                    at: time::OffsetDateTime::parse(
                        &at,
                        &time::format_description::well_known::Rfc3339,
                    )
                    .map_err(|e| ClientError::Corrupt(format!("message time {at:?}: {e}")))?,
                }),
                _ => None,
            };
            Ok((
                list::row(from_json(&body)?, from_json(&names)?, count, last, unread),
                from_json(&me)?,
            ))
        })
        .collect()
    }

    /// The cached conversations, most recently updated first.
    pub fn conversations(&self) -> Result<Vec<Conversation>, ClientError> {
        Ok(self
            .conversation_list()?
            .into_iter()
            .map(|(c, _)| c)
            .collect())
    }

    fn children<T: serde::de::DeserializeOwned>(
        &self,
        table: &str,
        id: &str,
    ) -> Result<Vec<T>, ClientError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT body FROM {table} WHERE conversation_id = ?1 ORDER BY rowid"
        ))?;
        let rows = stmt.query_map(params![id], |r| r.get::<_, String>(0))?;
        rows.map(|b| from_json(&b?)).collect()
    }

    /// One cached conversation with its people, invites and service requests.
    pub fn conversation(
        &self,
        id: &ConversationId,
    ) -> Result<Option<ConversationView>, ClientError> {
        let key = id.to_string();
        let row = self
            .conn
            .query_row(
                "SELECT body, me FROM conversations WHERE id = ?1",
                params![key],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
            )
            .optional()?;
        let Some((body, me)) = row else {
            return Ok(None);
        };
        Ok(Some(ConversationView {
            conversation: from_json(&body)?,
            me: from_json(&me)?,
            participants: self.children("participants", &key)?,
            invites: self.children("invites", &key)?,
            service_requests: self.children("service_requests", &key)?,
        }))
    }

    /// Pending invites addressed to the user, across conversations.
    pub fn my_invites(&self, me: &str) -> Result<Vec<Invite>, ClientError> {
        let mut stmt = self
            .conn
            .prepare("SELECT body FROM invites ORDER BY rowid")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let mut mine = Vec::new();
        for body in rows {
            let invite: Invite = from_json(&body?)?;
            let to_me = invite.agent_id.map(|a| a.to_string()).as_deref() == Some(me)
                || invite.contact_id.map(|c| c.to_string()).as_deref() == Some(me);
            if to_me && invite.status == convene_proto::InviteStatus::Pending {
                mine.push(invite);
            }
        }
        Ok(mine)
    }

    /// Messages (including pending local copies) and events of a conversation.
    pub fn timeline(&self, id: &ConversationId) -> Result<Timeline, ClientError> {
        self.timeline_page(id, usize::MAX)
    }

    /// The newest `limit` messages of a conversation (pending local copies included), oldest
    /// first, and its events from the oldest of them on (all of them when no older message
    /// exists).
    pub fn timeline_page(
        &self,
        id: &ConversationId,
        limit: usize,
    ) -> Result<Timeline, ClientError> {
        let key = id.to_string();
        let mut timeline = Timeline::default();
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, body, outbox_seq, created_at FROM messages WHERE conversation_id = ?1
             ORDER BY created_at DESC, id DESC LIMIT ?2",
        )?;
        let take = i64::try_from(limit.saturating_add(1)).unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![key, take], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        let mut rows = rows.collect::<Result<Vec<_>, _>>()?;
        let more_cached = rows.len() > limit;
        rows.truncate(limit);
        rows.reverse();
        let gap: i64 = self.conn.query_row(
            "SELECT count(*) FROM history_gaps WHERE conversation_id = ?1",
            params![key],
            |r| r.get(0),
        )?;
        timeline.has_older = more_cached || gap > 0;
        let since = match rows.first() {
            Some((_, _, _, at)) if timeline.has_older => at.clone(),
            _ => String::new(),
        };
        for (mid, body, seq, _) in rows {
            timeline.messages.push(from_json(&body)?);
            if let Some(seq) = seq {
                timeline.pending.push((mid, seq));
            }
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT body FROM events WHERE conversation_id = ?1 AND created_at >= ?2 ORDER BY created_at, id",
        )?;
        let rows = stmt.query_map(params![key, since], |r| r.get::<_, String>(0))?;
        for body in rows {
            timeline.events.push(from_json(&body?)?);
        }
        Ok(timeline)
    }
}

#[cfg(test)]
mod tests {
    use super::rfc3339;

    #[test]
    fn sort_keys_order_like_the_moments_they_stand_for() {
        let at = |ms: i64| {
            time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
                .expect("time")
        };
        let (a, b) = (
            rfc3339(at(1_764_151_258_120)).expect("a"),
            rfc3339(at(1_764_151_258_123)).expect("b"),
        );
        assert!(a < b, "{a} < {b}");
        assert_eq!(a.len(), b.len());
    }
}
