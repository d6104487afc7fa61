//! `convene`, the desktop app: a Tauri window over the web UI, a tray icon, and IPC commands that
//! are one-line adapters over [`convene_client::Client`]. No business logic lives here.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod tray;

use std::path::PathBuf;

use convene_client::Client;
use tauri::Manager;

/// Environment variable that overrides the app's data folder (tests give each instance its own).
const DATA_DIR_ENV: &str = "CONVENE_APP_DATA_DIR";

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();

    let result = tauri::Builder::default()
        .setup(|app| {
            let data_dir = match std::env::var_os(DATA_DIR_ENV) {
                Some(dir) => PathBuf::from(dir),
                None => app.path().app_data_dir()?,
            };
            let client = Client::open(&data_dir)?;
            tracing::info!(cache = %client.cache_path().display(), "cache opened");
            app.manage(client);
            tray::install(app.handle())?;
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_defaults,
            commands::session_state,
            commands::sign_in,
            commands::sign_out,
            commands::cached_conversations,
            commands::refresh,
            commands::create_conversation,
        ])
        .run(tauri::generate_context!("../tauri.conf.json"));
    if let Err(error) = result {
        eprintln!("convene: {error}");
        std::process::exit(1);
    }
}
