//! Reading the domain's rows into the API's types. One query per list, names joined in.

use convene_proto::screen::Member;
use convene_proto::{
    Conversation, ConversationId, Event, Invite, InviteeKind, Message, Participant, ServiceRequest,
};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::clock::from_ms;
use crate::error::Error;

/// Parses a stored value; a failure means corrupt data, an internal error.
pub fn parse<T: std::str::FromStr>(s: &str) -> Result<T, Error>
where
    T::Err: std::fmt::Display,
{
    s.parse()
        .map_err(|e: T::Err| Error::Internal(anyhow::anyhow!("corrupt stored value {s:?}: {e}")))
}

fn opt<T: std::str::FromStr>(s: Option<&str>) -> Result<Option<T>, Error>
where
    T::Err: std::fmt::Display,
{
    s.map(parse).transpose()
}

pub(super) const CONVERSATION_SELECT: &str =
    "SELECT c.id, c.subject, c.status, c.created_by, c.created_at, c.updated_at,
            (SELECT COUNT(*) FROM participants q WHERE q.conversation_id = c.id AND q.state = 'joined')
     FROM conversations c";

pub(super) fn conversation_row(
    r: &AnyRow,
    my_role: Option<convene_proto::ParticipantRole>,
) -> Result<Conversation, Error> {
    Ok(Conversation {
        id: parse(r.get::<&str, _>(0))?,
        subject: r.get(1),
        status: parse(r.get::<&str, _>(2))?,
        created_by: parse(r.get::<&str, _>(3))?,
        created_at: from_ms(r.get(4)),
        updated_at: from_ms(r.get(5)),
        my_role,
        participant_count: r.get(6),
    })
}

/// The conversation, with the caller's role in it (`my_role`).
pub async fn conversation(
    tx: &mut AnyConnection,
    id: ConversationId,
    my_role: Option<convene_proto::ParticipantRole>,
) -> Result<Conversation, Error> {
    let sql = format!("{CONVERSATION_SELECT} WHERE c.id = $1");
    let r = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.to_string())
        .fetch_one(&mut *tx)
        .await?;
    conversation_row(&r, my_role)
}

pub(super) const PARTICIPANT_SELECT: &str =
    "SELECT p.id, p.conversation_id, p.agent_id, p.contact_id,
        COALESCE(a.name, k.name), COALESCE(a.email, k.email), p.role, p.state,
        COALESCE(ba.name, bk.name), p.via, p.updated_at, COALESCE(k.guest, 0)
     FROM participants p
     LEFT JOIN agents a ON a.id = p.agent_id
     LEFT JOIN contacts k ON k.id = p.contact_id
     LEFT JOIN agents ba ON ba.id = p.added_by
     LEFT JOIN contacts bk ON bk.id = p.added_by";

pub(super) fn participant_row(r: &AnyRow) -> Result<Participant, Error> {
    let agent_id: Option<&str> = r.get(2);
    Ok(Participant {
        id: parse(r.get::<&str, _>(0))?,
        conversation_id: parse(r.get::<&str, _>(1))?,
        kind: if agent_id.is_some() {
            InviteeKind::Agent
        } else {
            InviteeKind::Contact
        },
        agent_id: opt(agent_id)?,
        contact_id: opt(r.get::<Option<&str>, _>(3))?,
        name: r.get(4),
        email: r.get(5),
        email_verified: r.get::<i64, _>(11) == 0,
        role: parse(r.get::<&str, _>(6))?,
        state: parse(r.get::<&str, _>(7))?,
        added_by: r.get(8),
        via: parse(r.get::<&str, _>(9))?,
        updated_at: from_ms(r.get(10)),
    })
}

/// Participants of a conversation: the joined ones (owners first, then by name), then the removed
/// ones, whom the People panel lists so that everyone sees who may not come back by the link.
pub async fn participants(
    tx: &mut AnyConnection,
    id: ConversationId,
) -> Result<Vec<Participant>, Error> {
    let sql = format!(
        "{PARTICIPANT_SELECT} WHERE p.conversation_id = $1 AND p.state IN ('joined', 'removed')
         ORDER BY CASE p.state WHEN 'joined' THEN 0 ELSE 1 END,
                  CASE p.role WHEN 'owner' THEN 0 WHEN 'agent' THEN 1 ELSE 2 END, 5"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.to_string())
        .fetch_all(&mut *tx)
        .await?;
    rows.iter().map(participant_row).collect()
}

/// Participants who joined through the Shareable Link.
pub async fn joined_via_link(
    tx: &mut AnyConnection,
    id: ConversationId,
) -> Result<Vec<Participant>, Error> {
    let sql = format!("{PARTICIPANT_SELECT} WHERE p.conversation_id = $1 AND p.via = 'shareable_link' ORDER BY p.created_at");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.to_string())
        .fetch_all(&mut *tx)
        .await?;
    rows.iter().map(participant_row).collect()
}

/// One participant by id, in a conversation.
pub async fn participant(
    tx: &mut AnyConnection,
    conversation: ConversationId,
    id: convene_proto::ParticipantId,
) -> Result<Option<Participant>, Error> {
    let sql = format!("{PARTICIPANT_SELECT} WHERE p.conversation_id = $1 AND p.id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(conversation.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut *tx)
        .await?;
    row.as_ref().map(participant_row).transpose()
}

pub(super) const INVITE_SELECT: &str =
    "SELECT i.id, i.conversation_id, c.subject, i.kind, i.participant_id, p.agent_id, p.contact_id,
        COALESCE(a.name, k.name), COALESCE(a.email, k.email), COALESCE(ba.name, bk.name, ''),
        i.status, i.delivery, i.delivery_error, i.send_count, i.last_sent_at, i.expires_at,
        i.service_request_id, i.created_at, i.invited_by_agent, i.invited_by_contact, i.updated_at
     FROM invites i
     JOIN conversations c ON c.id = i.conversation_id
     JOIN participants p ON p.id = i.participant_id
     LEFT JOIN agents a ON a.id = p.agent_id
     LEFT JOIN contacts k ON k.id = p.contact_id
     LEFT JOIN agents ba ON ba.id = i.invited_by_agent
     LEFT JOIN contacts bk ON bk.id = i.invited_by_contact";

pub(super) fn invite_row(r: &AnyRow) -> Result<Invite, Error> {
    Ok(Invite {
        id: parse(r.get::<&str, _>(0))?,
        conversation_id: parse(r.get::<&str, _>(1))?,
        conversation_subject: r.get(2),
        kind: parse(r.get::<&str, _>(3))?,
        participant_id: parse(r.get::<&str, _>(4))?,
        agent_id: opt(r.get::<Option<&str>, _>(5))?,
        contact_id: opt(r.get::<Option<&str>, _>(6))?,
        invitee_name: r.get(7),
        invitee_email: r.get(8),
        invited_by: r.get(9),
        status: parse(r.get::<&str, _>(10))?,
        delivery: opt(r.get::<Option<&str>, _>(11))?,
        delivery_error: r.get(12),
        send_count: r.get(13),
        last_sent_at: r.get::<Option<i64>, _>(14).map(from_ms),
        expires_at: r.get::<Option<i64>, _>(15).map(from_ms),
        service_request_id: opt(r.get::<Option<&str>, _>(16))?,
        created_at: from_ms(r.get(17)),
        invited_by_agent: opt(r.get::<Option<&str>, _>(18))?,
        invited_by_contact: opt(r.get::<Option<&str>, _>(19))?,
        ended_at: (r.get::<&str, _>(10) != "pending").then(|| from_ms(r.get(20))),
    })
}

/// Pending invites of a conversation, oldest first.
pub async fn pending_invites(
    tx: &mut AnyConnection,
    id: ConversationId,
) -> Result<Vec<Invite>, Error> {
    let sql = format!("{INVITE_SELECT} WHERE i.conversation_id = $1 AND i.status = 'pending' ORDER BY i.created_at");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.to_string())
        .fetch_all(&mut *tx)
        .await?;
    rows.iter().map(invite_row).collect()
}

/// One invite by id.
pub async fn invite(
    tx: &mut AnyConnection,
    id: convene_proto::InviteId,
) -> Result<Option<Invite>, Error> {
    let sql = format!("{INVITE_SELECT} WHERE i.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.to_string())
        .fetch_optional(&mut *tx)
        .await?;
    row.as_ref().map(invite_row).transpose()
}

pub(super) const SERVICE_REQUEST_SELECT: &str =
    "SELECT s.id, s.conversation_id, s.crew_id, cr.name, COALESCE(ra.name, rk.name, ''), s.created_at,
            s.notified, s.status, fa.name, s.fulfilled_at
     FROM service_requests s
     JOIN crews cr ON cr.id = s.crew_id
     LEFT JOIN agents ra ON ra.id = s.requested_by_agent
     LEFT JOIN contacts rk ON rk.id = s.requested_by_contact
     LEFT JOIN agents fa ON fa.id = s.fulfilled_by";

pub(super) fn service_request_row(r: &AnyRow) -> Result<ServiceRequest, Error> {
    Ok(ServiceRequest {
        id: parse(r.get::<&str, _>(0))?,
        conversation_id: parse(r.get::<&str, _>(1))?,
        crew_id: parse(r.get::<&str, _>(2))?,
        crew_name: r.get(3),
        requested_by: r.get(4),
        created_at: from_ms(r.get(5)),
        notified: r.get(6),
        status: parse(r.get::<&str, _>(7))?,
        fulfilled_by: r.get(8),
        fulfilled_at: r.get::<Option<i64>, _>(9).map(from_ms),
    })
}

/// Service requests of a conversation, newest first.
pub async fn service_requests(
    tx: &mut AnyConnection,
    id: ConversationId,
) -> Result<Vec<ServiceRequest>, Error> {
    let sql =
        format!("{SERVICE_REQUEST_SELECT} WHERE s.conversation_id = $1 ORDER BY s.created_at DESC");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.to_string())
        .fetch_all(&mut *tx)
        .await?;
    rows.iter().map(service_request_row).collect()
}

pub(super) const MESSAGE_SELECT: &str = "SELECT m.id, m.conversation_id, COALESCE(a.name, k.name), m.author_agent_id, m.body, m.created_at, COALESCE(m.author_agent_id, m.author_contact_id)
     FROM messages m LEFT JOIN agents a ON a.id = m.author_agent_id LEFT JOIN contacts k ON k.id = m.author_contact_id";

pub(super) fn message_row(r: &AnyRow) -> Result<Message, Error> {
    Ok(Message {
        id: parse(r.get::<&str, _>(0))?,
        conversation_id: parse(r.get::<&str, _>(1))?,
        author_name: r.get(2),
        author_kind: if r.get::<Option<&str>, _>(3).is_some() {
            InviteeKind::Agent
        } else {
            InviteeKind::Contact
        },
        author_id: r.get(6),
        body: r.get(4),
        created_at: from_ms(r.get(5)),
    })
}

/// One message by id.
pub async fn message(tx: &mut AnyConnection, id: &str) -> Result<Option<Message>, Error> {
    let sql = format!("{MESSAGE_SELECT} WHERE m.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    row.as_ref().map(message_row).transpose()
}

pub(super) const EVENT_SELECT: &str =
    "SELECT id, conversation_id, kind, actor, text, created_at FROM events";

pub(super) fn event_row(r: &AnyRow) -> Result<Event, Error> {
    Ok(Event {
        id: parse(r.get::<&str, _>(0))?,
        conversation_id: parse(r.get::<&str, _>(1))?,
        kind: r.get(2),
        actor: r.get(3),
        text: r.get(4),
        created_at: from_ms(r.get(5)),
    })
}

/// Timeline events of a conversation in order, as `viewer` reads them.
pub async fn events(
    tx: &mut AnyConnection,
    id: ConversationId,
    viewer: Member,
) -> Result<Vec<Event>, Error> {
    let sql = format!("{EVENT_SELECT} WHERE conversation_id = $1 ORDER BY created_at, id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.to_string())
        .fetch_all(&mut *tx)
        .await?;
    events_for(&rows, viewer)
}

/// Event rows as `viewer` reads them: every loader of events for a reader goes through here, so
/// none can hand a customer the team's lines (`convene_proto::timeline`).
pub(super) fn events_for(rows: &[AnyRow], viewer: Member) -> Result<Vec<Event>, Error> {
    let events = rows.iter().map(event_row).collect::<Result<Vec<_>, _>>()?;
    Ok(convene_proto::timeline::for_viewer(events, viewer))
}
