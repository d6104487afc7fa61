//! Tauri's build step, pointed at the one configuration file at the repository root, with the
//! app's own commands declared so the capability file can grant exactly those.

fn main() {
    let commands = &[
        "app_defaults",
        "session_state",
        "sign_in",
        "sign_out",
        "cached_conversations",
        "refresh",
        "create_conversation",
        "home",
        "conversation_screen",
        "queue_action",
        "post_message",
        "dismiss_action",
        "retry_action",
        "search_agents",
        "search_contacts",
        "search_conversations",
        "mark_read",
        "set_muted",
        "load_older",
        "do_not_disturb",
        "set_do_not_disturb",
        "crews",
        "crew_choices",
        "share_link",
        "copy_share_link",
        "tray_badge",
        "join_link",
        "team_request",
        "export_audit",
        "change_password",
        "password_reset",
        "startup_rendered",
        "take_early_events",
    ];
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(commands));
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {error:#}");
    }
}
