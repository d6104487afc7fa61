//! What the desktop screens show, computed in one place from the cache and the shared permission
//! table, so the shell stays a thin adapter and the UI only renders.

use std::collections::HashMap;

use convene_proto::screen::{crew_choices, verdicts, CrewChoice, Member, Verdicts};
use convene_proto::{Conversation, ConversationId, Invite, ParticipantRole};
use serde::Serialize;

use crate::cache::{ConversationView, QueuedAction, Timeline};
use crate::client::Client;
use crate::error::ClientError;
use crate::events::SyncState;

pub use convene_proto::policy::{permissions, Permission};

/// What a row of the conversation list shows of its conversation, and no more: the whole list
/// crosses IPC at once, and with 10,000 cached conversations every field is 10,000 fields.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct ListConversation {
    pub id: ConversationId,
    pub subject: String,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub updated_at: time::OffsetDateTime,
    pub my_role: Option<ParticipantRole>,
    pub participant_count: i64,
}

impl From<Conversation> for ListConversation {
    fn from(c: Conversation) -> Self {
        Self {
            id: c.id,
            subject: c.subject,
            updated_at: c.updated_at,
            my_role: c.my_role,
            participant_count: c.participant_count,
        }
    }
}

/// A row of the conversation list.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct ListEntry {
    pub conversation: ListConversation,
    /// The user holds a pending invite to it (shown under "Invites").
    pub invited: bool,
    /// Actions about it still waiting in the outbox.
    pub pending_actions: usize,
}

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
            .conversation_list()?
            .into_iter()
            .map(|(conversation, me)| ListEntry {
                invited: me.pending_invite && conversation.my_role.is_none(),
                pending_actions: pending
                    .get(conversation.id.to_string().as_str())
                    .copied()
                    .unwrap_or(0),
                conversation: conversation.into(),
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

    /// One conversation's screen, from the cache; `None` when it is not (or no longer) cached.
    pub fn conversation_screen(
        &self,
        id: &ConversationId,
    ) -> Result<Option<ConversationScreen>, ClientError> {
        let Some(view) = self.conversation(id)? else {
            return Ok(None);
        };
        let Some(me) = self.session()?.map(|s| Member::of(&s.me)) else {
            return Ok(None);
        };
        let verdicts = verdicts(&view, me);
        let key = id.to_string();
        Ok(Some(ConversationScreen {
            verdicts,
            timeline: self.timeline(id)?,
            queued: self
                .queued()?
                .into_iter()
                .filter(|q| q.conversation_id.as_deref() == Some(&key))
                .collect(),
            view,
        }))
    }
}
