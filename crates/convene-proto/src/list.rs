//! What a row of the conversation list shows: the subject, who the customers are, and a preview of
//! the last message. One function ([`row`]) builds it from the rows both sides hold — the desktop
//! app's cache (its own unsent messages included), the server's database for the web client — so
//! the two lists read the same.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{Conversation, ConversationId, ConversationStatus, InviteeKind, ParticipantRole};

/// Customers named on a row; the rest are counted ("+2").
pub const NAMED_CUSTOMERS: usize = 2;
/// Characters of the last message a row shows.
pub const PREVIEW_CHARS: usize = 120;

/// The last message of a conversation, as its row previews it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct LastMessage {
    pub author_name: String,
    pub author_kind: InviteeKind,
    /// The start of the message on one line: runs of white space (new lines included) become one
    /// space, and a longer message ends in "…".
    pub excerpt: String,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub at: OffsetDateTime,
}

/// What a row of the conversation list shows of its conversation, and no more: the whole list
/// crosses IPC at once, and with 10,000 cached conversations every field is 10,000 fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct ListConversation {
    pub id: ConversationId,
    pub subject: String,
    pub status: ConversationStatus,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub updated_at: OffsetDateTime,
    pub my_role: Option<ParticipantRole>,
    pub participant_count: i64,
    /// The first joined customers (contacts) by name, at most [`NAMED_CUSTOMERS`].
    pub customers: Vec<String>,
    /// How many customers have joined in all.
    pub customer_count: i64,
    /// The newest message, if any.
    pub last_message: Option<LastMessage>,
    /// Messages by others newer than the user's read position, counted up to
    /// [`crate::reading::UNREAD_CAP`] + 1 (shown as "99+").
    pub unread: i64,
    /// The user muted it: no notifications, not in the badge.
    pub muted: bool,
}

/// A row of the conversation list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct ListEntry {
    pub conversation: ListConversation,
    /// The user holds a pending invite to it (shown under "Invites").
    pub invited: bool,
    /// Actions about it still waiting in the desktop app's outbox (always 0 from the server).
    pub pending_actions: usize,
}

/// `GET /api/v1/home`: the web client's conversation list, rows as the desktop app builds them.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct HomeList {
    /// Joined conversations, and those the user is invited to (`invited`), newest first.
    pub conversations: Vec<ListEntry>,
    /// Pending invites addressed to the user, oldest first.
    pub invites: Vec<crate::Invite>,
}

/// The newest message as read from storage: who wrote it, when, and its text (a prefix of
/// it is enough: [`excerpt`] never looks past [`PREVIEW_CHARS`] characters).
pub struct MessageHead {
    pub author_name: String,
    pub author_kind: InviteeKind,
    pub text: String,
    pub at: OffsetDateTime,
}

/// How the user stands with a conversation's messages, as its row shows it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Unread {
    pub count: i64,
    pub muted: bool,
}

/// The row of `conversation`, with its joined customers' names (the first few, in the order they
/// joined, and how many in all), its newest message and what of it the user has not read.
pub fn row(
    conversation: Conversation,
    customers: Vec<String>,
    customer_count: i64,
    last: Option<MessageHead>,
    unread: Unread,
) -> ListConversation {
    let mut customers = customers;
    customers.truncate(NAMED_CUSTOMERS);
    ListConversation {
        id: conversation.id,
        subject: conversation.subject,
        status: conversation.status,
        updated_at: conversation.updated_at,
        my_role: conversation.my_role,
        participant_count: conversation.participant_count,
        customer_count: customer_count.max(customers.len() as i64),
        customers,
        last_message: last.map(|m| LastMessage {
            excerpt: excerpt(&m.text),
            author_name: m.author_name,
            author_kind: m.author_kind,
            at: m.at,
        }),
        unread: unread.count,
        muted: unread.muted,
    }
}

/// `text` on one line, cut after [`PREVIEW_CHARS`] characters with "…".
pub fn excerpt(text: &str) -> String {
    let mut out = String::new();
    let mut chars = 0;
    for word in text.split_whitespace() {
        if chars > 0 {
            if chars == PREVIEW_CHARS {
                out.push('…');
                return out;
            }
            out.push(' ');
            chars += 1;
        }
        for c in word.chars() {
            if chars == PREVIEW_CHARS {
                out.push('…');
                return out;
            }
            out.push(c);
            chars += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_excerpt_is_one_line_and_ends_in_an_ellipsis_only_when_cut() {
        assert_eq!(excerpt("  Hello\n\n  there\tfriend "), "Hello there friend");
        assert_eq!(excerpt(""), "");
        let long = "é".repeat(PREVIEW_CHARS + 5);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), PREVIEW_CHARS + 1);
        assert!(cut.ends_with('…'));
        let exact = "a".repeat(PREVIEW_CHARS);
        assert_eq!(excerpt(&exact), exact);
        // Cut at a word boundary: no trailing space before the ellipsis.
        let words = format!("{} tail", "a".repeat(PREVIEW_CHARS));
        assert_eq!(excerpt(&words), format!("{}…", "a".repeat(PREVIEW_CHARS)));
    }
}
