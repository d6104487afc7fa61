//! Starting and stopping a server: open the store, seed the demo if asked, bind, serve.

use std::net::SocketAddr;

use axum::http::Request;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower_http::trace::TraceLayer;

use std::sync::Arc;

use tokio::sync::Notify;

use crate::config::ServeConfig;
use crate::email::Delivery;
use crate::hub::Hub;
use crate::secret::Secret;
use crate::service::Ctx;
use crate::state::AppState;
use crate::store::{Store, StoreError};
use crate::tx::Announcer;

/// Why a server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot create data folder {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("demo seeding failed: {0}")]
    Demo(String),
    #[error(transparent)]
    Secret(#[from] crate::secret::SecretError),
    #[error(transparent)]
    Smtp(#[from] crate::email::SmtpConfigError),
    #[error("--email-from (CONVENE_EMAIL_FROM) {value:?} is not a sender address: {reason}; write e.g. \"Acme Support <support@acme.example>\"")]
    EmailFrom { value: String, reason: String },
}

/// A configured server, not yet listening.
pub struct Server {
    config: ServeConfig,
    ctx: Ctx,
    delivery: Delivery,
}

/// A server listening in the background; dropping it does not stop it, `stop` does.
pub struct RunningServer {
    pub addr: SocketAddr,
    pub store: Store,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
    worker: JoinHandle<()>,
    sweeper: JoinHandle<()>,
    listener: Option<JoinHandle<()>>,
    hub: Hub,
}

impl Server {
    /// Opens the data folder and database, and seeds the demo account when configured to.
    pub async fn new(config: ServeConfig) -> Result<Self, StartError> {
        std::fs::create_dir_all(&config.data_dir).map_err(|source| StartError::DataDir {
            path: config.data_dir.display().to_string(),
            source,
        })?;
        let store = Store::open(&config.data_dir, config.database_url.as_deref()).await?;
        let secret = Secret::load(&config.data_dir)?;
        let delivery = Delivery::from_config(config.smtp_url.as_deref(), &config.data_dir)?;
        let email_from =
            config
                .email_from
                .parse()
                .map_err(|e: lettre::address::AddressError| StartError::EmailFrom {
                    value: config.email_from.clone(),
                    reason: e.to_string(),
                })?;
        // Accounts may send as addresses at these domains only; by default the server's own.
        let sender_domains = if config.email_sender_domains.is_empty() {
            let from: &lettre::message::Mailbox = &email_from;
            vec![from.email.domain().to_ascii_lowercase()]
        } else {
            config
                .email_sender_domains
                .iter()
                .map(|d| d.trim().trim_start_matches('@').to_ascii_lowercase())
                .filter(|d| !d.is_empty())
                .collect()
        };
        let ctx = Ctx {
            email_from,
            sender_domains,
            resend_interval_ms: config.limits.resend_interval_ms,
            store,
            public_url: config.public_url.trim_end_matches('/').to_owned(),
            secret,
            announcer: Announcer {
                hub: Hub::new(),
                outbox: Arc::new(Notify::new()),
            },
        };
        if config.demo {
            crate::demo::seed(&ctx)
                .await
                .map_err(|e| StartError::Demo(e.to_string()))?;
        }
        Ok(Self {
            config,
            ctx,
            delivery,
        })
    }

    /// Binds the configured address and serves until `stop` is called.
    pub async fn start(self) -> Result<RunningServer, StartError> {
        let listener = TcpListener::bind(self.config.listen)
            .await
            .map_err(|source| StartError::Bind {
                addr: self.config.listen,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| StartError::Bind {
            addr: self.config.listen,
            source,
        })?;
        let hub = self.ctx.announcer.hub.clone();
        let state = AppState::new(
            self.ctx.clone(),
            self.config.limits,
            self.config.ui_dir.clone(),
            self.config.data_dir.clone(),
        );
        let worker = tokio::spawn(crate::email::run_worker(
            self.ctx.store.clone(),
            self.ctx.announcer.clone(),
            self.delivery,
            crate::email::Links {
                secret: self.ctx.secret.clone(),
                public_url: self.ctx.public_url.clone(),
                from: self.ctx.email_from.clone(),
            },
        ));
        tokio::spawn(hub.clone().read_feed(self.ctx.store.clone()));
        let sweeper = tokio::spawn(sweep_invites(
            self.ctx.clone(),
            std::time::Duration::from_millis(self.config.limits.invite_sweep_ms.max(100)),
        ));
        // Several instances on one PostgreSQL database: changes made elsewhere arrive as notifications.
        let follower = (self.ctx.store.backend() == crate::store::Backend::Postgres).then(|| {
            tokio::spawn(follow_other_instances(
                self.ctx.store.url().to_owned(),
                hub.clone(),
            ))
        });
        let app = crate::routes::router(state).layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                tracing::info_span!("request", method = %req.method(), path = %redact_path(req.uri().path()))
            }),
        );
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(crate::listen::serve(listener, app, async {
            let _ = rx.await;
        }));
        tracing::info!(%addr, "convene-server listening");
        Ok(RunningServer {
            addr,
            store: self.ctx.store,
            shutdown: Some(tx),
            task,
            worker,
            sweeper,
            listener: follower,
            hub,
        })
    }
}

impl RunningServer {
    /// A server with the demo account on a free loopback port, its data in `data_dir` (for tests).
    pub async fn demo_for_test(data_dir: &std::path::Path) -> Result<Self, StartError> {
        let mut config = ServeConfig::for_test(data_dir.to_path_buf());
        config.demo = true;
        Server::new(config).await?.start().await
    }

    /// The base URL of this server on loopback, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Waits until the server stops on its own (it does not, unless it fails).
    pub async fn wait(mut self) -> std::io::Result<()> {
        (&mut self.task).await.unwrap_or(Ok(()))
    }

    /// Stops accepting connections and waits for the open ones to finish.
    pub async fn stop(mut self) {
        self.hub.close();
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
        self.worker.abort();
        self.sweeper.abort();
        if let Some(listener) = &self.listener {
            listener.abort();
        }
    }
}

/// Ends invites on time, whether or not anyone tries their link: every `every`, the pending
/// invites whose expiry has passed end as `expired`, each with its timeline event. A failed sweep
/// (the database away a moment) is logged and tried again at the next.
async fn sweep_invites(ctx: crate::service::Ctx, every: std::time::Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match crate::service::invites::expire_due(&ctx).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(ended = n, "invites expired"),
            Err(e) => {
                tracing::warn!(error = %e, "the invite expiry sweep failed; trying again later")
            }
        }
    }
}

/// Wakes this instance's streams when another instance announces a change (PostgreSQL
/// `LISTEN`/`NOTIFY`; the listener reconnects by itself).
async fn follow_other_instances(url: String, hub: Hub) {
    loop {
        match sqlx::postgres::PgListener::connect(&url).await {
            Ok(mut listener) => {
                let channels = [
                    crate::store::CHANGES_CHANNEL,
                    crate::store::SESSIONS_CHANNEL,
                ];
                if let Err(e) = listener.listen_all(channels).await {
                    tracing::warn!(error = %e, "cannot listen for other instances' changes");
                } else {
                    // Notices sent while not listening are lost: look at every followed account.
                    hub.changed_all();
                    loop {
                        match listener.recv().await {
                            Ok(note) if note.channel() == crate::store::SESSIONS_CHANNEL => {
                                let parsed = note
                                    .payload()
                                    .split_once(':')
                                    .and_then(|(a, g)| Some((a.parse().ok()?, g.parse().ok()?)));
                                if let Some((account, agent)) = parsed {
                                    hub.sessions_ended(account, agent);
                                }
                            }
                            Ok(note) => {
                                if let Ok(account) = note.payload().parse() {
                                    hub.changed(account);
                                }
                            }
                            Err(e) => {
                                tracing::warn!(error = %e, "change notifications interrupted");
                                break;
                            }
                        }
                    }
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot connect to listen for other instances' changes")
            }
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

/// Paths that carry secrets (join tokens) are logged without them.
pub fn redact_path(path: &str) -> String {
    for prefix in ["/j/", "/s/", "/api/v1/join/"] {
        if let Some(rest) = path.strip_prefix(prefix) {
            if !rest.is_empty() {
                return format!("{prefix}[token]");
            }
        }
    }
    path.to_owned()
}

#[cfg(test)]
mod tests {
    use super::redact_path;

    #[test]
    fn join_tokens_never_reach_the_log() {
        assert_eq!(redact_path("/j/abcdef"), "/j/[token]");
        assert_eq!(redact_path("/api/v1/join/abcdef"), "/api/v1/join/[token]");
        assert_eq!(redact_path("/api/v1/me"), "/api/v1/me");
    }
}
