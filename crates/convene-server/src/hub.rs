//! Fans the change feed out to realtime streams.
//!
//! The change feed in the database is the truth. When an account's feed moves (a write on this
//! instance, or a notice from another one), one reader task reads the new change rows once and
//! broadcasts them as a batch; each stream then decides from the batch alone whether it concerns
//! its user (a conversation they see, or a change naming them) and only then touches the database.
//! So a thousand streams cost one feed read per change, not a thousand. A stream that misses a
//! batch (it lagged, or started before the reader knew the account) reads the gap from the
//! database itself, so a missed batch costs latency, never data.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use convene_proto::AccountId;
use sqlx::Row;
use tokio::sync::{broadcast, watch, Notify};

use crate::store::Store;

/// One change-feed row, as streams need it.
#[derive(Clone, Debug)]
pub struct FeedChange {
    pub seq: i64,
    pub conversation_id: String,
    pub affected_agent: Option<String>,
    pub affected_contact: Option<String>,
}

/// New change rows of one account: every row with `after < seq <= upto`. A stream whose own
/// position is before `after` has missed rows and reads them from the database itself.
#[derive(Debug)]
pub struct Batch {
    pub account: AccountId,
    pub after: i64,
    pub upto: i64,
    pub changes: Vec<FeedChange>,
}

/// Rows one feed read takes at most (the reader loops until it has them all).
const READ_ROWS: i64 = 2000;

#[derive(Default)]
struct Feed {
    /// Accounts whose feed moved since the reader last looked.
    dirty: HashSet<AccountId>,
    /// How far the reader has read each account that has listening streams.
    read_upto: HashMap<AccountId, i64>,
}

/// Where streams wait for their account's changes.
#[derive(Clone)]
pub struct Hub {
    tx: broadcast::Sender<Arc<Batch>>,
    feed: Arc<Mutex<Feed>>,
    wake: Arc<Notify>,
    closing: Arc<watch::Sender<bool>>,
}

impl Default for Hub {
    fn default() -> Self {
        Self::new()
    }
}

impl Hub {
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(4096);
        let (closing, _) = watch::channel(false);
        Self {
            tx,
            feed: Arc::default(),
            wake: Arc::new(Notify::new()),
            closing: Arc::new(closing),
        }
    }

    fn feed(&self) -> std::sync::MutexGuard<'_, Feed> {
        self.feed
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Says that `account`'s change feed moved; the reader task reads it and tells the streams.
    pub fn changed(&self, account: AccountId) {
        self.feed().dirty.insert(account);
        self.wake.notify_one();
    }

    /// Says that any followed account's feed may have moved (after missed notices).
    pub fn changed_all(&self) {
        {
            let mut feed = self.feed();
            let accounts: Vec<AccountId> = feed.read_upto.keys().copied().collect();
            feed.dirty.extend(accounts);
        }
        self.wake.notify_one();
    }

    /// Tells every stream that the server is shutting down.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Changes to `true` when the server shuts down.
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// Batches of every account, for a stream. Subscribe first, then read where the feed stands
    /// and [`follow`](Self::follow) the account from there: a batch sent in between is either
    /// received or already included in that position.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Batch>> {
        self.tx.subscribe()
    }

    /// Makes the reader read `account`'s feed from `cursor` on, if it does not already.
    pub fn follow(&self, account: AccountId, cursor: i64) {
        self.feed().read_upto.entry(account).or_insert(cursor);
    }

    /// The reader: reads each moved account's new change rows once and broadcasts them. Runs
    /// until the server closes.
    pub async fn read_feed(self, store: Store) {
        let mut closing = self.closing();
        loop {
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = closing.changed() => return,
            }
            let work: Vec<(AccountId, i64)> = {
                let mut feed = self.feed();
                let dirty: Vec<AccountId> = feed.dirty.drain().collect();
                dirty
                    .into_iter()
                    .filter_map(|a| feed.read_upto.get(&a).map(|upto| (a, *upto)))
                    .collect()
            };
            for (account, from) in work {
                match read(&store, account, from).await {
                    Ok(changes) if !changes.is_empty() => {
                        let full = i64::try_from(changes.len()).unwrap_or(0) >= READ_ROWS;
                        let upto = changes.last().map_or(from, |c| c.seq);
                        let advanced = {
                            let mut feed = self.feed();
                            let known = feed.read_upto.entry(account).or_insert(from);
                            let advanced = *known == from;
                            if advanced {
                                *known = upto;
                            }
                            advanced
                        };
                        if advanced {
                            let _ = self.tx.send(Arc::new(Batch {
                                account,
                                after: from,
                                upto,
                                changes,
                            }));
                        }
                        if full {
                            // The read was full: more may be waiting.
                            self.feed().dirty.insert(account);
                            self.wake.notify_one();
                        }
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "could not read the change feed; streams will catch up");
                        // Streams catch up from the database; wake them with an empty batch.
                        let _ = self.tx.send(Arc::new(Batch {
                            account,
                            after: i64::MAX,
                            upto: from,
                            changes: Vec::new(),
                        }));
                    }
                }
            }
        }
    }
}

/// The change rows of `account` after `from`, oldest first, at most [`READ_ROWS`].
async fn read(
    store: &Store,
    account: AccountId,
    from: i64,
) -> Result<Vec<FeedChange>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT seq, conversation_id, affected_agent, affected_contact FROM changes
         WHERE account_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
    )
    .bind(account.to_string())
    .bind(from)
    .bind(READ_ROWS)
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| FeedChange {
            seq: r.get(0),
            conversation_id: r.get(1),
            affected_agent: r.get(2),
            affected_contact: r.get(3),
        })
        .collect())
}
