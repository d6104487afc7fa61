//! Group commit for SQLite: durable answers without one fsync per write.
//!
//! SQLite in WAL mode with `synchronous=FULL` fsyncs the log at every commit, and it has one
//! writer at a time, so a server on an ordinary disk (a few ms per fsync) answers only a few
//! hundred writes a second. Instead the store commits with `synchronous=NORMAL` (the commit is
//! written to the log, not yet flushed) and every request that wrote waits, before it is
//! answered, until the log has been fsynced after its commit. Writers that commit while one
//! fsync runs share the next one. So an answered write is on disk, power loss included, and
//! the disk's flush rate limits batches, not writes.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

#[derive(Default)]
struct State {
    /// Requests for durability so far (each waits for a flush that starts after it asked).
    asked: u64,
    /// Requests covered by a finished flush.
    done: u64,
    /// Whether a flush is running.
    flushing: bool,
}

/// Flushes one SQLite database's write-ahead log on behalf of many writers.
#[derive(Clone)]
pub struct GroupSync {
    wal: PathBuf,
    state: Arc<Mutex<State>>,
    done: Arc<watch::Sender<u64>>,
}

impl GroupSync {
    /// For the database file `db` (its log is `db-wal`).
    pub fn new(db: PathBuf) -> Self {
        let mut wal = db.into_os_string();
        wal.push("-wal");
        Self {
            wal: PathBuf::from(wal),
            state: Arc::default(),
            done: Arc::new(watch::channel(0).0),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Returns once everything committed before the call is on disk.
    pub async fn flushed(&self) -> std::io::Result<()> {
        let ticket = {
            let mut s = self.state();
            s.asked += 1;
            s.asked
        };
        let mut done = self.done.subscribe();
        loop {
            let lead = {
                let mut s = self.state();
                if s.done >= ticket {
                    return Ok(());
                }
                if s.flushing {
                    None
                } else {
                    s.flushing = true;
                    Some(s.asked)
                }
            };
            match lead {
                Some(covers) => {
                    // Every request asked so far committed before asking: one fsync covers them.
                    let wal = self.wal.clone();
                    let result = tokio::task::spawn_blocking(move || flush(&wal))
                        .await
                        .map_err(std::io::Error::other)
                        .and_then(|r| r);
                    let mut s = self.state();
                    s.flushing = false;
                    if result.is_ok() {
                        s.done = s.done.max(covers);
                    }
                    let done_now = s.done;
                    drop(s);
                    self.done.send_replace(done_now);
                    result?;
                }
                None => {
                    if done.changed().await.is_err() {
                        return Ok(());
                    }
                }
            }
        }
    }
}

/// fsyncs the log file (opened afresh: SQLite may have recreated it). No log yet: nothing to do.
fn flush(wal: &std::path::Path) -> std::io::Result<()> {
    match std::fs::OpenOptions::new().write(true).open(wal) {
        Ok(file) => file.sync_data(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn concurrent_writers_share_flushes_and_each_waits_for_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("x.db");
        std::fs::write(dir.path().join("x.db-wal"), b"log").expect("wal");
        let group = GroupSync::new(db);
        let waits: Vec<_> = (0..50)
            .map(|_| {
                let g = group.clone();
                tokio::spawn(async move { g.flushed().await })
            })
            .collect();
        for w in waits {
            w.await.expect("join").expect("flushed");
        }
        let s = group.state();
        assert_eq!(s.done, 50, "every writer is covered");
        assert!(!s.flushing);
    }
}
