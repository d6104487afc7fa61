//! `convene`, the desktop app: a Tauri window over the web UI, a tray icon, native notifications,
//! and IPC commands that are one-line adapters over [`convene_client::Client`]. No business logic
//! lives here.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod background;
mod commands;
mod deeplink;
mod mailbox;
mod notify;
mod rendering;
mod startup;
mod tray;

use std::path::PathBuf;
use std::sync::Arc;

use convene_client::Client;
use tauri::{Manager, WindowEvent};

/// Environment variable that overrides the app's data folder (tests give each instance its own).
const DATA_DIR_ENV: &str = "CONVENE_APP_DATA_DIR";

fn main() {
    let startup = startup::Startup::now();
    rendering::prefer_cpu_painting();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();

    let separate_instances = std::env::var_os(DATA_DIR_ENV).is_some();
    let mut builder = tauri::Builder::default();
    if !separate_instances {
        // One app per user: a second launch (e.g. from a convene:// link) hands over to the first.
        // Its link reaches `deeplink` through the deep-link plugin (the single-instance plugin's
        // `deep-link` feature forwards it), so it is not handled here a second time.
        builder = builder.plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.show();
                let _ = window.set_focus();
            }
        }));
    }
    let result = builder
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_opener::init())
        .manage(background::Realtime::default())
        .manage(mailbox::Mailbox::default())
        .manage(tray::Badge::default())
        .manage(startup)
        .setup(|app| {
            let data_dir = match std::env::var_os(DATA_DIR_ENV) {
                Some(dir) => PathBuf::from(dir),
                None => app.path().app_data_dir()?,
            };
            let client = Arc::new(Client::open(&data_dir)?);
            tracing::info!(cache = %client.cache_path().display(), "cache opened");
            let signed_in = client.session().ok().flatten().is_some();
            app.manage(client);
            tray::install(app.handle())?;
            background::pump_events(app.handle().clone());
            if signed_in {
                background::start_realtime(app.handle());
            }
            deeplink::install(app.handle());
            Ok(())
        })
        .on_window_event(|window, event| {
            // Closing the window keeps Convene running in the tray.
            if let WindowEvent::CloseRequested { api, .. } = event {
                if window.label() == "main" {
                    api.prevent_close();
                    let _ = window.hide();
                }
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_defaults,
            commands::session_state,
            commands::sign_in,
            commands::sign_out,
            commands::cached_conversations,
            commands::refresh,
            commands::create_conversation,
            commands::home,
            commands::conversation_screen,
            commands::queue_action,
            commands::post_message,
            commands::dismiss_action,
            commands::retry_action,
            commands::search_agents,
            commands::search_contacts,
            commands::search_conversations,
            commands::mark_read,
            commands::set_muted,
            commands::load_older,
            commands::do_not_disturb,
            commands::set_do_not_disturb,
            commands::crews,
            commands::crew_choices,
            commands::share_link,
            commands::copy_share_link,
            commands::tray_badge,
            commands::join_link,
            commands::team_request,
            commands::export_audit,
            commands::change_password,
            commands::password_reset,
            startup::startup_rendered,
            mailbox::take_early_events,
        ])
        .run(tauri::generate_context!("../tauri.conf.json"));
    if let Err(error) = result {
        eprintln!("convene: {error}");
        std::process::exit(1);
    }
}
