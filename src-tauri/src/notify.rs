//! Native notifications for invites addressed to the user and for new messages from others;
//! clicking one opens the conversation.

use convene_proto::{ConversationId, Invite, Message};
use tauri::{AppHandle, Emitter, Manager};

/// The UI event that asks the window to open a conversation.
pub const OPEN_EVENT: &str = "convene-open";

/// Shows "Ana invited you to …" (or the crew request version); on click, opens the conversation.
pub fn invite(app: &AppHandle, invite: &Invite, crew: bool) {
    let summary = if crew {
        format!("{} requested your crew", invite.invited_by)
    } else {
        format!("{} invited you", invite.invited_by)
    };
    let body = format!("Join the conversation “{}”", invite.conversation_subject);
    show(app, summary, body, invite.conversation_id);
}

/// Shows "Ana in “Billing question”" with the start of the message; on click, opens it.
pub fn message(app: &AppHandle, message: &Message, subject: &str) {
    let summary = format!("{} in “{subject}”", message.author_name);
    let body = convene_proto::list::excerpt(&message.body);
    show(app, summary, body, message.conversation_id);
}

fn show(app: &AppHandle, summary: String, body: String, conversation: ConversationId) {
    // Do not disturb: the window and the badge still show it; the banner waits.
    let quiet = app
        .try_state::<std::sync::Arc<convene_client::Client>>()
        .and_then(|c| c.do_not_disturb().ok().flatten());
    if let Some(until) = quiet {
        tracing::info!(%until, %summary, "notification held back: do not disturb");
        return;
    }
    let app = app.clone();
    // Showing and waiting for the click block, so they get a thread of their own.
    std::thread::spawn(move || {
        let shown = notify_rust::Notification::new()
            .appname("Convene")
            .summary(&summary)
            .body(&body)
            .action("default", "Open")
            .show();
        match shown {
            Ok(handle) => {
                #[cfg(all(unix, not(target_os = "macos")))]
                handle.wait_for_action(|action| {
                    if action == "default" {
                        open(&app, conversation);
                    }
                });
                #[cfg(not(all(unix, not(target_os = "macos"))))]
                drop(handle);
            }
            Err(e) => tracing::warn!(error = %e, "could not show a notification"),
        }
    });
}

/// Brings the window forward on a conversation.
pub fn open(app: &AppHandle, conversation: convene_proto::ConversationId) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
    let _ = app.emit(OPEN_EVENT, conversation);
}
