//! Incremental sync and the realtime stream: what changed since a cursor, for what the user may see.

use serde::{Deserialize, Serialize};

use crate::domain::*;
use crate::dto::Conversation;
use crate::ids::*;
use crate::policy::Actor;

/// Everything the client caches about one conversation, as of now.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct ConversationSnapshot {
    pub conversation: Conversation,
    /// The user relative to this conversation, for the shared permission table.
    pub me: Actor,
    /// The joined participants, then the removed ones (`state` says which).
    pub participants: Vec<Participant>,
    /// The pending invites and the ones that ended without the person joining (declined,
    /// revoked, superseded, expired; `status` and `ended_at` say which and when), oldest first.
    pub invites: Vec<Invite>,
    pub service_requests: Vec<ServiceRequest>,
}

/// `GET /api/v1/sync?cursor=`: one page of changes.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct SyncPage {
    /// Opaque; send it back to get what changed after this page.
    pub cursor: String,
    /// Whether more changes wait: ask again at once with the new cursor.
    pub has_more: bool,
    /// Conversations that changed, whole.
    pub conversations: Vec<ConversationSnapshot>,
    /// New messages in conversations the user may see.
    pub messages: Vec<Message>,
    /// New timeline events in conversations the user may see.
    pub events: Vec<Event>,
    /// Conversations the user can no longer see: delete them from the cache.
    pub lost: Vec<ConversationId>,
    /// The user's read state of conversations in this page whose state is set, and of those
    /// whose state changed (read or muted on another device).
    #[serde(default)]
    pub reads: Vec<crate::reading::ReadState>,
    /// Conversations of this page whose older messages it left out (it brought the newest
    /// [`crate::reading::RECENT_MESSAGES`]): they follow from `GET /api/v1/sync/history` after a
    /// first sync, or page by page from `GET …/messages`.
    #[serde(default)]
    pub older: Vec<ConversationId>,
}

/// One frame of the realtime stream (`GET /api/v1/stream`, JSON text frames).
// Frames are made, sent and dropped one at a time, so the size of the `Invited` variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema, ts_rs::TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamEvent {
    /// Sent first: the cursor the stream starts after.
    Hello { cursor: String },
    /// Something changed in a conversation the user may see: sync from `cursor`.
    Changed {
        conversation_id: ConversationId,
        cursor: String,
    },
    /// A new invite addressed to the user (Add Agent or Request Service).
    Invited { invite: Invite },
    /// The user lost access to a conversation.
    AccessLost {
        conversation_id: ConversationId,
        cursor: String,
    },
}
