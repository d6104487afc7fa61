//! Reading many conversations at once: a handful of set queries per page instead of a handful per
//! conversation, so a first sync of ten thousand conversations costs tens of queries, not tens of
//! thousands. Results keep the orders the one-conversation readers in `rows` use.

use std::collections::HashMap;

use convene_proto::policy::{allowed, Action, Actor, Participation};
use convene_proto::{
    ConversationId, ConversationSnapshot, Event, Message, ParticipantRole, ParticipantState,
};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::rows::{
    conversation_row, event_row, invite_row, message_row, parse, participant_row,
    service_request_row, CONVERSATION_SELECT, EVENT_SELECT, INVITE_SELECT, MESSAGE_SELECT,
    PARTICIPANT_SELECT, SERVICE_REQUEST_SELECT,
};
use super::{s, Principal};
use crate::error::ApiError;

/// Ids bound in one `IN (…)` list at most (well under SQLite's and PostgreSQL's limits).
const CHUNK: usize = 500;

/// `$from, $from+1, …` for `n` values.
fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs `sql` (with `{in}` standing for the id list, after `fixed` leading binds) once per chunk
/// of `ids` and answers every row.
async fn fetch_in(
    conn: &mut AnyConnection,
    sql: &str,
    fixed: &[String],
    ids: &[String],
) -> Result<Vec<AnyRow>, ApiError> {
    let mut all = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let text = sql.replace("{in}", &placeholders(fixed.len() + 1, chunk.len()));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(text));
        for v in fixed.iter().chain(chunk) {
            q = q.bind(v.clone());
        }
        all.extend(q.fetch_all(&mut *conn).await?);
    }
    Ok(all)
}

/// Groups rows by their conversation id (column `col`), keeping row order within each group.
fn group<T>(
    rows: &[AnyRow],
    col: usize,
    map: impl Fn(&AnyRow) -> Result<T, ApiError>,
) -> Result<HashMap<String, Vec<T>>, ApiError> {
    let mut out: HashMap<String, Vec<T>> = HashMap::new();
    for r in rows {
        out.entry(r.get::<String, _>(col))
            .or_default()
            .push(map(r)?);
    }
    Ok(out)
}

/// The caller relative to each of `ids` (all in the caller's account), keyed by conversation id.
pub async fn actors(
    conn: &mut AnyConnection,
    principal: &Principal,
    ids: &[String],
) -> Result<HashMap<String, Actor>, ApiError> {
    let contacts_may_invite: i64 =
        sqlx::query_scalar("SELECT contacts_may_invite FROM accounts WHERE id = $1")
            .bind(s(principal.account_id()))
            .fetch_one(&mut *conn)
            .await?;
    let account_role = match principal {
        Principal::Agent { role, .. } => Some(*role),
        Principal::Contact { .. } => None,
    };
    let base = Actor {
        account_role,
        participation: None,
        pending_invite: false,
        contacts_may_invite: contacts_may_invite != 0,
    };
    let mut out: HashMap<String, Actor> = ids.iter().map(|id| (id.clone(), base)).collect();
    let (column, me) = match principal.columns() {
        (Some(agent), _) => ("agent_id", agent),
        (None, Some(contact)) => ("contact_id", contact),
        (None, None) => return Ok(out),
    };
    let sql = format!(
        "SELECT p.conversation_id, p.role, p.state,
                (SELECT COUNT(*) FROM invites i WHERE i.participant_id = p.id AND i.status = 'pending')
         FROM participants p WHERE p.{column} = $1 AND p.conversation_id IN ({{in}})"
    );
    for r in fetch_in(conn, &sql, &[me], ids).await? {
        let actor = out.entry(r.get::<String, _>(0)).or_insert(base);
        actor.participation = Some(Participation {
            role: parse::<ParticipantRole>(r.get::<&str, _>(1))?,
            state: parse::<ParticipantState>(r.get::<&str, _>(2))?,
        });
        actor.pending_invite = r.get::<i64, _>(3) > 0;
    }
    Ok(out)
}

/// Whole snapshots of those of `ids` the caller may see, in the order of `ids`; the others are
/// answered apart (the caller cannot see them, or they no longer exist).
pub async fn snapshots(
    conn: &mut AnyConnection,
    principal: &Principal,
    ids: &[String],
) -> Result<(Vec<ConversationSnapshot>, Vec<String>), ApiError> {
    let actors = actors(conn, principal, ids).await?;
    snapshots_as(conn, principal, ids, &actors).await
}

/// [`snapshots`] with the caller's place in each conversation already read by [`actors`].
pub async fn snapshots_as(
    conn: &mut AnyConnection,
    principal: &Principal,
    ids: &[String],
    actors: &HashMap<String, Actor>,
) -> Result<(Vec<ConversationSnapshot>, Vec<String>), ApiError> {
    let (visible, hidden): (Vec<String>, Vec<String>) = ids
        .iter()
        .cloned()
        .partition(|id| actors.get(id).is_some_and(|a| allowed(a, Action::See)));
    if visible.is_empty() {
        return Ok((Vec::new(), hidden));
    }
    let account = s(principal.account_id());
    let conversations = fetch_in(
        conn,
        &format!("{CONVERSATION_SELECT} WHERE c.account_id = $1 AND c.id IN ({{in}})"),
        std::slice::from_ref(&account),
        &visible,
    )
    .await?;
    let mut participants = group(
        &fetch_in(
            conn,
            &format!(
                "{PARTICIPANT_SELECT} WHERE p.conversation_id IN ({{in}}) AND p.state = 'joined'
                 ORDER BY p.conversation_id, CASE p.role WHEN 'owner' THEN 0 WHEN 'agent' THEN 1 ELSE 2 END, 5"
            ),
            &[],
            &visible,
        )
        .await?,
        1,
        participant_row,
    )?;
    let mut invites = group(
        &fetch_in(
            conn,
            &format!(
                "{INVITE_SELECT} WHERE i.conversation_id IN ({{in}}) AND i.status = 'pending'
                 ORDER BY i.conversation_id, i.created_at"
            ),
            &[],
            &visible,
        )
        .await?,
        1,
        invite_row,
    )?;
    let mut requests = group(
        &fetch_in(
            conn,
            &format!(
                "{SERVICE_REQUEST_SELECT} WHERE s.conversation_id IN ({{in}})
                 ORDER BY s.conversation_id, s.created_at DESC"
            ),
            &[],
            &visible,
        )
        .await?,
        1,
        service_request_row,
    )?;
    let mut by_id: HashMap<String, &AnyRow> = conversations
        .iter()
        .map(|r| (r.get::<String, _>(0), r))
        .collect();
    let mut out = Vec::with_capacity(visible.len());
    let mut gone = hidden;
    for id in visible {
        let (Some(row), Some(me)) = (by_id.remove(&id), actors.get(&id).copied()) else {
            gone.push(id);
            continue;
        };
        let my_role = me
            .participation
            .filter(|p| p.state == ParticipantState::Joined)
            .map(|p| p.role);
        out.push(ConversationSnapshot {
            conversation: conversation_row(row, my_role)?,
            me,
            participants: participants.remove(&id).unwrap_or_default(),
            invites: invites.remove(&id).unwrap_or_default(),
            service_requests: requests.remove(&id).unwrap_or_default(),
        });
    }
    Ok((out, gone))
}

/// Every message of the conversations `ids`, each conversation's in time order.
pub async fn messages_of(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<Vec<Message>, ApiError> {
    let sql = format!(
        "{MESSAGE_SELECT} WHERE m.conversation_id IN ({{in}}) ORDER BY m.conversation_id, m.created_at, m.id"
    );
    fetch_in(conn, &sql, &[], ids)
        .await?
        .iter()
        .map(message_row)
        .collect()
}

/// Every timeline event of the conversations `ids`, each conversation's in time order.
pub async fn events_of(conn: &mut AnyConnection, ids: &[String]) -> Result<Vec<Event>, ApiError> {
    let sql = format!(
        "{EVENT_SELECT} WHERE conversation_id IN ({{in}}) ORDER BY conversation_id, created_at, id"
    );
    fetch_in(conn, &sql, &[], ids)
        .await?
        .iter()
        .map(event_row)
        .collect()
}

/// The messages with these ids, in time order.
pub async fn messages_by_id(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<Vec<Message>, ApiError> {
    let sql = format!("{MESSAGE_SELECT} WHERE m.id IN ({{in}}) ORDER BY m.created_at, m.id");
    fetch_in(conn, &sql, &[], ids)
        .await?
        .iter()
        .map(message_row)
        .collect()
}

/// The timeline events with these ids, in time order.
pub async fn events_by_id(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<Vec<Event>, ApiError> {
    let sql = format!("{EVENT_SELECT} WHERE id IN ({{in}}) ORDER BY created_at, id");
    fetch_in(conn, &sql, &[], ids)
        .await?
        .iter()
        .map(event_row)
        .collect()
}

/// Parses conversation ids read back from the database.
pub fn conversation_ids(ids: &[String]) -> Result<Vec<ConversationId>, ApiError> {
    ids.iter().map(|id| parse(id)).collect()
}
