//! Storage: every read and write the server makes, behind one type.
//!
//! SQLite (a file in the data folder) is the embedded default. Each method that changes state
//! runs in one transaction, so nothing half-done is ever stored.

use std::path::Path;
use std::str::FromStr;

use convene_proto::{
    AccountId, AccountRole, AgentId, AgentStatus, ContactId, Conversation, ConversationId,
    ConversationStatus, CrewId, Me, ParticipantRole, ParticipantState, Via,
};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

use crate::clock::{from_ms, now_ms};

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported DATABASE_URL {0:?}: use sqlite://… (PostgreSQL support is planned)")]
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

/// An agent as sign-in needs it.
#[derive(Clone, Debug)]
pub struct AgentLogin {
    pub id: AgentId,
    pub password_hash: String,
    pub status: AgentStatus,
}

/// The signed-in agent behind a session, with what permission checks need.
#[derive(Clone, Debug)]
pub struct SessionAgent {
    pub id: AgentId,
    pub account_id: AccountId,
    pub role: AccountRole,
    pub me: Me,
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
#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
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

impl Store {
    /// Opens (creating if needed) the database named by `database_url`, or `convene.db` in `data_dir`,
    /// and brings its schema up to date.
    pub async fn open(data_dir: &Path, database_url: Option<&str>) -> Result<Self> {
        let options = match database_url {
            None => SqliteConnectOptions::new().filename(data_dir.join("convene.db")),
            Some(url) if url.starts_with("sqlite:") => SqliteConnectOptions::from_str(url)?,
            Some(url) => {
                let scheme = url.split(':').next().unwrap_or_default();
                return Err(StoreError::UnsupportedUrl(format!("{scheme}:…")));
            }
        };
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(std::time::Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        Ok(Self { pool })
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
        sqlx::query("INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)")
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
        let row = sqlx::query("SELECT id FROM accounts WHERE name = ?")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| parse("account id", r.get::<&str, _>(0)))
            .transpose()
    }

    /// What sign-in needs to know about the agent with this (normalised) email.
    pub async fn agent_login(&self, email: &str) -> Result<Option<AgentLogin>> {
        let row = sqlx::query("SELECT id, password_hash, status FROM agents WHERE email = ?")
            .bind(email)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(AgentLogin {
                id: parse("agent id", r.get::<&str, _>(0))?,
                password_hash: r.get(1),
                status: parse("agent status", r.get::<&str, _>(2))?,
            })
        })
        .transpose()
    }

    /// Stores a session under the hash of its token.
    pub async fn create_session(
        &self,
        token_hash: &str,
        agent: AgentId,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, agent_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
        )
        .bind(token_hash)
        .bind(agent.to_string())
        .bind(now_ms())
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The active agent behind an unexpired session, if any.
    pub async fn session_agent(&self, token_hash: &str) -> Result<Option<SessionAgent>> {
        let row = sqlx::query(
            "SELECT a.id, a.account_id, ac.name, a.email, a.name, a.role
             FROM sessions s JOIN agents a ON a.id = s.agent_id JOIN accounts ac ON ac.id = a.account_id
             WHERE s.token_hash = ? AND s.expires_at > ? AND a.status = 'active'",
        )
        .bind(token_hash)
        .bind(now_ms())
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let id: AgentId = parse("agent id", r.get::<&str, _>(0))?;
        let account_id: AccountId = parse("account id", r.get::<&str, _>(1))?;
        let role: AccountRole = parse("role", r.get::<&str, _>(5))?;
        Ok(Some(SessionAgent {
            id,
            account_id,
            role,
            me: Me::Agent {
                id,
                account_id,
                account_name: r.get(2),
                email: r.get(3),
                name: r.get(4),
                role,
            },
        }))
    }

    /// Ends a session. Answers whether there was one.
    pub async fn delete_session(&self, token_hash: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Creates a conversation whose creator is its first owner, in one transaction.
    pub async fn create_conversation(
        &self,
        account: AccountId,
        creator: AgentId,
        subject: &str,
    ) -> Result<Conversation> {
        let id = ConversationId::new();
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO conversations (id, account_id, subject, status, created_by, created_at, updated_at)
             VALUES (?, ?, ?, 'open', ?, ?, ?)",
        )
        .bind(id.to_string())
        .bind(account.to_string())
        .bind(subject)
        .bind(creator.to_string())
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        insert_participant(
            &mut tx,
            id,
            Member::Agent(creator),
            ParticipantRole::Owner,
            ParticipantState::Joined,
            None,
            Via::Created,
        )
        .await?;
        tx.commit().await?;
        Ok(Conversation {
            id,
            subject: subject.to_owned(),
            status: ConversationStatus::Open,
            created_by: creator,
            created_at: from_ms(now),
            updated_at: from_ms(now),
            my_role: Some(ParticipantRole::Owner),
            participant_count: 1,
        })
    }

    /// The conversations an agent has joined, most recently updated first.
    pub async fn conversations_of_agent(&self, agent: AgentId) -> Result<Vec<Conversation>> {
        let rows = sqlx::query(
            "SELECT c.id, c.subject, c.status, c.created_by, c.created_at, c.updated_at, p.role,
                    (SELECT COUNT(*) FROM participants q WHERE q.conversation_id = c.id AND q.state = 'joined')
             FROM participants p JOIN conversations c ON c.id = p.conversation_id
             WHERE p.agent_id = ? AND p.state = 'joined'
             ORDER BY c.updated_at DESC, c.id DESC",
        )
        .bind(agent.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Conversation {
                    id: parse("conversation id", r.get::<&str, _>(0))?,
                    subject: r.get(1),
                    status: parse("conversation status", r.get::<&str, _>(2))?,
                    created_by: parse("agent id", r.get::<&str, _>(3))?,
                    created_at: from_ms(r.get(4)),
                    updated_at: from_ms(r.get(5)),
                    my_role: Some(parse("participant role", r.get::<&str, _>(6))?),
                    participant_count: r.get(7),
                })
            })
            .collect()
    }

    /// Adds a joined participant directly (demo seeding; invites come with the membership domain).
    pub async fn add_participant(
        &self,
        conversation: ConversationId,
        member: Member,
        role: ParticipantRole,
        added_by: Option<AgentId>,
        via: Via,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        insert_participant(
            &mut tx,
            conversation,
            member,
            role,
            ParticipantState::Joined,
            added_by,
            via,
        )
        .await?;
        tx.commit().await?;
        Ok(())
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
        let id = CrewId::new();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO crews (id, account_id, name, call_to_action, customer_requestable, created_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(id.to_string())
        .bind(account.to_string())
        .bind(name)
        .bind(call_to_action)
        .bind(customer_requestable)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        for agent in members {
            sqlx::query("INSERT INTO crew_members (crew_id, agent_id) VALUES (?, ?)")
                .bind(id.to_string())
                .bind(agent.to_string())
                .execute(&mut *tx)
                .await?;
        }
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
        sqlx::query(
            "INSERT INTO contacts (id, account_id, email, name, created_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(id.to_string())
        .bind(account.to_string())
        .bind(email)
        .bind(name)
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::Duplicate {
                    field: "email",
                    message: format!("a contact with email {email} already exists"),
                }
            } else {
                e.into()
            }
        })?;
        Ok(id)
    }

    /// Posts a message as a participant (demo seeding; the messages API comes with the domain).
    pub async fn add_message(
        &self,
        conversation: ConversationId,
        author: Member,
        body: &str,
    ) -> Result<()> {
        let sql = match author {
            Member::Agent(_) => {
                "INSERT INTO messages (id, conversation_id, participant_id, body, created_at)
                 SELECT ?, ?, p.id, ?, ? FROM participants p WHERE p.conversation_id = ? AND p.agent_id = ?"
            }
            Member::Contact(_) => {
                "INSERT INTO messages (id, conversation_id, participant_id, body, created_at)
                 SELECT ?, ?, p.id, ?, ? FROM participants p WHERE p.conversation_id = ? AND p.contact_id = ?"
            }
        };
        sqlx::query(sql)
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(conversation.to_string())
            .bind(body)
            .bind(now_ms())
            .bind(conversation.to_string())
            .bind(author.id_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// Who a participant is: an agent or a contact.
#[derive(Clone, Copy, Debug)]
pub enum Member {
    Agent(AgentId),
    Contact(ContactId),
}

impl Member {
    fn id_string(self) -> String {
        match self {
            Member::Agent(id) => id.to_string(),
            Member::Contact(id) => id.to_string(),
        }
    }
}

async fn insert_agent(tx: &mut sqlx::SqliteConnection, agent: &NewAgent<'_>) -> Result<AgentId> {
    let id = AgentId::new();
    sqlx::query(
        "INSERT INTO agents (id, account_id, email, name, role, status, password_hash, created_at)
         VALUES (?, ?, ?, ?, ?, 'active', ?, ?)",
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
    .map_err(|e| {
        if is_unique_violation(&e) {
            StoreError::Duplicate {
                field: "email",
                message: format!("an agent with email {} already exists", agent.email),
            }
        } else {
            e.into()
        }
    })?;
    Ok(id)
}

async fn insert_participant(
    tx: &mut sqlx::SqliteConnection,
    conversation: ConversationId,
    member: Member,
    role: ParticipantRole,
    state: ParticipantState,
    added_by: Option<AgentId>,
    via: Via,
) -> Result<()> {
    let now = now_ms();
    let (agent, contact) = match member {
        Member::Agent(a) => (Some(a.to_string()), None),
        Member::Contact(c) => (None, Some(c.to_string())),
    };
    sqlx::query(
        "INSERT INTO participants (id, conversation_id, agent_id, contact_id, role, state, added_by, via, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(conversation.to_string())
    .bind(agent)
    .bind(contact)
    .bind(role.as_str())
    .bind(state.as_str())
    .bind(added_by.map(|a| a.to_string()))
    .bind(via.as_str())
    .bind(now)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
