//! The one way anything is written: [`write`] begins a transaction, runs the change, commits,
//! retries when a concurrent change won a conflict, and announces what changed — so no service
//! can forget one of those steps.
//!
//! Isolation: PostgreSQL runs at READ COMMITTED, and every change first takes its conversation's
//! row lock (`service::Hold`): changes whose rule counts or checks the conversation's rows take it
//! exclusively, so they take turns and each sees what the other committed; changes that only add
//! rows of their own share it, and what they could collide on (the same person invited twice) a
//! unique index settles, its violation retried like a conflict. The conversation's `updated_at`,
//! which every change writes, is written just before the commit. That is cheaper than
//! SERIALIZABLE (no predicate locks, no false conflicts under load) and just as safe for rules
//! scoped to one conversation. SQLite's `BEGIN IMMEDIATE` serialises every writer anyway.
//! What is left to retry: deadlocks and serialization failures on PostgreSQL, a busy database on
//! SQLite. Each retry waits a jittered, growing pause; past the bound the caller gets
//! [`Error::Busy`] (503 with `Retry-After`), never a 500, and nothing was stored.
//!
//! The connection is managed by hand (`BEGIN`/`COMMIT`/`ROLLBACK`) rather than by sqlx's
//! transaction guard, so that a connection whose commit or rollback failed (a full disk, an I/O
//! error) is closed instead of going back to the pool still inside a transaction, where every
//! later write on it would fail.

use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::Duration;

use convene_proto::{AccountId, AgentId, ConversationId};
use futures_util::future::BoxFuture;
use rand::Rng;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection};
use tokio::sync::Notify;

use crate::error::Error;
use crate::hub::Hub;
use crate::store::{Backend, Store};

/// How many times a change is tried before the caller is told the server is busy.
pub const ATTEMPTS: u32 = 8;

/// One write transaction. Derefs to the connection for queries; [`Tx::changed`] and
/// [`Tx::mail_queued`] note whom to tell once it commits. The lifetime ties the transaction to the
/// data its change borrows (see [`write`]).
pub struct Tx<'a> {
    conn: Option<PoolConnection<Any>>,
    backend: Backend,
    told: Told,
    /// Conversations whose `updated_at` moves at commit, with the time it moves to.
    touched: Vec<(ConversationId, i64)>,
    _borrows: PhantomData<&'a ()>,
}

/// Whom a committed change must be announced to.
#[derive(Debug, Default)]
pub struct Told {
    /// Accounts whose change feed got rows: their streams (here and on other instances) wake.
    pub accounts: Vec<AccountId>,
    /// Mail was queued: the outbox worker wakes.
    pub mail: bool,
    /// Agents whose sessions this change ended or changed (suspended, a new password, a new role):
    /// their open streams, here and on the other instances, check their session at once and close
    /// if it no longer holds as it opened, instead of at their next change.
    pub sessions_ended: Vec<(AccountId, AgentId)>,
}

impl Tx<'_> {
    async fn begin(store: &Store) -> Result<Self, Error> {
        // Wrapped before BEGIN is sent: if the request is cancelled while BEGIN waits (SQLite
        // waits for the write lock), `Drop` closes the connection rather than pooling it with a
        // transaction the driver may still open.
        let mut tx = Self {
            conn: Some(store.pool().acquire().await?),
            backend: store.backend(),
            told: Told::default(),
            touched: Vec::new(),
            _borrows: PhantomData,
        };
        let begin = match store.backend() {
            // Takes the write lock up front, so two writers queue (busy timeout) instead of
            // failing when a reader upgrades.
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        };
        match sqlx::raw_sql(begin).execute(tx.conn()).await {
            Ok(_) => Ok(tx),
            Err(e) => {
                let e = Error::from(e);
                if matches!(e, Error::Busy) {
                    // BEGIN did not happen: the connection is clean and goes back to the pool.
                    if let Some(conn) = tx.conn.take() {
                        drop(conn);
                    }
                }
                Err(e)
            }
        }
    }

    /// Notes that `account`'s change feed got a row in this transaction.
    pub fn changed(&mut self, account: AccountId) {
        if !self.told.accounts.contains(&account) {
            self.told.accounts.push(account);
        }
    }

    /// Moves conversation `id`'s `updated_at` to `at` when the change commits.
    pub fn touch(&mut self, id: ConversationId, at: i64) {
        match self.touched.iter_mut().find(|(c, _)| *c == id) {
            Some((_, t)) => *t = (*t).max(at),
            None => self.touched.push((id, at)),
        }
    }

    /// Notes that this transaction ended every session of `agent` of `account`.
    pub fn sessions_ended(&mut self, account: AccountId, agent: AgentId) {
        self.told.sessions_ended.push((account, agent));
    }

    /// Notes that this transaction queued an email.
    pub fn mail_queued(&mut self) {
        self.told.mail = true;
    }

    async fn touch_conversations(&mut self) -> Result<(), Error> {
        for (id, at) in std::mem::take(&mut self.touched) {
            sqlx::query("UPDATE conversations SET updated_at = $1 WHERE id = $2")
                .bind(at)
                .bind(id.to_string())
                .execute(self.conn())
                .await?;
        }
        Ok(())
    }

    fn conn(&mut self) -> &mut AnyConnection {
        // Present from `begin` until `finish` consumes the transaction.
        self.conn
            .as_deref_mut()
            .expect("a transaction's connection")
    }

    /// Commits on `Ok`, rolls back on `Err`. A connection whose commit or rollback failed is
    /// closed, never returned to the pool mid-transaction.
    async fn finish<T>(mut self, result: Result<T, Error>) -> Result<(T, Told), Error> {
        let end = match (&result, self.backend) {
            (Err(_), _) => "ROLLBACK".to_owned(),
            // One round trip ends the change: the conversations' `updated_at`, the NOTIFY that
            // tells the other instances (delivered when, and only if, the transaction commits,
            // at no commit of its own) and the COMMIT. Every value is an id or a number.
            (Ok(_), Backend::Postgres) => {
                let mut sql = String::new();
                for (id, at) in std::mem::take(&mut self.touched) {
                    sql.push_str(&format!(
                        "UPDATE conversations SET updated_at = {at} WHERE id = '{id}'; "
                    ));
                }
                for account in &self.told.accounts {
                    sql.push_str(&format!(
                        "SELECT pg_notify('{}', '{account}'); ",
                        crate::store::CHANGES_CHANNEL
                    ));
                }
                for (account, agent) in &self.told.sessions_ended {
                    sql.push_str(&format!(
                        "SELECT pg_notify('{}', '{account}:{agent}'); ",
                        crate::store::SESSIONS_CHANNEL
                    ));
                }
                sql.push_str("COMMIT");
                sql
            }
            (Ok(_), Backend::Sqlite) => {
                if let Err(e) = self.touch_conversations().await {
                    return Err(self.abandon(e, "UPDATE").await);
                }
                "COMMIT".to_owned()
            }
        };
        let ended = sqlx::raw_sql(sqlx::AssertSqlSafe(end.clone()))
            .execute(self.conn())
            .await;
        match ended {
            Ok(_) => {
                if let Some(conn) = self.conn.take() {
                    drop(conn);
                }
                result.map(|value| (value, std::mem::take(&mut self.told)))
            }
            Err(e) => {
                let error = match result {
                    Ok(_) => Error::from(e),
                    Err(original) => original,
                };
                let what = if end.ends_with("COMMIT") {
                    "COMMIT"
                } else {
                    "ROLLBACK"
                };
                Err(self.abandon(error, what).await)
            }
        }
    }

    /// After a failed end: roll back if the connection still answers, then close it either way
    /// (a failed COMMIT may leave the transaction open). Answers the error to report.
    async fn abandon(mut self, error: Error, what: &str) -> Error {
        if let Some(conn) = self.conn.take() {
            let mut conn = conn.detach();
            let _ = sqlx::raw_sql("ROLLBACK").execute(&mut conn).await;
            drop(conn);
        }
        tracing::warn!(%error, "{what} failed; its connection was closed");
        error
    }
}

impl Drop for Tx<'_> {
    /// A change dropped half-way (its request was cancelled): the connection is closed rather
    /// than pooled inside its transaction; the database rolls the transaction back.
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            drop(conn.detach());
        }
    }
}

impl Deref for Tx<'_> {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        self.conn.as_deref().expect("a transaction's connection")
    }
}

impl DerefMut for Tx<'_> {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        self.conn()
    }
}

/// Who is told about committed changes on this instance: its realtime hub and its email worker.
/// (The other instances are told by the NOTIFY each PostgreSQL transaction sends as it commits.)
#[derive(Clone)]
pub struct Announcer {
    pub hub: Hub,
    pub outbox: Arc<Notify>,
}

impl Announcer {
    /// Tells everyone concerned by `told` on this instance (the others heard by NOTIFY).
    pub fn announce(&self, told: Told) {
        for account in told.accounts {
            self.hub.changed(account);
        }
        if told.mail {
            self.outbox.notify_one();
        }
        for (account, agent) in told.sessions_ended {
            self.hub.sessions_ended(account, agent);
        }
    }
}

/// The pause before attempt `attempt + 1`: 2, 4, 8 … ms (at most 128 ms), each with up to as much
/// again of random jitter, so racing retries spread out instead of colliding again.
fn backoff(attempt: u32) -> Duration {
    let base = 2u64 << attempt.min(6);
    Duration::from_millis(base + rand::thread_rng().gen_range(0..=base))
}

/// Runs `prepare` then `change` in one transaction, commits, announces, and answers what `change`
/// returned. Both run again from the start (on a fresh transaction) when the database reports a
/// conflict with a concurrent change, at most [`ATTEMPTS`] times. An error from either rolls back
/// everything. `prepare` is where the permission check goes (see `service::Ctx::change_in`), so a
/// change never runs without one.
///
/// Both are `Fn` returning boxed futures that borrow the transaction (`'t`) and whatever the
/// caller lent (`'a`); write them as `|tx| Box::pin(async move { … })`.
pub async fn write<'a, P, T, Prep, Change>(
    store: &Store,
    announcer: Option<&Announcer>,
    prepare: Prep,
    change: Change,
) -> Result<T, Error>
where
    P: Send,
    T: Send,
    Prep: for<'t> Fn(&'t mut Tx<'a>) -> BoxFuture<'t, Result<P, Error>> + Send + Sync,
    Change: for<'t> Fn(&'t mut Tx<'a>, &'t P) -> BoxFuture<'t, Result<T, Error>> + Send + Sync,
{
    let mut attempt = 0;
    loop {
        let outcome = match Tx::begin(store).await {
            Ok(mut tx) => {
                let result = match prepare(&mut tx).await {
                    Ok(prepared) => change(&mut tx, &prepared).await,
                    Err(e) => Err(e),
                };
                tx.finish(result).await
            }
            // SQLite answers BUSY to BEGIN only after its busy timeout (5 s) already waited for
            // the write lock: waiting that long again would only hold the caller up.
            Err(e) => return Err(e),
        };
        match outcome {
            Ok((value, told)) => {
                if let Some(announcer) = announcer {
                    announcer.announce(told);
                }
                return Ok(value);
            }
            Err(Error::Busy) if attempt + 1 < ATTEMPTS => {
                tokio::time::sleep(backoff(attempt)).await;
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// [`write`] without a `prepare` step, for changes whose checks are all in `change`.
pub async fn run<'a, T, F>(store: &Store, announcer: &Announcer, change: F) -> Result<T, Error>
where
    T: Send,
    F: for<'t> Fn(&'t mut Tx<'a>) -> BoxFuture<'t, Result<T, Error>> + Send + Sync,
{
    write(
        store,
        Some(announcer),
        |_| Box::pin(async { Ok(()) }),
        |tx, _: &()| change(tx),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_jittered_and_bounded() {
        for attempt in 0..20 {
            let pause = backoff(attempt).as_millis();
            let base = 2u128 << attempt.min(6);
            assert!(pause >= base && pause <= 2 * base, "{attempt}: {pause} ms");
        }
        assert!(backoff(30).as_millis() <= 256);
    }
}
