//! Read state and history for the app: marking a conversation read and muting it (here at once,
//! on the server as soon as it is reachable, so the user's other devices follow), and fetching
//! the message history the first sync left out, in the background and on scroll.

use convene_proto::reading::MAX_MESSAGE_PAGE;
use convene_proto::{ConversationId, HistoryPage, MessagePage};
use serde_json::json;

use crate::cache::{Timeline, UnsentRead};
use crate::client::{new_key, Client};
use crate::error::ClientError;
use crate::events::ClientEvent;
use crate::outbox::{classify, Failure};

impl Client {
    /// The user has read conversation `id` up to its newest message: clears its unread count
    /// here, then tells the server. Answers whether the mark moved.
    pub async fn mark_read(&self, id: &ConversationId) -> Result<bool, ClientError> {
        let moved = self.cache().mark_read_local(id)?.is_some();
        if moved {
            self.emit(ClientEvent::ConversationChanged {
                conversation_id: *id,
            });
            self.send_reads().await;
        }
        Ok(moved)
    }

    /// Mutes or unmutes conversation `id` (here at once, then on the server).
    pub async fn set_muted(&self, id: &ConversationId, muted: bool) -> Result<(), ClientError> {
        self.cache().set_muted_local(id, muted)?;
        self.emit(ClientEvent::ConversationChanged {
            conversation_id: *id,
        });
        self.send_reads().await;
        Ok(())
    }

    /// How many conversations that are not muted have unread messages (for the badge).
    pub fn unread_conversations(&self) -> Result<usize, ClientError> {
        self.cache().unread_conversations()
    }

    /// Sends the marks and mute switches the server has not heard of. Offline they wait; a
    /// refusal (the conversation is gone) drops them: the server's state comes back with sync.
    pub async fn send_reads(&self) {
        let Ok(api) = self.api() else { return };
        let token = api.token().map(str::to_owned);
        let Ok(unsent) = self.cache().unsent_reads() else {
            return;
        };
        for read in unsent {
            match self.send_read(&api, token.as_deref(), &read).await {
                Ok(()) => {}
                Err(e) => match classify(&e) {
                    Failure::Permanent(_) => {}
                    Failure::Transient(_) | Failure::Wait { .. } => continue,
                    Failure::Unreachable(_) | Failure::SessionEnded => return,
                },
            }
            let _ = self.cache().reads_sent(&read);
        }
    }

    async fn send_read(
        &self,
        api: &crate::api::Api,
        token: Option<&str>,
        read: &UnsentRead,
    ) -> Result<(), ClientError> {
        let id = read.conversation_id;
        if let Some(mark) = &read.mark {
            let answer = api
                .perform(
                    reqwest::Method::POST,
                    &format!("/conversations/{id}/read"),
                    Some(&json!({ "message_id": mark })),
                    &new_key(),
                )
                .await;
            self.check_session(token, answer)?;
        }
        if let Some(muted) = read.muted {
            let answer = api
                .perform(
                    reqwest::Method::POST,
                    &format!("/conversations/{id}/mute"),
                    Some(&json!({ "muted": muted })),
                    &new_key(),
                )
                .await;
            self.check_session(token, answer)?;
        }
        Ok(())
    }

    /// Fetches the history still missing, page by page, each stored whole: after a first sync
    /// every conversation's older messages, then those of conversations that arrived later.
    /// Resumes where an interruption left it. Answers the pages fetched.
    pub async fn fill_history(&self) -> Result<usize, ClientError> {
        let _guard = self.history_lock.lock().await;
        let api = self.api()?;
        let token = api.token().map(str::to_owned);
        let mut pages = 0;
        loop {
            let cursor = self.cache().history_cursor()?;
            let Some(cursor) = cursor else { break };
            let query: &[(&str, &str)] = if cursor.is_empty() {
                &[]
            } else {
                &[("cursor", cursor.as_str())]
            };
            let fetched = api.get_with::<HistoryPage>("/sync/history", query).await;
            let page = self.check_session(token.as_deref(), fetched)?;
            self.cache().apply_history(&page)?;
            pages += 1;
            let touched: std::collections::BTreeSet<ConversationId> =
                page.messages.iter().map(|m| m.conversation_id).collect();
            for conversation_id in touched {
                self.emit(ClientEvent::ConversationChanged { conversation_id });
            }
        }
        let gaps = self.cache().history_gaps();
        for (id, oldest) in gaps? {
            let mut before = oldest;
            loop {
                let (next, _) = self
                    .fetch_older(&api, token.as_deref(), &id, before.as_deref())
                    .await?;
                pages += 1;
                match next {
                    Some(next) => before = Some(next),
                    None => break,
                }
            }
            self.emit(ClientEvent::ConversationChanged {
                conversation_id: id,
            });
        }
        Ok(pages)
    }

    /// Fetches one page of conversation `id`'s messages before message `before` and stores it;
    /// answers the `before` of the next page (`None` when this one reached the first message)
    /// and how many messages came.
    async fn fetch_older(
        &self,
        api: &crate::api::Api,
        token: Option<&str>,
        id: &ConversationId,
        before: Option<&str>,
    ) -> Result<(Option<String>, usize), ClientError> {
        let limit = MAX_MESSAGE_PAGE.to_string();
        let mut query = vec![("limit", limit.as_str())];
        if let Some(b) = before {
            query.push(("before", b));
        }
        let path = format!("/conversations/{id}/messages");
        let fetched = api.get_with::<MessagePage>(&path, &query).await;
        let page = self.check_session(token, fetched)?;
        self.cache()
            .store_older(id, &page.messages, page.older.is_none())?;
        Ok((page.older, page.messages.len()))
    }

    /// The newest `limit` messages of conversation `id` and the events since the oldest of them
    /// (all events when they are all the messages), from the cache.
    pub fn timeline_page(
        &self,
        id: &ConversationId,
        limit: usize,
    ) -> Result<Timeline, ClientError> {
        self.cache().timeline_page(id, limit)
    }

    /// Older messages for a conversation scrolled to its top, when the cache has no more: one
    /// page from the server (online only). Answers how many came.
    pub async fn load_older(&self, id: &ConversationId) -> Result<usize, ClientError> {
        let gap = self.cache().history_gap(id);
        let Some(oldest) = gap? else {
            return Ok(0);
        };
        let api = self.api()?;
        let token = api.token().map(str::to_owned);
        let (_, came) = self
            .fetch_older(&api, token.as_deref(), id, oldest.as_deref())
            .await?;
        self.emit(ClientEvent::ConversationChanged {
            conversation_id: *id,
        });
        Ok(came)
    }
}
