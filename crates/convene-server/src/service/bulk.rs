//! Reading many conversations at once: a handful of set queries per page instead of a handful per
//! conversation, so a first sync of ten thousand conversations costs tens of queries, not tens of
//! thousands. Results keep the orders the one-conversation readers in `rows` use.

use std::collections::HashMap;

use convene_proto::policy::{allowed, Action, Actor, Participation};
use convene_proto::screen::Member;
use convene_proto::{
    ConversationId, ConversationSnapshot, Event, InviteeKind, Message, Participant,
    ParticipantRole, ParticipantState,
};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::rows::{
    conversation_row, events_for, invite_row, message_row, parse, service_request_row,
    CONVERSATION_SELECT, EVENT_SELECT, INVITE_SELECT, MESSAGE_SELECT, SERVICE_REQUEST_SELECT,
};
use super::{s, Principal};
use crate::clock::from_ms;
use crate::error::Error;
use crate::principal::Place;
use crate::store::Backend;

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
pub(super) async fn fetch_in(
    conn: &mut AnyConnection,
    sql: &str,
    fixed: &[String],
    ids: &[String],
) -> Result<Vec<AnyRow>, Error> {
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
    map: impl Fn(&AnyRow) -> Result<T, Error>,
) -> Result<HashMap<String, Vec<T>>, Error> {
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
) -> Result<HashMap<String, Actor>, Error> {
    let contacts_may_invite: i64 =
        sqlx::query_scalar("SELECT contacts_may_invite FROM accounts WHERE id = $1")
            .bind(s(principal.account_id()))
            .fetch_one(&mut *conn)
            .await?;
    let base = principal.actor(Place {
        contacts_may_invite: contacts_may_invite != 0,
        ..Place::default()
    });
    let mut out: HashMap<String, Actor> = ids.iter().map(|id| (id.clone(), base)).collect();
    for r in fetch_in(
        conn,
        "SELECT id FROM conversations WHERE status = 'closed' AND id IN ({in})",
        &[],
        ids,
    )
    .await?
    {
        if let Some(actor) = out.get_mut(&r.get::<String, _>(0)) {
            actor.closed = true;
        }
    }
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
    backend: Backend,
    principal: &Principal,
    ids: &[String],
) -> Result<(Vec<ConversationSnapshot>, Vec<String>), Error> {
    let actors = actors(conn, principal, ids).await?;
    snapshots_as(conn, backend, principal, ids, &actors).await
}

/// [`snapshots`] with the caller's place in each conversation already read by [`actors`].
pub async fn snapshots_as(
    conn: &mut AnyConnection,
    backend: Backend,
    principal: &Principal,
    ids: &[String],
    actors: &HashMap<String, Actor>,
) -> Result<(Vec<ConversationSnapshot>, Vec<String>), Error> {
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
    let mut participants = participants_of(conn, backend, &visible).await?;
    let mut invites = group(
        &fetch_in(
            conn,
            &format!(
                "{INVITE_SELECT} WHERE i.conversation_id IN ({{in}}) AND i.status <> 'accepted'
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
            service_requests: convene_proto::timeline::requests_for_viewer(
                requests.remove(&id).unwrap_or_default(),
                principal.member(),
            ),
        });
    }
    Ok((out, gone))
}

/// A participant as the aggregate queries below spell it in JSON.
#[derive(serde::Deserialize)]
struct ParticipantJson {
    id: String,
    agent_id: Option<String>,
    contact_id: Option<String>,
    name: Option<String>,
    email: Option<String>,
    role: String,
    state: String,
    added_by: Option<String>,
    via: String,
    updated_at: i64,
    guest: i64,
}

/// A message as the aggregate queries below spell it in JSON.
#[derive(serde::Deserialize)]
struct MessageJson {
    id: String,
    author_name: Option<String>,
    author_agent_id: Option<String>,
    author_contact_id: Option<String>,
    body: String,
    created_at: i64,
}

/// `json_group_array(json_object(…))` on SQLite, `json_agg(json_build_object(…))` on PostgreSQL:
/// one row per conversation instead of one per participant or message, which is what makes
/// reading a hundred thousand of them cheap.
fn json_rows(backend: Backend, fields: &[(&str, &str)]) -> String {
    let pairs = fields
        .iter()
        .map(|(k, v)| format!("'{k}', {v}"))
        .collect::<Vec<_>>()
        .join(", ");
    match backend {
        Backend::Sqlite => format!("json_group_array(json_object({pairs}))"),
        Backend::Postgres => format!("CAST(json_agg(json_build_object({pairs})) AS TEXT)"),
    }
}

fn json_err(e: serde_json::Error) -> Error {
    Error::Internal(anyhow::anyhow!("aggregate row: {e}"))
}

/// The joined participants of the conversations `ids`, by conversation: owners first, then
/// agents, then contacts, each by name, and the removed after them (as
/// [`super::rows::participants`] orders them).
async fn participants_of(
    conn: &mut AnyConnection,
    backend: Backend,
    ids: &[String],
) -> Result<HashMap<String, Vec<Participant>>, Error> {
    let agg = json_rows(
        backend,
        &[
            ("id", "p.id"),
            ("agent_id", "p.agent_id"),
            ("contact_id", "p.contact_id"),
            ("name", "COALESCE(a.name, k.name)"),
            ("email", "COALESCE(a.email, k.email)"),
            ("role", "p.role"),
            ("state", "p.state"),
            ("added_by", "COALESCE(ba.name, bk.name)"),
            ("via", "p.via"),
            ("updated_at", "p.updated_at"),
            ("guest", "COALESCE(k.guest, 0)"),
        ],
    );
    let sql = format!(
        "SELECT p.conversation_id, {agg} FROM participants p
         LEFT JOIN agents a ON a.id = p.agent_id
         LEFT JOIN contacts k ON k.id = p.contact_id
         LEFT JOIN agents ba ON ba.id = p.added_by
         LEFT JOIN contacts bk ON bk.id = p.added_by
         WHERE p.conversation_id IN ({{in}}) AND p.state IN ('joined', 'removed')
         GROUP BY p.conversation_id"
    );
    let mut out = HashMap::new();
    for r in fetch_in(conn, &sql, &[], ids).await? {
        let conversation: String = r.get(0);
        let conversation_id = parse(&conversation)?;
        let rows: Vec<ParticipantJson> =
            serde_json::from_str(r.get::<&str, _>(1)).map_err(json_err)?;
        let mut list = rows
            .into_iter()
            .map(|p| {
                let agent_id = p.agent_id.as_deref().map(parse).transpose()?;
                Ok(Participant {
                    id: parse(&p.id)?,
                    conversation_id,
                    kind: if agent_id.is_some() {
                        InviteeKind::Agent
                    } else {
                        InviteeKind::Contact
                    },
                    agent_id,
                    contact_id: p.contact_id.as_deref().map(parse).transpose()?,
                    name: p.name.unwrap_or_default(),
                    email: p.email.unwrap_or_default(),
                    email_verified: p.guest == 0,
                    role: parse(&p.role)?,
                    state: parse(&p.state)?,
                    added_by: p.added_by,
                    via: parse(&p.via)?,
                    updated_at: from_ms(p.updated_at),
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        list.sort_by(|a, b| {
            let rank = |p: &Participant| match p.role {
                ParticipantRole::Owner => 0,
                ParticipantRole::Agent => 1,
                ParticipantRole::Contact => 2,
            };
            let removed = |p: &Participant| p.state != convene_proto::ParticipantState::Joined;
            removed(a)
                .cmp(&removed(b))
                .then_with(|| rank(a).cmp(&rank(b)))
                .then_with(|| a.name.cmp(&b.name))
        });
        out.insert(conversation, list);
    }
    Ok(out)
}

/// The newest `recent` messages of each of the conversations `ids`, each conversation's in time
/// order, and the conversations that have older ones besides.
pub async fn recent_messages_of(
    conn: &mut AnyConnection,
    backend: Backend,
    ids: &[String],
    recent: usize,
) -> Result<(Vec<Message>, Vec<ConversationId>), Error> {
    if ids.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let agg = json_rows(
        backend,
        &[
            ("id", "m.id"),
            ("author_name", "COALESCE(a.name, k.name)"),
            ("author_agent_id", "m.author_agent_id"),
            ("author_contact_id", "m.author_contact_id"),
            ("body", "m.body"),
            ("created_at", "m.created_at"),
        ],
    );
    // One more than `recent` is read to learn whether older ones exist; it is not sent.
    let sql = format!(
        "SELECT m.conversation_id, {agg}
         FROM (SELECT n.*, ROW_NUMBER() OVER (PARTITION BY n.conversation_id
                   ORDER BY n.created_at DESC, n.id DESC) AS newest
               FROM messages n WHERE n.conversation_id IN ({{in}})) m
         LEFT JOIN agents a ON a.id = m.author_agent_id
         LEFT JOIN contacts k ON k.id = m.author_contact_id
         WHERE m.newest <= {take} GROUP BY m.conversation_id",
        take = recent + 1,
    );
    let mut out = Vec::new();
    let mut older = Vec::new();
    for r in fetch_in(conn, &sql, &[], ids).await? {
        let conversation_id: ConversationId = parse(r.get::<&str, _>(0))?;
        let rows: Vec<MessageJson> = serde_json::from_str(r.get::<&str, _>(1)).map_err(json_err)?;
        let mut list = rows
            .into_iter()
            .map(|m| {
                Ok(Message {
                    id: parse(&m.id)?,
                    conversation_id,
                    author_name: m.author_name.unwrap_or_default(),
                    author_kind: if m.author_agent_id.is_some() {
                        InviteeKind::Agent
                    } else {
                        InviteeKind::Contact
                    },
                    author_id: m
                        .author_agent_id
                        .or(m.author_contact_id)
                        .unwrap_or_default(),
                    body: m.body,
                    created_at: from_ms(m.created_at),
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        list.sort_by(|a, b| {
            a.created_at
                .cmp(&b.created_at)
                .then_with(|| a.id.cmp(&b.id))
        });
        if list.len() > recent {
            list.remove(0);
            older.push(conversation_id);
        }
        out.extend(list);
    }
    Ok((out, older))
}

/// Messages of conversation `id`, newest first: those older than `before` when given, else all
/// but the newest `skip`; at most `room`, and whether more were left.
pub async fn older_messages(
    conn: &mut AnyConnection,
    id: &str,
    before: Option<(i64, String)>,
    skip: usize,
    room: usize,
) -> Result<(Vec<Message>, bool), Error> {
    let take = i64::try_from(room + 1).unwrap_or(i64::MAX);
    let rows = match before {
        Some((at, last)) => {
            let sql = format!(
                "{MESSAGE_SELECT} WHERE m.conversation_id = $1
                   AND m.created_at <= $2 AND (m.created_at < $2 OR (m.created_at = $2 AND m.id < $3))
                 ORDER BY m.created_at DESC, m.id DESC LIMIT $4"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .bind(at)
                .bind(last)
                .bind(take)
                .fetch_all(&mut *conn)
                .await?
        }
        None => {
            let sql = format!(
                "{MESSAGE_SELECT} WHERE m.conversation_id = $1
                 ORDER BY m.created_at DESC, m.id DESC LIMIT $2 OFFSET $3"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .bind(take)
                .bind(i64::try_from(skip).unwrap_or(0))
                .fetch_all(&mut *conn)
                .await?
        }
    };
    let mut list: Vec<Message> = rows.iter().map(message_row).collect::<Result<_, _>>()?;
    let full = list.len() > room;
    list.truncate(room);
    Ok((list, full))
}

/// Every timeline event of the conversations `ids`, each conversation's in time order, as
/// `viewer` reads them.
pub async fn events_of(
    conn: &mut AnyConnection,
    ids: &[String],
    viewer: Member,
) -> Result<Vec<Event>, Error> {
    let sql = format!(
        "{EVENT_SELECT} WHERE conversation_id IN ({{in}}) ORDER BY conversation_id, created_at, id"
    );
    let rows = fetch_in(conn, &sql, &[], ids).await?;
    events_for(&rows, viewer)
}

/// The messages with these ids, in time order.
pub async fn messages_by_id(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<Vec<Message>, Error> {
    let sql = format!("{MESSAGE_SELECT} WHERE m.id IN ({{in}}) ORDER BY m.created_at, m.id");
    fetch_in(conn, &sql, &[], ids)
        .await?
        .iter()
        .map(message_row)
        .collect()
}

/// The timeline events with these ids, in time order, as `viewer` reads them.
pub async fn events_by_id(
    conn: &mut AnyConnection,
    ids: &[String],
    viewer: Member,
) -> Result<Vec<Event>, Error> {
    let sql = format!("{EVENT_SELECT} WHERE id IN ({{in}}) ORDER BY created_at, id");
    let rows = fetch_in(conn, &sql, &[], ids).await?;
    events_for(&rows, viewer)
}
