//! What the desktop screens show, computed in one place from the cache and the shared permission
//! table, so the shell stays a thin adapter and the UI only renders.

use std::collections::HashMap;

pub use convene_proto::list::{ListConversation, ListEntry};
use convene_proto::screen::{crew_choices, verdicts, CrewChoice, Member, Verdicts};
use convene_proto::{ConversationId, Invite};
use serde::Serialize;

use crate::cache::{ConversationView, QueuedAction, Timeline};
use crate::client::Client;
use crate::error::ClientError;
use crate::events::SyncState;

pub use convene_proto::policy::{permissions, Permission};

/// The home screen: the list, the invites, the outbox, the connection.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct Home {
    pub conversations: Vec<ListEntry>,
    pub invites: Vec<Invite>,
    pub queued: Vec<QueuedAction>,
    pub state: SyncState,
    pub last_synced_at: Option<String>,
}

/// One conversation on screen.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct ConversationScreen {
    pub view: ConversationView,
    pub timeline: Timeline,
    /// What the user may do here and to each item, and why not: the same function the server
    /// runs for the web client.
    pub verdicts: Verdicts,
    /// Queued or failed actions about this conversation.
    pub queued: Vec<QueuedAction>,
    /// The user muted it (no notifications, not in the badge).
    pub muted: bool,
}

impl Client {
    /// Request Service's crews for conversation `id` (online: crews are not cached), each with
    /// the user's verdict.
    pub async fn crew_choices(&self, id: &ConversationId) -> Result<Vec<CrewChoice>, ClientError> {
        let Some(view) = self.conversation(id)? else {
            return Ok(Vec::new());
        };
        Ok(crew_choices(&view, self.crews().await?))
    }

    /// The home screen, from the cache.
    pub fn home(&self) -> Result<Home, ClientError> {
        let queued = self.queued()?;
        let mut pending: HashMap<&str, usize> = HashMap::new();
        for q in queued.iter().filter(|q| q.state == "pending") {
            if let Some(id) = q.conversation_id.as_deref() {
                *pending.entry(id).or_default() += 1;
            }
        }
        let conversations = self
            .cache()
            .list_rows()?
            .into_iter()
            .map(|(conversation, me)| ListEntry {
                invited: me.pending_invite && conversation.my_role.is_none(),
                pending_actions: pending
                    .get(conversation.id.to_string().as_str())
                    .copied()
                    .unwrap_or(0),
                conversation,
            })
            .filter(|e| e.invited || e.conversation.my_role.is_some())
            .collect();
        Ok(Home {
            conversations,
            invites: self.my_invites()?,
            queued,
            state: self.sync_state(),
            last_synced_at: self.last_synced_at()?,
        })
    }

    /// One conversation's screen with its newest `messages` messages, from the cache; `None` when
    /// it is not (or no longer) cached.
    pub fn conversation_screen(
        &self,
        id: &ConversationId,
        messages: usize,
    ) -> Result<Option<ConversationScreen>, ClientError> {
        let Some(view) = self.conversation(id)? else {
            return Ok(None);
        };
        let Some(me) = self.session()?.map(|s| Member::of(&s.me)) else {
            return Ok(None);
        };
        let verdicts = verdicts(&view, me);
        let key = id.to_string();
        // Apart: a guard taken inside the literal below would be held to its end (deadlock).
        let muted = self.cache().unread(id)?.muted;
        Ok(Some(ConversationScreen {
            verdicts,
            timeline: self.timeline_page(id, messages)?,
            muted,
            queued: self
                .queued()?
                .into_iter()
                .filter(|q| q.conversation_id.as_deref() == Some(&key))
                .collect(),
            view,
        }))
    }
}
