//! `convene-server`: the command line over the server library.

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use convene_server::{auth, store::Store, validate, ServeConfig, Server};

#[derive(Parser)]
#[command(name = "convene-server", version, about = "The Convene server")]
struct Cli {
    /// Folder for the SQLite database and undeliverable emails.
    #[arg(
        long,
        env = "CONVENE_DATA_DIR",
        default_value = "convene-data",
        global = true
    )]
    data_dir: PathBuf,
    /// Database URL; default: SQLite file `convene.db` in the data folder.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "CONVENE_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// URL people reach this server at (links in emails); default: http://LISTEN.
        #[arg(long, env = "CONVENE_PUBLIC_URL")]
        public_url: Option<String>,
        /// SMTP relay, e.g. smtp://127.0.0.1:2525; unset: emails are written as .eml files.
        #[arg(long, env = "SMTP_URL", hide_env_values = true)]
        smtp_url: Option<String>,
        /// Who emails come from unless an account names its own sender.
        #[arg(long, env = "CONVENE_EMAIL_FROM", default_value = convene_server::email::DEFAULT_FROM)]
        email_from: String,
        /// Domains accounts may send as (comma-separated); unset: the domain of --email-from.
        #[arg(long, env = "CONVENE_EMAIL_SENDER_DOMAINS", value_delimiter = ',')]
        email_sender_domains: Vec<String>,
        /// Seed a demo account (idempotent) and log its sign-ins.
        #[arg(long)]
        demo: bool,
        /// Multiplies every rate limit (sign-in, invites, joins), e.g. for load tests.
        #[arg(long, env = "CONVENE_RATE_LIMIT_FACTOR", default_value_t = 1)]
        rate_limit_factor: i64,
        /// The built web UI served to contacts at /app/.
        #[arg(long, env = "CONVENE_UI_DIR", default_value = "ui/dist")]
        ui_dir: PathBuf,
    },
    /// Manage accounts.
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Create an account and its superadmin; the password comes from CONVENE_ADMIN_PASSWORD or standard input.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        admin_email: String,
        #[arg(long)]
        admin_name: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve {
            listen,
            public_url,
            smtp_url,
            email_from,
            email_sender_domains,
            demo,
            ui_dir,
            rate_limit_factor,
        } => {
            let config = ServeConfig {
                data_dir: cli.data_dir,
                listen,
                public_url: public_url.unwrap_or_else(|| format!("http://{listen}")),
                database_url: cli.database_url,
                smtp_url,
                email_from,
                email_sender_domains,
                demo,
                limits: convene_server::ratelimit::Limits::scaled(rate_limit_factor.max(1)),
                ui_dir,
            };
            let running = Server::new(config).await?.start().await?;
            tokio::select! {
                result = running.wait() => result.context("server failed")?,
                _ = tokio::signal::ctrl_c() => tracing::info!("shutting down"),
            }
        }
        Command::Account {
            command:
                AccountCommand::Create {
                    name,
                    admin_email,
                    admin_name,
                },
        } => {
            let name = validate::text("name", &name, validate::MAX_NAME)?;
            let admin_email = validate::email("admin_email", &admin_email)?;
            let admin_name = validate::text("admin_name", &admin_name, validate::MAX_NAME)?;
            let password = match std::env::var("CONVENE_ADMIN_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    let mut line = String::new();
                    std::io::stdin()
                        .lock()
                        .read_line(&mut line)
                        .context("reading the password from standard input")?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            let password = validate::password("password", &password)?;
            let hash = auth::hash_password(&password)?;
            std::fs::create_dir_all(&cli.data_dir)
                .with_context(|| format!("creating data folder {}", cli.data_dir.display()))?;
            let store = Store::open(&cli.data_dir, cli.database_url.as_deref()).await?;
            // A command run twice must not make two accounts that look alike (the admin's
            // sign-in would then ask which of two identical names).
            if let Some(existing) = store.account_by_name(&name).await? {
                anyhow::bail!(
                    "an account named {name:?} already exists (id {existing}); nothing was created"
                );
            }
            let (account, _) = store
                .create_account(&name, &admin_email, &admin_name, &hash)
                .await?;
            println!("{account}");
        }
    }
    Ok(())
}
