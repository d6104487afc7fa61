//! `convene://` links: `convene://conversation/{id}` opens a conversation; `convene://join/{token}`
//! is handed to the UI, which asks for a name and email when needed and redeems it.

use tauri::{AppHandle, Emitter};
use tauri_plugin_deep_link::DeepLinkExt;

/// The UI event carrying a join token from a link.
pub const JOIN_EVENT: &str = "convene-join";

/// What a `convene://join` link asks for.
#[derive(Clone, Debug, serde::Serialize)]
pub struct JoinRequest {
    pub token: String,
    pub server_url: String,
}

/// Decodes `%XX` escapes (query values of links).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

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
        (Some("join"), Some(rest)) => {
            // convene://join/{token}?server={public URL of the server}
            let (token, query) = rest.split_once('?').unwrap_or((rest, ""));
            let server = query
                .split('&')
                .find_map(|kv| kv.strip_prefix("server="))
                .map(percent_decode)
                .unwrap_or_default();
            if !token.is_empty()
                && token.len() < 200
                && (server.starts_with("http://") || server.starts_with("https://"))
            {
                let _ = app.emit(
                    JOIN_EVENT,
                    JoinRequest {
                        token: token.to_owned(),
                        server_url: server,
                    },
                );
            } else {
                tracing::warn!("ignored a convene://join link without a token or server");
            }
        }
        _ => tracing::warn!("ignored an unknown convene:// link"),
    }
}
