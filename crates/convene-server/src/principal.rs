//! Who is making a request, and who a participant is: the identities storage, the domain and the
//! API all speak of (apart from all three, so none of them imports another for it).

use convene_proto::policy::{Actor, Participation};
use convene_proto::{AccountId, AccountRole, AgentId, ContactId};

use crate::error::Error;

/// Who is making a request: a signed-in agent or a contact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    Agent {
        id: AgentId,
        account_id: AccountId,
        role: AccountRole,
        name: String,
        email: String,
    },
    Contact {
        id: ContactId,
        account_id: AccountId,
        name: String,
        email: String,
        /// A guest of a Shareable Link: the email is what they typed, unproven. Their identity is
        /// their own (never the proven contact's), so it reaches only what they joined with it.
        guest: bool,
    },
}

/// What is known of a caller's place in one conversation, as read from the database.
#[derive(Clone, Copy, Debug, Default)]
pub struct Place {
    /// Their participant row's role and state, if they have one.
    pub participation: Option<Participation>,
    /// Whether an invite to them is pending.
    pub pending_invite: bool,
    /// The account's "contacts may invite contacts" setting.
    pub contacts_may_invite: bool,
    /// The conversation is closed.
    pub closed: bool,
}

impl Principal {
    /// The caller as the permission table judges them in a conversation: the one place an
    /// [`Actor`] is made from a principal.
    pub fn actor(&self, place: Place) -> Actor {
        Actor {
            account_role: self.account_role(),
            participation: place.participation,
            pending_invite: place.pending_invite,
            contacts_may_invite: place.contacts_may_invite,
            guest: self.is_guest(),
            closed: place.closed,
        }
    }

    /// The account role of an agent; `None` for a contact.
    pub fn account_role(&self) -> Option<AccountRole> {
        match self {
            Principal::Agent { role, .. } => Some(*role),
            Principal::Contact { .. } => None,
        }
    }

    pub fn account_id(&self) -> AccountId {
        match self {
            Principal::Agent { account_id, .. } | Principal::Contact { account_id, .. } => {
                *account_id
            }
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Principal::Agent { name, .. } | Principal::Contact { name, .. } => name,
        }
    }

    /// "Who am I", as the API answers it.
    pub fn me(self, account_name: String) -> convene_proto::Me {
        use convene_proto::Me;
        match self {
            Principal::Contact {
                id,
                account_id,
                name,
                email,
                guest,
            } => Me::Contact {
                id,
                account_id,
                account_name,
                email,
                name,
                email_verified: !guest,
            },
            Principal::Agent {
                id,
                account_id,
                role,
                name,
                email,
            } => Me::Agent {
                id,
                account_id,
                account_name,
                email,
                name,
                role,
                admin: convene_proto::team::may_administer(Some(role)).into(),
            },
        }
    }

    /// Whether this is a guest of a Shareable Link (a contact whose email is not proven).
    pub fn is_guest(&self) -> bool {
        matches!(self, Principal::Contact { guest: true, .. })
    }

    /// A stable key for idempotency records and rate limits.
    pub fn key(&self) -> String {
        match self {
            Principal::Agent { id, .. } => format!("agent:{id}"),
            Principal::Contact { id, .. } => format!("contact:{id}"),
        }
    }

    /// The agent, or a 403 for contacts on agent-only routes.
    pub fn require_agent(&self) -> Result<(AgentId, AccountRole), Error> {
        match self {
            Principal::Agent { id, role, .. } => Ok((*id, *role)),
            Principal::Contact { .. } => Err(Error::Forbidden(
                "only agents of the account may do this".to_owned(),
            )),
        }
    }

    /// The (agent, contact) id columns of rows about this person: one is set, the other `None`.
    pub fn columns(&self) -> (Option<String>, Option<String>) {
        let m = self.member();
        (m.agent(), m.contact())
    }

    /// The caller as a participant would name them.
    pub fn member(&self) -> Member {
        match self {
            Principal::Agent { id, .. } => Member::Agent(*id),
            Principal::Contact { id, .. } => Member::Contact(*id),
        }
    }
}

pub use convene_proto::Member;
