//! The offline cache: a SQLite file in the app's data folder holding the session and what the
//! user may see, so the app starts to its list without the network.
//!
//! The schema is versioned with `PRAGMA user_version`; each migration runs once, in a transaction.

use std::path::Path;

use convene_proto::{Conversation, Me};
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::ClientError;

/// Schema migrations, in order. Entry `i` brings the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: the session and the conversation list.
    "CREATE TABLE session (
         id          INTEGER PRIMARY KEY CHECK (id = 1),
         server_url  TEXT NOT NULL,
         token       TEXT NOT NULL,
         me          TEXT NOT NULL          -- JSON of convene_proto::Me
     );
     CREATE TABLE conversations (
         id          TEXT PRIMARY KEY NOT NULL,
         updated_at  TEXT NOT NULL,         -- RFC 3339, for ordering
         body        TEXT NOT NULL          -- JSON of convene_proto::Conversation
     );
     CREATE INDEX conversations_updated ON conversations(updated_at DESC);
     CREATE TABLE sync_state (
         id             INTEGER PRIMARY KEY CHECK (id = 1),
         last_synced_at TEXT NOT NULL
     );",
];

/// The session stored in the cache.
#[derive(Clone, Debug)]
pub struct StoredSession {
    pub server_url: String,
    pub token: String,
    pub me: Me,
}

/// An open cache file.
pub struct Cache {
    conn: Connection,
}

impl Cache {
    /// Opens (creating if needed) the cache at `path` and migrates it to the current schema.
    pub fn open(path: &Path) -> Result<Self, ClientError> {
        let conn = Connection::open(path)?;
        Self::init(conn)
    }

    /// An in-memory cache, for unit tests.
    pub fn in_memory() -> Result<Self, ClientError> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<Self, ClientError> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&mut conn)?;
        Ok(Self { conn })
    }

    /// The schema version the file is at.
    pub fn schema_version(&self) -> Result<usize, ClientError> {
        let v: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?;
        Ok(usize::try_from(v).unwrap_or(0))
    }

    /// Stores the signed-in session, replacing any other.
    pub fn save_session(&self, session: &StoredSession) -> Result<(), ClientError> {
        let me =
            serde_json::to_string(&session.me).map_err(|e| ClientError::Corrupt(e.to_string()))?;
        self.conn.execute(
            "INSERT INTO session (id, server_url, token, me) VALUES (1, ?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET server_url = excluded.server_url, token = excluded.token, me = excluded.me",
            params![session.server_url, session.token, me],
        )?;
        Ok(())
    }

    /// The stored session, if the user is signed in.
    pub fn session(&self) -> Result<Option<StoredSession>, ClientError> {
        let row = self
            .conn
            .query_row(
                "SELECT server_url, token, me FROM session WHERE id = 1",
                [],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                },
            )
            .optional()?;
        row.map(|(server_url, token, me)| {
            Ok(StoredSession {
                server_url,
                token,
                me: serde_json::from_str(&me).map_err(|e| ClientError::Corrupt(e.to_string()))?,
            })
        })
        .transpose()
    }

    /// Replaces the cached conversation list with `list`, in one transaction.
    pub fn replace_conversations(
        &mut self,
        list: &[Conversation],
        synced_at: &str,
    ) -> Result<(), ClientError> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM conversations", [])?;
        {
            let mut insert =
                tx.prepare("INSERT INTO conversations (id, updated_at, body) VALUES (?1, ?2, ?3)")?;
            for c in list {
                let body =
                    serde_json::to_string(c).map_err(|e| ClientError::Corrupt(e.to_string()))?;
                let updated = c
                    .updated_at
                    .format(&time::format_description::well_known::Rfc3339)
                    .map_err(|e| ClientError::Corrupt(e.to_string()))?;
                insert.execute(params![c.id.to_string(), updated, body])?;
            }
        }
        tx.execute(
            "INSERT INTO sync_state (id, last_synced_at) VALUES (1, ?1)
             ON CONFLICT(id) DO UPDATE SET last_synced_at = excluded.last_synced_at",
            params![synced_at],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The cached conversations, most recently updated first.
    pub fn conversations(&self) -> Result<Vec<Conversation>, ClientError> {
        let mut stmt = self
            .conn
            .prepare("SELECT body FROM conversations ORDER BY updated_at DESC, id DESC")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.map(|body| {
            serde_json::from_str(&body?).map_err(|e| ClientError::Corrupt(e.to_string()))
        })
        .collect()
    }

    /// When the list was last fetched from the server.
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

    /// Deletes everything the cache holds (sign-out), in one transaction.
    pub fn wipe(&mut self) -> Result<(), ClientError> {
        let tx = self.conn.transaction()?;
        tx.execute_batch(
            "DELETE FROM session; DELETE FROM conversations; DELETE FROM sync_state;",
        )?;
        tx.commit()?;
        self.conn.execute_batch("VACUUM")?;
        Ok(())
    }
}

fn migrate(conn: &mut Connection) -> Result<(), ClientError> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let current = usize::try_from(current).unwrap_or(0);
    if current > MIGRATIONS.len() {
        return Err(ClientError::Corrupt(format!(
            "cache schema version {current} is newer than this app knows ({})",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(
            None,
            "user_version",
            i64::try_from(i + 1).unwrap_or(i64::MAX),
        )?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use convene_proto::{AccountId, AgentId, ConversationId, ConversationStatus, ParticipantRole};
    use time::OffsetDateTime;

    fn conversation(subject: &str, updated_secs: i64) -> Conversation {
        let t = OffsetDateTime::from_unix_timestamp(updated_secs).expect("time");
        Conversation {
            id: ConversationId::new(),
            subject: subject.to_owned(),
            status: ConversationStatus::Open,
            created_by: AgentId::new(),
            created_at: t,
            updated_at: t,
            my_role: Some(ParticipantRole::Owner),
            participant_count: 1,
        }
    }

    #[test]
    fn migrations_bring_a_new_file_to_the_latest_version_and_reopen_cleanly() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("cache.db");
        let cache = Cache::open(&path).expect("open");
        assert_eq!(cache.schema_version().expect("version"), MIGRATIONS.len());
        drop(cache);
        let again = Cache::open(&path).expect("reopen");
        assert_eq!(again.schema_version().expect("version"), MIGRATIONS.len());
    }

    #[test]
    fn conversations_come_back_newest_first_and_replace_the_old_list() {
        let mut cache = Cache::in_memory().expect("cache");
        cache
            .replace_conversations(
                &[conversation("old", 1_000), conversation("new", 2_000)],
                "now",
            )
            .expect("store");
        let subjects: Vec<_> = cache
            .conversations()
            .expect("read")
            .into_iter()
            .map(|c| c.subject)
            .collect();
        assert_eq!(subjects, ["new", "old"]);
        cache
            .replace_conversations(&[conversation("only", 3_000)], "later")
            .expect("store");
        assert_eq!(cache.conversations().expect("read").len(), 1);
        assert_eq!(
            cache.last_synced_at().expect("read").as_deref(),
            Some("later")
        );
    }

    #[test]
    fn wipe_forgets_the_session_and_the_list() {
        let mut cache = Cache::in_memory().expect("cache");
        cache
            .save_session(&StoredSession {
                server_url: "http://127.0.0.1:1".into(),
                token: "t".into(),
                me: Me::Contact {
                    id: convene_proto::ContactId::new(),
                    account_id: AccountId::new(),
                    account_name: "A".into(),
                    email: "c@example.com".into(),
                    name: "C".into(),
                },
            })
            .expect("save");
        cache
            .replace_conversations(&[conversation("x", 1)], "now")
            .expect("store");
        cache.wipe().expect("wipe");
        assert!(cache.session().expect("read").is_none());
        assert!(cache.conversations().expect("read").is_empty());
    }
}
