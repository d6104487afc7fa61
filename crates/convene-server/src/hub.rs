//! Fans the change feed out to realtime streams.
//!
//! The change feed in the database is the truth. When an account's feed moves (a write on this
//! instance, or a notice from another one), one reader task reads the new change rows once and
//! judges them against each stream's [`Interest`] (the conversations its user sees, and the user
//! themselves): a stream gets a batch only when a row concerns its user; for the others the
//! reader just notes that it judged those rows. So a thousand streams cost one feed read and a
//! thousand set lookups per change, and wake only the streams the change is for. A stream that
//! could not be told (its queue was full) reads the gap from the database itself, so a missed
//! batch costs latency, never data.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use convene_proto::{AccountId, AgentId};
use tokio::sync::{mpsc, watch, Notify};

use crate::feed::{self, FeedPos};
use crate::store::Store;

/// One change-feed row, as streams need it.
#[derive(Clone, Debug)]
pub struct FeedChange {
    pub pos: FeedPos,
    pub conversation_id: String,
    pub affected_agent: Option<String>,
    pub affected_contact: Option<String>,
    /// A change of the named person's own state (their read position): it concerns no one else,
    /// and their access did not change.
    pub personal: bool,
}

/// New change rows of one account: every row with `after < pos <= upto`, in commit order.
#[derive(Debug)]
pub struct Batch {
    pub account: AccountId,
    pub after: FeedPos,
    pub upto: FeedPos,
    pub changes: Vec<FeedChange>,
}

/// Rows one feed read takes at most (the reader loops until it has them all).
const READ_ROWS: i64 = 2000;

/// What a stream's user cares about, judged by the reader for every batch.
#[derive(Debug, Default)]
pub struct Interest {
    /// The conversations the user sees; `None`: every conversation of the account (admins).
    pub visible: Option<HashSet<String>>,
    pub agent: Option<String>,
    pub contact: Option<String>,
    /// Every row up to here that was not sent to the stream was judged not to concern it.
    pub judged_upto: FeedPos,
    /// A batch for the stream could not be queued: it must read the feed itself.
    pub missed: bool,
}

impl Interest {
    /// Whether a change names the user.
    fn names_me(&self, c: &FeedChange) -> bool {
        (self.agent.is_some() && c.affected_agent == self.agent)
            || (self.contact.is_some() && c.affected_contact == self.contact)
    }

    /// Whether a change may have changed the user's access.
    pub fn access_changed(&self, c: &FeedChange) -> bool {
        !c.personal && self.names_me(c)
    }

    /// Whether a change is news to the user about a conversation they see.
    pub fn tells(&self, c: &FeedChange) -> bool {
        self.sees(&c.conversation_id) && (!c.personal || self.names_me(c))
    }

    /// Whether the user sees `conversation`.
    pub fn sees(&self, conversation: &str) -> bool {
        self.visible
            .as_ref()
            .is_none_or(|v| v.contains(conversation))
    }

    fn wants(&self, batch: &Batch) -> bool {
        batch
            .changes
            .iter()
            .any(|c| self.access_changed(c) || self.tells(c))
    }
}

/// Batches queued for one stream at most; more and the stream reads the feed itself.
const QUEUE: usize = 64;

struct Subscriber {
    id: u64,
    interest: Arc<Mutex<Interest>>,
    tx: mpsc::Sender<Arc<Batch>>,
}

#[derive(Default)]
struct Feed {
    /// Accounts whose feed moved since the reader last looked.
    dirty: HashSet<AccountId>,
    /// How far the reader has read each account that has listening streams.
    read_upto: HashMap<AccountId, FeedPos>,
    /// The streams of each account.
    subscribers: HashMap<AccountId, Vec<Subscriber>>,
    next_id: u64,
}

/// A stream's place at the hub; leaves it when dropped.
pub struct Subscription {
    pub batches: mpsc::Receiver<Arc<Batch>>,
    pub interest: Arc<Mutex<Interest>>,
    account: AccountId,
    id: u64,
    hub: Hub,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut feed = self.hub.feed();
        if let Some(list) = feed.subscribers.get_mut(&self.account) {
            list.retain(|s| s.id != self.id);
            if list.is_empty() {
                feed.subscribers.remove(&self.account);
                feed.read_upto.remove(&self.account);
            }
        }
    }
}

/// Locks an interest, whatever a panicking holder left behind.
pub fn lock(interest: &Mutex<Interest>) -> std::sync::MutexGuard<'_, Interest> {
    interest
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Where streams wait for their account's changes.
#[derive(Clone)]
pub struct Hub {
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
        let (closing, _) = watch::channel(false);
        Self {
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

    /// Wakes the streams of `agent` of `account` (their sessions ended): each reads for itself,
    /// finds its session gone and closes.
    pub fn sessions_ended(&self, account: AccountId, agent: AgentId) {
        let agent = agent.to_string();
        let feed = self.feed();
        for sub in feed.subscribers.get(&account).into_iter().flatten() {
            let mut interest = lock(&sub.interest);
            if interest.agent.as_deref() != Some(agent.as_str()) {
                continue;
            }
            interest.missed = true;
            let at = interest.judged_upto;
            // A stream whose queue is full wakes on its queued batches and sees `missed` there.
            let _ = sub.tx.try_send(Arc::new(Batch {
                account,
                after: at,
                upto: at,
                changes: Vec::new(),
            }));
        }
    }

    /// Tells every stream that the server is shutting down.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Changes to `true` when the server shuts down.
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// Registers a stream of `account` whose user's interest is `interest`, positioned at feed
    /// position `cursor` (all rows up to it are known to the stream). The reader starts reading
    /// the account there if it did not already.
    pub fn subscribe(
        &self,
        account: AccountId,
        cursor: FeedPos,
        interest: Interest,
    ) -> Subscription {
        let (tx, batches) = mpsc::channel(QUEUE);
        let interest = Arc::new(Mutex::new(Interest {
            judged_upto: cursor,
            ..interest
        }));
        let mut feed = self.feed();
        feed.next_id += 1;
        let id = feed.next_id;
        feed.read_upto.entry(account).or_insert(cursor);
        feed.subscribers
            .entry(account)
            .or_default()
            .push(Subscriber {
                id,
                interest: interest.clone(),
                tx,
            });
        Subscription {
            batches,
            interest,
            account,
            id,
            hub: self.clone(),
        }
    }

    /// Hands `batch` to the streams it concerns and notes it as judged for the others.
    fn deliver(&self, batch: Batch) {
        let batch = Arc::new(batch);
        let feed = self.feed();
        for sub in feed.subscribers.get(&batch.account).into_iter().flatten() {
            let mut interest = lock(&sub.interest);
            if batch.upto <= interest.judged_upto {
                continue;
            }
            // A batch that does not follow on from what the stream knows goes to it as well: it
            // must read the rows in between itself.
            if interest.wants(&batch) || batch.after > interest.judged_upto {
                if sub.tx.try_send(batch.clone()).is_err() {
                    interest.missed = true;
                }
            } else {
                interest.judged_upto = batch.upto;
            }
        }
    }

    /// The reader: reads each moved account's new change rows once and delivers them. Runs
    /// until the server closes.
    pub async fn read_feed(self, store: Store) {
        let mut closing = self.closing();
        loop {
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = closing.changed() => return,
            }
            let work: Vec<(AccountId, FeedPos)> = {
                let mut feed = self.feed();
                let dirty: Vec<AccountId> = feed.dirty.drain().collect();
                dirty
                    .into_iter()
                    .filter_map(|a| feed.read_upto.get(&a).map(|upto| (a, *upto)))
                    .collect()
            };
            for (account, from) in work {
                match read(&store, account, from).await {
                    Ok((changes, held_back)) if !changes.is_empty() || held_back => {
                        if held_back {
                            // Committed rows wait behind a transaction still running (of any
                            // account): look again shortly, even if nobody announces anything.
                            let hub = self.clone();
                            tokio::spawn(async move {
                                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                                hub.changed(account);
                            });
                        }
                        if changes.is_empty() {
                            continue;
                        }
                        let full = i64::try_from(changes.len()).unwrap_or(0) >= READ_ROWS;
                        let upto = changes.last().map_or(from, |c| c.pos);
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
                            self.deliver(Batch {
                                account,
                                after: from,
                                upto,
                                changes,
                            });
                        }
                        if full {
                            // The read was full: more may be waiting.
                            self.feed().dirty.insert(account);
                            self.wake.notify_one();
                        }
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "could not read the change feed; trying again");
                        self.feed().dirty.insert(account);
                        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                        self.wake.notify_one();
                    }
                }
            }
        }
    }
}

/// The change rows of `account` after `from`, in commit order, at most [`READ_ROWS`]; and
/// whether committed rows wait behind a transaction still running.
async fn read(
    store: &Store,
    account: AccountId,
    from: FeedPos,
) -> Result<(Vec<FeedChange>, bool), sqlx::Error> {
    let mut conn = store.pool().acquire().await?;
    let read = feed::read(&mut conn, store.backend(), account, from, READ_ROWS).await?;
    Ok((
        read.rows
            .into_iter()
            .map(|r| FeedChange {
                pos: r.pos,
                conversation_id: r.conversation_id,
                personal: r.kind == "read",
                affected_agent: r.affected_agent,
                affected_contact: r.affected_contact,
            })
            .collect(),
        read.held_back,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seq: i64) -> FeedPos {
        FeedPos { tx: seq, seq }
    }

    fn change(seq: i64, conversation: &str, agent: Option<&str>) -> FeedChange {
        FeedChange {
            pos: at(seq),
            conversation_id: conversation.to_owned(),
            affected_agent: agent.map(str::to_owned),
            affected_contact: None,
            personal: false,
        }
    }

    fn batch(account: AccountId, after: i64, changes: Vec<FeedChange>) -> Batch {
        Batch {
            account,
            after: at(after),
            upto: changes.last().map_or(at(after), |c| c.pos),
            changes,
        }
    }

    #[test]
    fn a_stream_gets_only_the_batches_that_concern_its_user() {
        let hub = Hub::new();
        let account = AccountId::new();
        let mut sub = hub.subscribe(
            account,
            at(10),
            Interest {
                visible: Some(HashSet::from(["mine".to_owned()])),
                agent: Some("me".to_owned()),
                ..Interest::default()
            },
        );
        // Someone else's conversation: judged, not sent.
        hub.deliver(batch(account, 10, vec![change(11, "other", None)]));
        assert!(sub.batches.try_recv().is_err());
        assert_eq!(lock(&sub.interest).judged_upto, at(11));
        // Another account: not even judged.
        hub.deliver(batch(AccountId::new(), 0, vec![change(12, "mine", None)]));
        assert!(sub.batches.try_recv().is_err());
        // A conversation the user sees, and a change naming the user: sent.
        hub.deliver(batch(account, 11, vec![change(12, "mine", None)]));
        assert_eq!(sub.batches.try_recv().expect("sent").upto, at(12));
        hub.deliver(batch(account, 12, vec![change(13, "new", Some("me"))]));
        assert_eq!(sub.batches.try_recv().expect("sent").upto, at(13));
        // Until the stream says it handled 12 and 13, a later unrelated batch leaves a gap it
        // must read itself: that is sent too.
        hub.deliver(batch(account, 13, vec![change(14, "other", None)]));
        assert_eq!(sub.batches.try_recv().expect("sent").after, at(13));
        drop(sub);
        assert!(hub.feed().subscribers.is_empty(), "left the hub");
    }
}
