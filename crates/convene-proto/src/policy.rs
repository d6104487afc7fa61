//! The who-may-do-what table of the specification, in one place.
//!
//! The server checks every request with [`allowed`]; the desktop app calls the same function to
//! grey out what the user may not do, also offline. An [`Actor`] describes the caller *in one
//! conversation*: their account role (for agents), their participation, and whether they hold a
//! pending invite. Each column of the table is a predicate over the actor; an action is allowed
//! when any column that applies to the actor allows it.

use serde::{Deserialize, Serialize};

use crate::roles::{AccountRole, ParticipantRole, ParticipantState};

/// Who is asking, relative to one conversation.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct Actor {
    /// `Some(role)` for an agent of the account, `None` for a contact.
    pub account_role: Option<AccountRole>,
    /// The caller's participation in the conversation, if any.
    pub participation: Option<Participation>,
    /// Whether the caller holds a pending invite to the conversation.
    pub pending_invite: bool,
    /// The account's setting: may joined contacts invite other contacts?
    pub contacts_may_invite: bool,
    /// A guest: a contact who joined through a Shareable Link and has not proven their email.
    /// A guest may take part in the conversation (read, post, ask a customer crew, leave) but not
    /// reach beyond it: no inviting others by email, no copying the link on.
    #[serde(default)]
    pub guest: bool,
    /// The conversation is closed: it reads as before, but nothing is added to it (no messages,
    /// no invites, no joining) until an owner or admin reopens it.
    #[serde(default)]
    pub closed: bool,
}

/// A participant's role and state.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct Participation {
    pub role: ParticipantRole,
    pub state: ParticipantState,
}

/// Everything a person can try to do to a conversation.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
#[ts(rename = "PolicyAction")]
pub enum Action {
    See,
    /// Add Agent (Send invite), or Request Service for any crew.
    InviteAgents,
    /// Request Service for a crew marked `customer_requestable`.
    RequestCustomerCrew,
    /// Invite a contact by email, or add a known contact.
    InviteContact,
    CopyShareLink,
    /// Disable, rotate, set expiry or max uses of the Shareable Link.
    ManageShareLink,
    ResendInvite,
    /// Revoke a pending invite someone else sent.
    RevokeAnyInvite,
    /// Revoke a pending invite the caller sent.
    RevokeOwnInvite,
    /// Remove User; the target rules are in [`may_remove`].
    RemoveUser,
    /// Leave; the last-owner rule is in [`may_leave`].
    Leave,
    PostMessage,
    /// Accept or decline the caller's own pending invite.
    AnswerInvite,
    /// Make a joined agent an owner too.
    MakeOwner,
    /// Close or reopen the conversation.
    CloseConversation,
}

impl Action {
    /// Every action, for tests and for the app's greying-out.
    pub const ALL: &'static [Action] = &[
        Action::See,
        Action::InviteAgents,
        Action::RequestCustomerCrew,
        Action::InviteContact,
        Action::CopyShareLink,
        Action::ManageShareLink,
        Action::ResendInvite,
        Action::RevokeAnyInvite,
        Action::RevokeOwnInvite,
        Action::RemoveUser,
        Action::Leave,
        Action::PostMessage,
        Action::AnswerInvite,
        Action::MakeOwner,
        Action::CloseConversation,
    ];

    /// Who may do it, in words, for tooltips on disabled controls.
    pub fn who_may(self) -> &'static str {
        match self {
            Action::See => "Members of the conversation, admins and superadmins",
            Action::InviteAgents => "Agents in the conversation, admins and superadmins",
            Action::RequestCustomerCrew => "Anyone in the conversation",
            Action::InviteContact => {
                "Anyone in the conversation whose email is verified (contacts if the account allows)"
            }
            Action::CopyShareLink => "Anyone in the conversation whose email is verified",
            Action::ManageShareLink => "Conversation owners, admins and superadmins",
            Action::ResendInvite => "Agents in the conversation, admins and superadmins",
            Action::RevokeAnyInvite => "Conversation owners, admins and superadmins",
            Action::RevokeOwnInvite => "Whoever sent the invite",
            Action::RemoveUser => "SuperAdmins and conversation owners",
            Action::Leave => "Members of the conversation (an owner only if another owner remains)",
            Action::PostMessage => "Members of the conversation, admins and superadmins",
            Action::AnswerInvite => "The person invited",
            Action::MakeOwner => "Conversation owners and superadmins",
            Action::CloseConversation => "Conversation owners, admins and superadmins",
        }
    }

    /// Whether a closed conversation refuses it: everything that adds to the conversation or
    /// brings someone in. Reading, leaving, removing, revoking, declining, handing over ownership,
    /// managing (disabling) the link and reopening still work.
    pub fn needs_open(self) -> bool {
        matches!(
            self,
            Action::InviteAgents
                | Action::RequestCustomerCrew
                | Action::InviteContact
                | Action::CopyShareLink
                | Action::ResendInvite
                | Action::PostMessage
        )
    }
}

/// What a closed conversation's refused controls say.
pub const CLOSED: &str = "The conversation is closed; reopen it first";

impl Actor {
    fn joined_as(&self, role: ParticipantRole) -> bool {
        matches!(self.participation, Some(p) if p.state == ParticipantState::Joined && p.role == role)
    }

    /// A joined owner of the conversation.
    pub fn is_owner(&self) -> bool {
        self.joined_as(ParticipantRole::Owner)
    }

    /// A joined agent (owners are agents too).
    fn is_joined_agent(&self) -> bool {
        self.account_role.is_some()
            && (self.joined_as(ParticipantRole::Agent) || self.joined_as(ParticipantRole::Owner))
    }

    fn is_joined_contact(&self) -> bool {
        self.account_role.is_none() && self.joined_as(ParticipantRole::Contact)
    }

    /// A joined contact whose email is proven (not a guest of the Shareable Link).
    fn is_verified_contact(&self) -> bool {
        self.is_joined_contact() && !self.guest
    }

    fn is_account_admin(&self) -> bool {
        matches!(
            self.account_role,
            Some(AccountRole::SuperAdmin | AccountRole::Admin)
        )
    }

    fn is_superadmin(&self) -> bool {
        self.account_role == Some(AccountRole::SuperAdmin)
    }
}

/// Whether `actor` may do `action` in the conversation (before any target-specific rule).
pub fn allowed(actor: &Actor, action: Action) -> bool {
    if actor.closed && action.needs_open() {
        return false;
    }
    let admin = actor.is_account_admin();
    let owner = actor.is_owner();
    let agent = actor.is_joined_agent();
    let contact = actor.is_joined_contact();
    let verified_contact = actor.is_verified_contact();
    match action {
        Action::See => {
            admin || agent || contact || (actor.account_role.is_some() && actor.pending_invite)
        }
        Action::InviteAgents | Action::ResendInvite => admin || agent,
        Action::RequestCustomerCrew => admin || agent || contact,
        Action::CopyShareLink => admin || agent || verified_contact,
        Action::InviteContact => admin || agent || (verified_contact && actor.contacts_may_invite),
        Action::ManageShareLink | Action::RevokeAnyInvite => admin || owner,
        Action::RevokeOwnInvite => admin || agent || verified_contact,
        Action::RemoveUser => actor.is_superadmin() || owner,
        Action::Leave => agent || contact,
        Action::PostMessage => admin || agent || contact,
        Action::AnswerInvite => actor.pending_invite,
        Action::MakeOwner => actor.is_superadmin() || owner,
        Action::CloseConversation => admin || owner,
    }
}

/// Why `actor` may not do `action`: the conversation is closed, or who may ("Only … can do this").
pub fn reason(actor: &Actor, action: Action) -> String {
    if actor.closed
        && action.needs_open()
        && allowed(
            &Actor {
                closed: false,
                ..*actor
            },
            action,
        )
    {
        CLOSED.to_owned()
    } else {
        refusal(action)
    }
}

/// The sentence for a control the table refuses: "Only … can do this".
pub fn refusal(action: Action) -> String {
    let who = action.who_may();
    // "Agents in the conversation…" reads inside the sentence; "SuperAdmins" is a name.
    let who = if who.starts_with("SuperAdmin") {
        who.to_owned()
    } else {
        let mut chars = who.chars();
        chars
            .next()
            .map(|first| first.to_lowercase().chain(chars).collect())
            .unwrap_or_default()
    };
    format!("Only {who} can do this")
}

/// Whether an actor may do one action, and who may (for the tooltip of a disabled control).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct Permission {
    pub action: Action,
    pub allowed: bool,
    pub who_may: String,
    /// When not allowed, the sentence the disabled control shows ("Only … can do this").
    #[serde(default)]
    pub why: Option<String>,
}

/// The whole table for one actor.
pub fn permissions(actor: &Actor) -> Vec<Permission> {
    Action::ALL
        .iter()
        .map(|a| {
            let allowed = allowed(actor, *a);
            Permission {
                action: *a,
                allowed,
                who_may: a.who_may().to_owned(),
                why: (!allowed).then(|| reason(actor, *a)),
            }
        })
        .collect()
}

/// `GET /api/v1/conversations/{id}/permissions`.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct PermissionList {
    pub permissions: Vec<Permission>,
}

/// Why a removal is refused, when the actor may remove people at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RemoveRefusal {
    /// The caller may not remove anyone here.
    NotAllowed,
    /// Owners never remove another owner (only a superadmin may).
    TargetIsOwner,
    /// The conversation would be left without an owner.
    LastOwner,
}

/// Whether `actor` may remove a participant whose role is `target_role`, given how many joined
/// owners the conversation has.
pub fn may_remove(
    actor: &Actor,
    target_role: ParticipantRole,
    owners: usize,
) -> Result<(), RemoveRefusal> {
    if !allowed(actor, Action::RemoveUser) {
        return Err(RemoveRefusal::NotAllowed);
    }
    if target_role == ParticipantRole::Owner {
        if !actor.is_superadmin() {
            return Err(RemoveRefusal::TargetIsOwner);
        }
        if owners <= 1 {
            return Err(RemoveRefusal::LastOwner);
        }
    }
    Ok(())
}

/// Whether `actor` may revoke a pending invite; `own` when they sent it.
pub fn may_revoke(actor: &Actor, own: bool) -> bool {
    allowed(actor, Action::RevokeAnyInvite) || (own && allowed(actor, Action::RevokeOwnInvite))
}

/// Whether `actor` may Request Service from a crew, `customer_requestable` or not.
pub fn may_request_crew(actor: &Actor, customer_requestable: bool) -> bool {
    allowed(actor, Action::InviteAgents)
        || (customer_requestable && allowed(actor, Action::RequestCustomerCrew))
}

/// Whether `actor` may leave, given how many joined owners the conversation has.
pub fn may_leave(actor: &Actor, owners: usize) -> bool {
    allowed(actor, Action::Leave) && (!actor.is_owner() || owners > 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(
        role: AccountRole,
        participation: Option<(ParticipantRole, ParticipantState)>,
    ) -> Actor {
        Actor {
            account_role: Some(role),
            participation: participation.map(|(role, state)| Participation { role, state }),
            pending_invite: false,
            contacts_may_invite: true,
            guest: false,
            closed: false,
        }
    }

    fn contact(guest: bool) -> Actor {
        Actor {
            account_role: None,
            participation: Some(Participation {
                role: ParticipantRole::Contact,
                state: ParticipantState::Joined,
            }),
            pending_invite: false,
            contacts_may_invite: true,
            guest,
            closed: false,
        }
    }

    #[test]
    fn a_closed_conversation_reads_but_takes_nothing_new_until_reopened() {
        let owner = Actor {
            closed: true,
            ..agent(
                AccountRole::Agent,
                Some((ParticipantRole::Owner, ParticipantState::Joined)),
            )
        };
        for action in Action::ALL {
            let open = allowed(
                &Actor {
                    closed: false,
                    ..owner
                },
                *action,
            );
            assert_eq!(
                allowed(&owner, *action),
                open && !action.needs_open(),
                "{action:?}"
            );
        }
        assert!(allowed(&owner, Action::CloseConversation), "reopen");
        assert_eq!(reason(&owner, Action::PostMessage), CLOSED);
        // What they could not do anyway keeps its own reason.
        let guest = Actor {
            closed: true,
            ..contact(true)
        };
        assert_eq!(
            reason(&guest, Action::CopyShareLink),
            refusal(Action::CopyShareLink)
        );
        assert!(!allowed(&contact(false), Action::CloseConversation));
    }

    #[test]
    fn a_guest_of_the_link_takes_part_but_reaches_no_one_else() {
        let guest = contact(true);
        let verified = contact(false);
        for action in [
            Action::See,
            Action::PostMessage,
            Action::RequestCustomerCrew,
            Action::Leave,
        ] {
            assert!(allowed(&guest, action), "{action:?}");
        }
        for action in [
            Action::InviteContact,
            Action::CopyShareLink,
            Action::RevokeOwnInvite,
        ] {
            assert!(!allowed(&guest, action), "{action:?}");
            assert!(allowed(&verified, action), "{action:?}");
        }
    }

    #[test]
    fn an_admin_may_not_remove_users_but_a_superadmin_may() {
        assert!(!allowed(
            &agent(AccountRole::Admin, None),
            Action::RemoveUser
        ));
        assert!(allowed(
            &agent(AccountRole::SuperAdmin, None),
            Action::RemoveUser
        ));
    }

    #[test]
    fn owners_never_remove_another_owner_and_nobody_removes_the_last() {
        let owner = agent(
            AccountRole::Agent,
            Some((ParticipantRole::Owner, ParticipantState::Joined)),
        );
        assert_eq!(may_remove(&owner, ParticipantRole::Agent, 1), Ok(()));
        assert_eq!(
            may_remove(&owner, ParticipantRole::Owner, 2),
            Err(RemoveRefusal::TargetIsOwner)
        );
        let superadmin = agent(AccountRole::SuperAdmin, None);
        assert_eq!(may_remove(&superadmin, ParticipantRole::Owner, 2), Ok(()));
        assert_eq!(
            may_remove(&superadmin, ParticipantRole::Owner, 1),
            Err(RemoveRefusal::LastOwner)
        );
    }

    #[test]
    fn the_last_owner_may_not_leave() {
        let owner = agent(
            AccountRole::Agent,
            Some((ParticipantRole::Owner, ParticipantState::Joined)),
        );
        assert!(!may_leave(&owner, 1));
        assert!(may_leave(&owner, 2));
    }

    #[test]
    fn a_removed_participant_is_like_a_stranger() {
        let removed = agent(
            AccountRole::Agent,
            Some((ParticipantRole::Agent, ParticipantState::Removed)),
        );
        for action in Action::ALL {
            assert!(!allowed(&removed, *action), "{action:?}");
        }
    }
}
