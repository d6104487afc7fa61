//! IPC commands: each one adapts a [`Client`] method, and errors cross IPC as one serialisable type.

use convene_client::{Client, ClientError, SessionInfo, SyncOutcome};
use convene_proto::Conversation;
use serde::Serialize;
use tauri::State;

/// The error every command returns to the UI.
#[derive(Debug, Serialize)]
pub struct CommandError {
    /// A stable code: the server's problem code, or `offline`, `not_signed_in`, `local`.
    pub code: String,
    /// A sentence for the user.
    pub message: String,
    /// The request field the error is about, when the server named one.
    pub field: Option<String>,
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
            ClientError::BadServerUrl(_) => {
                ("invalid_input".to_owned(), Some("server_url".to_owned()))
            }
            _ => ("local".to_owned(), None),
        };
        Self {
            code,
            message: error.to_string(),
            field,
        }
    }
}

type Result<T> = std::result::Result<T, CommandError>;

/// Values to pre-fill the sign-in form with (the run command points them at the demo server).
#[derive(Debug, Serialize)]
pub struct AppDefaults {
    pub server_url: String,
    pub email: String,
    pub password: String,
    /// Sign in with the pre-filled values at once (the run command's demo).
    pub auto_sign_in: bool,
}

#[tauri::command]
pub fn app_defaults() -> AppDefaults {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let server_url = std::env::var("CONVENE_PREFILL_SERVER")
        .unwrap_or_else(|_| "http://127.0.0.1:8080".to_owned());
    AppDefaults {
        server_url,
        email: var("CONVENE_PREFILL_EMAIL"),
        password: var("CONVENE_PREFILL_PASSWORD"),
        auto_sign_in: var("CONVENE_AUTO_SIGN_IN") == "1",
    }
}

#[tauri::command]
pub fn session_state(client: State<'_, Client>) -> Result<Option<SessionInfo>> {
    Ok(client.session()?)
}

#[tauri::command]
pub async fn sign_in(
    client: State<'_, Client>,
    server_url: String,
    email: String,
    password: String,
) -> Result<SessionInfo> {
    Ok(client.sign_in(&server_url, &email, &password).await?)
}

#[tauri::command]
pub async fn sign_out(client: State<'_, Client>) -> Result<()> {
    Ok(client.sign_out().await?)
}

#[tauri::command]
pub fn cached_conversations(client: State<'_, Client>) -> Result<Vec<Conversation>> {
    Ok(client.cached_conversations()?)
}

#[tauri::command]
pub async fn refresh(client: State<'_, Client>) -> Result<SyncOutcome> {
    Ok(client.refresh().await)
}

#[tauri::command]
pub async fn create_conversation(
    client: State<'_, Client>,
    subject: String,
) -> Result<Conversation> {
    Ok(client.create_conversation(&subject).await?)
}
