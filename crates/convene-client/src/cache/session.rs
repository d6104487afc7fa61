//! Sessions that end: the server answered 401 to the stored session. The session row is kept, marked
//! ended, rather than deleted: it says whom to sign in again as, and while it is marked nothing is sent
//! with its dead token. Signing in again replaces the row ([`Cache::save_session`] clears the mark).

use rusqlite::{params, OptionalExtension};

use super::Cache;
use crate::error::ClientError;

impl Cache {
    /// Marks the stored session ended, if `token` is still the stored one (an answer to a request
    /// made before a new sign-in must not end the new session). Answers whether it is now marked.
    pub fn end_session(&self, token: &str, now: &str) -> Result<bool, ClientError> {
        self.conn.execute(
            "UPDATE session SET ended_at = ?2 WHERE id = 1 AND token = ?1 AND ended_at IS NULL",
            params![token, now],
        )?;
        let ended: Option<Option<String>> = self
            .conn
            .query_row(
                "SELECT ended_at FROM session WHERE id = 1 AND token = ?1",
                params![token],
                |r| r.get(0),
            )
            .optional()?;
        Ok(matches!(ended, Some(Some(_))))
    }

    /// When the server ended the stored session, if it did.
    pub fn session_ended_at(&self) -> Result<Option<String>, ClientError> {
        Ok(self
            .conn
            .query_row("SELECT ended_at FROM session WHERE id = 1", [], |r| {
                r.get::<_, Option<String>>(0)
            })
            .optional()?
            .flatten())
    }
}

#[cfg(test)]
mod tests {
    use super::super::StoredSession;
    use super::*;
    use convene_proto::{AccountId, AccountRole, AgentId, Me};

    fn session(token: &str) -> StoredSession {
        StoredSession {
            server_url: "http://127.0.0.1:1".into(),
            token: token.into(),
            me: Me::Agent {
                id: AgentId::new(),
                account_id: AccountId::new(),
                account_name: "A".into(),
                email: "ana@example.com".into(),
                name: "Ana".into(),
                role: AccountRole::Agent,
                admin: Default::default(),
            },
        }
    }

    #[test]
    fn only_the_stored_token_is_ended_and_a_new_sign_in_clears_the_mark() {
        let cache = Cache::in_memory().expect("cache");
        cache.save_session(&session("old")).expect("save");
        assert_eq!(cache.session_ended_at().expect("read"), None);
        assert!(
            !cache.end_session("other", "t1").expect("end"),
            "not the stored token"
        );
        assert_eq!(cache.session_ended_at().expect("read"), None);
        assert!(cache.end_session("old", "t1").expect("end"));
        assert!(
            cache.end_session("old", "t2").expect("again"),
            "still ended"
        );
        assert_eq!(
            cache.session_ended_at().expect("read").as_deref(),
            Some("t1")
        );
        assert!(
            cache.session().expect("read").is_some(),
            "kept, not deleted"
        );
        cache.save_session(&session("new")).expect("sign in again");
        assert_eq!(cache.session_ended_at().expect("read"), None);
        assert!(
            !cache.end_session("old", "t3").expect("late answer"),
            "the new session lives"
        );
    }
}
