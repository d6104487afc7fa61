//! Read state and history in the cache: how far the user has read each conversation (the
//! server's mark or their own newer one not sent yet), its unread count kept in a column, and
//! which conversations' older messages are still to fetch.

use convene_proto::list::Unread;
use convene_proto::reading::UNREAD_CAP;
use convene_proto::{ConversationId, HistoryPage, Message, ReadState};
use rusqlite::{params, Connection, OptionalExtension};

use super::data::rfc3339;
use super::{to_json, Cache};
use crate::error::ClientError;

/// Whether `(at, id)` in the SQL is after the stored mark of `reads`.
const AFTER_MARK: &str = "(reads.last_read_at IS NULL OR m.created_at > reads.last_read_at
     OR (m.created_at = reads.last_read_at AND m.id > reads.last_read_id))";

/// Counts conversation `id`'s unread messages again: those after the mark that the user did not
/// write (their own unsent copies included among those they wrote), up to one past the cap.
pub(super) fn recount(conn: &Connection, id: &str) -> Result<(), ClientError> {
    conn.prepare_cached("INSERT INTO reads (conversation_id) VALUES (?1) ON CONFLICT DO NOTHING")?
        .execute(params![id])?;
    conn.prepare_cached(&format!(
        "UPDATE reads SET unread = (SELECT count(*) FROM (SELECT 1 FROM messages m
            WHERE m.conversation_id = ?1 AND m.outbox_seq IS NULL
              AND coalesce(json_extract(m.body, '$.author_id'), '')
                  <> coalesce((SELECT json_extract(me, '$.id') FROM session WHERE id = 1), '')
              AND {AFTER_MARK} LIMIT {cap}))
         WHERE conversation_id = ?1",
        cap = UNREAD_CAP + 1
    ))?
    .execute(params![id])?;
    Ok(())
}

/// Stores read states from the server: mute as the server says (unless the user switched it
/// here and that is not sent yet); the mark moves only forward, so a newer mark of the user's
/// own that is not sent yet is kept.
pub(super) fn store(conn: &Connection, state: &ReadState) -> Result<(), ClientError> {
    let at = state.last_read_at.map(rfc3339).transpose()?;
    let later = "reads.last_read_at IS NULL OR excluded.last_read_at > reads.last_read_at
        OR (excluded.last_read_at = reads.last_read_at AND excluded.last_read_id > reads.last_read_id)";
    conn.prepare_cached(&format!(
        "INSERT INTO reads (conversation_id, last_read_at, last_read_id, muted) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(conversation_id) DO UPDATE
           SET muted = CASE WHEN reads.mute_unsent = 1 THEN reads.muted ELSE excluded.muted END,
           last_read_at = CASE WHEN {later} THEN excluded.last_read_at ELSE reads.last_read_at END,
           last_read_id = CASE WHEN {later} THEN excluded.last_read_id ELSE reads.last_read_id END"
    ))?
    .execute(params![
        state.conversation_id.to_string(),
        at,
        state.last_read_message_id.map(|m| m.to_string()),
        state.muted
    ])?;
    Ok(())
}

/// Stores a message from the server (a pending local copy with the same id becomes it).
pub(super) fn store_message(conn: &Connection, m: &Message) -> Result<(), ClientError> {
    conn.prepare_cached(
        "INSERT INTO messages (id, conversation_id, created_at, body, outbox_seq) VALUES (?1, ?2, ?3, ?4, NULL)
         ON CONFLICT(id) DO UPDATE SET body = excluded.body, outbox_seq = NULL",
    )?
    .execute(params![
        m.id.to_string(),
        m.conversation_id.to_string(),
        rfc3339(m.created_at)?,
        to_json(m)?
    ])?;
    Ok(())
}

/// Notes that conversations' older messages are still to fetch.
pub(super) fn add_gaps(conn: &Connection, ids: &[ConversationId]) -> Result<(), ClientError> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO history_gaps (conversation_id) VALUES (?1) ON CONFLICT DO NOTHING",
    )?;
    for id in ids {
        insert.execute(params![id.to_string()])?;
    }
    Ok(())
}

/// A read state changed here that the server has not heard of yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnsentRead {
    pub conversation_id: ConversationId,
    /// The mark's message, when the mark is unsent.
    pub mark: Option<String>,
    /// The mute switch, when it is unsent.
    pub muted: Option<bool>,
}

impl Cache {
    /// Marks conversation `id` read up to its newest message from the server, if that is past
    /// the mark. Answers the message, to tell the server; `None` when nothing changed.
    pub fn mark_read_local(&mut self, id: &ConversationId) -> Result<Option<String>, ClientError> {
        let key = id.to_string();
        let tx = self.conn.transaction()?;
        let newest: Option<(String, String)> = tx
            .query_row(
                "SELECT id, created_at FROM messages WHERE conversation_id = ?1 AND outbox_seq IS NULL
                 ORDER BY created_at DESC, id DESC LIMIT 1",
                params![key],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((message, at)) = newest else {
            return Ok(None);
        };
        tx.prepare_cached(
            "INSERT INTO reads (conversation_id) VALUES (?1) ON CONFLICT DO NOTHING",
        )?
        .execute(params![key])?;
        let moved = tx.execute(
            "UPDATE reads SET last_read_at = ?2, last_read_id = ?3, mark_unsent = 1
             WHERE conversation_id = ?1 AND (last_read_at IS NULL OR ?2 > last_read_at
                OR (?2 = last_read_at AND ?3 > last_read_id))",
            params![key, at, message],
        )?;
        recount(&tx, &key)?;
        tx.commit()?;
        Ok((moved > 0).then_some(message))
    }

    /// Mutes or unmutes conversation `id` here; [`Cache::unsent_reads`] tells the server.
    pub fn set_muted_local(&self, id: &ConversationId, muted: bool) -> Result<(), ClientError> {
        self.conn.execute(
            "INSERT INTO reads (conversation_id, muted, mute_unsent) VALUES (?1, ?2, 1)
             ON CONFLICT(conversation_id) DO UPDATE SET muted = excluded.muted, mute_unsent = 1",
            params![id.to_string(), muted],
        )?;
        Ok(())
    }

    /// Marks and mute switches made here and not sent yet: (conversation, the mark's message
    /// if unsent, the mute switch if unsent). Sent apart from the outbox: each is the latest
    /// state, not a step (ten reads of one conversation are one mark), and sending one twice
    /// changes nothing.
    pub fn unsent_reads(&self) -> Result<Vec<UnsentRead>, ClientError> {
        let mut stmt = self.conn.prepare(
            "SELECT conversation_id, CASE WHEN mark_unsent = 1 THEN last_read_id END,
                    CASE WHEN mute_unsent = 1 THEN muted END
             FROM reads WHERE mark_unsent = 1 OR mute_unsent = 1 ORDER BY conversation_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<bool>>(2)?,
            ))
        })?;
        rows.map(|row| {
            let (id, mark, muted) = row?;
            Ok(UnsentRead {
                conversation_id: id
                    .parse()
                    .map_err(|_| ClientError::Corrupt(format!("conversation id {id:?}")))?,
                mark,
                muted,
            })
        })
        .collect()
    }

    /// The server has (or refused for good) what [`Cache::unsent_reads`] answered: clears the
    /// flags, unless the user changed the state again meanwhile.
    pub fn reads_sent(&self, sent: &UnsentRead) -> Result<(), ClientError> {
        let id = sent.conversation_id.to_string();
        if let Some(mark) = &sent.mark {
            self.conn.execute(
                "UPDATE reads SET mark_unsent = 0 WHERE conversation_id = ?1 AND last_read_id = ?2",
                params![id, mark],
            )?;
        }
        if let Some(muted) = sent.muted {
            self.conn.execute(
                "UPDATE reads SET mute_unsent = 0 WHERE conversation_id = ?1 AND muted = ?2",
                params![id, muted],
            )?;
        }
        Ok(())
    }

    /// Conversation `id`'s unread count and mute switch.
    pub fn unread(&self, id: &ConversationId) -> Result<Unread, ClientError> {
        Ok(self
            .conn
            .query_row(
                "SELECT unread, muted FROM reads WHERE conversation_id = ?1",
                params![id.to_string()],
                |r| {
                    Ok(Unread {
                        count: r.get(0)?,
                        muted: r.get(1)?,
                    })
                },
            )
            .optional()?
            .unwrap_or_default())
    }

    /// How many joined conversations that are not muted have unread messages (one the user is
    /// only invited to counts as its invite).
    pub fn unread_conversations(&self) -> Result<usize, ClientError> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM reads r JOIN conversations c ON c.id = r.conversation_id
             WHERE r.unread > 0 AND r.muted = 0 AND json_extract(c.body, '$.my_role') IS NOT NULL",
            [],
            |r| r.get(0),
        )?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// Whether message `id` is after the user's read mark of its conversation.
    pub fn is_unread(&self, message: &Message) -> Result<bool, ClientError> {
        let n: i64 = self.conn.query_row(
            &format!(
                "SELECT count(*) FROM messages m LEFT JOIN reads ON reads.conversation_id = m.conversation_id
                 WHERE m.id = ?1 AND {AFTER_MARK}"
            ),
            params![message.id.to_string()],
            |r| r.get(0),
        )?;
        Ok(n > 0)
    }

    /// Starts the background fill of every conversation's older history (after a first sync).
    pub fn start_history(&self) -> Result<(), ClientError> {
        self.conn.execute(
            "INSERT INTO sync_state (id, last_synced_at, history) VALUES (1, '', '')
             ON CONFLICT(id) DO UPDATE SET history = ''",
            [],
        )?;
        Ok(())
    }

    /// Where the background fill stands (`None`: not running).
    pub fn history_cursor(&self) -> Result<Option<String>, ClientError> {
        Ok(self
            .conn
            .query_row("SELECT history FROM sync_state WHERE id = 1", [], |r| {
                r.get::<_, Option<String>>(0)
            })
            .optional()?
            .flatten())
    }

    /// Applies one page of the background fill with its cursor, in one transaction.
    pub fn apply_history(&mut self, page: &HistoryPage) -> Result<(), ClientError> {
        let tx = self.conn.transaction()?;
        let mut touched = std::collections::BTreeSet::new();
        for m in &page.messages {
            // Only for conversations still cached (one lost meanwhile stays gone).
            let cached: bool = tx
                .prepare_cached("SELECT count(*) FROM conversations WHERE id = ?1")?
                .query_row(params![m.conversation_id.to_string()], |r| {
                    r.get::<_, i64>(0)
                })?
                > 0;
            if cached {
                store_message(&tx, m)?;
                touched.insert(m.conversation_id.to_string());
            }
        }
        for id in &touched {
            recount(&tx, id)?;
        }
        let mut close = tx.prepare_cached("DELETE FROM history_gaps WHERE conversation_id = ?1")?;
        for id in &page.complete {
            close.execute(params![id.to_string()])?;
        }
        drop(close);
        let next = page.has_more.then_some(page.cursor.as_str());
        tx.execute(
            "UPDATE sync_state SET history = ?1 WHERE id = 1",
            params![next],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Conversations whose older messages are still to fetch, each with its oldest cached
    /// message (to fetch the page before it).
    pub fn history_gaps(&self) -> Result<Vec<(ConversationId, Option<String>)>, ClientError> {
        let mut stmt = self.conn.prepare(
            "SELECT g.conversation_id, (SELECT id FROM messages m WHERE m.conversation_id = g.conversation_id
                 AND m.outbox_seq IS NULL ORDER BY created_at, id LIMIT 1)
             FROM history_gaps g JOIN conversations c ON c.id = g.conversation_id ORDER BY g.conversation_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
        })?;
        rows.map(|row| {
            let (id, oldest) = row?;
            Ok((
                id.parse()
                    .map_err(|_| ClientError::Corrupt(format!("conversation id {id:?}")))?,
                oldest,
            ))
        })
        .collect()
    }

    /// Whether conversation `id`'s older messages are still to fetch, and if so its oldest cached
    /// message (to fetch the page before it).
    pub fn history_gap(&self, id: &ConversationId) -> Result<Option<Option<String>>, ClientError> {
        Ok(self
            .conn
            .query_row(
                "SELECT (SELECT id FROM messages m WHERE m.conversation_id = g.conversation_id
                     AND m.outbox_seq IS NULL ORDER BY created_at, id LIMIT 1)
                 FROM history_gaps g WHERE g.conversation_id = ?1",
                params![id.to_string()],
                |r| r.get::<_, Option<String>>(0),
            )
            .optional()?)
    }

    /// Stores a page of older messages of one conversation; `done`: it held the first message.
    pub fn store_older(
        &mut self,
        id: &ConversationId,
        messages: &[Message],
        done: bool,
    ) -> Result<(), ClientError> {
        let key = id.to_string();
        let tx = self.conn.transaction()?;
        let cached: i64 = tx.query_row(
            "SELECT count(*) FROM conversations WHERE id = ?1",
            params![key],
            |r| r.get(0),
        )?;
        if cached > 0 {
            for m in messages {
                store_message(&tx, m)?;
            }
            recount(&tx, &key)?;
        }
        if done || cached == 0 {
            tx.execute(
                "DELETE FROM history_gaps WHERE conversation_id = ?1",
                params![key],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}
