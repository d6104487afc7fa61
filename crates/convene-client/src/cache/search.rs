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
    /// Contacts a word of whose name (or whose email) starts with the first word of `q` ("jo"
    /// finds "Carol Jones"), and that contain every other word of it, by name.
    pub fn search_contacts(&self, q: &str) -> Result<Vec<Contact>, ClientError> {
        let words: Vec<String> = q.split_whitespace().map(str::to_lowercase).collect();
        let Some(first) = words.first() else {
            return Ok(Vec::new());
        };
        // The start of the name or email through the indexes; a later word of the name by a
        // scan of the contacts met (a few thousand at most).
        let escaped = first
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, name, email, name_key, email_key FROM (
                 SELECT * FROM (SELECT * FROM contacts_seen WHERE name_key >= ?1 AND name_key < ?2
                                ORDER BY name_key LIMIT 200)
                 UNION
                 SELECT * FROM (SELECT * FROM contacts_seen WHERE email_key >= ?1 AND email_key < ?2
                                ORDER BY email_key LIMIT 200)
                 UNION
                 SELECT * FROM (SELECT * FROM contacts_seen WHERE name_key LIKE '% ' || ?3 || '%' ESCAPE '\\'
                                ORDER BY name_key LIMIT 200))
             ORDER BY name_key",
        )?;
        let rows = stmt.query_map(params![first, upper(first), escaped], |r| {
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

/// Marks around the matched words in a [`SearchHit`]'s snippet (the UI turns them into
/// highlights; they cannot occur in typed text).
pub const MARK_START: char = '\u{2}';
pub const MARK_END: char = '\u{3}';

/// One conversation found by a search, best first.
#[derive(Clone, Debug, PartialEq, serde::Serialize, ts_rs::TS)]
pub struct SearchHit {
    pub conversation_id: String,
    /// Where the best match is: the subject, a person, or a message.
    pub field: SearchField,
    /// The matched text around the words, with [`MARK_START`]/[`MARK_END`] around each match.
    pub snippet: String,
}

/// What a search matched in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SearchField {
    Subject,
    Person,
    Message,
}

/// The longest prefix the search indexes keep (`prefix = '2 3 4 5'`, cache migration 8): a
/// prefix query of two to this many characters reads one index entry; a longer or shorter one
/// merges the entries of every word it starts, which over a million messages takes tens of ms.
const INDEXED_PREFIX: std::ops::RangeInclusive<usize> = 2..=5;

fn words(q: &str) -> Vec<&str> {
    q.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect()
}

/// The FTS5 query for what was typed: every word, each also as the start of a longer word
/// ("inv" finds "invoice"), all of them required. Quotes and operators typed are words, not syntax.
pub fn fts_query(q: &str) -> Option<String> {
    let words: Vec<String> = words(q).iter().map(|w| format!("\"{w}\"*")).collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// The queries [`Cache::search`] runs for what was typed, cheapest first: each word whose length
/// the prefix index keeps as a prefix, every other word whole; then, only when that found too
/// little, [`fts_query`] (every word also as a prefix). Both when they differ, else one.
pub fn fts_queries(q: &str) -> Vec<String> {
    let Some(full) = fts_query(q) else {
        return Vec::new();
    };
    let cheap: Vec<String> = words(q)
        .iter()
        .map(|w| {
            if INDEXED_PREFIX.contains(&w.chars().count()) {
                format!("\"{w}\"*")
            } else {
                format!("\"{w}\"")
            }
        })
        .collect();
    let cheap = cheap.join(" ");
    if cheap == full {
        vec![full]
    } else {
        vec![cheap, full]
    }
}

impl Cache {
    /// Conversations whose subject, people or messages hold every word of `q` (prefixes too,
    /// diacritics folded), best first: subject matches, then people, then messages, each newest
    /// first (a common word in many rows is not ranked row by row). Each conversation once, with
    /// the snippet of its best match. At most `limit`.
    pub fn search(&self, q: &str, limit: usize) -> Result<Vec<SearchHit>, ClientError> {
        let queries = fts_queries(q);
        let Some(full) = queries.last() else {
            return Ok(Vec::new());
        };
        let mut hits = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let rows = i64::try_from(limit * 4).unwrap_or(200);
        // Subjects and people (one row per conversation or person: few) with every word as a
        // prefix; messages (a million, say) with whole words and indexed prefixes first, and
        // every prefix only when those matched fewer rows than were asked for.
        // Within a tier, newest first: ranked by `rank`, a word in all 10,000 subjects had every
        // one of them scored and its snippet made before the first ten were taken.
        let passes = [
            (full, "subject_fts", SearchField::Subject, "rowid DESC"),
            (full, "people_fts", SearchField::Person, "rowid DESC"),
        ]
        .into_iter()
        .chain(
            queries
                .iter()
                .map(|query| (query, "message_fts", SearchField::Message, "rowid DESC")),
        );
        // Whether the last message pass had more matches than it read: then every prefix would
        // only find more of the same (and merge the index entries of every longer word).
        let mut messages_left = false;
        for (query, table, field, order) in passes {
            if hits.len() >= limit || messages_left {
                break;
            }
            // The snippet is made in the same pass (FTS5 makes it from the row at hand; asked
            // for apart, by rowid, it walks the whole match again for each row).
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT conversation_id, snippet({table}, 1, char(2), char(3), '…', 7)
                 FROM {table} WHERE {table} MATCH ?1 ORDER BY {order} LIMIT ?2"
            ))?;
            let found = stmt.query_map(params![query, rows], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?;
            let mut read = 0;
            for row in found {
                read += 1;
                let (conversation_id, snippet) = row?;
                if hits.len() >= limit {
                    break;
                }
                if seen.insert(conversation_id.clone()) {
                    hits.push(SearchHit {
                        conversation_id,
                        field,
                        snippet,
                    });
                }
            }
            messages_left = field == SearchField::Message && read == rows;
        }
        Ok(hits)
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
    fn finds_contacts_by_the_start_of_a_name_word_or_email_and_narrows_by_more_words() {
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
        // Any word of the name: Dan Carver too.
        assert_eq!(names("car"), ["Carlos Ruiz", "Carol Smith", "Dan Carver"]);
        assert_eq!(names("RUIZ@"), ["Carlos Ruiz"]);
        assert_eq!(names("car smi"), ["Carol Smith"]);
        assert_eq!(names("dan"), ["Dan Carver"]);
        assert!(names("zed").is_empty());
        assert!(names("  ").is_empty());
    }

    #[test]
    fn finds_conversations_by_any_word_of_subject_people_or_messages_ranked_and_marked() {
        use convene_proto::{ConversationId, ConversationSnapshot, Message, MessageId, SyncPage};
        let mut cache = Cache::in_memory().expect("cache");
        let now = time::OffsetDateTime::now_utc();
        let conversation = |subject: &str| convene_proto::Conversation {
            id: ConversationId::new(),
            subject: subject.to_owned(),
            status: convene_proto::ConversationStatus::Open,
            created_by: convene_proto::AgentId::new(),
            created_at: now,
            updated_at: now,
            my_role: None,
            participant_count: 1,
        };
        let invoice = conversation("Invoice for March");
        let lamp = conversation("Broken lamp");
        let mut carol = contact("José Carvalho", "jose@example.com");
        carol.conversation_id = lamp.id;
        let snapshot =
            |c: &convene_proto::Conversation, people: Vec<Participant>| ConversationSnapshot {
                conversation: c.clone(),
                me: convene_proto::policy::Actor {
                    account_role: Some(convene_proto::AccountRole::Agent),
                    participation: None,
                    pending_invite: false,
                    contacts_may_invite: true,
                    guest: false,
                    closed: false,
                },
                participants: people,
                invites: vec![],
                service_requests: vec![],
            };
        let message = |c: &convene_proto::Conversation, body: &str| Message {
            author_id: String::new(),
            id: MessageId::new(),
            conversation_id: c.id,
            author_name: "Ana Lima".into(),
            author_kind: InviteeKind::Agent,
            body: body.to_owned(),
            created_at: now,
        };
        cache
            .apply_page(&SyncPage {
                cursor: "c1".into(),
                has_more: false,
                conversations: vec![snapshot(&invoice, vec![]), snapshot(&lamp, vec![carol])],
                messages: vec![
                    message(&lamp, "The replacement ships on Tuesday"),
                    message(&invoice, "We refunded the invoice today"),
                ],
                events: vec![],
                lost: vec![],
                reads: vec![],
                older: vec![],
            })
            .expect("apply");
        fn found_in(cache: &Cache, q: &str) -> Vec<(String, SearchField)> {
            cache
                .search(q, 10)
                .expect("search")
                .into_iter()
                .map(|h| (h.conversation_id, h.field))
                .collect()
        }
        let found = |q: &str| found_in(&cache, q);
        // A word from inside a message, found by its start.
        assert_eq!(
            found("replace"),
            [(lamp.id.to_string(), SearchField::Message)]
        );
        // Diacritics folded both ways; a person's name.
        assert_eq!(found("jose"), [(lamp.id.to_string(), SearchField::Person)]);
        assert_eq!(
            found("JOSÉ carv"),
            [(lamp.id.to_string(), SearchField::Person)]
        );
        // The subject ranks above a message of another conversation; each conversation once.
        assert_eq!(
            found("invoice"),
            [(invoice.id.to_string(), SearchField::Subject)]
        );
        assert!(found("invoice lamp").is_empty(), "every word is needed");
        // Typed syntax is text, not an FTS5 operator.
        assert!(found("\"OR\" NEAR(").is_empty());
        let hit = &cache.search("tues", 10).expect("search")[0];
        assert!(
            hit.snippet
                .contains(&format!("{MARK_START}Tuesday{MARK_END}")),
            "{:?}",
            hit.snippet
        );
        // The index follows the cache: a conversation purged is found no more.
        cache
            .apply_page(&SyncPage {
                cursor: "c2".into(),
                has_more: false,
                conversations: vec![],
                messages: vec![],
                events: vec![],
                lost: vec![lamp.id],
                reads: vec![],
                older: vec![],
            })
            .expect("apply");
        assert!(found_in(&cache, "replace").is_empty());
        assert!(found_in(&cache, "jose").is_empty());
    }

    #[test]
    fn the_cheap_query_keeps_indexed_prefixes_and_whole_words_and_falls_back_to_every_prefix() {
        assert_eq!(
            fts_queries("invoice addr 7"),
            [
                "\"invoice\" \"addr\"* \"7\"".to_owned(),
                "\"invoice\"* \"addr\"* \"7\"*".to_owned()
            ]
        );
        // Nothing cheaper to try: one query.
        assert_eq!(fts_queries("deliv da"), ["\"deliv\"* \"da\"*".to_owned()]);
        assert!(fts_queries(" ,; ").is_empty());
    }

    #[test]
    fn the_contact_typeahead_matches_any_word_of_a_name() {
        let mut cache = Cache::in_memory().expect("cache");
        let tx = cache.conn.transaction().expect("tx");
        remember(&tx, &contact("Carol Jones", "cj@example.com")).expect("remember");
        remember(&tx, &contact("Pat 100%_Sure", "pat@example.com")).expect("remember");
        tx.commit().expect("commit");
        let names = |q: &str| -> Vec<String> {
            cache
                .search_contacts(q)
                .expect("search")
                .into_iter()
                .map(|c| c.name)
                .collect()
        };
        assert_eq!(names("jon"), ["Carol Jones"]);
        assert_eq!(names("100%"), ["Pat 100%_Sure"]);
        assert!(names("%").is_empty(), "LIKE wildcards are text");
    }
}
