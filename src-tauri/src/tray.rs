//! The tray icon: Convene stays reachable from the system tray, with the number of pending invites.

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

/// Sets the badge to the number of pending invites (none when zero).
pub fn update(app: &AppHandle, client: &Arc<Client>) {
    let count = client.my_invites().map(|i| i.len()).unwrap_or(0);
    let badge = (count > 0).then(|| count.to_string());
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        let tooltip = match count {
            0 => "Convene".to_owned(),
            1 => "Convene — 1 pending invite".to_owned(),
            n => format!("Convene — {n} pending invites"),
        };
        let _ = tray.set_tooltip(Some(&tooltip));
        let _ = tray.set_title(badge.as_deref());
    }
    if let Some(state) = app.try_state::<Badge>() {
        *state.0.lock().unwrap_or_else(|p| p.into_inner()) = badge;
    }
}

/// The badge now shown.
pub fn badge(app: &AppHandle) -> Option<String> {
    app.try_state::<Badge>()
        .and_then(|b| b.0.lock().unwrap_or_else(|p| p.into_inner()).clone())
}
