//! The tray icon: Convene stays reachable from the system tray, with a badge counting what waits
//! for the user: pending invites and conversations with unread messages (muted ones aside).

use std::sync::Arc;

use convene_client::Client;
use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager};

const TRAY_ID: &str = "main";

/// The badge last set (the tray cannot be read back on every platform).
#[derive(Default)]
pub struct Badge(std::sync::Mutex<Option<String>>);

/// Puts Convene's icon in the system tray with "Show Convene" and "Quit".
pub fn install(app: &AppHandle) -> tauri::Result<()> {
    let show = MenuItem::with_id(app, "show", "Show Convene", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit Convene", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&show, &quit])?;
    let mut builder = TrayIconBuilder::with_id(TRAY_ID)
        .tooltip("Convene")
        .menu(&menu)
        .on_menu_event(|app, event| match event.id.as_ref() {
            "show" => {
                if let Some(window) = app.get_webview_window("main") {
                    let _ = window.show();
                    let _ = window.set_focus();
                }
            }
            "quit" => app.exit(0),
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    builder.build(app)?;
    Ok(())
}

/// Sets the badge to the number of pending invites plus unread conversations (none when zero).
pub fn update(app: &AppHandle, client: &Arc<Client>) {
    let invites = client.my_invites().map(|i| i.len()).unwrap_or(0);
    let unread = client.unread_conversations().unwrap_or(0);
    let count = invites + unread;
    let badge = (count > 0).then(|| count.to_string());
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        let tooltip = tooltip(invites, unread);
        let _ = tray.set_tooltip(Some(&tooltip));
        let _ = tray.set_title(badge.as_deref());
    }
    if let Some(state) = app.try_state::<Badge>() {
        *state.0.lock().unwrap_or_else(|p| p.into_inner()) = badge;
    }
}

/// "Convene — 2 pending invites, 1 unread conversation".
fn tooltip(invites: usize, unread: usize) -> String {
    let plural = |n: usize, one: &str, many: &str| match n {
        1 => format!("1 {one}"),
        n => format!("{n} {many}"),
    };
    let mut parts = Vec::new();
    if invites > 0 {
        parts.push(plural(invites, "pending invite", "pending invites"));
    }
    if unread > 0 {
        parts.push(plural(
            unread,
            "unread conversation",
            "unread conversations",
        ));
    }
    if parts.is_empty() {
        "Convene".to_owned()
    } else {
        format!("Convene — {}", parts.join(", "))
    }
}

/// The badge now shown.
pub fn badge(app: &AppHandle) -> Option<String> {
    app.try_state::<Badge>()
        .and_then(|b| b.0.lock().unwrap_or_else(|p| p.into_inner()).clone())
}
