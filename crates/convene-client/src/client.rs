//! [`Client`]: the façade the desktop shell calls. Reads always come from the cache, so they work
//! offline; refreshes go to the server and write through the cache.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use convene_proto::{Conversation, Me};
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::api::Api;
use crate::cache::{Cache, StoredSession};
use crate::error::ClientError;

/// The cache file's name inside the app's data folder.
pub const CACHE_FILE: &str = "convene-cache.db";

/// What the UI needs to know about the session.
#[derive(Clone, Debug, Serialize)]
pub struct SessionInfo {
    pub server_url: String,
    pub me: Me,
}

/// The result of trying to bring the cache up to date.
#[derive(Clone, Debug, Serialize)]
pub struct SyncOutcome {
    /// Whether the server answered.
    pub online: bool,
    /// Why not, when it did not.
    pub error: Option<String>,
    /// When the cache was last brought up to date (RFC 3339), if ever.
    pub last_synced_at: Option<String>,
    /// The conversations as now cached.
    pub conversations: Vec<Conversation>,
}

/// The client core for one signed-in user (or none yet) and one data folder.
pub struct Client {
    cache_path: PathBuf,
    cache: Mutex<Cache>,
}

impl Client {
    /// Opens the cache in `data_dir`, creating the folder and file if needed. Never touches the network.
    pub fn open(data_dir: &Path) -> Result<Self, ClientError> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            ClientError::Corrupt(format!("cannot create {}: {e}", data_dir.display()))
        })?;
        let cache_path = data_dir.join(CACHE_FILE);
        let cache = Cache::open(&cache_path)?;
        Ok(Self {
            cache_path,
            cache: Mutex::new(cache),
        })
    }

    /// Where the cache file lives.
    pub fn cache_path(&self) -> &Path {
        &self.cache_path
    }

    fn cache(&self) -> MutexGuard<'_, Cache> {
        // A panic while holding the lock leaves the cache consistent (every write is a transaction).
        self.cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn api(&self) -> Result<Api, ClientError> {
        let session = self.cache().session()?.ok_or(ClientError::NotSignedIn)?;
        Api::new(&session.server_url, Some(session.token))
    }

    /// The stored session, if signed in. Works offline.
    pub fn session(&self) -> Result<Option<SessionInfo>, ClientError> {
        Ok(self.cache().session()?.map(|s| SessionInfo {
            server_url: s.server_url,
            me: s.me,
        }))
    }

    /// Signs in to `server_url`, remembers the session and fetches the conversation list.
    pub async fn sign_in(
        &self,
        server_url: &str,
        email: &str,
        password: &str,
    ) -> Result<SessionInfo, ClientError> {
        let api = Api::new(server_url, None)?;
        let login = api.login(email, password).await?;
        let session = StoredSession {
            server_url: api.base().to_owned(),
            token: login.token,
            me: login.me,
        };
        {
            let mut cache = self.cache();
            cache.wipe()?;
            cache.save_session(&session)?;
        }
        self.refresh().await;
        Ok(SessionInfo {
            server_url: session.server_url,
            me: session.me,
        })
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

    /// The cached conversation list. Works offline.
    pub fn cached_conversations(&self) -> Result<Vec<Conversation>, ClientError> {
        self.cache().conversations()
    }

    /// Fetches the conversation list into the cache. Never fails: an unreachable server is reported
    /// as `online: false` with the cached list.
    pub async fn refresh(&self) -> SyncOutcome {
        let fetched = match self.api() {
            Ok(api) => api.conversations().await,
            Err(e) => Err(e),
        };
        let (online, error) = match fetched {
            Ok(list) => {
                let now = OffsetDateTime::now_utc()
                    .format(&Rfc3339)
                    .unwrap_or_default();
                match self.cache().replace_conversations(&list, &now) {
                    Ok(()) => (true, None),
                    Err(e) => (true, Some(e.to_string())),
                }
            }
            Err(e) => (!e.is_offline(), Some(e.to_string())),
        };
        let cache = self.cache();
        SyncOutcome {
            online,
            error,
            last_synced_at: cache.last_synced_at().ok().flatten(),
            conversations: cache.conversations().unwrap_or_default(),
        }
    }

    /// Creates a conversation on the server and refreshes the cache.
    pub async fn create_conversation(&self, subject: &str) -> Result<Conversation, ClientError> {
        let created = self.api()?.create_conversation(subject).await?;
        self.refresh().await;
        Ok(created)
    }
}
