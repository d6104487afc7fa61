//! A cap on the realtime streams one session holds open at once.
//!
//! Each stream costs a task, a socket and a subscription at the hub, and a change in one of its
//! conversations makes every stream of the session do work. The desktop app opens one stream and a
//! browser one per tab, so a session asking for more than [`MAX_PER_SESSION`] is a leak or an attack;
//! the next one is refused (429) until one closes. The count is per server instance: several
//! instances behind a load balancer each allow as many.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Streams one session may hold open at once on one instance.
pub const MAX_PER_SESSION: usize = 16;

/// The open streams per session (by the session token's hash).
#[derive(Clone, Default)]
pub struct StreamSlots {
    held: Arc<Mutex<HashMap<String, usize>>>,
}

/// One open stream's place; dropping it (the stream ended, or the upgrade never completed) frees it.
pub struct Slot {
    held: Arc<Mutex<HashMap<String, usize>>>,
    session: String,
}

fn lock(held: &Mutex<HashMap<String, usize>>) -> std::sync::MutexGuard<'_, HashMap<String, usize>> {
    // A count is never left half-updated, so a panic elsewhere does not make it wrong.
    held.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl StreamSlots {
    /// Takes a place for a new stream of `session`, or `None` when it already holds the most.
    pub fn take(&self, session: &str) -> Option<Slot> {
        let mut held = lock(&self.held);
        let count = held.entry(session.to_owned()).or_default();
        if *count >= MAX_PER_SESSION {
            return None;
        }
        *count += 1;
        Some(Slot {
            held: Arc::clone(&self.held),
            session: session.to_owned(),
        })
    }

    /// How many streams `session` holds open now.
    pub fn held(&self, session: &str) -> usize {
        lock(&self.held).get(session).copied().unwrap_or(0)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut held = lock(&self.held);
        if let Some(count) = held.get_mut(&self.session) {
            *count -= 1;
            if *count == 0 {
                held.remove(&self.session);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_holds_at_most_the_cap_and_a_closed_stream_frees_its_place() {
        let slots = StreamSlots::default();
        let mut open: Vec<Slot> = (0..MAX_PER_SESSION)
            .map(|_| slots.take("a").expect("under the cap"))
            .collect();
        assert!(slots.take("a").is_none());
        assert!(
            slots.take("b").is_some(),
            "another session has its own places"
        );
        open.pop();
        assert!(slots.take("a").is_some());
        drop(open);
        assert_eq!(slots.held("a"), 0);
    }
}
