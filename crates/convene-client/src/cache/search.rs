//! Contact typeahead over the cache: the contacts met in cached conversations, found by the
//! start of their name or email through two indexes, so it answers offline and at once.

use convene_proto::{Contact, Participant};
use rusqlite::{params, Transaction};

use super::Cache;
use crate::error::ClientError;

/// Most contacts a search answers.
const LIMIT: usize = 20;

/// Remembers the contact behind `p`, if it is one. Guests of a Shareable Link (email not
/// verified) are not offered: the server would not invite them by id either.
pub(super) fn remember(tx: &Transaction<'_>, p: &Participant) -> Result<(), ClientError> {
    let Some(id) = p.contact_id.filter(|_| p.email_verified) else {
        return Ok(());
    };
    tx.prepare_cached(
        "INSERT INTO contacts_seen (id, name, email, name_key, email_key) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, email = excluded.email,
             name_key = excluded.name_key, email_key = excluded.email_key",
    )?
    .execute(params![
        id.to_string(),
        p.name,
        p.email,
        p.name.to_lowercase(),
        p.email.to_lowercase()
    ])?;
    Ok(())
}

/// The exclusive upper end of the range of keys that start with `prefix`.
fn upper(prefix: &str) -> String {
    let mut s = prefix.to_owned();
    s.push(char::MAX);
    s
}

impl Cache {
    /// Contacts whose name or email starts with the first word of `q` and that contain every
    /// other word of it, by name.
    pub fn search_contacts(&self, q: &str) -> Result<Vec<Contact>, ClientError> {
        let words: Vec<String> = q.split_whitespace().map(str::to_lowercase).collect();
        let Some(first) = words.first() else {
            return Ok(Vec::new());
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, name, email, name_key, email_key FROM (
                 SELECT * FROM (SELECT * FROM contacts_seen WHERE name_key >= ?1 AND name_key < ?2
                                ORDER BY name_key LIMIT 200)
                 UNION
                 SELECT * FROM (SELECT * FROM contacts_seen WHERE email_key >= ?1 AND email_key < ?2
                                ORDER BY email_key LIMIT 200))
             ORDER BY name_key",
        )?;
        let rows = stmt.query_map(params![first, upper(first)], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        let mut found = Vec::new();
        for row in rows {
            let (id, name, email, name_key, email_key) = row?;
            let all = words[1..]
                .iter()
                .all(|w| name_key.contains(w.as_str()) || email_key.contains(w.as_str()));
            if all {
                found.push(Contact {
                    id: id
                        .parse()
                        .map_err(|e| ClientError::Corrupt(format!("contact id {id}: {e}")))?,
                    name,
                    email,
                });
                if found.len() == LIMIT {
                    break;
                }
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use convene_proto::{InviteeKind, ParticipantRole, ParticipantState, Via};

    fn contact(name: &str, email: &str) -> Participant {
        Participant {
            id: convene_proto::ParticipantId::new(),
            conversation_id: convene_proto::ConversationId::new(),
            kind: InviteeKind::Contact,
            agent_id: None,
            contact_id: Some(convene_proto::ContactId::new()),
            name: name.to_owned(),
            email: email.to_owned(),
            email_verified: true,
            role: ParticipantRole::Contact,
            state: ParticipantState::Joined,
            added_by: None,
            via: Via::EmailInvite,
            updated_at: time::OffsetDateTime::now_utc(),
        }
    }

    #[test]
    fn finds_contacts_by_the_start_of_name_or_email_and_narrows_by_more_words() {
        let mut cache = Cache::in_memory().expect("cache");
        let tx = cache.conn.transaction().expect("tx");
        for (n, e) in [
            ("Carol Smith", "carol@example.com"),
            ("Carlos Ruiz", "ruiz@example.net"),
            ("Dan Carver", "dan@example.net"),
        ] {
            remember(&tx, &contact(n, e)).expect("remember");
        }
        tx.commit().expect("commit");
        let names = |q: &str| -> Vec<String> {
            cache
                .search_contacts(q)
                .expect("search")
                .into_iter()
                .map(|c| c.name)
                .collect()
        };
        assert_eq!(names("car"), ["Carlos Ruiz", "Carol Smith"]);
        assert_eq!(names("RUIZ@"), ["Carlos Ruiz"]);
        assert_eq!(names("car smi"), ["Carol Smith"]);
        assert_eq!(names("dan"), ["Dan Carver"]);
        assert!(names("zed").is_empty());
        assert!(names("  ").is_empty());
    }
}
