//! How a server is configured: one struct filled by the command line, the environment or a test.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Everything `convene-server serve` needs to run.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    /// Folder for the SQLite database (when `database_url` is unset) and undeliverable `.eml` files.
    pub data_dir: PathBuf,
    /// Address to listen on; port 0 picks a free one.
    pub listen: SocketAddr,
    /// The URL people reach this server at; links in emails are built from it, never from a request's Host.
    pub public_url: String,
    /// `sqlite://…` or `postgres://…`; `None` means `convene.db` in `data_dir`.
    pub database_url: Option<String>,
    /// `smtp://host:port`; `None` writes emails as `.eml` files to `data_dir`.
    pub smtp_url: Option<String>,
    /// Who emails come from unless the account names its own sender, e.g.
    /// `Acme Support <support@acme.example>`.
    pub email_from: String,
    /// The domains accounts may send their emails as (their own sender address in Settings);
    /// empty: the domain of `email_from` only.
    pub email_sender_domains: Vec<String>,
    /// Seed the demo account on start (idempotent).
    pub demo: bool,
    /// The built web UI (`ui/dist`), served at `/app/` for contacts in a browser.
    pub ui_dir: PathBuf,
    /// Rate limits (defaults for production).
    pub limits: crate::ratelimit::Limits,
}

impl ServeConfig {
    /// A configuration for a test: a private data folder, a free loopback port, no SMTP.
    pub fn for_test(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            public_url: "http://127.0.0.1".to_owned(),
            database_url: None,
            smtp_url: None,
            email_from: crate::email::DEFAULT_FROM.to_owned(),
            email_sender_domains: Vec::new(),
            demo: false,
            limits: crate::ratelimit::Limits::default(),
            ui_dir: PathBuf::from("ui/dist"),
        }
    }
}
