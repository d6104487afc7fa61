//! `convene://` links: `convene://conversation/{id}` opens a conversation; `convene://join/{token}`
//! is handed to the UI, which asks for a name and email when needed and redeems it, when nobody is
//! signed in. While someone is (even with a session the server ended), redeeming would replace
//! their session and delete their cache and unsent actions: the join page opens in the system
//! browser instead, and the app says so ([`convene_client::Client::join_plan`] decides).

use std::sync::Arc;

use convene_client::{Client, ClientEvent, JoinPlan};
use tauri::{AppHandle, Manager};
use tauri_plugin_deep_link::DeepLinkExt;
use tauri_plugin_opener::OpenerExt;

use crate::background::UI_EVENT;

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
    // The link the app was started with, once: where the plugin knows it (on Linux and Windows it
    // reads the command line itself), from the plugin; else from the command line.
    let at_start: Vec<String> = match app.deep_link().get_current() {
        Ok(Some(urls)) if !urls.is_empty() => urls.into_iter().map(|u| u.to_string()).collect(),
        _ => std::env::args()
            .filter(|a| a.starts_with("convene://"))
            .collect(),
    };
    for url in at_start {
        handle_url(app, &url);
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
                join(app, token, server);
            } else {
                tracing::warn!("ignored a convene://join link without a token or server");
            }
        }
        _ => tracing::warn!("ignored an unknown convene:// link"),
    }
}

/// A join link: redeemed through the UI when nobody is signed in, else opened in the browser.
fn join(app: &AppHandle, token: &str, server_url: String) {
    let client = app.state::<Arc<Client>>().inner().clone();
    match client.join_plan(&server_url, token) {
        Ok(JoinPlan::Redeem) => crate::mailbox::send(
            app,
            JOIN_EVENT,
            &JoinRequest {
                token: token.to_owned(),
                server_url,
            },
        ),
        Ok(JoinPlan::OpenInBrowser { url, notice }) => {
            // The URL carries the token: it goes to the browser and the window, never to the log.
            let text = match app.opener().open_url(url.as_str(), None::<&str>) {
                Ok(()) => notice,
                Err(error) => {
                    tracing::warn!(%error, "could not open a join link in the browser");
                    format!("Could not open your browser. To join, open {url} in it; you stay signed in here")
                }
            };
            crate::mailbox::send(app, UI_EVENT, &ClientEvent::Notice { text });
        }
        Err(error) => tracing::warn!(%error, "ignored a convene://join link"),
    }
}
