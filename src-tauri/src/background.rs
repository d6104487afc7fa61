//! Work that runs beside the window: the realtime stream, sending the outbox, and turning client
//! events into UI events, native notifications and the tray badge.

use std::sync::{Arc, Mutex};

use convene_client::{Client, ClientEvent};
use tauri::{AppHandle, Manager};

/// The running realtime task, if signed in.
#[derive(Default)]
pub struct Realtime(Mutex<Option<tauri::async_runtime::JoinHandle<()>>>);

/// The name of the event the UI listens to.
pub const UI_EVENT: &str = "convene-event";

/// Starts following the server (once per sign-in).
pub fn start_realtime(app: &AppHandle) {
    let client = app.state::<Arc<Client>>().inner().clone();
    let slot = app.state::<Realtime>();
    let mut running = slot.0.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(old) = running.take() {
        old.abort();
    }
    *running = Some(tauri::async_runtime::spawn(convene_client::realtime::run(
        client,
    )));
}

/// Stops following the server (sign-out).
pub fn stop_realtime(app: &AppHandle) {
    let slot = app.state::<Realtime>();
    let task = slot.0.lock().unwrap_or_else(|p| p.into_inner()).take();
    if let Some(task) = task {
        task.abort();
    }
}

/// Sends the outbox in the background.
pub fn flush_soon(client: Arc<Client>) {
    tauri::async_runtime::spawn(async move {
        client.flush().await;
    });
}

/// Forwards every client event to the UI, and raises notifications and the tray badge.
pub fn pump_events(app: AppHandle) {
    let client = app.state::<Arc<Client>>().inner().clone();
    let mut events = client.subscribe();
    tauri::async_runtime::spawn(async move {
        crate::tray::update(&app, &client);
        loop {
            let event = match events.recv().await {
                Ok(e) => e,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            };
            match &event {
                ClientEvent::Invited { invite } => crate::notify::invite(&app, invite, false),
                ClientEvent::ServiceRequested { invite } => {
                    crate::notify::invite(&app, invite, true)
                }
                ClientEvent::NewMessage { message, subject } => {
                    crate::notify::message(&app, message, subject)
                }
                _ => {}
            }
            if matches!(
                event,
                ClientEvent::Invited { .. }
                    | ClientEvent::ServiceRequested { .. }
                    | ClientEvent::NewMessage { .. }
                    | ClientEvent::ConversationChanged { .. }
                    | ClientEvent::AccessLost { .. }
            ) {
                crate::tray::update(&app, &client);
            }
            crate::mailbox::send(&app, UI_EVENT, &event);
        }
    });
}
