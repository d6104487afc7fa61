//! Who may administer the team: SPEC §2's last row ("manage agents and crews of the account":
//! superadmins everyone, admins everyone but superadmins), and the guard that keeps an account from
//! losing its last active superadmin. The server judges every change to an agent with
//! [`may_change`], and the Admin screens show the same verdicts ([`TeamAgent`]) on their controls.

use serde::{Deserialize, Serialize};

use crate::screen::Verdict;
use crate::{AccountRole, Agent, AgentId, AgentStatus, CrewId};

/// A change an administrator makes to one agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgentChange {
    Role(AccountRole),
    Suspend,
    Reactivate,
}

/// Why a team change is refused, in the words the user reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TeamRefusal {
    #[error("Only admins and SuperAdmins manage the team")]
    NotAdmin,
    #[error("Only SuperAdmins manage SuperAdmins")]
    SuperAdminsOnly,
    #[error("Only SuperAdmins change the account's settings")]
    SettingsSuperAdminsOnly,
    #[error("You cannot suspend yourself; ask another admin")]
    Yourself,
    #[error(
        "The last SuperAdmin cannot be demoted or suspended; make another agent a SuperAdmin first"
    )]
    LastSuperAdmin,
}

impl TeamRefusal {
    /// Whether the refusal is about who the caller is (403) rather than the state of the team (409).
    pub fn is_forbidden(self) -> bool {
        matches!(
            self,
            TeamRefusal::NotAdmin
                | TeamRefusal::SuperAdminsOnly
                | TeamRefusal::SettingsSuperAdminsOnly
        )
    }
}

/// Whether someone with account role `me` (`None`: a contact) may administer the team at all:
/// see the Admin area, list agents, manage crews.
pub fn may_administer(me: Option<AccountRole>) -> Result<(), TeamRefusal> {
    match me {
        Some(AccountRole::SuperAdmin | AccountRole::Admin) => Ok(()),
        _ => Err(TeamRefusal::NotAdmin),
    }
}

/// Whether `me` may change the account's settings (its email sender, invite expiry, whether contacts
/// may invite contacts): superadmins only; admins see them.
pub fn may_edit_settings(me: Option<AccountRole>) -> Result<(), TeamRefusal> {
    may_administer(me)?;
    match me {
        Some(AccountRole::SuperAdmin) => Ok(()),
        _ => Err(TeamRefusal::SettingsSuperAdminsOnly),
    }
}

/// Whether `me` may read the account's audit log: whoever administers the team (admins see what
/// superadmins do too, as they see the settings they may not change).
pub fn may_read_audit(me: Option<AccountRole>) -> Result<(), TeamRefusal> {
    may_administer(me)
}

/// Whether `me` may put an agent whose role is `target` into a crew or take them out of one:
/// admins manage crews, but whom a superadmin serves with is for superadmins to decide (SPEC §2:
/// admins never manage superadmins).
pub fn may_crew(me: Option<AccountRole>, target: AccountRole) -> Result<(), TeamRefusal> {
    may_administer(me)?;
    if target == AccountRole::SuperAdmin && me != Some(AccountRole::SuperAdmin) {
        return Err(TeamRefusal::SuperAdminsOnly);
    }
    Ok(())
}

/// Whether `me` may create an agent with `role`.
pub fn may_create(me: AccountRole, role: AccountRole) -> Result<(), TeamRefusal> {
    may_administer(Some(me))?;
    if role == AccountRole::SuperAdmin && me != AccountRole::SuperAdmin {
        return Err(TeamRefusal::SuperAdminsOnly);
    }
    Ok(())
}

/// The agent a change is made to, as the rule needs them.
#[derive(Clone, Copy, Debug)]
pub struct Target {
    pub id: AgentId,
    pub role: AccountRole,
    pub status: AgentStatus,
}

/// Whether agent `me_id` with role `me` may make `change` to `target`, when the account has
/// `active_superadmins` active superadmins (counted under the account's lock by the server).
pub fn may_change(
    me: AccountRole,
    me_id: AgentId,
    target: Target,
    change: AgentChange,
    active_superadmins: usize,
) -> Result<(), TeamRefusal> {
    may_administer(Some(me))?;
    let touches_superadmin = target.role == AccountRole::SuperAdmin
        || change == AgentChange::Role(AccountRole::SuperAdmin);
    if touches_superadmin && me != AccountRole::SuperAdmin {
        return Err(TeamRefusal::SuperAdminsOnly);
    }
    if change == AgentChange::Suspend && target.id == me_id {
        return Err(TeamRefusal::Yourself);
    }
    let ends_a_superadmin = match change {
        AgentChange::Suspend => true,
        AgentChange::Role(role) => role != AccountRole::SuperAdmin,
        AgentChange::Reactivate => false,
    };
    if target.role == AccountRole::SuperAdmin
        && target.status == AgentStatus::Active
        && ends_a_superadmin
        && active_superadmins <= 1
    {
        return Err(TeamRefusal::LastSuperAdmin);
    }
    Ok(())
}

impl From<Result<(), TeamRefusal>> for Verdict {
    fn from(judged: Result<(), TeamRefusal>) -> Self {
        Verdict {
            allowed: judged.is_ok(),
            why: judged.err().map(|r| r.to_string()),
        }
    }
}

/// A crew an agent belongs to, as the agents list names it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct CrewRef {
    pub id: CrewId,
    pub name: String,
}

/// One row of the Admin area's agents list: the agent, their crews, and what the viewer may do
/// to them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct TeamAgent {
    pub agent: Agent,
    pub crews: Vec<CrewRef>,
    /// The roles the viewer may give this agent, each with its verdict (their current role too).
    pub roles: Vec<RoleChoice>,
    /// Suspend when active, Reactivate when suspended.
    pub may_suspend: Verdict,
    pub may_reactivate: Verdict,
    /// Adding them to a crew or removing them from one.
    pub may_crew: Verdict,
}

/// One role an agent could be given, and whether the viewer may give it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct RoleChoice {
    pub role: AccountRole,
    pub verdict: Verdict,
}

impl TeamAgent {
    /// `agent`'s row as the viewer (`me`, agent `me_id`) sees it.
    pub fn judged(
        agent: Agent,
        crews: Vec<CrewRef>,
        me: AccountRole,
        me_id: AgentId,
        active_superadmins: usize,
    ) -> Self {
        let target = Target {
            id: agent.id,
            role: agent.role,
            status: agent.status,
        };
        let judge = |change| may_change(me, me_id, target, change, active_superadmins).into();
        let roles = [
            AccountRole::Agent,
            AccountRole::Admin,
            AccountRole::SuperAdmin,
        ]
        .into_iter()
        .map(|role| RoleChoice {
            role,
            verdict: judge(AgentChange::Role(role)),
        })
        .collect();
        let may_suspend = match agent.status {
            AgentStatus::Active => judge(AgentChange::Suspend),
            AgentStatus::Suspended => Verdict {
                allowed: false,
                why: Some("Already suspended".to_owned()),
            },
        };
        let may_reactivate = match agent.status {
            AgentStatus::Suspended => judge(AgentChange::Reactivate),
            AgentStatus::Active => Verdict {
                allowed: false,
                why: Some("Already active".to_owned()),
            },
        };
        let may_crew = may_crew(Some(me), agent.role).into();
        Self {
            agent,
            crews,
            roles,
            may_suspend,
            may_reactivate,
            may_crew,
        }
    }
}

/// `GET /api/v1/team/agents`: the account's agents, filtered, as the viewer may manage them.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct TeamAgentList {
    pub agents: Vec<TeamAgent>,
    /// The roles the viewer may create agents with.
    pub creatable_roles: Vec<AccountRole>,
}

/// The account's settings (`PUT /api/v1/team/settings`); `None` is the server's default.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct AccountSettings {
    /// May joined contacts invite other contacts?
    pub contacts_may_invite: bool,
    /// The name the account's emails come from, e.g. "Acme Support".
    #[schema(max_length = 100)]
    pub email_from_name: Option<String>,
    /// The address the account's emails come from (it must be one your mail relay may send as).
    #[schema(max_length = 254)]
    pub email_from_address: Option<String>,
    /// How many days an email invite lasts (1–90; default 14).
    #[schema(minimum = 1, maximum = 90)]
    pub invite_ttl_days: Option<u32>,
}

/// `GET /api/v1/team/settings`: the settings, the server's defaults, and whether the viewer may
/// change them.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct SettingsPage {
    pub settings: AccountSettings,
    /// The sender used when the account names none (`--email-from`).
    pub server_from: String,
    pub default_invite_ttl_days: u32,
    pub may_edit: Verdict,
}

/// `PUT /api/v1/agents/{id}/role`.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct SetRole {
    pub role: AccountRole,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> AgentId {
        AgentId(uuid::Uuid::from_u128(n))
    }

    fn target(n: u128, role: AccountRole, status: AgentStatus) -> Target {
        Target {
            id: id(n),
            role,
            status,
        }
    }

    use AccountRole::{Admin, Agent as Plain, SuperAdmin};
    use AgentStatus::{Active, Suspended};

    #[test]
    fn admins_manage_agents_but_never_superadmins() {
        let agent = target(2, Plain, Active);
        let boss = target(3, SuperAdmin, Active);
        assert_eq!(
            may_change(Admin, id(1), agent, AgentChange::Role(Admin), 2),
            Ok(())
        );
        assert_eq!(
            may_change(Admin, id(1), agent, AgentChange::Suspend, 2),
            Ok(())
        );
        assert_eq!(
            may_change(Admin, id(1), agent, AgentChange::Role(SuperAdmin), 2),
            Err(TeamRefusal::SuperAdminsOnly)
        );
        for change in [AgentChange::Suspend, AgentChange::Role(Plain)] {
            assert_eq!(
                may_change(Admin, id(1), boss, change, 2),
                Err(TeamRefusal::SuperAdminsOnly)
            );
        }
        assert_eq!(
            may_change(Plain, id(1), agent, AgentChange::Suspend, 2),
            Err(TeamRefusal::NotAdmin)
        );
        assert_eq!(
            may_create(Admin, SuperAdmin),
            Err(TeamRefusal::SuperAdminsOnly)
        );
        assert_eq!(may_create(SuperAdmin, SuperAdmin), Ok(()));
        assert_eq!(may_administer(None), Err(TeamRefusal::NotAdmin));
    }

    #[test]
    fn the_last_active_superadmin_stays_and_nobody_suspends_themselves() {
        let me = target(1, SuperAdmin, Active);
        assert_eq!(
            may_change(SuperAdmin, id(1), me, AgentChange::Role(Admin), 1),
            Err(TeamRefusal::LastSuperAdmin)
        );
        assert_eq!(
            may_change(SuperAdmin, id(1), me, AgentChange::Role(Admin), 2),
            Ok(())
        );
        assert_eq!(
            may_change(SuperAdmin, id(1), me, AgentChange::Suspend, 2),
            Err(TeamRefusal::Yourself)
        );
        let other = target(2, SuperAdmin, Active);
        assert_eq!(
            may_change(SuperAdmin, id(1), other, AgentChange::Suspend, 1),
            Err(TeamRefusal::LastSuperAdmin)
        );
        // A suspended superadmin is not the one keeping the account administered.
        let dormant = target(2, SuperAdmin, Suspended);
        assert_eq!(
            may_change(SuperAdmin, id(1), dormant, AgentChange::Role(Plain), 1),
            Ok(())
        );
        assert_eq!(
            may_change(SuperAdmin, id(1), dormant, AgentChange::Reactivate, 1),
            Ok(())
        );
    }

    #[test]
    fn the_row_verdicts_say_why() {
        let row = TeamAgent::judged(
            Agent {
                id: id(3),
                email: "b@x.test".into(),
                name: "Boss".into(),
                role: SuperAdmin,
                status: Active,
            },
            vec![],
            Admin,
            id(1),
            1,
        );
        assert!(!row.may_suspend.allowed);
        assert_eq!(
            row.may_suspend.why.as_deref(),
            Some("Only SuperAdmins manage SuperAdmins")
        );
        assert!(row.roles.iter().all(|c| !c.verdict.allowed));
        assert_eq!(row.may_reactivate.why.as_deref(), Some("Already active"));
    }
}
