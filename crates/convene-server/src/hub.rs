//! Wakes realtime streams when their account's change feed moves.
//!
//! The change feed in the database is the truth; the hub only says "account X changed", and each
//! stream then reads what changed for its user. So a missed wake-up costs latency, never data.

use convene_proto::AccountId;
use tokio::sync::{broadcast, watch};

/// A broadcast of "this account's change feed moved".
#[derive(Clone)]
pub struct Hub {
    tx: broadcast::Sender<AccountId>,
    closing: std::sync::Arc<watch::Sender<bool>>,
}

impl Default for Hub {
    fn default() -> Self {
        Self::new()
    }
}

impl Hub {
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(1024);
        let (closing, _) = watch::channel(false);
        Self {
            tx,
            closing: std::sync::Arc::new(closing),
        }
    }

    /// Tells every stream of `account` to look for changes.
    pub fn changed(&self, account: AccountId) {
        let _ = self.tx.send(account);
    }

    /// Tells every stream that the server is shutting down.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Changes to `true` when the server shuts down.
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// A receiver of change notices.
    pub fn subscribe(&self) -> broadcast::Receiver<AccountId> {
        self.tx.subscribe()
    }
}
