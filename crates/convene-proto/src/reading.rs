//! Read state and message history: how far each person has read a conversation (kept on the
//! server, so every device agrees), whether they muted it, and messages in pages, newest first.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domain::Message;
use crate::ids::*;

/// Messages the first sync brings of each conversation; the rest of the history follows in the
/// background ([`HistoryPage`]) and on scroll ([`MessagePage`]).
pub const RECENT_MESSAGES: usize = 30;
/// Messages a page of `GET …/messages` holds when the caller does not say.
pub const MESSAGE_PAGE: usize = 50;
/// Messages a page of `GET …/messages` holds at most.
pub const MAX_MESSAGE_PAGE: usize = 500;
/// The unread count a list row shows at most; more reads "99+".
pub const UNREAD_CAP: i64 = 99;

/// The user's read state of one conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct ReadState {
    pub conversation_id: ConversationId,
    /// The newest message the user has read (`None`: none yet).
    pub last_read_message_id: Option<MessageId>,
    /// When that message was written: every later message (not the user's own) is unread.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[ts(type = "string | null")]
    pub last_read_at: Option<OffsetDateTime>,
    /// No notification for new messages, and the conversation is not counted in the badge.
    pub muted: bool,
}

/// `POST /api/v1/conversations/{id}/read`: the user has read up to this message. A position
/// older than the one stored changes nothing (reading never goes back).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct MarkRead {
    pub message_id: MessageId,
}

/// `POST /api/v1/conversations/{id}/mute`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct SetMuted {
    pub muted: bool,
}

/// `GET /api/v1/conversations/{id}/messages?before=&limit=`: one page of a conversation's
/// messages, newest first.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct MessagePage {
    /// Newest first.
    pub messages: Vec<Message>,
    /// Pass as `before` for the next older page; `None`: this page holds the oldest message.
    pub older: Option<String>,
}

/// `GET /api/v1/sync/history?cursor=`: the older messages of every conversation the user sees,
/// past the recent ones the first sync brought, a page at a time.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct HistoryPage {
    /// Each conversation's newest first, conversations in id order.
    pub messages: Vec<Message>,
    /// Conversations whose whole history has now been sent.
    pub complete: Vec<ConversationId>,
    /// Opaque; send it back for the next page.
    pub cursor: String,
    /// Whether more pages follow.
    pub has_more: bool,
}
