//! Ids in request paths, typed: a handler takes `Id<ConversationId>` or
//! `Id<(ConversationId, ParticipantId)>` and gets them parsed. A path segment that is not such an
//! id answers 404 naming what was not found — an id that cannot exist is as absent as one that
//! does not — instead of each handler parsing its own strings.

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use convene_proto::{AgentId, ConversationId, CrewId, InviteId, ParticipantId};

use crate::error::Error;

/// The ids of the request's path, in order.
pub struct Id<T>(pub T);

/// One id type of a path, with the word its 404 uses.
pub trait PathId: std::str::FromStr {
    const WHAT: &'static str;
}

macro_rules! path_id {
    ($($ty:ty => $what:literal),* $(,)?) => {
        $(impl PathId for $ty {
            const WHAT: &'static str = $what;
        })*
    };
}

path_id!(
    ConversationId => "conversation",
    ParticipantId => "participant",
    InviteId => "invite",
    CrewId => "crew",
    AgentId => "agent",
);

fn one<T: PathId>(raw: Option<&str>) -> Result<T, Error> {
    raw.and_then(|r| r.parse().ok())
        .ok_or(Error::NotFound(T::WHAT))
}

/// What a path's segments parse into: one id, or two.
pub trait PathIds: Sized {
    /// The word of the 404 when the path cannot be read at all.
    const FIRST: &'static str;
    fn parse(segments: &[&str]) -> Result<Self, Error>;
}

impl<T: PathId> PathIds for T {
    const FIRST: &'static str = T::WHAT;
    fn parse(segments: &[&str]) -> Result<Self, Error> {
        one(segments.first().copied())
    }
}

impl<A: PathId, B: PathId> PathIds for (A, B) {
    const FIRST: &'static str = A::WHAT;
    fn parse(segments: &[&str]) -> Result<Self, Error> {
        Ok((
            one(segments.first().copied())?,
            one(segments.get(1).copied())?,
        ))
    }
}

impl<S: Send + Sync, T: PathIds> FromRequestParts<S> for Id<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| Error::NotFound(T::FIRST))?;
        let segments: Vec<&str> = params.iter().map(|(_, value)| value).collect();
        T::parse(&segments).map(Id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_parse_into_ids_or_name_the_missing_one() {
        let c = ConversationId::new();
        let p = ParticipantId::new();
        let (cc, pp) = <(ConversationId, ParticipantId)>::parse(&[&c.to_string(), &p.to_string()])
            .expect("ids");
        assert_eq!((cc, pp), (c, p));
        let wrong = <(ConversationId, ParticipantId)>::parse(&[&c.to_string(), "x"]);
        assert!(matches!(wrong, Err(Error::NotFound("participant"))));
        assert!(matches!(
            CrewId::parse(&["not-a-uuid"]),
            Err(Error::NotFound("crew"))
        ));
    }
}
