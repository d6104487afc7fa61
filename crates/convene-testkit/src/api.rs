//! A small client for the API in tests: JSON in, status and JSON out; and the realtime stream.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::Value;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

/// A response: status, content type, JSON body (or the text as a JSON string; Null when empty).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    /// Asserts a problem document with this status and code; answers its `detail`.
    pub fn problem(&self, status: u16, code: &str) -> String {
        assert_eq!(self.status, status, "status; body: {}", self.body);
        assert_eq!(
            self.content_type, "application/problem+json",
            "content type; body: {}",
            self.body
        );
        assert_eq!(self.body["code"], code, "code; body: {}", self.body);
        self.body["detail"].as_str().unwrap_or_default().to_owned()
    }

    /// Asserts a 2xx status and answers the body.
    pub fn ok(&self) -> &Value {
        assert!(
            (200..300).contains(&self.status),
            "expected success, got {}: {}",
            self.status,
            self.body
        );
        &self.body
    }
}

/// A client, signed in or not.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub token: Option<String>,
    http: reqwest::Client,
}

impl Api {
    pub fn new(base: &str, token: Option<String>) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            token,
            http: reqwest::Client::new(),
        }
    }

    /// The session token this client sends, if any.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The same server as someone else.
    pub fn with_token(&self, token: &str) -> Self {
        Self::new(&self.base, Some(token.to_owned()))
    }

    /// Sends a request with optional JSON body and extra headers.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let response = req.send().await.expect("request reaches the server");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let content_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let text = response.text().await.expect("body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Answer {
            status,
            content_type,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(reqwest::Method::GET, path, None, &[]).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(reqwest::Method::POST, path, Some(body), &[])
            .await
    }

    pub async fn put(&self, path: &str, body: Value) -> Answer {
        self.send(reqwest::Method::PUT, path, Some(body), &[]).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Answer {
        self.send(reqwest::Method::PATCH, path, Some(body), &[])
            .await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.send(reqwest::Method::DELETE, path, None, &[]).await
    }

    /// Opens the realtime stream.
    pub async fn stream(&self) -> Stream {
        match self.try_stream().await {
            Ok(stream) => stream,
            Err(status) => panic!("stream refused with HTTP {status}"),
        }
    }

    /// Opens the realtime stream, or answers the HTTP status the server refused the upgrade with.
    pub async fn try_stream(&self) -> Result<Stream, u16> {
        self.try_stream_with(&[]).await
    }

    /// [`Api::try_stream`] with extra request headers (a browser's `Cookie` and `Origin`).
    pub async fn try_stream_with(&self, headers: &[(&'static str, String)]) -> Result<Stream, u16> {
        let url = format!("{}/api/v1/stream", self.base.replacen("http", "ws", 1));
        let mut request = url.into_client_request().expect("ws request");
        for (name, value) in headers {
            request
                .headers_mut()
                .insert(*name, value.parse().expect("header value"));
        }
        if let Some(t) = &self.token {
            request.headers_mut().insert(
                "authorization",
                format!("Bearer {t}").parse().expect("header"),
            );
        }
        let socket = match tokio_tungstenite::connect_async(request).await {
            Ok((socket, _)) => socket,
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                return Err(response.status().as_u16())
            }
            Err(e) => panic!("stream connects: {e}"),
        };
        let mut stream = Stream { socket };
        let hello = stream
            .next(Duration::from_secs(5))
            .await
            .expect("hello frame");
        assert_eq!(hello["type"], "hello", "first frame: {hello}");
        Ok(stream)
    }

    /// Creates a conversation; answers its id.
    pub async fn new_conversation(&self, subject: &str) -> String {
        self.post(
            "/api/v1/conversations",
            serde_json::json!({ "subject": subject }),
        )
        .await
        .ok()["id"]
            .as_str()
            .expect("conversation id")
            .to_owned()
    }

    /// The signed-in person's id.
    pub async fn my_id(&self) -> String {
        self.get("/api/v1/me").await.ok()["id"]
            .as_str()
            .expect("id")
            .to_owned()
    }

    /// Invites `agent` to `conversation` (Add Agent) and has them accept.
    pub async fn seat(&self, agent: &Api, conversation: &str) {
        let invite = self
            .post(
                &format!("/api/v1/conversations/{conversation}/agent-invites"),
                serde_json::json!({ "agent_id": agent.my_id().await }),
            )
            .await;
        let id = invite.ok()["invite"]["id"]
            .as_str()
            .expect("invite")
            .to_owned();
        agent
            .post(
                &format!("/api/v1/invites/{id}/accept"),
                serde_json::json!({}),
            )
            .await
            .ok();
    }

    /// Posts a message; answers its id.
    pub async fn post_message(&self, conversation: &str, body: &str) -> String {
        self.post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            serde_json::json!({ "body": body }),
        )
        .await
        .ok()["id"]
            .as_str()
            .expect("message id")
            .to_owned()
    }

    /// The token of a conversation's Shareable Link (the part after `/j/`).
    pub async fn share_token(&self, conversation: &str) -> String {
        let link = self
            .get(&format!("/api/v1/conversations/{conversation}/share-link"))
            .await;
        link.ok()["url"]
            .as_str()
            .expect("link url")
            .rsplit("/j/")
            .next()
            .expect("token")
            .to_owned()
    }

    /// The id of this conversation's participant for the person with `email`.
    pub async fn participant_id(&self, conversation: &str, email: &str) -> String {
        let people = self
            .get(&format!(
                "/api/v1/conversations/{conversation}/participants"
            ))
            .await;
        people.ok()["participants"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["email"] == email)
            .and_then(|p| p["id"].as_str())
            .unwrap_or_else(|| panic!("{email} is not a participant: {}", people.body))
            .to_owned()
    }
}

/// The realtime stream of one user.
pub struct Stream {
    socket: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
}

impl Stream {
    /// The next JSON frame, or `None` after `timeout` or when the stream closes.
    pub async fn next(&mut self, timeout: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match tokio::time::timeout_at(deadline, self.socket.next()).await {
                Ok(Some(Ok(Message::Text(t)))) => return serde_json::from_str(&t).ok(),
                Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) | Err(_) => {
                    return None
                }
                Ok(Some(Ok(_))) => continue,
            }
        }
    }

    /// Whether the server closes the stream within `timeout` (frames before that are skipped).
    pub async fn closed_within(&mut self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match tokio::time::timeout_at(deadline, self.socket.next()).await {
                Err(_) => return false,
                Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) => return true,
                Ok(Some(Ok(_))) => continue,
            }
        }
    }

    /// Closes the stream (a close frame, then the connection).
    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }

    /// Waits for a frame of `kind` (skipping others) within `timeout`.
    pub async fn expect(&mut self, kind: &str, timeout: Duration) -> Value {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next(left).await {
                Some(frame) if frame["type"] == kind => return frame,
                Some(_) => continue,
                None => panic!("no {kind:?} frame within {timeout:?}"),
            }
        }
    }
}
