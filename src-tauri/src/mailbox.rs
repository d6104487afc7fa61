//! Events for the window that can happen before the window listens. A `convene://` link the app
//! was started with is handled during setup, before the page has loaded, and Tauri drops events
//! nobody listens to yet: the join dialog or the "opened in your browser" notice would be lost.
//! Until the page says it listens to an event (the `take_early_events` command, called right
//! after it subscribed), events for it wait here; then they are handed over, and later ones go
//! straight to the window.

use std::collections::HashSet;
use std::sync::Mutex;

use serde::Serialize;
use serde_json::Value;
use tauri::{AppHandle, Emitter, Manager, State};

/// Most events kept for one that nobody listens to (the sign-in screen does not follow the core).
const MAX_EARLY: usize = 64;

#[derive(Default)]
struct Inner {
    listening: HashSet<String>,
    early: Vec<(String, Value)>,
}

/// The events waiting for the window.
#[derive(Default)]
pub struct Mailbox(Mutex<Inner>);

/// Sends `payload` as `event` to the window, or keeps it until the window listens to `event`.
pub fn send<S: Serialize>(app: &AppHandle, event: &str, payload: &S) {
    let mailbox = app.state::<Mailbox>();
    let mut inner = mailbox.0.lock().unwrap_or_else(|p| p.into_inner());
    if inner.listening.contains(event) {
        // Under the lock, so an event cannot overtake the early ones being handed over.
        let _ = app.emit(event, payload);
        return;
    }
    let Ok(value) = serde_json::to_value(payload) else {
        return;
    };
    if inner.early.iter().filter(|(e, _)| e == event).count() < MAX_EARLY {
        inner.early.push((event.to_owned(), value));
    }
}

/// The window listens to `event` from now on: answers what was sent before, oldest first.
#[tauri::command]
pub fn take_early_events(mailbox: State<'_, Mailbox>, event: String) -> Vec<Value> {
    let mut inner = mailbox.0.lock().unwrap_or_else(|p| p.into_inner());
    let (taken, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut inner.early)
        .into_iter()
        .partition(|(e, _)| *e == event);
    inner.early = kept;
    inner.listening.insert(event);
    taken.into_iter().map(|(_, v)| v).collect()
}
