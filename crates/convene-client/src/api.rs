//! The HTTP client for the Convene API: one method per endpoint, problem documents turned into errors.

use std::time::Duration;

use convene_proto::{
    AccountId, Conversation, ConversationList, CreateConversation, LoginRequest, LoginResponse, Me,
    Problem,
};
use reqwest::{Method, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::ClientError;

/// A connection to one Convene server, optionally signed in.
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Api {
    /// An API client for the server at `base` (`http://…` or `https://…`).
    pub fn new(base: &str, token: Option<String>) -> Result<Self, ClientError> {
        let base = base.trim().trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) || base.len() < 10 {
            return Err(ClientError::BadServerUrl(base));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(20))
            .build()
            .map_err(ClientError::Network)?;
        Ok(Self { http, base, token })
    }

    /// The server's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let req = self
            .http
            .request(method, format!("{}/api/v1{path}", self.base));
        match &self.token {
            Some(token) => req.bearer_auth(token),
            None => req,
        }
    }

    /// The bearer token requests carry, if signed in.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    async fn send<T: DeserializeOwned>(&self, req: RequestBuilder) -> Result<T, ClientError> {
        let response = req.send().await.map_err(ClientError::Network)?;
        let response = self.check(response).await?;
        response
            .json::<T>()
            .await
            .map_err(|e| ClientError::Protocol(e.to_string()))
    }

    async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.send(self.request(Method::POST, path).json(body)).await
    }

    /// Signs in an agent, to `account` when the email is an agent of several (without it, such a
    /// sign-in is refused with `choose_account` and the accounts to choose from).
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        account: Option<AccountId>,
    ) -> Result<LoginResponse, ClientError> {
        self.post(
            "/auth/login",
            &LoginRequest {
                email: email.to_owned(),
                password: password.to_owned(),
                account_id: account,
            },
        )
        .await
    }

    /// Ends this session on the server.
    pub async fn logout(&self) -> Result<(), ClientError> {
        let response = self
            .request(Method::POST, "/auth/logout")
            .send()
            .await
            .map_err(ClientError::Network)?;
        self.check(response).await.map(|_| ())
    }

    /// Redeems an invite or Shareable Link token into a contact session.
    pub async fn join(
        &self,
        token: &str,
        name: Option<&str>,
        email: Option<&str>,
    ) -> Result<convene_proto::JoinResponse, ClientError> {
        let body = convene_proto::JoinRequest {
            name: name.map(str::to_owned),
            email: email.map(str::to_owned),
        };
        let token: String = token
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        self.post(&format!("/join/{token}"), &body).await
    }

    /// "Forgot password?": asks the server to email a link to choose a new password (one answer
    /// whether or not the address is an agent's).
    pub async fn password_reset(
        &self,
        email: &str,
    ) -> Result<convene_proto::EmailLinkAccepted, ClientError> {
        self.post(
            "/auth/password-reset",
            &convene_proto::PasswordResetRequest {
                email: email.to_owned(),
            },
        )
        .await
    }

    /// Who the token belongs to.
    pub async fn me(&self) -> Result<Me, ClientError> {
        self.send(self.request(Method::GET, "/me")).await
    }

    /// Performs a request with an idempotency key; answers the JSON body (Null when empty).
    pub async fn perform(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
        idempotency_key: &str,
    ) -> Result<serde_json::Value, ClientError> {
        let mut req = self
            .request(method, path)
            .header("Idempotency-Key", idempotency_key);
        if let Some(b) = body {
            req = req.json(b);
        }
        let response = self
            .check(req.send().await.map_err(ClientError::Network)?)
            .await?;
        let text = response.text().await.map_err(ClientError::Network)?;
        if text.is_empty() {
            return Ok(serde_json::Value::Null);
        }
        serde_json::from_str(&text).map_err(|e| ClientError::Protocol(e.to_string()))
    }

    /// Streams the body of a GET into the file at `to` (created or replaced), with a long timeout:
    /// a download may take a while, and it is written as it comes instead of held in memory.
    pub async fn download(&self, path: &str, to: &std::path::Path) -> Result<(), ClientError> {
        use tokio::io::AsyncWriteExt;
        let failed = |e: std::io::Error| ClientError::File {
            path: to.display().to_string(),
            reason: e.to_string(),
        };
        let req = self
            .request(Method::GET, path)
            .timeout(Duration::from_secs(600));
        let mut response = self
            .check(req.send().await.map_err(ClientError::Network)?)
            .await?;
        let mut file = tokio::fs::File::create(to).await.map_err(failed)?;
        while let Some(chunk) = response.chunk().await.map_err(ClientError::Network)? {
            file.write_all(&chunk).await.map_err(failed)?;
        }
        file.sync_all().await.map_err(failed)?;
        Ok(())
    }

    /// One page of changes after `cursor`.
    pub async fn sync(&self, cursor: Option<&str>) -> Result<convene_proto::SyncPage, ClientError> {
        let mut req = self.request(Method::GET, "/sync");
        if let Some(c) = cursor {
            req = req.query(&[("cursor", c)]);
        }
        self.send(req).await
    }

    /// A GET of an API path with query parameters, decoded.
    pub async fn get_with<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, ClientError> {
        self.send(self.request(Method::GET, path).query(query))
            .await
    }

    /// A GET of any API path, decoded.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        self.send(self.request(Method::GET, path)).await
    }

    /// The WebSocket URL of the realtime stream and the bearer token for it.
    pub fn stream_request(&self) -> (String, Option<String>) {
        let url = format!("{}/api/v1/stream", self.base.replacen("http", "ws", 1));
        (url, self.token.clone())
    }

    /// The conversations the user has joined.
    pub async fn conversations(&self) -> Result<Vec<Conversation>, ClientError> {
        let list: ConversationList = self
            .send(self.request(Method::GET, "/conversations"))
            .await?;
        Ok(list.conversations)
    }

    /// Creates a conversation owned by the user.
    pub async fn create_conversation(&self, subject: &str) -> Result<Conversation, ClientError> {
        self.post(
            "/conversations",
            &CreateConversation {
                subject: subject.to_owned(),
            },
        )
        .await
    }
}

impl Api {
    /// Passes successful responses through; turns the others into [`ClientError::Refused`], and
    /// a 401 to a request made with a session into [`ClientError::SessionEnded`] (without a
    /// session, as for a wrong password, a 401 is an ordinary refusal).
    async fn check(&self, response: Response) -> Result<Response, ClientError> {
        if response.status() == reqwest::StatusCode::UNAUTHORIZED && self.token.is_some() {
            return Err(ClientError::SessionEnded);
        }
        check(response).await
    }
}

/// Passes successful responses through; turns the others into [`ClientError::Refused`].
async fn check(response: Response) -> Result<Response, ClientError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    // The header is what HTTP promises (a proxy may answer 429/503 with it and no problem body's
    // field); the body's copy comes from Convene itself.
    let retry_after: Option<u64> = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok());
    let text = response.text().await.map_err(ClientError::Network)?;
    match serde_json::from_str::<Problem>(&text) {
        Ok(mut problem) => {
            problem.retry_after_secs = retry_after.or(problem.retry_after_secs);
            Err(ClientError::Refused(Box::new(problem)))
        }
        Err(_) => Err(ClientError::Protocol(format!(
            "HTTP {status} without a problem document"
        ))),
    }
}
