//! Helpers for the server's HTTP tests: an in-process server on a temp SQLite file, and JSON calls.

#![allow(dead_code)]

use convene_server::RunningServer;
use reqwest::{Method, StatusCode};
use serde_json::Value;

pub struct TestServer {
    pub server: RunningServer,
    pub dir: tempfile::TempDir,
    pub http: reqwest::Client,
}

impl TestServer {
    /// A server with the demo account seeded, on a fresh temp data folder.
    pub async fn with_demo() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = convene_server::ServeConfig::for_test(dir.path().to_path_buf());
        config.demo = true;
        config.database_url = convene_testkit::database_for(dir.path()).await;
        let server = convene_server::Server::new(config)
            .await
            .expect("server")
            .start()
            .await
            .expect("start demo server");
        Self {
            server,
            dir,
            http: reqwest::Client::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url())
    }

    /// Sends a request and returns the status, content type and JSON body (Null when empty).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut req = self.http.request(method, self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        Answer::from(req.send().await.expect("request")).await
    }

    /// Signs in and returns the bearer token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let answer = self
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(serde_json::json!({"email": email, "password": password})),
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "login of {email}: {:?}",
            answer.body
        );
        answer.body["token"].as_str().expect("token").to_owned()
    }
}

pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub body: Value,
}

impl Answer {
    pub async fn from(response: reqwest::Response) -> Self {
        let status = response.status();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let text = response.text().await.expect("body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Self {
            status,
            content_type,
            body,
        }
    }

    /// Asserts this is a problem document with the given status and code.
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "status; body: {}", self.body);
        assert_eq!(
            self.content_type, "application/problem+json",
            "content type; body: {}",
            self.body
        );
        assert_eq!(self.body["code"], code, "code; body: {}", self.body);
        assert_eq!(
            self.body["status"], status,
            "status field; body: {}",
            self.body
        );
        assert!(self.body["title"].is_string(), "title; body: {}", self.body);
    }
}
