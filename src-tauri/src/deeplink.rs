//! `convene://` links: `convene://conversation/{id}` opens a conversation; `convene://join/{token}`
//! is handed to the UI, which asks for a name and email when needed and redeems it.

use tauri::{AppHandle, Emitter};
use tauri_plugin_deep_link::DeepLinkExt;

/// The UI event carrying a join token from a link.
pub const JOIN_EVENT: &str = "convene-join";

/// Listens for links opened while the app runs (and the one it was started with).
pub fn install(app: &AppHandle) {
    let handle = app.clone();
    app.deep_link().on_open_url(move |event| {
        for url in event.urls() {
            handle_url(&handle, url.as_str());
        }
    });
    if let Ok(Some(urls)) = app.deep_link().get_current() {
        for url in urls {
            handle_url(app, url.as_str());
        }
    }
    let args: Vec<String> = std::env::args().collect();
    handle_args(app, &args);
}

/// A second launch's arguments (Linux and Windows pass the URL as an argument).
pub fn handle_args(app: &AppHandle, args: &[String]) {
    for arg in args.iter().filter(|a| a.starts_with("convene://")) {
        handle_url(app, arg);
    }
}

fn handle_url(app: &AppHandle, url: &str) {
    let Some(rest) = url.strip_prefix("convene://") else {
        return;
    };
    let mut parts = rest.trim_end_matches('/').splitn(2, '/');
    match (parts.next(), parts.next()) {
        (Some("conversation"), Some(id)) => {
            if let Ok(id) = id.parse() {
                crate::notify::open(app, id);
            }
        }
        (Some("join"), Some(token)) if !token.is_empty() && token.len() < 200 => {
            let _ = app.emit(JOIN_EVENT, token.to_owned());
        }
        _ => tracing::warn!("ignored an unknown convene:// link"),
    }
}
