//! What the client core tells the app, as it happens.

use convene_proto::{ConversationId, Invite};
use serde::Serialize;

/// Whether the client is in touch with the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    Online,
    Offline,
    Syncing,
    /// The server ended the session (signed out elsewhere, suspended, expired): it answered 401.
    /// The cache and the queued actions are kept; nothing is sent until the user signs in again.
    SignedOut,
}

/// An event for the app (notifications, badges, refreshing what is on screen).
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(rename = "CoreEvent")]
pub enum ClientEvent {
    /// The connection state changed.
    SyncState { state: SyncState },
    /// A new invite addressed to the user (Add Agent).
    Invited { invite: Invite },
    /// A crew the user belongs to was called in (Request Service) and the user was invited.
    ServiceRequested { invite: Invite },
    /// A new message from someone else in a conversation the user has not muted, not read yet.
    NewMessage {
        message: convene_proto::Message,
        subject: String,
    },
    /// Something in a conversation changed (people, invites, messages, link); re-read it from the cache.
    ConversationChanged { conversation_id: ConversationId },
    /// The user can no longer see a conversation; it was removed from the cache.
    AccessLost { conversation_id: ConversationId },
    /// The outbox changed (an action was queued, sent, or refused).
    OutboxChanged,
    /// The server refused a queued action.
    ActionFailed {
        seq: i64,
        label: String,
        reason: String,
    },
    /// The server asked a queued action to wait (429): it goes again after `retry_after_secs`;
    /// other conversations' actions go on meanwhile.
    ActionWaiting {
        seq: i64,
        label: String,
        reason: String,
        retry_after_secs: u64,
    },
    /// A sentence for the user about something the app did on its own ("Opened the invite in
    /// your browser — you stay signed in as Ana Lima").
    Notice { text: String },
}
