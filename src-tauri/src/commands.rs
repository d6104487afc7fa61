//! IPC commands: each adapts one [`Client`] method; errors cross IPC as one serialisable type.

use std::sync::Arc;

use convene_client::screen::{ConversationScreen, Home};
use convene_client::{Action, Client, ClientError, SessionInfo};
use convene_proto::{
    AccountChoice, AccountId, Agent, Contact, Conversation, ConversationId, Crew, ShareLink,
};
use serde::Serialize;
use tauri::{AppHandle, Manager, State};
use tauri_plugin_clipboard_manager::ClipboardExt;

use crate::background;

/// The error every command returns to the UI.
#[derive(Debug, Serialize)]
pub struct CommandError {
    /// A stable code: the server's problem code, or `offline`, `not_signed_in`, `signed_out` (the
    /// server ended the session), `signed_in` (a join link while signed in), `local`.
    pub code: String,
    /// A sentence for the user.
    pub message: String,
    /// The request field the error is about, when the server named one.
    pub field: Option<String>,
    /// With `choose_account`: the accounts the sign-in may choose from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accounts: Option<Vec<AccountChoice>>,
}

impl From<ClientError> for CommandError {
    fn from(error: ClientError) -> Self {
        let (code, field) = match &error {
            ClientError::Refused(problem) => (
                serde_json::to_value(problem.code)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_else(|| "refused".to_owned()),
                problem.field.clone(),
            ),
            ClientError::Network(_) => ("offline".to_owned(), None),
            ClientError::NotSignedIn => ("not_signed_in".to_owned(), None),
            ClientError::SessionEnded => ("signed_out".to_owned(), None),
            ClientError::SignedInAlready(_) => ("signed_in".to_owned(), None),
            ClientError::Invalid { field, .. } => ("invalid_input".to_owned(), Some(field.clone())),
            ClientError::BadServerUrl(_) => {
                ("invalid_input".to_owned(), Some("server_url".to_owned()))
            }
            _ => ("local".to_owned(), None),
        };
        let accounts = match &error {
            ClientError::Refused(problem) => problem.accounts.clone(),
            _ => None,
        };
        // The network's own words (a URL, an OS error) are for the log, not for people.
        let message = match &error {
            ClientError::Network(e) => {
                tracing::debug!(error = %e, "server unreachable");
                "Cannot reach the server. Check your connection; Convene tries again by itself."
                    .to_owned()
            }
            _ => error.to_string(),
        };
        Self {
            code,
            message,
            field,
            accounts,
        }
    }
}

fn local(message: impl Into<String>) -> CommandError {
    CommandError {
        code: "local".to_owned(),
        message: message.into(),
        field: None,
        accounts: None,
    }
}

type Result<T> = std::result::Result<T, CommandError>;
type ClientState<'a> = State<'a, Arc<Client>>;

/// Values to pre-fill the sign-in form with (the run command points them at the demo server).
#[derive(Debug, Serialize)]
pub struct AppDefaults {
    pub server_url: String,
    pub email: String,
    pub password: String,
    /// Sign in with the pre-filled values at once (the run command's demo).
    pub auto_sign_in: bool,
}

/// The run command's demo signs in by itself once per app run: after "Sign out" the form waits
/// for the person.
static AUTO_SIGN_IN_USED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

#[tauri::command]
pub fn app_defaults() -> AppDefaults {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let server_url = std::env::var("CONVENE_PREFILL_SERVER")
        .unwrap_or_else(|_| "http://127.0.0.1:8080".to_owned());
    AppDefaults {
        server_url,
        email: var("CONVENE_PREFILL_EMAIL"),
        password: var("CONVENE_PREFILL_PASSWORD"),
        auto_sign_in: var("CONVENE_AUTO_SIGN_IN") == "1"
            && !AUTO_SIGN_IN_USED.swap(true, std::sync::atomic::Ordering::SeqCst),
    }
}

#[tauri::command]
pub fn session_state(client: ClientState<'_>) -> Result<Option<SessionInfo>> {
    Ok(client.session()?)
}

#[tauri::command]
pub async fn sign_in(
    app: AppHandle,
    client: ClientState<'_>,
    server_url: String,
    email: String,
    password: String,
    account_id: Option<AccountId>,
) -> Result<SessionInfo> {
    let session = client
        .sign_in_to(&server_url, &email, &password, account_id)
        .await?;
    background::start_realtime(&app);
    Ok(session)
}

#[tauri::command]
pub async fn sign_out(app: AppHandle, client: ClientState<'_>) -> Result<()> {
    background::stop_realtime(&app);
    Ok(client.sign_out().await?)
}

#[tauri::command]
pub fn cached_conversations(client: ClientState<'_>) -> Result<Vec<Conversation>> {
    Ok(client.cached_conversations()?)
}

/// What a refresh tells the UI. The list itself is read through `home`, so it does not cross IPC
/// a second time (with 10,000 cached conversations that is megabytes of JSON).
#[derive(Debug, Serialize)]
pub struct RefreshOutcome {
    pub online: bool,
    /// The server ended the session: "Signed out — sign in again" (cache and queue kept).
    pub signed_out: bool,
    pub error: Option<String>,
    pub last_synced_at: Option<String>,
}

#[tauri::command]
pub async fn refresh(client: ClientState<'_>) -> Result<RefreshOutcome> {
    let outcome = client.refresh().await;
    Ok(RefreshOutcome {
        online: outcome.online,
        signed_out: outcome.signed_out,
        error: outcome.error,
        last_synced_at: outcome.last_synced_at,
    })
}

#[tauri::command]
pub async fn create_conversation(client: ClientState<'_>, subject: String) -> Result<Conversation> {
    Ok(client.create_conversation(&subject).await?)
}

#[tauri::command]
pub fn home(client: ClientState<'_>) -> Result<Home> {
    Ok(client.home()?)
}

#[tauri::command]
pub fn conversation_screen(
    client: ClientState<'_>,
    id: ConversationId,
    messages: Option<usize>,
) -> Result<Option<ConversationScreen>> {
    let messages = messages.unwrap_or(convene_proto::reading::MESSAGE_PAGE);
    Ok(client.conversation_screen(&id, messages)?)
}

/// The user has read the conversation on screen up to its newest message.
#[tauri::command]
pub async fn mark_read(
    app: AppHandle,
    client: ClientState<'_>,
    id: ConversationId,
) -> Result<bool> {
    let moved = client.mark_read(&id).await?;
    crate::tray::update(&app, &client);
    Ok(moved)
}

/// Mutes or unmutes a conversation's notifications (and its place in the badge).
#[tauri::command]
pub async fn set_muted(
    app: AppHandle,
    client: ClientState<'_>,
    id: ConversationId,
    muted: bool,
) -> Result<()> {
    client.set_muted(&id, muted).await?;
    crate::tray::update(&app, &client);
    Ok(())
}

/// Until when notifications are held back (RFC 3339), if they are now.
#[tauri::command]
pub fn do_not_disturb(client: ClientState<'_>) -> Result<Option<String>> {
    Ok(client.do_not_disturb()?.and_then(|t| {
        t.format(&time::format_description::well_known::Rfc3339)
            .ok()
    }))
}

/// Holds notifications back until `until` (RFC 3339; the UI works out "until tomorrow" in the
/// user's own time), or switches them on again (`null`).
#[tauri::command]
pub fn set_do_not_disturb(client: ClientState<'_>, until: Option<String>) -> Result<()> {
    let until = until
        .map(|t| {
            time::OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339).map_err(
                |_| ClientError::Invalid {
                    field: "until".to_owned(),
                    message: format!("{t:?} is not a moment (RFC 3339)"),
                },
            )
        })
        .transpose()?;
    Ok(client.set_do_not_disturb(until)?)
}

/// Older messages of a conversation scrolled to its top that the cache does not have yet (one
/// page from the server); answers how many came.
#[tauri::command]
pub async fn load_older(client: ClientState<'_>, id: ConversationId) -> Result<usize> {
    Ok(client.load_older(&id).await?)
}

/// Queues any user action durably, then tries to send the queue.
#[tauri::command]
pub async fn queue_action(
    client: ClientState<'_>,
    action: Action,
) -> Result<convene_client::QueueOutcome> {
    Ok(client.queue_and_send(action).await?)
}

#[tauri::command]
pub fn post_message(
    client: ClientState<'_>,
    conversation_id: ConversationId,
    body: String,
) -> Result<i64> {
    if body.trim().is_empty() {
        return Err(local("Write a message first"));
    }
    let seq = client.post_message(conversation_id, &body)?;
    background::flush_soon(client.inner().clone());
    Ok(seq)
}

#[tauri::command]
pub fn dismiss_action(client: ClientState<'_>, seq: i64) -> Result<bool> {
    Ok(client.dismiss(seq)?)
}

#[tauri::command]
pub fn retry_action(client: ClientState<'_>, seq: i64) -> Result<bool> {
    let done = client.retry(seq)?;
    background::flush_soon(client.inner().clone());
    Ok(done)
}

#[tauri::command]
pub async fn search_agents(client: ClientState<'_>, q: String) -> Result<Vec<Agent>> {
    Ok(client.search_agents(&q).await?)
}

#[tauri::command]
pub async fn search_contacts(client: ClientState<'_>, q: String) -> Result<Vec<Contact>> {
    Ok(client.search_contacts(&q).await?)
}

/// The conversation list's search, over the cache (works offline).
#[tauri::command]
pub fn search_conversations(
    client: ClientState<'_>,
    q: String,
) -> Result<Vec<convene_client::cache::SearchHit>> {
    Ok(client.search_conversations(&q)?)
}

#[tauri::command]
pub async fn crews(client: ClientState<'_>) -> Result<Vec<Crew>> {
    Ok(client.crews().await?)
}

#[tauri::command]
pub async fn crew_choices(
    client: ClientState<'_>,
    conversation_id: ConversationId,
) -> Result<Vec<convene_proto::screen::CrewChoice>> {
    Ok(client.crew_choices(&conversation_id).await?)
}

#[tauri::command]
pub async fn share_link(
    client: ClientState<'_>,
    conversation_id: ConversationId,
) -> Result<ShareLink> {
    Ok(client.share_link(&conversation_id).await?)
}

/// Copy Shareable Link: the app itself puts the URL on the clipboard, and answers it.
#[tauri::command]
pub async fn copy_share_link(
    app: AppHandle,
    client: ClientState<'_>,
    conversation_id: ConversationId,
) -> Result<String> {
    let link = client.share_link(&conversation_id).await?;
    app.clipboard()
        .write_text(link.url.clone())
        .map_err(|e| local(format!("could not write to the clipboard: {e}")))?;
    Ok(link.url)
}

/// Redeems a `convene://join` link and continues signed in as that contact.
#[tauri::command]
pub async fn join_link(
    app: AppHandle,
    client: ClientState<'_>,
    server_url: String,
    token: String,
    name: Option<String>,
    email: Option<String>,
) -> Result<SessionInfo> {
    let session = client
        .join_link(&server_url, &token, name.as_deref(), email.as_deref())
        .await?;
    background::start_realtime(&app);
    Ok(session)
}

/// The tray's pending-invite count, as shown on the tray icon.
#[tauri::command]
pub fn tray_badge(app: AppHandle) -> Option<String> {
    crate::tray::badge(&app)
}

/// The Admin area: one team request (online), answered with the server's JSON.
#[tauri::command]
pub async fn team_request(
    client: ClientState<'_>,
    request: convene_client::team::TeamRequest,
) -> Result<serde_json::Value> {
    Ok(client.team(&request).await?)
}

/// Environment variable naming the folder audit exports are saved in (tests give each app its
/// own); without it they go to the user's Downloads folder.
const DOWNLOAD_DIR_ENV: &str = "CONVENE_DOWNLOAD_DIR";

/// Admin → Audit log → Export: saves everything matching the filters into the Downloads folder
/// and answers the file's path (the UI toasts it).
#[tauri::command]
pub async fn export_audit(
    app: AppHandle,
    client: ClientState<'_>,
    filter: convene_proto::audit::AuditFilter,
    format: convene_proto::audit::AuditFormat,
) -> Result<String> {
    let folder = match std::env::var_os(DOWNLOAD_DIR_ENV) {
        Some(dir) => std::path::PathBuf::from(dir),
        None => app
            .path()
            .download_dir()
            .or_else(|_| app.path().home_dir())
            .map_err(|e| ClientError::File {
                path: "the Downloads folder".to_owned(),
                reason: e.to_string(),
            })?,
    };
    let path = client.export_audit(&filter, format, &folder).await?;
    Ok(path.display().to_string())
}

/// "Change password" in the top bar (agents).
#[tauri::command]
pub async fn change_password(client: ClientState<'_>, current: String, new: String) -> Result<()> {
    Ok(client.change_password(&current, &new).await?)
}

/// "Forgot password?" on the sign-in screen: the server emails a link (same answer for any address).
#[tauri::command]
pub async fn password_reset(
    client: ClientState<'_>,
    server_url: String,
    email: String,
) -> Result<convene_proto::EmailLinkAccepted> {
    Ok(client.request_password_reset(&server_url, &email).await?)
}
