//! Roles and states, as enums whose string forms are the fixed names of the specification.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:tt),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
        pub enum $name { $(#[serde(rename = $text)] $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$(Self::$variant),+];

            /// The fixed name used on the wire and in the database.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok(Self::$variant),)+
                    other => Err(UnknownValue { kind: stringify!($name), value: other.to_owned() }),
                }
            }
        }
    };
}

/// A string that names no value of the enum it was parsed as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue {
    pub kind: &'static str,
    pub value: String,
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {}: {:?}", self.kind, self.value)
    }
}

impl std::error::Error for UnknownValue {}

string_enum!(
    /// An agent's role in the whole account.
    AccountRole { SuperAdmin => "superadmin", Admin => "admin", Agent => "agent" }
);
string_enum!(
    /// Whether an agent may sign in.
    AgentStatus { Active => "active", Suspended => "suspended" }
);
string_enum!(
    /// Whether a conversation is still being worked on.
    ConversationStatus { Open => "open", Closed => "closed" }
);
string_enum!(
    /// A participant's role inside one conversation.
    ParticipantRole { Owner => "owner", Agent => "agent", Contact => "contact" }
);
string_enum!(
    /// Where a participant's membership stands.
    ParticipantState { Invited => "invited", Joined => "joined", Left => "left", Removed => "removed" }
);
string_enum!(
    /// How a participant came to be in the conversation.
    Via {
        Direct => "direct",
        CrewRequest => "crew_request",
        EmailInvite => "email_invite",
        ShareableLink => "shareable_link",
        Created => "created",
    }
);

string_enum!(
    /// Where an invite stands.
    InviteStatus {
        Pending => "pending",
        Accepted => "accepted",
        Declined => "declined",
        Revoked => "revoked",
        Expired => "expired",
        Superseded => "superseded",
    }
);
string_enum!(
    /// Whether an invite's email went out.
    Delivery { Queued => "queued", Sent => "sent", Failed => "failed" }
);
string_enum!(
    /// Who an invite is for.
    InviteeKind { Agent => "agent", Contact => "contact" }
);
string_enum!(
    /// Where a service request stands.
    ServiceRequestStatus { Open => "open", Fulfilled => "fulfilled" }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_fixed_name() {
        for role in AccountRole::ALL {
            assert_eq!(role.as_str().parse::<AccountRole>(), Ok(*role));
            assert_eq!(
                serde_json::to_string(role).expect("json"),
                format!("\"{}\"", role.as_str())
            );
        }
        assert_eq!(AccountRole::SuperAdmin.as_str(), "superadmin");
    }

    #[test]
    fn unknown_names_are_refused_with_the_value() {
        let err = "owner"
            .parse::<AccountRole>()
            .expect_err("not an account role");
        assert!(err.to_string().contains("owner"));
    }
}
