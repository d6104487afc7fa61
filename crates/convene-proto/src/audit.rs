//! The account's audit log as the API and the Admin area speak of it: what kinds of change are
//! recorded, who made them, to whom, how they came in, and the page and filter shapes. The server
//! writes one entry in the same transaction as every membership, invite, link, directory and
//! settings change, so the log cannot miss a change that was stored, nor hold one that was not.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ConversationId;

/// Every kind of change the audit log records. The conversation kinds are also the timeline
/// event kinds of the same change.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    ts_rs::TS,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AuditKind {
    ConversationCreated,
    ConversationClosed,
    ConversationReopened,
    ParticipantAdded,
    ParticipantJoined,
    ParticipantLeft,
    ParticipantRemoved,
    OwnerAdded,
    EmailVerified,
    AgentInvited,
    ContactInvited,
    ServiceRequested,
    ServiceRequestFulfilled,
    InviteResent,
    InviteRevoked,
    InviteDeclined,
    InviteExpired,
    InviteSuperseded,
    LinkChanged,
    LinkRotated,
    AgentCreated,
    AgentRoleChanged,
    AgentSuspended,
    AgentReactivated,
    PasswordChanged,
    PasswordResetRequested,
    CrewCreated,
    CrewUpdated,
    CrewDeleted,
    CrewMemberAdded,
    CrewMemberRemoved,
    SettingsChanged,
}

/// The groups the Admin area filters by.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    ts_rs::TS,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AuditCategory {
    /// Who is in a conversation: created, added, joined, left, removed, owners.
    Membership,
    /// Invites of agents and contacts, service requests, resends, revokes, declines.
    Invites,
    /// The Shareable Link's settings and rotation.
    Link,
    /// Agents, passwords and crews.
    Directory,
    /// The account's settings.
    Settings,
}

impl AuditKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The group this kind is filtered under.
    pub fn category(self) -> AuditCategory {
        use AuditKind::*;
        match self {
            ConversationCreated | ConversationClosed | ConversationReopened | ParticipantAdded
            | ParticipantJoined | ParticipantLeft | ParticipantRemoved | OwnerAdded
            | EmailVerified => AuditCategory::Membership,
            AgentInvited
            | ContactInvited
            | ServiceRequested
            | ServiceRequestFulfilled
            | InviteResent
            | InviteRevoked
            | InviteDeclined
            | InviteExpired
            | InviteSuperseded => AuditCategory::Invites,
            LinkChanged | LinkRotated => AuditCategory::Link,
            AgentCreated
            | AgentRoleChanged
            | AgentSuspended
            | AgentReactivated
            | PasswordChanged
            | PasswordResetRequested
            | CrewCreated
            | CrewUpdated
            | CrewDeleted
            | CrewMemberAdded
            | CrewMemberRemoved => AuditCategory::Directory,
            SettingsChanged => AuditCategory::Settings,
        }
    }

    /// The kinds of a category.
    pub fn of(category: AuditCategory) -> impl Iterator<Item = AuditKind> {
        <AuditKind as strum::VariantArray>::VARIANTS
            .iter()
            .copied()
            .filter(move |k| k.category() == category)
    }
}

impl AuditCategory {
    /// Every category, in order.
    pub const ALL: &'static [AuditCategory] = <Self as strum::VariantArray>::VARIANTS;

    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// What kind of party acted or was acted on.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    ts_rs::TS,
    strum::EnumString,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AuditPartyKind {
    Agent,
    Contact,
    Crew,
    Invite,
    Link,
    Account,
    Conversation,
    /// The server itself (an expiry, the demo data).
    System,
}

impl AuditPartyKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// How a change came in.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    ts_rs::TS,
    strum::EnumString,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AuditVia {
    /// A signed-in request with a bearer token: the desktop app or an API client.
    App,
    /// A signed-in request with the web client's session cookie.
    Web,
    /// Through a Shareable Link.
    Link,
    /// Through a link in an email (an invite, a sign-in link, a password link).
    Email,
    /// By the server on its own, or as part of another change (a suspension revoking invites).
    System,
}

impl AuditVia {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One party of an entry: who acted, or what was acted on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct AuditParty {
    pub kind: AuditPartyKind,
    /// Its id (`None` for the server itself).
    pub id: Option<String>,
    /// Its name at the time of the change.
    pub name: String,
}

/// The conversation an entry is about.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct AuditConversation {
    pub id: ConversationId,
    /// Its subject at the time of the change.
    pub subject: String,
}

/// One recorded change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct AuditEntry {
    pub id: String,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub at: OffsetDateTime,
    pub kind: AuditKind,
    pub category: AuditCategory,
    pub actor: AuditParty,
    pub target: Option<AuditParty>,
    pub conversation: Option<AuditConversation>,
    pub via: AuditVia,
    /// The change in words, as the timeline says it.
    pub summary: String,
    /// The address the request came from, when it came in a request.
    pub ip: Option<String>,
}

/// `GET /api/v1/team/audit`: one page, newest first.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` for the next (older) page; `None` on the last page.
    pub next: Option<String>,
}

/// The filters of the audit log (`GET /api/v1/team/audit` and its export), as the Admin area sets
/// them; empty or absent fields filter nothing.
#[derive(
    Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::IntoParams, ts_rs::TS,
)]
#[into_params(parameter_in = Query)]
pub struct AuditFilter {
    /// An agent's or contact's id: what they did, and what was done to them.
    #[serde(default)]
    #[param(max_length = 64)]
    pub person: Option<String>,
    /// Only changes to this conversation (its id).
    #[serde(default)]
    #[param(max_length = 64)]
    pub conversation: Option<String>,
    /// Only this kind of change.
    #[serde(default)]
    pub kind: Option<AuditKind>,
    /// Only this group of kinds.
    #[serde(default)]
    pub category: Option<AuditCategory>,
    /// Words in the names, the conversation's subject or the summary.
    #[serde(default)]
    #[param(max_length = 254)]
    pub q: Option<String>,
    /// From this moment on (RFC 3339, inclusive).
    #[serde(default)]
    #[param(format = DateTime)]
    pub from: Option<String>,
    /// Until this moment (RFC 3339, exclusive).
    #[serde(default)]
    #[param(format = DateTime)]
    pub to: Option<String>,
}

impl AuditFilter {
    /// The filter's query parameters, unencoded, in a fixed order (empty ones left out).
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let text = |name, v: &Option<String>| {
            v.as_deref()
                .filter(|v| !v.is_empty())
                .map(|v| (name, v.to_owned()))
        };
        [
            text("person", &self.person),
            text("conversation", &self.conversation),
            self.kind.map(|k| ("kind", k.as_str().to_owned())),
            self.category.map(|c| ("category", c.as_str().to_owned())),
            text("q", &self.q),
            text("from", &self.from),
            text("to", &self.to),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// The export's formats.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS,
)]
#[serde(rename_all = "lowercase")]
pub enum AuditFormat {
    Csv,
    Json,
}

impl AuditFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditFormat::Csv => "csv",
            AuditFormat::Json => "json",
        }
    }
}

/// The columns of the CSV export, in order.
pub const CSV_COLUMNS: [&str; 15] = [
    "id",
    "at",
    "kind",
    "category",
    "actor_kind",
    "actor_id",
    "actor_name",
    "target_kind",
    "target_id",
    "target_name",
    "conversation_id",
    "conversation_subject",
    "via",
    "summary",
    "ip",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_category_and_round_trips() {
        for kind in <AuditKind as strum::VariantArray>::VARIANTS {
            let back: AuditKind = kind.as_str().parse().expect("parses");
            assert_eq!(back, *kind);
            let json = serde_json::to_string(kind).expect("json");
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert!(AuditKind::of(kind.category()).any(|k| k == *kind));
        }
        assert_eq!(AuditKind::InviteRevoked.as_str(), "invite_revoked");
    }
}
