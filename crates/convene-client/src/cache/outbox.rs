//! The durable outbox: user actions written to the cache before they are shown as pending, removed
//! only when the server has acknowledged them, each with its own idempotency key.

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::{from_json, to_json, Cache};
use crate::error::ClientError;
use crate::outbox::Action;

/// An action waiting in the outbox, or one the server refused.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct QueuedAction {
    pub seq: i64,
    pub idempotency_key: String,
    pub conversation_id: Option<String>,
    pub action: Action,
    /// `pending` (will be sent) or `failed` (the server refused it; see `last_error`).
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: String,
    /// A pending action the server asked to wait: not sent before this moment (RFC 3339), when
    /// the item shows "Try again in 42 s".
    pub not_before: Option<String>,
}

/// An outbox row as read: seq, key, conversation, action JSON, state, attempts, last error,
/// created, not before (ms).
type RawRow = (
    i64,
    String,
    Option<String>,
    String,
    String,
    i64,
    Option<String>,
    String,
    Option<i64>,
);

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
    ))
}

/// Milliseconds since the epoch as RFC 3339.
fn rfc3339_ms(ms: i64) -> Option<String> {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()?
        .format(&time::format_description::well_known::Rfc3339)
        .ok()
}

fn to_queued(
    (
        seq,
        idempotency_key,
        conversation_id,
        action,
        state,
        attempts,
        last_error,
        created_at,
        not_before_ms,
    ): RawRow,
) -> Result<QueuedAction, ClientError> {
    Ok(QueuedAction {
        seq,
        idempotency_key,
        conversation_id,
        action: from_json(&action)?,
        state,
        attempts,
        last_error,
        created_at,
        not_before: not_before_ms.and_then(rfc3339_ms),
    })
}

const SELECT: &str = "SELECT seq, idempotency_key, conversation_id, action, state, attempts, last_error, created_at, not_before_ms FROM outbox";

impl Cache {
    /// Stores an action (and, for a message, its local copy) in one transaction; answers its sequence number.
    pub fn enqueue(&mut self, action: &Action, key: &str, now: &str) -> Result<i64, ClientError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO outbox (idempotency_key, conversation_id, action, state, created_at) VALUES (?1, ?2, ?3, 'pending', ?4)",
            params![key, action.conversation_id().map(|c| c.to_string()), to_json(action)?, now],
        )?;
        let seq = tx.last_insert_rowid();
        if let Some(local) = action.local_message(now) {
            tx.execute(
                "INSERT INTO messages (id, conversation_id, created_at, body, outbox_seq) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![local.id.to_string(), local.conversation_id.to_string(), now, to_json(&local)?, seq],
            )?;
        }
        tx.commit()?;
        Ok(seq)
    }

    /// Every pending action, oldest first, with its wait (ms since the epoch) if it has one.
    pub fn pending(&self) -> Result<Vec<(QueuedAction, Option<i64>)>, ClientError> {
        let mut stmt = self
            .conn
            .prepare(&format!("{SELECT} WHERE state = 'pending' ORDER BY seq"))?;
        let rows = stmt.query_map([], row)?;
        rows.map(|r| {
            let raw = r?;
            let wait = raw.8;
            Ok((to_queued(raw)?, wait))
        })
        .collect()
    }

    /// One pending action by its sequence number.
    pub fn queued_one(&self, seq: i64) -> Result<Option<QueuedAction>, ClientError> {
        self.conn
            .query_row(&format!("{SELECT} WHERE seq = ?1"), params![seq], row)
            .optional()?
            .map(to_queued)
            .transpose()
    }

    /// The server asked to wait: the action stays pending, is not sent before `until_ms`, and
    /// says why.
    pub fn defer(&self, seq: i64, until_ms: i64, reason: &str) -> Result<(), ClientError> {
        self.conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, not_before_ms = ?3 WHERE seq = ?1",
            params![seq, reason, until_ms],
        )?;
        Ok(())
    }

    /// The earliest moment a waiting action may be sent again (ms since the epoch).
    pub fn next_wake_ms(&self) -> Result<Option<i64>, ClientError> {
        Ok(self.conn.query_row(
            "SELECT MIN(not_before_ms) FROM outbox WHERE state = 'pending'",
            [],
            |r| r.get(0),
        )?)
    }

    /// Every queued or failed action, oldest first.
    pub fn queued(&self) -> Result<Vec<QueuedAction>, ClientError> {
        let mut stmt = self.conn.prepare(&format!("{SELECT} ORDER BY seq"))?;
        let rows = stmt.query_map([], row)?;
        rows.map(|r| to_queued(r?)).collect()
    }

    /// The server acknowledged the action: remove it (its local message copy stays until sync
    /// brings the real one; `acked_message` replaces it at once when the answer carries it).
    pub fn acknowledge(
        &mut self,
        seq: i64,
        acked_message: Option<&convene_proto::Message>,
    ) -> Result<(), ClientError> {
        let tx = self.conn.transaction()?;
        if let Some(m) = acked_message {
            tx.execute("DELETE FROM messages WHERE outbox_seq = ?1", params![seq])?;
            tx.execute(
                "INSERT INTO messages (id, conversation_id, created_at, body, outbox_seq) VALUES (?1, ?2, ?3, ?4, NULL)
                 ON CONFLICT(id) DO UPDATE SET body = excluded.body, outbox_seq = NULL",
                params![
                    m.id.to_string(),
                    m.conversation_id.to_string(),
                    m.created_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
                    to_json(m)?
                ],
            )?;
        }
        tx.execute("DELETE FROM outbox WHERE seq = ?1", params![seq])?;
        tx.commit()?;
        Ok(())
    }

    /// The server refused the action: mark it failed with the reason and roll back its local effect.
    pub fn fail(&mut self, seq: i64, reason: &str) -> Result<(), ClientError> {
        let tx = self.conn.transaction()?;
        tx.execute("UPDATE outbox SET state = 'failed', last_error = ?2, attempts = attempts + 1, not_before_ms = NULL WHERE seq = ?1", params![seq, reason])?;
        tx.execute("DELETE FROM messages WHERE outbox_seq = ?1", params![seq])?;
        tx.commit()?;
        Ok(())
    }

    /// Counts a failed attempt to reach the server.
    pub fn note_attempt(&self, seq: i64, error: &str) -> Result<(), ClientError> {
        self.conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?2 WHERE seq = ?1",
            params![seq, error],
        )?;
        Ok(())
    }

    /// Forgets a failed action (the user dismissed it).
    pub fn dismiss(&self, seq: i64) -> Result<bool, ClientError> {
        Ok(self.conn.execute(
            "DELETE FROM outbox WHERE seq = ?1 AND state = 'failed'",
            params![seq],
        )? == 1)
    }

    /// Puts a failed action back in the queue, at its place, with a fresh idempotency key (the
    /// old key's refusal is stored on the server).
    pub fn retry(&mut self, seq: i64, new_key: &str, now: &str) -> Result<bool, ClientError> {
        let tx = self.conn.transaction()?;
        let action: Option<String> = tx
            .query_row(
                "SELECT action FROM outbox WHERE seq = ?1 AND state = 'failed'",
                params![seq],
                |r| r.get(0),
            )
            .optional()?;
        let Some(action) = action else {
            return Ok(false);
        };
        tx.execute(
            "UPDATE outbox SET state = 'pending', last_error = NULL, not_before_ms = NULL, idempotency_key = ?2 WHERE seq = ?1",
            params![seq, new_key],
        )?;
        let action: Action = from_json(&action)?;
        if let Some(local) = action.local_message(now) {
            tx.execute(
                "INSERT OR REPLACE INTO messages (id, conversation_id, created_at, body, outbox_seq) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![local.id.to_string(), local.conversation_id.to_string(), now, to_json(&local)?, seq],
            )?;
        }
        tx.commit()?;
        Ok(true)
    }
}
