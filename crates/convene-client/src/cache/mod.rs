//! The offline cache: a SQLite file in the app's data folder holding the session and what the
//! user may see, so the app starts to its list without the network.
//!
//! The schema is versioned with `PRAGMA user_version`; each migration runs once, in a transaction.

use std::path::Path;

use convene_proto::Me;
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::ClientError;

mod data;
mod outbox;
mod prefs;
mod reading;
mod search;
mod session;

pub use convene_proto::list::Unread;
pub use data::{ConversationView, Timeline};
pub use outbox::QueuedAction;
pub use reading::UnsentRead;
pub use search::{fts_queries, fts_query, SearchField, SearchHit, MARK_END, MARK_START};

/// JSON for a cached row.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<String, ClientError> {
    serde_json::to_string(value).map_err(|e| ClientError::Corrupt(e.to_string()))
}

/// A cached row's JSON, parsed.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, ClientError> {
    serde_json::from_str(text).map_err(|e| ClientError::Corrupt(e.to_string()))
}

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
    // 2: everything the app shows offline, the sync cursor, and the durable outbox of actions.
    "DROP TABLE conversations;
     CREATE TABLE conversations (
         id          TEXT PRIMARY KEY NOT NULL,
         updated_at  TEXT NOT NULL,
         body        TEXT NOT NULL,          -- JSON of convene_proto::Conversation
         me          TEXT NOT NULL           -- JSON of convene_proto::policy::Actor
     );
     CREATE INDEX conversations_updated ON conversations(updated_at DESC);
     CREATE TABLE participants (
         id               TEXT PRIMARY KEY NOT NULL,
         conversation_id  TEXT NOT NULL,
         body             TEXT NOT NULL
     );
     CREATE INDEX participants_conversation ON participants(conversation_id);
     CREATE TABLE invites (
         id               TEXT PRIMARY KEY NOT NULL,
         conversation_id  TEXT NOT NULL,
         body             TEXT NOT NULL
     );
     CREATE INDEX invites_conversation ON invites(conversation_id);
     CREATE TABLE service_requests (
         id               TEXT PRIMARY KEY NOT NULL,
         conversation_id  TEXT NOT NULL,
         body             TEXT NOT NULL
     );
     CREATE INDEX service_requests_conversation ON service_requests(conversation_id);
     CREATE TABLE messages (
         id               TEXT PRIMARY KEY NOT NULL,
         conversation_id  TEXT NOT NULL,
         created_at       TEXT NOT NULL,
         body             TEXT NOT NULL,
         outbox_seq       INTEGER            -- set while the message is only a pending local copy
     );
     CREATE INDEX messages_conversation ON messages(conversation_id, created_at);
     CREATE TABLE events (
         id               TEXT PRIMARY KEY NOT NULL,
         conversation_id  TEXT NOT NULL,
         created_at       TEXT NOT NULL,
         body             TEXT NOT NULL
     );
     CREATE INDEX events_conversation ON events(conversation_id, created_at);
     ALTER TABLE sync_state ADD COLUMN cursor TEXT;
     CREATE TABLE outbox (
         seq              INTEGER PRIMARY KEY AUTOINCREMENT,
         idempotency_key  TEXT NOT NULL UNIQUE,
         conversation_id  TEXT,
         action           TEXT NOT NULL,     -- JSON of crate::outbox::Action
         state            TEXT NOT NULL CHECK (state IN ('pending', 'failed')),
         attempts         INTEGER NOT NULL DEFAULT 0,
         last_error       TEXT,
         created_at       TEXT NOT NULL
     );",
    // 3: the contacts met in cached conversations, for typeahead without the network.
    "CREATE TABLE contacts_seen (
         id         TEXT PRIMARY KEY NOT NULL,
         name       TEXT NOT NULL,
         email      TEXT NOT NULL,
         name_key   TEXT NOT NULL,          -- lower-cased name
         email_key  TEXT NOT NULL           -- lower-cased email
     );
     CREATE INDEX contacts_seen_name ON contacts_seen(name_key);
     CREATE INDEX contacts_seen_email ON contacts_seen(email_key);
     INSERT OR IGNORE INTO contacts_seen (id, name, email, name_key, email_key)
         SELECT json_extract(body, '$.contact_id'), json_extract(body, '$.name'),
                json_extract(body, '$.email'), lower(json_extract(body, '$.name')),
                lower(json_extract(body, '$.email'))
         FROM participants WHERE json_extract(body, '$.contact_id') IS NOT NULL;",
    // 4: when the server ended the stored session (a 401): kept, not deleted, so the same person
    // can sign in again and keep the cache and the queued actions.
    "ALTER TABLE session ADD COLUMN ended_at TEXT;",
    // 5: a queued action the server asked to wait (429 with Retry-After) is not sent before this
    // moment (milliseconds since the epoch); its conversation's later actions wait behind it.
    "ALTER TABLE outbox ADD COLUMN not_before_ms INTEGER;",
    // 6: full-text search of everything cached (subjects, people, message text), offline: one
    // FTS5 index per table, each row keyed by its table row's rowid and kept up to date by
    // triggers, so no writer can forget it. unicode61 with diacritics removed: "jose" finds "José".
    "CREATE VIRTUAL TABLE subject_fts USING fts5(conversation_id UNINDEXED, text, tokenize = 'unicode61 remove_diacritics 2');
     CREATE VIRTUAL TABLE people_fts USING fts5(conversation_id UNINDEXED, text, tokenize = 'unicode61 remove_diacritics 2');
     CREATE VIRTUAL TABLE message_fts USING fts5(conversation_id UNINDEXED, text, tokenize = 'unicode61 remove_diacritics 2');
     INSERT INTO subject_fts (rowid, conversation_id, text)
         SELECT rowid, id, coalesce(json_extract(body, '$.subject'), '') FROM conversations;
     INSERT INTO people_fts (rowid, conversation_id, text)
         SELECT rowid, conversation_id, coalesce(json_extract(body, '$.name'), '') || ' ' || coalesce(json_extract(body, '$.email'), '') FROM participants;
     INSERT INTO message_fts (rowid, conversation_id, text)
         SELECT rowid, conversation_id, coalesce(json_extract(body, '$.author_name'), '') || ': ' || coalesce(json_extract(body, '$.body'), '') FROM messages;
     CREATE TRIGGER subject_fts_insert AFTER INSERT ON conversations BEGIN
         INSERT INTO subject_fts (rowid, conversation_id, text) VALUES (new.rowid, new.id, coalesce(json_extract(new.body, '$.subject'), ''));
     END;
     CREATE TRIGGER subject_fts_update AFTER UPDATE OF body ON conversations BEGIN
         DELETE FROM subject_fts WHERE rowid = old.rowid;
         INSERT INTO subject_fts (rowid, conversation_id, text) VALUES (new.rowid, new.id, coalesce(json_extract(new.body, '$.subject'), ''));
     END;
     CREATE TRIGGER subject_fts_delete AFTER DELETE ON conversations BEGIN
         DELETE FROM subject_fts WHERE rowid = old.rowid;
     END;
     CREATE TRIGGER people_fts_insert AFTER INSERT ON participants BEGIN
         INSERT INTO people_fts (rowid, conversation_id, text) VALUES (new.rowid, new.conversation_id, coalesce(json_extract(new.body, '$.name'), '') || ' ' || coalesce(json_extract(new.body, '$.email'), ''));
     END;
     CREATE TRIGGER people_fts_update AFTER UPDATE ON participants BEGIN
         DELETE FROM people_fts WHERE rowid = old.rowid;
         INSERT INTO people_fts (rowid, conversation_id, text) VALUES (new.rowid, new.conversation_id, coalesce(json_extract(new.body, '$.name'), '') || ' ' || coalesce(json_extract(new.body, '$.email'), ''));
     END;
     CREATE TRIGGER people_fts_delete AFTER DELETE ON participants BEGIN
         DELETE FROM people_fts WHERE rowid = old.rowid;
     END;
     CREATE TRIGGER message_fts_insert AFTER INSERT ON messages BEGIN
         INSERT INTO message_fts (rowid, conversation_id, text) VALUES (new.rowid, new.conversation_id, coalesce(json_extract(new.body, '$.author_name'), '') || ': ' || coalesce(json_extract(new.body, '$.body'), ''));
     END;
     CREATE TRIGGER message_fts_update AFTER UPDATE OF body ON messages BEGIN
         DELETE FROM message_fts WHERE rowid = old.rowid;
         INSERT INTO message_fts (rowid, conversation_id, text) VALUES (new.rowid, new.conversation_id, coalesce(json_extract(new.body, '$.author_name'), '') || ': ' || coalesce(json_extract(new.body, '$.body'), ''));
     END;
     CREATE TRIGGER message_fts_delete AFTER DELETE ON messages BEGIN
         DELETE FROM message_fts WHERE rowid = old.rowid;
     END;",
    // 7: read state (the server's, and the user's own marks not sent yet: the later one wins)
    // with each conversation's unread count kept here, so that the list of 10,000 reads a column
    // instead of counting messages; and the history still to fetch: conversations whose older
    // messages are not cached yet, and the first sync's background fill.
    "CREATE TABLE reads (
         conversation_id  TEXT PRIMARY KEY NOT NULL,
         last_read_at     TEXT,              -- sort key of the last read message's time
         last_read_id     TEXT,
         muted            INTEGER NOT NULL DEFAULT 0,
         unread           INTEGER NOT NULL DEFAULT 0,
         mark_unsent      INTEGER NOT NULL DEFAULT 0,   -- the mark is the user's, not sent yet
         mute_unsent      INTEGER NOT NULL DEFAULT 0    -- so is the mute switch
     );
     CREATE TABLE history_gaps (
         conversation_id  TEXT PRIMARY KEY NOT NULL
     );
     ALTER TABLE sync_state ADD COLUMN history TEXT;   -- the fill's cursor; NULL: none running
     CREATE INDEX messages_page ON messages(conversation_id, created_at, id);
     DROP INDEX messages_conversation;",
    // 8: the search indexes keep prefixes of 2 to 5 characters ("inv" reads one index entry
    // instead of merging every word that starts so: over a million messages, milliseconds instead
    // of tens of them). Rebuilt from their tables; the triggers name them and stay as they are.
    "DROP TABLE subject_fts;
     DROP TABLE people_fts;
     DROP TABLE message_fts;
     CREATE VIRTUAL TABLE subject_fts USING fts5(conversation_id UNINDEXED, text, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4 5');
     CREATE VIRTUAL TABLE people_fts USING fts5(conversation_id UNINDEXED, text, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4 5');
     CREATE VIRTUAL TABLE message_fts USING fts5(conversation_id UNINDEXED, text, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4 5');
     INSERT INTO subject_fts (rowid, conversation_id, text)
         SELECT rowid, id, coalesce(json_extract(body, '$.subject'), '') FROM conversations;
     INSERT INTO people_fts (rowid, conversation_id, text)
         SELECT rowid, conversation_id, coalesce(json_extract(body, '$.name'), '') || ' ' || coalesce(json_extract(body, '$.email'), '') FROM participants;
     INSERT INTO message_fts (rowid, conversation_id, text)
         SELECT rowid, conversation_id, coalesce(json_extract(body, '$.author_name'), '') || ': ' || coalesce(json_extract(body, '$.body'), '') FROM messages;",
    // 9: this device's preferences (do not disturb until when).
    "CREATE TABLE prefs (
         key    TEXT PRIMARY KEY NOT NULL,
         value  TEXT NOT NULL
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
    pub(crate) conn: Connection,
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
        // 16 MiB of page cache (the default is 2 MiB): a first sync of thousands of
        // conversations otherwise reads its own index pages back from disk over and over.
        conn.pragma_update(None, "cache_size", -16384)?;
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

    /// Stores the signed-in session, replacing any other (and any record of one that ended).
    pub fn save_session(&self, session: &StoredSession) -> Result<(), ClientError> {
        let me =
            serde_json::to_string(&session.me).map_err(|e| ClientError::Corrupt(e.to_string()))?;
        self.conn.execute(
            "INSERT INTO session (id, server_url, token, me, ended_at) VALUES (1, ?1, ?2, ?3, NULL)
             ON CONFLICT(id) DO UPDATE SET server_url = excluded.server_url, token = excluded.token,
                 me = excluded.me, ended_at = NULL",
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

    /// Deletes everything the cache holds (sign-out), in one transaction.
    pub fn wipe(&mut self) -> Result<(), ClientError> {
        let tx = self.conn.transaction()?;
        tx.execute_batch(
            "DELETE FROM session; DELETE FROM conversations; DELETE FROM sync_state;
             DELETE FROM participants; DELETE FROM invites; DELETE FROM service_requests;
             DELETE FROM messages; DELETE FROM events; DELETE FROM outbox; DELETE FROM contacts_seen;
             DELETE FROM reads; DELETE FROM history_gaps; DELETE FROM prefs;",
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
    use convene_proto::{
        AccountId, AgentId, Conversation, ConversationId, ConversationStatus, ParticipantRole,
    };
    use time::OffsetDateTime;

    pub(crate) fn page_with(c: Conversation) -> convene_proto::SyncPage {
        convene_proto::SyncPage {
            cursor: "c1".into(),
            has_more: false,
            conversations: vec![convene_proto::ConversationSnapshot {
                conversation: c,
                me: convene_proto::policy::Actor {
                    account_role: Some(convene_proto::AccountRole::Agent),
                    participation: None,
                    pending_invite: false,
                    contacts_may_invite: true,
                    guest: false,
                    closed: false,
                },
                participants: vec![],
                invites: vec![],
                service_requests: vec![],
            }],
            messages: vec![],
            events: vec![],
            lost: vec![],
            reads: vec![],
            older: vec![],
        }
    }

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
                    email_verified: true,
                },
            })
            .expect("save");
        cache
            .apply_page(&page_with(conversation("x", 1)))
            .expect("store");
        assert_eq!(cache.conversations().expect("read").len(), 1);
        cache.wipe().expect("wipe");
        assert!(cache.session().expect("read").is_none());
        assert!(cache.conversations().expect("read").is_empty());
    }
}
