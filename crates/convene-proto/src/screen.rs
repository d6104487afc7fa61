//! The verdicts of a conversation screen: for the conversation and for every item on it (each
//! person, each invite, each crew), whether the user may act on it and, if not, why in words for a
//! disabled control. One function ([`verdicts`]) computes them from the rows both sides hold — the
//! desktop app's cache, the server's database for the web client — so the UI never decides a
//! permission and the two clients cannot differ.

use serde::{Deserialize, Serialize};

use crate::policy::{self, may_remove, Action, Actor, Permission, RemoveRefusal};
use crate::{
    AgentId, AgentStatus, ContactId, ConversationSnapshot, Crew, Event, Invite, InviteId,
    InviteStatus, InviteeKind, Me, Message, ParticipantId, ParticipantRole, ParticipantState,
};

/// Who someone is: an agent or a contact of the account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
pub enum Member {
    Agent(AgentId),
    Contact(ContactId),
}

impl Member {
    /// The signed-in person.
    pub fn of(me: &Me) -> Self {
        match me {
            Me::Agent { id, .. } => Member::Agent(*id),
            Me::Contact { id, .. } => Member::Contact(*id),
        }
    }

    /// Whether they sent `invite`.
    pub fn sent(self, invite: &Invite) -> bool {
        match self {
            Member::Agent(id) => invite.invited_by_agent == Some(id),
            Member::Contact(id) => invite.invited_by_contact == Some(id),
        }
    }

    /// The agent's or contact's id as text (ids are UUIDs: the two never collide).
    pub fn id(self) -> String {
        match self {
            Member::Agent(id) => id.to_string(),
            Member::Contact(id) => id.to_string(),
        }
    }

    /// Whether they wrote `message`.
    pub fn wrote(self, message: &crate::Message) -> bool {
        message.author_id == self.id()
    }

    /// The agent's id as text (a database column), if an agent.
    pub fn agent(self) -> Option<String> {
        match self {
            Member::Agent(id) => Some(id.to_string()),
            Member::Contact(_) => None,
        }
    }

    /// The contact's id as text (a database column), if a contact.
    pub fn contact(self) -> Option<String> {
        match self {
            Member::Contact(id) => Some(id.to_string()),
            Member::Agent(_) => None,
        }
    }
}

/// Whether the user may do one thing, and if not, why.
#[derive(
    Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct Verdict {
    pub allowed: bool,
    /// Why not, in words for the user (the tooltip of the disabled control); `None` when allowed.
    pub why: Option<String>,
}

impl Verdict {
    fn yes() -> Self {
        Self {
            allowed: true,
            why: None,
        }
    }

    fn no(why: impl Into<String>) -> Self {
        Self {
            allowed: false,
            why: Some(why.into()),
        }
    }

    fn when(allowed: bool, why: impl Into<String>) -> Self {
        if allowed {
            Self::yes()
        } else {
            Self::no(why)
        }
    }
}

/// What the user may do to one participant (People panel, ⋯ menu).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct PersonVerdicts {
    pub participant_id: ParticipantId,
    /// Remove User.
    pub remove: Verdict,
    /// Make owner.
    pub make_owner: Verdict,
}

/// What the user may do to one pending invite.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct InviteVerdicts {
    pub invite_id: InviteId,
    /// Revoke invite (their own, or any for owners and admins).
    pub revoke: Verdict,
    /// Resend Invite.
    pub resend: Verdict,
    /// Remove User on the invitee (ends the invite).
    pub remove: Verdict,
}

/// A crew as Request Service offers it: whether the user may ask it in, and if not, why.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct CrewChoice {
    pub crew: Crew,
    pub request: Verdict,
}

/// Every verdict of one conversation screen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct Verdicts {
    /// The whole permission table for the user here.
    pub permissions: Vec<Permission>,
    /// Leave the conversation.
    pub leave: Verdict,
    /// When the user may not leave only because they are the last owner: the participants they
    /// may make owner first (joined agents), so Leave offers the hand-over. Empty otherwise.
    pub hand_over: Vec<ParticipantId>,
    /// One per participant of the snapshot.
    pub people: Vec<PersonVerdicts>,
    /// One per pending invite of the snapshot.
    pub invites: Vec<InviteVerdicts>,
}

/// `GET /api/v1/conversations/{id}/screen`: what the web client shows of one conversation, with
/// the verdicts the desktop app computes from its cache for the same rows.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct ScreenPage {
    pub snapshot: ConversationSnapshot,
    pub verdicts: Verdicts,
    /// The crews Request Service offers the user, each with its verdict.
    pub crews: Vec<CrewChoice>,
    /// The newest messages, oldest first.
    pub messages: Vec<Message>,
    /// Pass as `before` to `GET …/messages` for the page before `messages`; `None`: they are all.
    pub older_messages: Option<String>,
    /// The user's read state of it (where they stopped reading, whether they muted it).
    pub read: crate::reading::ReadState,
    /// The timeline's events, oldest first.
    pub events: Vec<Event>,
}

use policy::refusal as only;

fn removal_reason(r: RemoveRefusal) -> String {
    match r {
        RemoveRefusal::NotAllowed => only(Action::RemoveUser),
        RemoveRefusal::TargetIsOwner => {
            "Owners cannot remove another owner; a SuperAdmin can".to_owned()
        }
        RemoveRefusal::LastOwner => "The last owner cannot be removed".to_owned(),
    }
}

fn joined_owners(snapshot: &ConversationSnapshot) -> usize {
    snapshot
        .participants
        .iter()
        .filter(|p| p.role == ParticipantRole::Owner && p.state == ParticipantState::Joined)
        .count()
}

fn leave(actor: &Actor, owners: usize) -> Verdict {
    if policy::may_leave(actor, owners) {
        Verdict::yes()
    } else if actor.is_owner() {
        Verdict::no("You are the last owner: make someone else an owner first")
    } else {
        Verdict::no(only(Action::Leave))
    }
}

/// Request Service's crews for the user of `snapshot`, each with its verdict: may they ask it in,
/// and is anyone in it left to ask (an active member not already in the conversation or invited
/// to it; with no members listed, the crew's own `available`).
pub fn crew_choices(snapshot: &ConversationSnapshot, crews: Vec<Crew>) -> Vec<CrewChoice> {
    let here: std::collections::HashSet<AgentId> = snapshot
        .participants
        .iter()
        .filter(|p| p.state == ParticipantState::Joined)
        .filter_map(|p| p.agent_id)
        .chain(
            snapshot
                .invites
                .iter()
                .filter(|i| i.status == InviteStatus::Pending)
                .filter_map(|i| i.agent_id),
        )
        .collect();
    crews
        .into_iter()
        .map(|crew| {
            let someone = if crew.members.is_empty() {
                crew.available
            } else {
                crew.members
                    .iter()
                    .any(|a| a.status == AgentStatus::Active && !here.contains(&a.id))
            };
            CrewChoice {
                request: if !policy::may_request_crew(&snapshot.me, crew.customer_requestable) {
                    Verdict::no(only(Action::InviteAgents))
                } else if !someone {
                    Verdict::no(format!(
                        "Nobody else in {} can be asked right now: everyone available is here or invited",
                        crew.name
                    ))
                } else {
                    Verdict::yes()
                },
                crew,
            }
        })
        .collect()
}

/// Every verdict of the screen of `snapshot` for `me`.
pub fn verdicts(snapshot: &ConversationSnapshot, me: Member) -> Verdicts {
    let actor = &snapshot.me;
    let owners = joined_owners(snapshot);
    let people: Vec<PersonVerdicts> = snapshot
        .participants
        .iter()
        .map(|p| {
            let verdict = may_remove(actor, p.role, owners);
            let remove = match verdict {
                _ if p.state != ParticipantState::Joined
                    && p.state != ParticipantState::Invited =>
                {
                    Verdict::no("They are no longer in the conversation")
                }
                Ok(()) => Verdict::yes(),
                Err(r) => Verdict::no(removal_reason(r)),
            };
            let make_owner = if !policy::allowed(actor, Action::MakeOwner) {
                Verdict::no(only(Action::MakeOwner))
            } else if p.role == ParticipantRole::Owner {
                Verdict::no("Already an owner")
            } else if p.kind != InviteeKind::Agent || p.state != ParticipantState::Joined {
                Verdict::no("Only a joined agent can be made an owner")
            } else {
                Verdict::yes()
            };
            PersonVerdicts {
                participant_id: p.id,
                remove,
                make_owner,
            }
        })
        .collect();
    let invites = snapshot
        .invites
        .iter()
        .filter(|i| i.status == InviteStatus::Pending)
        .map(|i| InviteVerdicts {
            invite_id: i.id,
            revoke: Verdict::when(
                policy::may_revoke(actor, me.sent(i)),
                "Only SuperAdmins, admins, owners and whoever sent the invite may revoke it",
            ),
            resend: Verdict::when(
                policy::allowed(actor, Action::ResendInvite),
                only(Action::ResendInvite),
            ),
            remove: {
                let role = match i.kind {
                    InviteeKind::Agent => ParticipantRole::Agent,
                    InviteeKind::Contact => ParticipantRole::Contact,
                };
                match may_remove(actor, role, owners) {
                    Ok(()) => Verdict::yes(),
                    Err(r) => Verdict::no(removal_reason(r)),
                }
            },
        })
        .collect();
    let leave = leave(actor, owners);
    let hand_over = if !leave.allowed && actor.is_owner() {
        people
            .iter()
            .filter(|v| v.make_owner.allowed)
            .map(|v| v.participant_id)
            .collect()
    } else {
        Vec::new()
    };
    Verdicts {
        permissions: policy::permissions(actor),
        leave,
        hand_over,
        people,
        invites,
    }
}
