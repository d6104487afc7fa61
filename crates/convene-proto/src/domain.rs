//! Bodies of the membership domain: agents, crews, contacts, participants, invites, service
//! requests, the Shareable Link, messages and events.

use serde::{Deserialize, Deserializer, Serialize};
use time::OffsetDateTime;

use crate::ids::*;
use crate::roles::*;

/// An agent as others see them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct Agent {
    pub id: AgentId,
    pub email: String,
    pub name: String,
    pub role: AccountRole,
    pub status: AgentStatus,
}

/// `GET /api/v1/agents`.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct AgentList {
    pub agents: Vec<Agent>,
}

/// `POST /api/v1/agents`.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct CreateAgent {
    #[schema(max_length = 254)]
    pub email: String,
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    pub role: AccountRole,
    /// Leave out to email the new agent a link to choose their own password (the usual way); an
    /// admin-chosen password is for scripts and tests.
    #[schema(min_length = 8, max_length = 1024)]
    #[serde(default)]
    pub password: Option<String>,
}

/// A named team of agents.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct Crew {
    pub id: CrewId,
    pub name: String,
    pub call_to_action: String,
    pub customer_requestable: bool,
    pub members: Vec<Agent>,
    /// Someone in it can be asked now (an active member); contacts see this, not the members.
    #[serde(default = "crate::dto::yes")]
    pub available: bool,
}

/// `GET /api/v1/crews`.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct CrewList {
    pub crews: Vec<Crew>,
}

/// `POST /api/v1/crews`.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct CreateCrew {
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    #[schema(min_length = 1, max_length = 100)]
    pub call_to_action: String,
    #[serde(default)]
    pub customer_requestable: bool,
}

/// `PATCH /api/v1/crews/{crew}`: what to change (absent fields stay).
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct UpdateCrew {
    #[schema(min_length = 1, max_length = 100)]
    #[serde(default)]
    pub name: Option<String>,
    #[schema(min_length = 1, max_length = 100)]
    #[serde(default)]
    pub call_to_action: Option<String>,
    #[serde(default)]
    pub customer_requestable: Option<bool>,
}

/// A person outside the business.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct Contact {
    pub id: ContactId,
    pub email: String,
    pub name: String,
}

/// `GET /api/v1/contacts`.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct ContactList {
    pub contacts: Vec<Contact>,
}

/// A person's membership of a conversation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct Participant {
    pub id: ParticipantId,
    pub conversation_id: ConversationId,
    pub kind: InviteeKind,
    pub agent_id: Option<AgentId>,
    pub contact_id: Option<ContactId>,
    pub name: String,
    pub email: String,
    /// `false` for a guest who joined through the Shareable Link with an email nobody has proven
    /// (shown as "email not verified"); agents and invited contacts are `true`.
    #[serde(default = "crate::dto::yes")]
    pub email_verified: bool,
    pub role: ParticipantRole,
    pub state: ParticipantState,
    /// Name of whoever added them (none for the creator).
    pub added_by: Option<String>,
    pub via: Via,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub updated_at: OffsetDateTime,
}

/// A request for someone to join.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct Invite {
    pub id: InviteId,
    pub conversation_id: ConversationId,
    pub conversation_subject: String,
    pub kind: InviteeKind,
    pub participant_id: ParticipantId,
    pub agent_id: Option<AgentId>,
    pub contact_id: Option<ContactId>,
    pub invitee_name: String,
    pub invitee_email: String,
    pub invited_by: String,
    /// Who sent it, when an agent did (for "revoke your own invite").
    #[serde(default)]
    pub invited_by_agent: Option<AgentId>,
    /// Who sent it, when a contact did.
    #[serde(default)]
    pub invited_by_contact: Option<ContactId>,
    pub status: InviteStatus,
    /// Email delivery, for contact invites.
    pub delivery: Option<Delivery>,
    pub delivery_error: Option<String>,
    /// How many times it was sent (1 after the first send).
    pub send_count: i64,
    #[serde(with = "time::serde::rfc3339::option")]
    #[ts(type = "string | null")]
    pub last_sent_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[ts(type = "string | null")]
    pub expires_at: Option<OffsetDateTime>,
    pub service_request_id: Option<ServiceRequestId>,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub created_at: OffsetDateTime,
    /// When it ended (accepted, declined, revoked, superseded, expired); `None` while pending.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[ts(type = "string | null")]
    pub ended_at: Option<OffsetDateTime>,
}

/// `GET /api/v1/conversations/{id}/participants`.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct ParticipantsView {
    /// The joined participants, then the removed ones (`state` says which).
    pub participants: Vec<Participant>,
    pub invites: Vec<Invite>,
}

/// `POST /api/v1/conversations/{id}/agent-invites`.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct AgentInviteRequest {
    pub agent_id: AgentId,
}

/// `POST /api/v1/conversations/{id}/contact-invites`: a new or known email, or a known contact.
#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct ContactInviteRequest {
    /// A new or known email address (with an optional `name`); or give `contact_id`.
    #[serde(default)]
    #[ts(optional)]
    #[schema(max_length = 254)]
    pub email: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    #[schema(max_length = 100)]
    pub name: Option<String>,
    /// A known contact of the account, instead of `email`.
    #[serde(default)]
    #[ts(optional)]
    pub contact_id: Option<ContactId>,
}

/// The answer to an invite request: the invite, and whether it is new.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct InviteOutcome {
    pub invite: Option<Invite>,
    /// `already_joined`, `already_invited` or `invited`.
    pub outcome: String,
    /// Why nothing was sent, in words for the user (`None` when invited).
    #[serde(default)]
    pub message: Option<String>,
}

/// `POST /api/v1/conversations/{id}/service-requests`.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct ServiceRequestCreate {
    pub crew_id: CrewId,
}

/// A "Request Service" call and its live status.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct ServiceRequest {
    pub id: ServiceRequestId,
    pub conversation_id: ConversationId,
    pub crew_id: CrewId,
    pub crew_name: String,
    pub requested_by: String,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub created_at: OffsetDateTime,
    /// How many agents were invited and notified.
    pub notified: i64,
    pub status: ServiceRequestStatus,
    pub fulfilled_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[ts(type = "string | null")]
    pub fulfilled_at: Option<OffsetDateTime>,
}

/// The Shareable Link of a conversation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct ShareLink {
    pub url: String,
    pub enabled: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    #[ts(type = "string | null")]
    pub expires_at: Option<OffsetDateTime>,
    pub max_uses: Option<i64>,
    pub uses: i64,
    /// People who joined through it.
    pub joined: Vec<Participant>,
}

/// `PATCH /api/v1/conversations/{id}/share-link`: only the fields present change; `null` clears.
#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct ShareLinkPatch {
    /// Turns the link on or off; absent keeps it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// When the link stops working (RFC 3339, in the future); `null` clears it, absent keeps it.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Option<String>>,
    /// How many joins the link allows (1 to 1000000); `null` removes the limit, absent keeps it.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 1000000)]
    pub max_uses: Option<Option<i64>>,
}

/// Tells a field that is present with `null` (`Some(None)`) from one that is absent (`None`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// A message in the timeline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct Message {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    pub author_name: String,
    pub author_kind: InviteeKind,
    /// The author's agent or contact id, so that a reader can tell their own messages (which
    /// are never unread). Empty in messages cached before it was sent.
    #[serde(default)]
    pub author_id: String,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub created_at: OffsetDateTime,
}

/// `POST /api/v1/conversations/{id}/messages`.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct PostMessage {
    #[schema(min_length = 1, max_length = 10000)]
    pub body: String,
}

/// One immutable line of membership, invite or link history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
#[ts(rename = "TimelineEvent")]
pub struct Event {
    pub id: EventId,
    pub conversation_id: ConversationId,
    /// A stable kind, e.g. `participant_added`, `invite_resent`, `link_rotated`.
    pub kind: String,
    pub actor: String,
    /// The line as people read it: "Ana added Bob".
    pub text: String,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub created_at: OffsetDateTime,
}

/// `GET /api/v1/conversations/{id}/events`.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct EventList {
    pub events: Vec<Event>,
}

/// `POST /api/v1/join/{token}`: a Shareable Link needs a name and email; an invite needs nothing.
#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct JoinRequest {
    #[serde(default)]
    #[schema(max_length = 100)]
    pub name: Option<String>,
    #[serde(default)]
    #[schema(max_length = 254)]
    pub email: Option<String>,
}

/// The contact session a redeemed token yields.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct JoinResponse {
    pub token: String,
    pub conversation_id: ConversationId,
    pub me: crate::Me,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patch_tells_null_from_absent() {
        let p: ShareLinkPatch = serde_json::from_str(r#"{"max_uses": null}"#).expect("json");
        assert_eq!(p.max_uses, Some(None));
        assert_eq!(p.expires_at, None);
        let p: ShareLinkPatch = serde_json::from_str(r#"{"max_uses": 5}"#).expect("json");
        assert_eq!(p.max_uses, Some(Some(5)));
    }
}
