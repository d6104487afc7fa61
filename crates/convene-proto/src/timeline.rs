//! What each reader sees of a conversation's timeline: the team reads every event as it was
//! written; a customer (contact) reads only what concerns the conversation's people, in words
//! meant for customers, and never the team's inner workings (crew names, how many agents were
//! notified, invites of colleagues, link settings) or other customers' email addresses.

use crate::domain::{Event, ServiceRequest};
use crate::screen::Member;

/// The line a customer reads for `event`, or `None` when it stays with the team.
pub fn customer_line(event: &Event) -> Option<String> {
    let actor = &event.actor;
    match event.kind.as_str() {
        // Written in the people's own names, nothing internal in them.
        "conversation_created"
        | "conversation_closed"
        | "conversation_reopened"
        | "participant_added"
        | "participant_joined"
        | "participant_left"
        | "participant_removed" => Some(event.text.clone()),
        "service_requested" => Some(format!("{actor} asked a colleague to help")),
        "contact_invited" => Some(format!("{actor} sent an invite by email")),
        // Invites of colleagues, answers of crews, resends, revokes, declines, link settings,
        // owners and email checks: the team's business. Kinds added later stay with the team
        // until someone words them for customers here.
        _ => None,
    }
}

/// `events` as `viewer` reads them.
pub fn for_viewer(events: Vec<Event>, viewer: Member) -> Vec<Event> {
    match viewer {
        Member::Agent(_) => events,
        Member::Contact(_) => events
            .into_iter()
            .filter_map(|mut e| {
                e.text = customer_line(&e)?;
                Some(e)
            })
            .collect(),
    }
}

/// A conversation's service requests as `viewer` reads them: customers see who asked, and
/// whether someone answered, not how many agents were notified.
pub fn requests_for_viewer(requests: Vec<ServiceRequest>, viewer: Member) -> Vec<ServiceRequest> {
    match viewer {
        Member::Agent(_) => requests,
        Member::Contact(_) => requests
            .into_iter()
            .map(|r| ServiceRequest { notified: 0, ..r })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{AgentId, ContactId, ConversationId, EventId};

    fn event(kind: &str, text: &str) -> Event {
        Event {
            id: EventId::new(),
            conversation_id: ConversationId::new(),
            kind: kind.into(),
            actor: "Ana Lima".into(),
            text: text.into(),
            created_at: time::OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn customers_read_no_crew_counts_addresses_or_team_business() {
        let events = vec![
            event("participant_joined", "Maria Gomez joined"),
            event(
                "service_requested",
                "Ana Lima requested service from Billing (3 agents notified)",
            ),
            event("contact_invited", "Ana Lima invited carol@example.com"),
            event(
                "service_request_fulfilled",
                "Bob answered the request to Billing",
            ),
            event(
                "invite_resent",
                "Ana Lima resent the invite to carol@example.com",
            ),
            event("link_rotated", "Link rotated by Ana Lima"),
            event("something_new", "internal"),
        ];
        let seen = for_viewer(events.clone(), Member::Contact(ContactId::new()));
        let lines: Vec<&str> = seen.iter().map(|e| e.text.as_str()).collect();
        assert_eq!(
            lines,
            [
                "Maria Gomez joined",
                "Ana Lima asked a colleague to help",
                "Ana Lima sent an invite by email",
            ]
        );
        let team = for_viewer(events, Member::Agent(AgentId::new()));
        assert_eq!(team.len(), 7, "the team reads everything as written");
        assert!(team[1].text.contains("Billing"));
    }
}
