//! Why an invite would send nothing: the person is already in the conversation, or already holds
//! a pending invite to it. The desktop app asks [`nothing_to_send`] of its cache before it queues an
//! invite (so it can say so offline, under the field), and the server says the same words in its
//! answer ([`InviteOutcome::message`]) when the rows it reads under lock disagree with a stale cache.

use crate::{
    AgentId, ContactId, ConversationSnapshot, Invite, InviteOutcome, InviteStatus, InviteeKind,
    Participant, ParticipantState,
};

/// Who an invite is for.
#[derive(Clone, Copy, Debug)]
pub enum Invitee<'a> {
    /// A contact by email address (compared without regard to case).
    Email(&'a str),
    Contact(ContactId),
    Agent(AgentId),
}

impl Invitee<'_> {
    fn is(
        &self,
        kind: InviteeKind,
        agent: Option<AgentId>,
        contact: Option<ContactId>,
        email: &str,
    ) -> bool {
        match *self {
            Invitee::Email(e) => {
                kind == InviteeKind::Contact && email.eq_ignore_ascii_case(e.trim())
            }
            Invitee::Contact(id) => contact == Some(id),
            Invitee::Agent(id) => agent == Some(id),
        }
    }

    fn joined(&self, p: &Participant) -> bool {
        p.state == ParticipantState::Joined && self.is(p.kind, p.agent_id, p.contact_id, &p.email)
    }

    fn invited(&self, i: &Invite) -> bool {
        i.status == InviteStatus::Pending
            && self.is(i.kind, i.agent_id, i.contact_id, &i.invitee_email)
    }
}

/// "Carol Jones is already in this conversation".
pub fn already_joined(name: Option<&str>) -> String {
    match name {
        Some(name) => format!("{name} is already in this conversation"),
        None => "Already in this conversation".to_owned(),
    }
}

/// "Carol Jones is already invited; use Resend Invite in People".
pub fn already_invited(name: Option<&str>) -> String {
    match name {
        Some(name) => format!("{name} is already invited; use Resend Invite in People"),
        None => "Already invited; use Resend Invite in People".to_owned(),
    }
}

/// Why inviting `who` to the conversation of `snapshot` would send nothing, if it would.
pub fn nothing_to_send(snapshot: &ConversationSnapshot, who: Invitee<'_>) -> Option<String> {
    if let Some(p) = snapshot.participants.iter().find(|p| who.joined(p)) {
        return Some(already_joined(Some(&p.name)));
    }
    snapshot
        .invites
        .iter()
        .find(|i| who.invited(i))
        .map(|i| already_invited(Some(&i.invitee_name)))
}

impl InviteOutcome {
    /// A new invite was sent.
    pub fn invited(invite: Option<Invite>) -> Self {
        Self {
            invite,
            outcome: "invited".to_owned(),
            message: None,
        }
    }

    /// Nothing sent: `name` is already in the conversation.
    pub fn already_joined(name: Option<&str>) -> Self {
        Self {
            invite: None,
            outcome: "already_joined".to_owned(),
            message: Some(already_joined(name)),
        }
    }

    /// Nothing sent: `invite` is already pending.
    pub fn already_invited(invite: Option<Invite>) -> Self {
        let message = already_invited(invite.as_ref().map(|i| i.invitee_name.as_str()));
        Self {
            invite,
            outcome: "already_invited".to_owned(),
            message: Some(message),
        }
    }
}
