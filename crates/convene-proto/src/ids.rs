//! Newtypes for ids, so an agent id can never be passed where a conversation id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        #[ts(type = "string")]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh id; v7 so that ids sort by creation time.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// One business.
    AccountId
);
id_type!(
    /// An employee user of an account.
    AgentId
);
id_type!(
    /// A person outside the business.
    ContactId
);
id_type!(
    /// A named team of agents.
    CrewId
);
id_type!(
    /// A conversation.
    ConversationId
);
id_type!(
    /// A person's membership of a conversation.
    ParticipantId
);
id_type!(
    /// A message in a conversation.
    MessageId
);
id_type!(
    /// A pending (or answered) request for someone to join.
    InviteId
);
id_type!(
    /// A "Request Service" call to a crew.
    ServiceRequestId
);
id_type!(
    /// One line of a conversation's timeline and the account's audit log.
    EventId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_json_as_plain_strings() {
        let id = ConversationId::new();
        let json = serde_json::to_string(&id).expect("serialise");
        assert_eq!(json, format!("\"{id}\""));
        let back: ConversationId = serde_json::from_str(&json).expect("parse");
        assert_eq!(back, id);
    }

    #[test]
    fn ids_parse_only_uuids() {
        assert!("not-a-uuid".parse::<AgentId>().is_err());
    }
}
