//! [`Client`]: the façade the desktop shell calls. Reads always come from the cache, so they work
//! offline; sync writes server changes into the cache; user actions go through the durable outbox.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use convene_proto::already::{nothing_to_send, Invitee};
use convene_proto::policy::Actor;
use convene_proto::{
    Conversation, ConversationId, Invite, InviteOutcome, InviteeKind, Me, Message,
};
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use tokio::sync::broadcast;

use crate::api::Api;
use crate::cache::{Cache, ConversationView, QueuedAction, StoredSession, Timeline};
use crate::error::ClientError;
use crate::events::{ClientEvent, SyncState};
use crate::outbox::{classify, Action, Failure};

/// The cache file's name inside the app's data folder.
pub const CACHE_FILE: &str = "convene-cache.db";

/// What the UI needs to know about the session.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct SessionInfo {
    pub server_url: String,
    pub me: Me,
}

/// The result of trying to bring the cache up to date.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct SyncOutcome {
    /// Whether the server answered (with the session still valid).
    pub online: bool,
    /// The server ended the session: the user must sign in again (cache and queue are kept).
    pub signed_out: bool,
    /// Why not, when it did not.
    pub error: Option<String>,
    /// When the cache was last brought up to date (RFC 3339), if ever.
    pub last_synced_at: Option<String>,
    /// The conversations as now cached.
    pub conversations: Vec<Conversation>,
}

/// What one pass over the outbox did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FlushReport {
    pub sent: usize,
    pub failed: usize,
    /// Actions the server asked to wait for (sent again after their time).
    pub waiting: usize,
    /// Set when the queue stopped because the server could not be reached (or asked to wait).
    pub paused: Option<String>,
}

/// What became of a queued action, right after the attempt to send it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct QueueOutcome {
    pub seq: i64,
    pub state: QueueState,
    /// Why it was refused, or why it waits.
    pub reason: Option<String>,
    /// With `waiting`: when it goes again.
    pub retry_after_secs: Option<u64>,
}

/// Where a queued action stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum QueueState {
    /// The server acknowledged it.
    Sent,
    /// The server refused it (its local effect rolled back); see `reason`.
    Refused,
    /// The server asked to wait; it is sent again after `retry_after_secs`.
    Waiting,
    /// Not sent yet (offline, or behind another action of its conversation).
    Queued,
}

/// What to do with a `convene://join` link (see [`Client::join_plan`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JoinPlan {
    /// Nobody is signed in here: redeem the token and continue as that contact.
    Redeem,
    /// Someone is signed in (or signed out by the server, with cache and queue kept): leave the
    /// session alone and open the join page in the browser, telling the user so.
    OpenInBrowser { url: String, notice: String },
}

/// Who a session belongs to, for "is this the same person": the server and the agent or contact id.
fn person(server_url: &str, me: &Me) -> (String, String) {
    let id = match me {
        Me::Agent { id, .. } => format!("agent:{id}"),
        Me::Contact { id, .. } => format!("contact:{id}"),
    };
    (server_url.trim_end_matches('/').to_owned(), id)
}

/// The client core for one data folder.
pub struct Client {
    cache_path: PathBuf,
    cache: Mutex<Cache>,
    events: broadcast::Sender<ClientEvent>,
    sync_lock: tokio::sync::Mutex<()>,
    flush_lock: tokio::sync::Mutex<()>,
    pub(crate) history_lock: tokio::sync::Mutex<()>,
    /// Woken when history is left to fetch (after a first sync, or a conversation that came
    /// with only its recent messages).
    pub(crate) history_due: tokio::sync::Notify,
    state: Mutex<SyncState>,
}

fn now_ms() -> i64 {
    i64::try_from(OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn now() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// Percent-encodes a query value.
pub(crate) fn encode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub(crate) fn new_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl Client {
    /// Opens the cache in `data_dir`, creating the folder and file if needed. Never touches the network.
    pub fn open(data_dir: &Path) -> Result<Self, ClientError> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            ClientError::Corrupt(format!("cannot create {}: {e}", data_dir.display()))
        })?;
        let cache_path = data_dir.join(CACHE_FILE);
        let cache = Cache::open(&cache_path)?;
        let state = if cache.session()?.is_some() && cache.session_ended_at()?.is_some() {
            SyncState::SignedOut
        } else {
            SyncState::Offline
        };
        let (events, _) = broadcast::channel(256);
        Ok(Self {
            cache_path,
            cache: Mutex::new(cache),
            events,
            sync_lock: tokio::sync::Mutex::new(()),
            flush_lock: tokio::sync::Mutex::new(()),
            history_lock: tokio::sync::Mutex::new(()),
            history_due: tokio::sync::Notify::new(),
            state: Mutex::new(state),
        })
    }

    /// Where the cache file lives.
    pub fn cache_path(&self) -> &Path {
        &self.cache_path
    }

    pub(crate) fn cache(&self) -> MutexGuard<'_, Cache> {
        // A panic while holding the lock leaves the cache consistent (every write is a transaction).
        self.cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The API with the stored session. Once the server ended that session, nothing is sent with
    /// it: every caller gets [`ClientError::SessionEnded`] until the user signs in again.
    pub(crate) fn api(&self) -> Result<Api, ClientError> {
        let cache = self.cache();
        let session = cache.session()?.ok_or(ClientError::NotSignedIn)?;
        if cache.session_ended_at()?.is_some() {
            return Err(ClientError::SessionEnded);
        }
        Api::new(&session.server_url, Some(session.token))
    }

    /// Runs one request with the stored session, noting when the server says it is over.
    pub(crate) async fn call<T, F, Fut>(&self, request: F) -> Result<T, ClientError>
    where
        F: FnOnce(Api) -> Fut,
        Fut: std::future::Future<Output = Result<T, ClientError>>,
    {
        let api = self.api()?;
        let token = api.token().map(str::to_owned);
        let answer = request(api).await;
        self.check_session(token.as_deref(), answer)
    }

    /// Passes `answer` through; when it says the session made with `token` has ended, marks it
    /// ended (kept in the cache with the queue) and switches to [`SyncState::SignedOut`].
    pub(crate) fn check_session<T>(
        &self,
        token: Option<&str>,
        answer: Result<T, ClientError>,
    ) -> Result<T, ClientError> {
        if let (Err(ClientError::SessionEnded), Some(token)) = (&answer, token) {
            match self.cache().end_session(token, &now()) {
                Ok(true) => {
                    tracing::info!("the server ended the session; sign in again to continue");
                    self.set_state(SyncState::SignedOut);
                }
                // A late answer to a request made before the user signed in again.
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "could not record the ended session"),
            }
        }
        answer
    }

    /// Events as they happen (invites, changes, connection state, refused actions).
    pub fn subscribe(&self) -> broadcast::Receiver<ClientEvent> {
        self.events.subscribe()
    }

    pub(crate) fn emit(&self, event: ClientEvent) {
        let _ = self.events.send(event);
    }

    /// The connection state as last seen.
    pub fn sync_state(&self) -> SyncState {
        *self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records the connection state. Signed out sticks: only a new sign-in leaves it
    /// (see [`Client::reset_state`]), so a loop that lost its connection cannot say "Offline".
    pub(crate) fn set_state(&self, state: SyncState) {
        let changed = {
            let mut current = self.state.lock().unwrap_or_else(|p| p.into_inner());
            if *current == SyncState::SignedOut && state != SyncState::SignedOut {
                return;
            }
            let changed = *current != state;
            *current = state;
            changed
        };
        if changed {
            self.emit(ClientEvent::SyncState { state });
        }
    }

    /// A new session: the state starts over.
    fn reset_state(&self, state: SyncState) {
        *self.state.lock().unwrap_or_else(|p| p.into_inner()) = state;
        self.emit(ClientEvent::SyncState { state });
    }

    /// The stored session, if signed in. Works offline.
    pub fn session(&self) -> Result<Option<SessionInfo>, ClientError> {
        Ok(self.cache().session()?.map(|s| SessionInfo {
            server_url: s.server_url,
            me: s.me,
        }))
    }

    /// Signs in to `server_url`, remembers the session and syncs.
    pub async fn sign_in(
        &self,
        server_url: &str,
        email: &str,
        password: &str,
    ) -> Result<SessionInfo, ClientError> {
        self.sign_in_to(server_url, email, password, None).await
    }

    /// "Forgot password?" on the sign-in screen: needs no session, only the server.
    pub async fn request_password_reset(
        &self,
        server_url: &str,
        email: &str,
    ) -> Result<convene_proto::EmailLinkAccepted, ClientError> {
        Api::new(server_url, None)?.password_reset(email).await
    }

    /// "Change password" (agents): proves the current password and sets the new one. The server
    /// ends the agent's other sessions; this one stays.
    pub async fn change_password(&self, current: &str, new: &str) -> Result<(), ClientError> {
        let body = serde_json::to_value(convene_proto::ChangePassword {
            current_password: current.to_owned(),
            new_password: new.to_owned(),
        })
        .map_err(|e| ClientError::Protocol(e.to_string()))?;
        let key = new_key();
        self.call(|api| async move {
            api.perform(reqwest::Method::PUT, "/me/password", Some(&body), &key)
                .await
        })
        .await
        .map(|_| ())
    }

    /// [`Client::sign_in`] to one of the accounts the email is an agent of (as the server's
    /// `choose_account` refusal listed them).
    pub async fn sign_in_to(
        &self,
        server_url: &str,
        email: &str,
        password: &str,
        account: Option<convene_proto::AccountId>,
    ) -> Result<SessionInfo, ClientError> {
        let api = Api::new(server_url, None)?;
        let login = api.login(email, password, account).await?;
        self.begin_session(StoredSession {
            server_url: api.base().to_owned(),
            token: login.token,
            me: login.me,
        })
        .await
    }

    /// Stores a new session and syncs. The same person as the stored session (same server, same
    /// agent or contact) keeps the cache and the queued actions, which are then sent (each with
    /// its idempotency key, so at most once); anybody else starts from an empty cache.
    async fn begin_session(&self, session: StoredSession) -> Result<SessionInfo, ClientError> {
        {
            let mut cache = self.cache();
            let same_person = cache.session()?.is_some_and(|stored| {
                person(&stored.server_url, &stored.me) == person(&session.server_url, &session.me)
            });
            if !same_person {
                cache.wipe()?;
            }
            cache.save_session(&session)?;
        }
        self.reset_state(SyncState::Syncing);
        self.refresh().await;
        Ok(SessionInfo {
            server_url: session.server_url,
            me: session.me,
        })
    }

    /// Signs in with a session token obtained elsewhere (a redeemed join link).
    pub async fn adopt_session(
        &self,
        server_url: &str,
        token: &str,
    ) -> Result<SessionInfo, ClientError> {
        let api = Api::new(server_url, Some(token.to_owned()))?;
        let me = api.me().await?;
        self.begin_session(StoredSession {
            server_url: api.base().to_owned(),
            token: token.to_owned(),
            me,
        })
        .await
    }

    /// What a `convene://join/{token}?server={server_url}` link should do here. Nobody signed in:
    /// redeem it ([`Client::join_link`]). Somebody signed in, even with a session the server
    /// ended: redeeming would replace that session and delete the cache and the queued actions,
    /// so the join page `{server_url}/j/{token}` opens in the browser instead. Works offline.
    pub fn join_plan(&self, server_url: &str, token: &str) -> Result<JoinPlan, ClientError> {
        let Some(stored) = self.cache().session()? else {
            return Ok(JoinPlan::Redeem);
        };
        let base = Api::new(server_url, None)?.base().to_owned();
        let token: String = token
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        let name = stored.me.name();
        let notice = if self.cache().session_ended_at()?.is_some() {
            format!(
                "Opened the invite in your browser — your conversations and queued actions as {name} stay here; sign in again to send them"
            )
        } else {
            format!("Opened the invite in your browser — you stay signed in as {name}")
        };
        Ok(JoinPlan::OpenInBrowser {
            url: format!("{base}/j/{token}"),
            notice,
        })
    }

    /// Opens a `convene://join` link: redeems the token on `server_url` and continues as that
    /// contact. Refused while a session is stored (see [`Client::join_plan`]).
    pub async fn join_link(
        &self,
        server_url: &str,
        token: &str,
        name: Option<&str>,
        email: Option<&str>,
    ) -> Result<SessionInfo, ClientError> {
        if let Some(stored) = self.cache().session()? {
            return Err(ClientError::SignedInAlready(stored.me.name().to_owned()));
        }
        let joined = Api::new(server_url, None)?.join(token, name, email).await?;
        self.adopt_session(server_url, &joined.token).await
    }

    /// Ends the session on the server when reachable, and deletes the local cache either way.
    pub async fn sign_out(&self) -> Result<(), ClientError> {
        if let Ok(api) = self.api() {
            if let Err(e) = api.logout().await {
                tracing::warn!(error = %e, "server sign-out failed; deleting the local session anyway");
            }
        }
        self.cache().wipe()
    }

    /// The cached conversations the user has joined, most recently updated first. Works offline.
    pub fn cached_conversations(&self) -> Result<Vec<Conversation>, ClientError> {
        Ok(self
            .cache()
            .conversation_list()?
            .into_iter()
            .filter(|(c, _)| c.my_role.is_some())
            .map(|(c, _)| c)
            .collect())
    }

    /// Every cached conversation with the user's place in it.
    pub fn conversation_list(&self) -> Result<Vec<(Conversation, Actor)>, ClientError> {
        self.cache().conversation_list()
    }

    /// One cached conversation with its people. Works offline.
    pub fn conversation(
        &self,
        id: &ConversationId,
    ) -> Result<Option<ConversationView>, ClientError> {
        self.cache().conversation(id)
    }

    /// Messages (with pending local copies) and events of a conversation. Works offline.
    pub fn timeline(&self, id: &ConversationId) -> Result<Timeline, ClientError> {
        self.cache().timeline(id)
    }

    /// Pending invites addressed to the user. Works offline.
    pub fn my_invites(&self) -> Result<Vec<Invite>, ClientError> {
        let me = match self.cache().session()? {
            Some(s) => match s.me {
                Me::Agent { id, .. } => id.to_string(),
                Me::Contact { id, .. } => id.to_string(),
            },
            None => return Ok(Vec::new()),
        };
        self.cache().my_invites(&me)
    }

    /// When the cache was last brought up to date.
    pub fn last_synced_at(&self) -> Result<Option<String>, ClientError> {
        self.cache().last_synced_at()
    }

    /// Agents of the account whose name or email starts with `q` (online).
    pub async fn search_agents(&self, q: &str) -> Result<Vec<convene_proto::Agent>, ClientError> {
        let path = format!("/agents?q={}", encode(q));
        let list: convene_proto::AgentList =
            self.call(|api| async move { api.get(&path).await }).await?;
        Ok(list.agents)
    }

    /// Known contacts whose name or email starts with `q` (online).
    pub async fn search_contacts(
        &self,
        q: &str,
    ) -> Result<Vec<convene_proto::Contact>, ClientError> {
        let path = format!("/contacts?q={}", encode(q));
        let answer: Result<convene_proto::ContactList, ClientError> =
            self.call(|api| async move { api.get(&path).await }).await;
        match answer {
            Ok(list) => Ok(list.contacts),
            // Offline or signed out: the contacts met in cached conversations.
            Err(e) if e.is_offline() || e.is_session_ended() => self.search_cached_contacts(q),
            Err(e) => Err(e),
        }
    }

    /// The conversation list's search, offline: cached conversations whose subject, people or
    /// messages hold every word of `q`, best first, each with its highlighted snippet.
    pub fn search_conversations(
        &self,
        q: &str,
    ) -> Result<Vec<crate::cache::SearchHit>, ClientError> {
        self.cache().search(q, 50)
    }

    /// Contacts met in cached conversations whose name or email starts with `q` (no network).
    pub fn search_cached_contacts(
        &self,
        q: &str,
    ) -> Result<Vec<convene_proto::Contact>, ClientError> {
        self.cache().search_contacts(q)
    }

    /// The account's crews (online).
    pub async fn crews(&self) -> Result<Vec<convene_proto::Crew>, ClientError> {
        let list: convene_proto::CrewList = self
            .call(|api| async move { api.get("/crews").await })
            .await?;
        Ok(list.crews)
    }

    /// A conversation's Shareable Link (online).
    pub async fn share_link(
        &self,
        id: &ConversationId,
    ) -> Result<convene_proto::ShareLink, ClientError> {
        let path = format!("/conversations/{id}/share-link");
        self.call(|api| async move { api.get(&path).await }).await
    }

    /// Queued and failed actions, oldest first.
    pub fn queued(&self) -> Result<Vec<QueuedAction>, ClientError> {
        self.cache().queued()
    }

    /// Brings the cache up to date page by page from the stored cursor; each page is stored whole
    /// with its cursor, so an interruption resumes where it stopped.
    pub async fn sync_now(&self) -> Result<usize, ClientError> {
        let _guard = self.sync_lock.lock().await;
        let api = self.api()?;
        let token = api.token().map(str::to_owned);
        let mut pages = 0;
        let fetch = |cursor: Option<String>| {
            let api = api.clone();
            tokio::spawn(async move { api.sync(cursor.as_deref()).await })
        };
        let start = self.cache().cursor()?;
        if start.is_none() {
            // A first sync brings each conversation's recent messages; the rest follows after.
            self.cache().start_history()?;
        }
        // Feed pages (cursor "c…") bring news; a first sync's pages bring what was there.
        let mut from = start.clone();
        // History is fetched once the pages are in (the fill skips conversations not cached yet).
        let mut history_due = start.is_none();
        let mut next = Some(fetch(start));
        while let Some(pending) = next.take() {
            let fetched = pending
                .await
                .map_err(|e| ClientError::Corrupt(format!("sync task failed: {e}")))?;
            let page = match self.check_session(token.as_deref(), fetched) {
                Ok(page) => page,
                Err(e) => {
                    if e.is_offline() {
                        self.set_state(SyncState::Offline);
                    }
                    return Err(e);
                }
            };
            // Ask for the next page while this one is stored: the server prepares it meanwhile.
            // Pages are still stored strictly in order, each with its own cursor.
            if page.has_more {
                next = Some(fetch(Some(page.cursor.clone())));
            }
            if let Err(e) = self.cache().apply_page(&page) {
                if let Some(prefetch) = next {
                    prefetch.abort();
                }
                return Err(e);
            }
            pages += 1;
            let news = from.as_deref().is_some_and(|c| c.starts_with('c'));
            from = Some(page.cursor.clone());
            if news {
                self.announce_messages(&page);
            }
            history_due |= !page.older.is_empty();
            // One notice per conversation a page touched, however many rows it brought.
            let changed: std::collections::BTreeSet<ConversationId> = page
                .conversations
                .iter()
                .map(|s| s.conversation.id)
                .chain(page.messages.iter().map(|m| m.conversation_id))
                .chain(page.events.iter().map(|e| e.conversation_id))
                .chain(page.reads.iter().map(|r| r.conversation_id))
                .collect();
            for conversation_id in changed {
                self.emit(ClientEvent::ConversationChanged { conversation_id });
            }
            for id in &page.lost {
                self.emit(ClientEvent::AccessLost {
                    conversation_id: *id,
                });
            }
        }
        if history_due {
            self.history_due.notify_one();
        }
        Ok(pages)
    }

    /// For each conversation a page of news brought messages to: its newest message, when someone
    /// else wrote it, the user has not read it and has not muted the conversation.
    fn announce_messages(&self, page: &convene_proto::SyncPage) {
        let me = match self.cache().session() {
            Ok(Some(s)) => convene_proto::Member::of(&s.me),
            _ => return,
        };
        let mut newest: std::collections::BTreeMap<ConversationId, &Message> =
            std::collections::BTreeMap::new();
        for m in &page.messages {
            let slot = newest.entry(m.conversation_id).or_insert(m);
            if (m.created_at, m.id.0) > (slot.created_at, slot.id.0) {
                *slot = m;
            }
        }
        for (id, message) in newest {
            if me.wrote(message) {
                continue;
            }
            let cache = self.cache();
            let muted = cache.unread(&id).map(|u| u.muted).unwrap_or(true);
            let unread = cache.is_unread(message).unwrap_or(false);
            let subject = cache
                .conversation(&id)
                .ok()
                .flatten()
                .map(|v| v.conversation.subject);
            drop(cache);
            if let (false, true, Some(subject)) = (muted, unread, subject) {
                self.emit(ClientEvent::NewMessage {
                    message: message.clone(),
                    subject,
                });
            }
        }
    }

    /// Syncs and sends what is queued. Never fails: an unreachable server is reported as
    /// `online: false` with the cached list.
    pub async fn refresh(&self) -> SyncOutcome {
        let synced = self.sync_now().await;
        let signed_out = synced.as_ref().is_err_and(ClientError::is_session_ended);
        let (online, error) = match &synced {
            Ok(_) => (true, None),
            Err(e) => (!e.is_offline() && !signed_out, Some(e.to_string())),
        };
        if online {
            self.set_state(SyncState::Online);
            self.flush().await;
        }
        let conversations = self.cached_conversations().unwrap_or_default();
        SyncOutcome {
            online,
            signed_out,
            error,
            last_synced_at: self.cache().last_synced_at().ok().flatten(),
            conversations,
        }
    }

    /// Queues an action durably (with a fresh idempotency key); the caller may then `flush`.
    pub fn enqueue(&self, mut action: Action) -> Result<i64, ClientError> {
        // A typo is named now, next to its field, rather than refused later from the outbox.
        if let Action::InviteContact { request, .. } = &mut action {
            if let Some(raw) = request.email.as_mut() {
                *raw = convene_proto::input::email(raw).map_err(|why| ClientError::Invalid {
                    field: "email".to_owned(),
                    message: format!("email {why}"),
                })?;
            }
        }
        self.refuse_if_nothing_to_send(&action)?;
        let seq = self.cache().enqueue(&action, &new_key(), &now())?;
        self.emit(ClientEvent::OutboxChanged);
        if let Some(id) = action.conversation_id() {
            self.emit(ClientEvent::ConversationChanged {
                conversation_id: id,
            });
        }
        Ok(seq)
    }

    /// An invite of someone the cache shows already in the conversation, or already invited,
    /// would send nothing: refused now, in the server's words, next to the field that names them.
    fn refuse_if_nothing_to_send(&self, action: &Action) -> Result<(), ClientError> {
        let (conversation, who, field) = match action {
            Action::InviteContact {
                conversation_id,
                request,
            } => match (&request.email, request.contact_id) {
                (Some(email), _) => (conversation_id, Invitee::Email(email), "email"),
                (None, Some(id)) => (conversation_id, Invitee::Contact(id), "contact_id"),
                (None, None) => return Ok(()),
            },
            Action::InviteAgent {
                conversation_id,
                agent_id,
            } => (conversation_id, Invitee::Agent(*agent_id), "agent_id"),
            _ => return Ok(()),
        };
        let Some(view) = self.cache().conversation(conversation)? else {
            return Ok(());
        };
        match nothing_to_send(&view, who) {
            Some(message) => Err(ClientError::Invalid {
                field: field.to_owned(),
                message,
            }),
            None => Ok(()),
        }
    }

    /// Queues a message as the signed-in user, with its local copy shown as pending.
    pub fn post_message(
        &self,
        conversation_id: ConversationId,
        body: &str,
    ) -> Result<i64, ClientError> {
        let session = self.cache().session()?.ok_or(ClientError::NotSignedIn)?;
        let author_kind = match session.me {
            Me::Agent { .. } => InviteeKind::Agent,
            Me::Contact { .. } => InviteeKind::Contact,
        };
        self.enqueue(Action::PostMessage {
            conversation_id,
            local_id: convene_proto::MessageId::new(),
            body: body.to_owned(),
            author_name: session.me.name().to_owned(),
            author_kind,
            author_id: convene_proto::Member::of(&session.me).id(),
        })
    }

    /// Sends the queued actions: in order within each conversation, but one conversation's stuck
    /// action never holds back another's. An action the server asks to wait (429) is kept for the
    /// time it says and sent again then by itself; meanwhile the rest of its conversation goes on,
    /// except behind a waiting message (messages keep their order). A refusal fails at once,
    /// rolled back. Only an unreachable server or an ended session stops everything.
    pub async fn flush(&self) -> FlushReport {
        let _guard = self.flush_lock.lock().await;
        let mut report = FlushReport::default();
        let api = match self.api() {
            Ok(api) => api,
            Err(e) => {
                report.paused = Some(e.to_string());
                return report;
            }
        };
        let token = api.token().map(str::to_owned);
        let pending = match self.cache().pending() {
            Ok(p) => p,
            Err(e) => {
                report.paused = Some(e.to_string());
                return report;
            }
        };
        // Conversations whose next action cannot go yet: their later actions wait behind it.
        let mut held: HashSet<Option<String>> = HashSet::new();
        for (next, not_before) in pending {
            let lane = next.conversation_id.clone();
            if held.contains(&lane) {
                continue;
            }
            if not_before.is_some_and(|t| t > now_ms()) {
                if next.action.keeps_order() {
                    held.insert(lane);
                }
                report.waiting += 1;
                continue;
            }
            let (method, path, body) = next.action.request();
            let answer = api
                .perform(method, &path, body.as_ref(), &next.idempotency_key)
                .await;
            match self.check_session(token.as_deref(), answer) {
                Ok(answer) => {
                    // An invite the cache did not know to be pointless: the server sent nothing, and says why.
                    if matches!(
                        next.action,
                        Action::InviteContact { .. } | Action::InviteAgent { .. }
                    ) {
                        if let Ok(InviteOutcome {
                            message: Some(why), ..
                        }) = serde_json::from_value::<InviteOutcome>(answer.clone())
                        {
                            self.emit(ClientEvent::Notice {
                                text: format!("Nothing sent: {why}"),
                            });
                        }
                    }
                    let message: Option<Message> =
                        matches!(next.action, Action::PostMessage { .. })
                            .then(|| serde_json::from_value(answer).ok())
                            .flatten();
                    if let Err(e) = self.cache().acknowledge(next.seq, message.as_ref()) {
                        report.paused = Some(e.to_string());
                        break;
                    }
                    report.sent += 1;
                    self.set_state(SyncState::Online);
                }
                Err(error) => match classify(&error) {
                    Failure::SessionEnded => {
                        // Left pending, its attempts untouched: it was never looked at.
                        report.paused = Some(error.to_string());
                        break;
                    }
                    Failure::Unreachable(reason) => {
                        let _ = self.cache().note_attempt(next.seq, &reason);
                        self.set_state(SyncState::Offline);
                        report.paused = Some(reason);
                        break;
                    }
                    Failure::Transient(reason) => {
                        let _ = self.cache().note_attempt(next.seq, &reason);
                        held.insert(lane);
                        report.paused = Some(reason);
                    }
                    Failure::Wait { reason, secs } => {
                        let until = now_ms() + i64::try_from(secs).unwrap_or(i64::MAX / 4) * 1000;
                        let _ = self.cache().defer(next.seq, until, &reason);
                        if next.action.keeps_order() {
                            held.insert(lane);
                        }
                        report.waiting += 1;
                        self.emit(ClientEvent::ActionWaiting {
                            seq: next.seq,
                            label: next.action.label().to_owned(),
                            reason,
                            retry_after_secs: secs,
                        });
                    }
                    Failure::Permanent(reason) => {
                        if let Err(e) = self.cache().fail(next.seq, &reason) {
                            report.paused = Some(e.to_string());
                            break;
                        }
                        report.failed += 1;
                        self.emit(ClientEvent::ActionFailed {
                            seq: next.seq,
                            label: next.action.label().to_owned(),
                            reason,
                        });
                    }
                },
            }
            if let Some(id) = next.action.conversation_id() {
                self.emit(ClientEvent::ConversationChanged {
                    conversation_id: id,
                });
            }
            self.emit(ClientEvent::OutboxChanged);
        }
        if report.paused.is_none() {
            self.send_reads().await;
        }
        report
    }

    /// When the first action the server asked to wait may be sent (to flush again then).
    pub fn next_wake(&self) -> Option<std::time::Duration> {
        let at = self.cache().next_wake_ms().ok().flatten()?;
        Some(std::time::Duration::from_millis(
            u64::try_from(at - now_ms()).unwrap_or(0),
        ))
    }

    /// Queues an action and sends what can be sent now; answers what became of it, so the app
    /// says the real outcome ("Invite resent", "Try again in 42 s", "Queued until online")
    /// instead of assuming it went.
    pub async fn queue_and_send(&self, action: Action) -> Result<QueueOutcome, ClientError> {
        let seq = self.enqueue(action)?;
        self.flush().await;
        self.outcome(seq)
    }

    /// What became of queued action `seq`.
    pub fn outcome(&self, seq: i64) -> Result<QueueOutcome, ClientError> {
        let Some(q) = self.cache().queued_one(seq)? else {
            // Only the server's acknowledgement (or the user's Dismiss) removes an action.
            return Ok(QueueOutcome {
                seq,
                state: QueueState::Sent,
                reason: None,
                retry_after_secs: None,
            });
        };
        let wait = q
            .not_before
            .as_deref()
            .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
            .map(|t| (t - OffsetDateTime::now_utc()).whole_seconds())
            .filter(|s| *s > 0);
        let state = match (q.state.as_str(), wait) {
            ("failed", _) => QueueState::Refused,
            (_, Some(_)) => QueueState::Waiting,
            _ => QueueState::Queued,
        };
        Ok(QueueOutcome {
            seq,
            state,
            reason: q.last_error,
            retry_after_secs: wait.and_then(|s| u64::try_from(s).ok()),
        })
    }

    /// Forgets a failed action.
    pub fn dismiss(&self, seq: i64) -> Result<bool, ClientError> {
        let done = self.cache().dismiss(seq)?;
        self.emit(ClientEvent::OutboxChanged);
        Ok(done)
    }

    /// Queues a failed action again (with a new idempotency key).
    pub fn retry(&self, seq: i64) -> Result<bool, ClientError> {
        let done = self.cache().retry(seq, &new_key(), &now())?;
        self.emit(ClientEvent::OutboxChanged);
        Ok(done)
    }

    /// Creates a conversation on the server (online only: its id comes from the server) and syncs.
    pub async fn create_conversation(&self, subject: &str) -> Result<Conversation, ClientError> {
        let created = self
            .call(|api| async move { api.create_conversation(subject).await })
            .await?;
        let _ = self.sync_now().await;
        Ok(created)
    }
}
