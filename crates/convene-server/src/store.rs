//! Storage: every read and write the server makes, behind one type.
//!
//! SQLite (a file in the data folder) is the embedded default; PostgreSQL serves several instances.
//! Both are reached through sqlx's `Any` driver with one set of queries (`$1` placeholders, which
//! SQLite reads positionally too) and a schema per dialect in `migrations/`. Each method that
//! changes state runs in one transaction, so nothing half-done is ever stored.

use std::path::Path;
use std::str::FromStr;

use convene_proto::{AccountId, AccountRole, AgentId, AgentStatus, ContactId, CrewId};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Row};

use crate::clock::now_ms;
use crate::principal::Principal;

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported DATABASE_URL {0:?}: use sqlite:… or postgres://…")]
    UnsupportedUrl(String),
    #[error("{message}")]
    Duplicate {
        field: &'static str,
        message: String,
    },
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

type Result<T> = std::result::Result<T, StoreError>;

/// A duplicate is the caller's conflict; anything else is the server's fault.
impl From<StoreError> for crate::error::Error {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Duplicate { field, message } => Self::Conflict {
                field: Some(field.to_owned()),
                message,
            },
            // A conflict or a full disk reads the same whichever layer met it.
            StoreError::Database(e) => e.into(),
            other => Self::Internal(other.into()),
        }
    }
}

/// An agent as sign-in needs it.
#[derive(Clone, Debug)]
pub struct AgentLogin {
    pub id: AgentId,
    pub account_id: AccountId,
    pub account_name: String,
    pub password_hash: String,
    pub status: AgentStatus,
}

/// A new agent to store.
pub struct NewAgent<'a> {
    pub account_id: AccountId,
    pub email: &'a str,
    pub name: &'a str,
    pub role: AccountRole,
    pub password_hash: &'a str,
}

/// The server's database.
/// Which database is behind the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// The embedded default: a file in the data folder.
    Sqlite,
    /// For several server instances sharing one database.
    Postgres,
}

/// The server's database.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    url: String,
    /// SQLite's group commit (PostgreSQL flushes its own log at commit).
    group: Option<crate::durable::GroupSync>,
}

/// The file behind a `sqlite:` URL (none for in-memory databases).
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && !path.contains(":memory:")).then(|| std::path::PathBuf::from(path))
}

fn parse<T: FromStr>(what: &str, s: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    s.parse()
        .map_err(|e: T::Err| StoreError::Corrupt(format!("{what}: {e}")))
}

fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// A unique violation as the caller's conflict on `field`; any other error as it is.
fn duplicate(field: &'static str, message: String) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| {
        if is_unique_violation(&e) {
            StoreError::Duplicate { field, message }
        } else {
            e.into()
        }
    }
}

/// The channel PostgreSQL notifications about account changes travel on.
pub const CHANGES_CHANNEL: &str = "convene_changes";

/// The PostgreSQL notification channel on which an instance says that an agent's sessions ended
/// (payload `{account}:{agent}`), so every instance closes that agent's streams at once.
pub const SESSIONS_CHANNEL: &str = "convene_sessions";

impl Store {
    /// Opens (creating if needed) the database named by `database_url` (`sqlite:…` or
    /// `postgres://…`), or `convene.db` in `data_dir`, and brings its schema up to date.
    pub async fn open(data_dir: &Path, database_url: Option<&str>) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let (url, backend) = match database_url {
            None => {
                let dir =
                    std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
                (
                    format!("sqlite://{}?mode=rwc", dir.join("convene.db").display()),
                    Backend::Sqlite,
                )
            }
            Some(url) if url.starts_with("sqlite:") => (url.to_owned(), Backend::Sqlite),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                (url.to_owned(), Backend::Postgres)
            }
            Some(url) => {
                let scheme = url.split(':').next().unwrap_or_default();
                return Err(StoreError::UnsupportedUrl(format!("{scheme}:…")));
            }
        };
        let options =
            AnyPoolOptions::new().max_connections(if backend == Backend::Sqlite { 8 } else { 20 });
        let pool = match backend {
            Backend::Sqlite => {
                let pool = options
                    // synchronous = NORMAL: commits reach the log unflushed; `durable()` flushes
                    // it for every answered write, many writes per flush (see `durable.rs`).
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            sqlx::raw_sql(
                                "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;",
                            )
                            .execute(conn)
                            .await
                            .map(|_| ())
                        })
                    })
                    .connect(&url)
                    .await?;
                sqlx::raw_sql("PRAGMA journal_mode = WAL;")
                    .execute(&pool)
                    .await?;
                sqlx::migrate!("migrations/sqlite").run(&pool).await?;
                pool
            }
            Backend::Postgres => {
                let pool = options.connect(&url).await?;
                sqlx::migrate!("migrations/postgres").run(&pool).await?;
                pool
            }
        };
        let group = match backend {
            Backend::Sqlite => sqlite_file(&url).map(crate::durable::GroupSync::new),
            Backend::Postgres => None,
        };
        let store = Self {
            pool,
            backend,
            url,
            group,
        };
        store.index_contacts().await?;
        Ok(store)
    }

    /// Fills the contact search terms for contacts stored before there were any (once, after the
    /// migration that added them; every contact stored since gets its terms as it is stored).
    async fn index_contacts(&self) -> Result<()> {
        let has_terms = sqlx::query("SELECT 1 FROM contact_terms LIMIT 1")
            .fetch_optional(&self.pool)
            .await?
            .is_some();
        if has_terms {
            return Ok(());
        }
        let contacts =
            sqlx::query("SELECT id, account_id, name, email FROM contacts WHERE guest = 0")
                .fetch_all(&self.pool)
                .await?;
        let mut tx = self.pool.begin().await?;
        for c in &contacts {
            for term in contact_terms(c.get(2), c.get(3)) {
                sqlx::query(
                    "INSERT INTO contact_terms (account_id, term, contact_id) VALUES ($1, $2, $3)",
                )
                .bind(c.get::<String, _>(1))
                .bind(term)
                .bind(c.get::<String, _>(0))
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// The connection pool, for the domain's own queries.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Returns once every write committed before the call is on disk. Answers to requests that
    /// wrote wait for this, so an answered write survives a power loss.
    pub async fn durable(&self) -> std::io::Result<()> {
        match &self.group {
            Some(group) => group.flushed().await,
            None => Ok(()),
        }
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The database URL (PostgreSQL listeners open their own connection with it).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Creates an account and its first superadmin in one transaction.
    pub async fn create_account(
        &self,
        name: &str,
        admin_email: &str,
        admin_name: &str,
        password_hash: &str,
    ) -> Result<(AccountId, AgentId)> {
        let account = AccountId::new();
        let mut tx = self.pool.begin().await?;
        sqlx::query("INSERT INTO accounts (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(account.to_string())
            .bind(name)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        let agent = insert_agent(
            &mut tx,
            &NewAgent {
                account_id: account,
                email: admin_email,
                name: admin_name,
                role: AccountRole::SuperAdmin,
                password_hash,
            },
        )
        .await?;
        tx.commit().await?;
        Ok((account, agent))
    }

    /// Adds an agent to an account.
    pub async fn create_agent(&self, agent: &NewAgent<'_>) -> Result<AgentId> {
        let mut tx = self.pool.begin().await?;
        let id = insert_agent(&mut tx, agent).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The account named `name`, if one exists (used to keep demo seeding idempotent).
    pub async fn account_by_name(&self, name: &str) -> Result<Option<AccountId>> {
        let row = sqlx::query("SELECT id FROM accounts WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| parse("account id", r.get::<&str, _>(0)))
            .transpose()
    }

    /// What sign-in needs to know about the agents with this (normalised) email, one per account,
    /// the longest-standing first, at most `limit` of them; only `account`'s when one is named. (By
    /// age, so that admins of other accounts adding the same email later cannot push a person's
    /// own account out of the first `limit`.)
    pub async fn agent_logins(
        &self,
        email: &str,
        account: Option<AccountId>,
        limit: i64,
    ) -> Result<Vec<AgentLogin>> {
        let rows = sqlx::query(
            "SELECT g.id, g.account_id, a.name, g.password_hash, g.status
             FROM agents g JOIN accounts a ON a.id = g.account_id
             WHERE g.email = $1 AND ($2 IS NULL OR g.account_id = $2)
             ORDER BY g.created_at, g.id LIMIT $3",
        )
        .bind(email)
        .bind(account.map(|a| a.to_string()))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AgentLogin {
                    id: parse("agent id", r.get::<&str, _>(0))?,
                    account_id: parse("account id", r.get::<&str, _>(1))?,
                    account_name: r.get(2),
                    password_hash: r.get(3),
                    status: parse("agent status", r.get::<&str, _>(4))?,
                })
            })
            .collect()
    }

    /// Stores a session under the hash of its token.
    pub async fn create_session(
        &self,
        token_hash: &str,
        agent: AgentId,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, agent_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(agent.to_string())
        .bind(now_ms())
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The active agent or contact behind an unexpired session, if any.
    pub async fn session_principal(&self, token_hash: &str) -> Result<Option<Principal>> {
        let row = sqlx::query(
            "SELECT a.id, a.account_id, a.role, a.name, a.email, k.id, k.account_id, k.name, k.email, k.guest
             FROM sessions s
             LEFT JOIN agents a ON a.id = s.agent_id AND a.status = 'active'
             LEFT JOIN contacts k ON k.id = s.contact_id
             WHERE s.token_hash = $1 AND s.expires_at > $2",
        )
        .bind(token_hash)
        .bind(now_ms())
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        if let Some(id) = r.get::<Option<&str>, _>(0) {
            return Ok(Some(Principal::Agent {
                id: parse("agent id", id)?,
                account_id: parse("account id", r.get::<&str, _>(1))?,
                role: parse("role", r.get::<&str, _>(2))?,
                name: r.get(3),
                email: r.get(4),
            }));
        }
        if let Some(id) = r.get::<Option<&str>, _>(5) {
            return Ok(Some(Principal::Contact {
                id: parse("contact id", id)?,
                account_id: parse("account id", r.get::<&str, _>(6))?,
                name: r.get(7),
                email: r.get(8),
                guest: r.get::<i64, _>(9) != 0,
            }));
        }
        Ok(None)
    }

    /// The account's name.
    pub async fn account_name(&self, account: AccountId) -> Result<String> {
        Ok(
            sqlx::query_scalar("SELECT name FROM accounts WHERE id = $1")
                .bind(account.to_string())
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Ends a session. Answers whether there was one.
    pub async fn delete_session(&self, token_hash: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Ends every session of `principal` ("sign out everywhere").
    pub async fn delete_sessions_of(&self, principal: &Principal) -> Result<u64> {
        let (agent, contact) = principal.columns();
        let done = sqlx::query("DELETE FROM sessions WHERE agent_id = $1 OR contact_id = $2")
            .bind(agent)
            .bind(contact)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Creates a crew with its members.
    pub async fn create_crew(
        &self,
        account: AccountId,
        name: &str,
        call_to_action: &str,
        customer_requestable: bool,
        members: &[AgentId],
    ) -> Result<CrewId> {
        let mut tx = self.pool.begin().await?;
        let id = insert_crew(
            &mut tx,
            account,
            name,
            call_to_action,
            customer_requestable,
            members,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Creates a contact of an account.
    pub async fn create_contact(
        &self,
        account: AccountId,
        email: &str,
        name: &str,
    ) -> Result<ContactId> {
        let id = ContactId::new();
        let mut tx = self.pool.begin().await?;
        insert_contact(&mut tx, id, account, email, name, now_ms())
            .await
            .map_err(duplicate(
                "email",
                format!("a contact with email {email} already exists"),
            ))?;
        tx.commit().await?;
        Ok(id)
    }
}

/// Stores a new agent in the caller's transaction; a taken email is a [`StoreError::Duplicate`].
pub async fn insert_agent(tx: &mut sqlx::AnyConnection, agent: &NewAgent<'_>) -> Result<AgentId> {
    let id = AgentId::new();
    sqlx::query(
        "INSERT INTO agents (id, account_id, email, name, role, status, password_hash, created_at)
         VALUES ($1, $2, $3, $4, $5, 'active', $6, $7)",
    )
    .bind(id.to_string())
    .bind(agent.account_id.to_string())
    .bind(agent.email)
    .bind(agent.name)
    .bind(agent.role.as_str())
    .bind(agent.password_hash)
    .bind(now_ms())
    .execute(&mut *tx)
    .await
    .map_err(duplicate(
        "email",
        format!(
            "an agent with email {} already exists in this account",
            agent.email
        ),
    ))?;
    Ok(id)
}

/// The words a contact is found by when typing ahead: each word of the name and the whole email,
/// lower-cased, without repeats.
pub fn contact_terms(name: &str, email: &str) -> Vec<String> {
    let mut terms: Vec<String> = name
        .split_whitespace()
        .map(str::to_lowercase)
        .chain(std::iter::once(email.trim().to_lowercase()))
        .filter(|t| !t.is_empty())
        .collect();
    terms.sort();
    terms.dedup();
    terms
}

/// Stores a new contact together with its search terms (`contact_terms` is the index that keeps
/// typeahead over many contacts a range scan instead of a table scan).
pub async fn insert_contact(
    conn: &mut sqlx::AnyConnection,
    id: ContactId,
    account: AccountId,
    email: &str,
    name: &str,
    created_at: i64,
) -> std::result::Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO contacts (id, account_id, email, name, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id.to_string())
    .bind(account.to_string())
    .bind(email)
    .bind(name)
    .bind(created_at)
    .execute(&mut *conn)
    .await?;
    insert_terms(conn, id, account, email, name).await
}

/// Renames a proven contact (they gave their own name on joining), with their search terms.
pub async fn rename_contact(
    conn: &mut sqlx::AnyConnection,
    id: ContactId,
    account: AccountId,
    name: &str,
) -> std::result::Result<(), sqlx::Error> {
    let email: String = sqlx::query_scalar(
        "UPDATE contacts SET name = $1 WHERE id = $2 AND account_id = $3 RETURNING email",
    )
    .bind(name)
    .bind(id.to_string())
    .bind(account.to_string())
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM contact_terms WHERE contact_id = $1")
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    insert_terms(conn, id, account, &email, name).await
}

/// The search terms of a proven contact.
async fn insert_terms(
    conn: &mut sqlx::AnyConnection,
    id: ContactId,
    account: AccountId,
    email: &str,
    name: &str,
) -> std::result::Result<(), sqlx::Error> {
    for term in contact_terms(name, email) {
        sqlx::query("INSERT INTO contact_terms (account_id, term, contact_id) VALUES ($1, $2, $3)")
            .bind(account.to_string())
            .bind(term)
            .bind(id.to_string())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Stores a guest of a Shareable Link: the name and email they typed, unproven. Guests are not
/// search terms (nobody may find or invite them by the address they claimed), and several may
/// claim one address.
pub async fn insert_guest(
    conn: &mut sqlx::AnyConnection,
    id: ContactId,
    account: AccountId,
    email: &str,
    name: &str,
    created_at: i64,
) -> std::result::Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO contacts (id, account_id, email, name, guest, created_at) VALUES ($1, $2, $3, $4, 1, $5)",
    )
    .bind(id.to_string())
    .bind(account.to_string())
    .bind(email)
    .bind(name)
    .bind(created_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The proven contact with `email` in `account`, created with `name` when there is none. Two
/// callers racing to create it get the same row (the insert yields to the unique index).
pub async fn ensure_contact(
    conn: &mut sqlx::AnyConnection,
    account: AccountId,
    email: &str,
    name: &str,
) -> std::result::Result<ContactId, sqlx::Error> {
    let id = ContactId::new();
    let inserted = sqlx::query(
        "INSERT INTO contacts (id, account_id, email, name, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (account_id, email) WHERE guest = 0 DO NOTHING",
    )
    .bind(id.to_string())
    .bind(account.to_string())
    .bind(email)
    .bind(name)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 1 {
        insert_terms(conn, id, account, email, name).await?;
        return Ok(id);
    }
    let existing: String = sqlx::query_scalar(
        "SELECT id FROM contacts WHERE account_id = $1 AND email = $2 AND guest = 0",
    )
    .bind(account.to_string())
    .bind(email)
    .fetch_one(&mut *conn)
    .await?;
    existing
        .parse()
        .map_err(|_| sqlx::Error::Decode(format!("contact id {existing:?}").into()))
}

/// Stores a new crew with its members in the caller's transaction; a taken name is a
/// [`StoreError::Duplicate`].
pub async fn insert_crew(
    conn: &mut sqlx::AnyConnection,
    account: AccountId,
    name: &str,
    call_to_action: &str,
    customer_requestable: bool,
    members: &[AgentId],
) -> Result<CrewId> {
    let id = CrewId::new();
    sqlx::query(
        "INSERT INTO crews (id, account_id, name, call_to_action, customer_requestable, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id.to_string())
    .bind(account.to_string())
    .bind(name)
    .bind(call_to_action)
    .bind(i64::from(customer_requestable))
    .bind(now_ms())
    .execute(&mut *conn)
    .await
    .map_err(duplicate(
        "name",
        format!("a crew named {name} already exists"),
    ))?;
    for agent in members {
        sqlx::query("INSERT INTO crew_members (crew_id, agent_id) VALUES ($1, $2)")
            .bind(id.to_string())
            .bind(agent.to_string())
            .execute(&mut *conn)
            .await?;
    }
    Ok(id)
}

#[cfg(test)]
mod migration_tests {
    use sqlx::migrate::Migrator;
    use sqlx::{Connection, Row};

    /// The crew table's rebuild (0012) on a database that has crews, members and service
    /// requests: every row and link survives, foreign keys hold and are on again, and a deleted
    /// crew's name is free while a live one's is not.
    #[tokio::test]
    async fn the_crew_rebuild_keeps_every_row_and_link() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("old.db").display());
        let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("open");
        sqlx::raw_sql("PRAGMA foreign_keys = ON")
            .execute(&mut conn)
            .await
            .expect("pragma");
        let all = sqlx::migrate!("migrations/sqlite");
        let before: Vec<_> = all.iter().filter(|m| m.version < 12).cloned().collect();
        let old = Migrator {
            migrations: std::borrow::Cow::Owned(before),
            ..Migrator::DEFAULT
        };
        old.run(&mut conn).await.expect("the old schema");
        sqlx::raw_sql(
            "INSERT INTO accounts (id, name, created_at) VALUES ('acc', 'Acme', 1);
             INSERT INTO agents (id, account_id, email, name, role, status, password_hash, created_at)
                 VALUES ('ag', 'acc', 'a@x.test', 'Ana', 'agent', 'active', 'h', 1);
             INSERT INTO crews (id, account_id, name, call_to_action, customer_requestable, created_at, deleted_at)
                 VALUES ('live', 'acc', 'Billing', 'Ask billing', 1, 1, NULL),
                        ('gone', 'acc', 'Returns', 'Return it', 0, 1, 5);
             INSERT INTO crew_members (crew_id, agent_id) VALUES ('live', 'ag'), ('gone', 'ag');
             INSERT INTO conversations (id, account_id, subject, status, created_by, created_at, updated_at)
                 VALUES ('conv', 'acc', 'Lamp', 'open', 'ag', 1, 1);
             INSERT INTO service_requests (id, conversation_id, crew_id, requested_by_agent, notified, status, created_at)
                 VALUES ('req', 'conv', 'gone', 'ag', 0, 'open', 1);",
        )
        .execute(&mut conn)
        .await
        .expect("rows at the old schema");

        all.run(&mut conn).await.expect("the rebuild");
        let crews: Vec<(String, String, Option<i64>)> =
            sqlx::query("SELECT id, name, deleted_at FROM crews ORDER BY id")
                .fetch_all(&mut conn)
                .await
                .expect("crews")
                .into_iter()
                .map(|r| (r.get(0), r.get(1), r.get(2)))
                .collect();
        assert_eq!(
            crews,
            vec![
                ("gone".to_owned(), "Returns".to_owned(), Some(5)),
                ("live".to_owned(), "Billing".to_owned(), None)
            ]
        );
        let members: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM crew_members")
            .fetch_one(&mut conn)
            .await
            .expect("members");
        assert_eq!(members, 2, "no member was cascaded away");
        let broken = sqlx::query("PRAGMA foreign_key_check")
            .fetch_all(&mut conn)
            .await
            .expect("check");
        assert!(broken.is_empty(), "{} broken references", broken.len());
        let on: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&mut conn)
            .await
            .expect("pragma");
        assert_eq!(on, 1, "foreign keys are enforced again");
        sqlx::query("INSERT INTO crews (id, account_id, name, call_to_action, created_at) VALUES ('new', 'acc', 'Returns', 'x', 2)")
            .execute(&mut conn)
            .await
            .expect("a deleted crew's name is free");
        let taken = sqlx::query("INSERT INTO crews (id, account_id, name, call_to_action, created_at) VALUES ('dup', 'acc', 'Billing', 'x', 2)")
            .execute(&mut conn)
            .await;
        assert!(taken.is_err(), "a live crew's name is taken");
        let orphan =
            sqlx::query("INSERT INTO crew_members (crew_id, agent_id) VALUES ('nowhere', 'ag')")
                .execute(&mut conn)
                .await;
        assert!(orphan.is_err(), "references to crews are still enforced");
    }
}
