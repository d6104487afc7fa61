//! Real parts for tests: a real SMTP sink listening on loopback ([`smtp::SmtpSink`]), a JSON/WebSocket
//! client for the API ([`api::Api`]), and a server started in-process on a temp data folder
//! ([`TestServer`]).

pub mod api;
pub mod process;
pub mod proxy;
pub mod smtp;

pub use api::{Answer, Api, Stream};
pub use process::ServerProcess;
pub use proxy::Proxy;
pub use smtp::{ReceivedEmail, SmtpSink};

use convene_server::{RunningServer, ServeConfig, Server};

/// Environment variable naming a PostgreSQL server for the tests (`postgres://user@host:port/postgres`).
/// When set, every test server gets a fresh database there instead of a SQLite file, so the same
/// suite runs on both backends (`cargo xtask test` runs it twice).
pub const TEST_DATABASE_ENV: &str = "CONVENE_TEST_DATABASE_URL";

/// A fresh, empty PostgreSQL database for one test, or `None` to use SQLite.
pub async fn fresh_database() -> Option<String> {
    use sqlx::Connection;
    let admin = std::env::var(TEST_DATABASE_ENV).ok()?;
    let name = format!("convene_t_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::postgres::PgConnection::connect(&admin)
        .await
        .expect("connect to the test PostgreSQL");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut conn)
        .await
        .expect("create a test database");
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
    Some(format!("{base}/{name}"))
}

/// The database for a server whose data lives in `dir`: the same one each time it is called for
/// that folder (so a test can restart "the same" server), or `None` for SQLite.
pub async fn database_for(dir: &std::path::Path) -> Option<String> {
    let marker = dir.join(".test-database-url");
    if let Ok(url) = std::fs::read_to_string(&marker) {
        return Some(url);
    }
    let url = fresh_database().await?;
    std::fs::create_dir_all(dir).expect("data dir");
    std::fs::write(&marker, &url).expect("remember the test database");
    Some(url)
}

/// Runs every future at the same instant (behind a barrier); answers their outputs in order.
/// For race tests: requests that really arrive together.
pub async fn at_once<F, Fut, T>(n: usize, make: F) -> Vec<T>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(n));
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let barrier = barrier.clone();
            let fut = make(i);
            tokio::spawn(async move {
                barrier.wait().await;
                fut.await
            })
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    for task in tasks {
        out.push(task.await.expect("a racing task panicked"));
    }
    out
}

/// A server on a free loopback port with the demo account, its data in a temp folder.
pub struct TestServer {
    pub server: RunningServer,
    pub dir: tempfile::TempDir,
}

impl TestServer {
    /// Starts a demo server whose emails go to `smtp` (or to `.eml` files when `None`).
    pub async fn start(smtp: Option<&SmtpSink>) -> Self {
        Self::start_with(smtp, |_| {}).await
    }

    /// Like [`TestServer::start`], with a chance to adjust the configuration first.
    pub async fn start_with(
        smtp: Option<&SmtpSink>,
        adjust: impl FnOnce(&mut ServeConfig),
    ) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = ServeConfig::for_test(dir.path().to_path_buf());
        config.demo = true;
        config.smtp_url = smtp.map(SmtpSink::url);
        // Links must carry the real port, so the public URL is set once the port is known: bind first.
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = probe.local_addr().expect("addr");
        drop(probe);
        config.listen = addr;
        config.public_url = format!("http://{addr}");
        config.database_url = database_for(dir.path()).await;
        adjust(&mut config);
        let server = Server::new(config)
            .await
            .expect("server")
            .start()
            .await
            .expect("start");
        Self { server, dir }
    }

    /// An unauthenticated client.
    pub fn anonymous(&self) -> Api {
        Api::new(&self.server.url(), None)
    }

    /// Has `by` invite `email` to `conversation` (Add to Conversation), takes the email from
    /// `sink` and redeems its link; answers the contact's client.
    pub async fn seat_contact(
        &self,
        sink: &SmtpSink,
        by: &Api,
        conversation: &str,
        email: &str,
    ) -> Api {
        let before = sink.messages().len();
        by.post(
            &format!("/api/v1/conversations/{conversation}/contact-invites"),
            serde_json::json!({ "email": email }),
        )
        .await
        .ok();
        let mail = sink
            .wait_for(before + 1, std::time::Duration::from_secs(10))
            .await
            .pop()
            .expect("the invite email");
        let link = mail.join_link().expect("a join link in the email");
        let token = link.rsplit("/j/").next().expect("token");
        let joined = self
            .anonymous()
            .post(&format!("/api/v1/join/{token}"), serde_json::json!({}))
            .await;
        self.anonymous()
            .with_token(joined.ok()["token"].as_str().expect("session token"))
    }

    /// A client signed in as a demo agent.
    pub async fn agent(&self, email: &str) -> Api {
        let api = self.anonymous();
        let answer = api
            .post("/api/v1/auth/login", serde_json::json!({"email": email, "password": convene_server::demo::DEMO_PASSWORD}))
            .await;
        assert_eq!(answer.status, 200, "sign-in of {email}: {}", answer.body);
        Api::new(
            &self.server.url(),
            Some(answer.body["token"].as_str().expect("token").to_owned()),
        )
    }
}
