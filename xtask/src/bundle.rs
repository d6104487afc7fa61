//! `cargo xtask bundle`: the desktop app as `.deb` and `.rpm` packages (AppImage needs downloads
//! these machines cannot make). Uses the Tauri CLI, installed with cargo when missing, pointed at
//! the one configuration file at the repository root.

use std::path::Path;
use std::process::Command;

use anyhow::Result;

use crate::install::{self, npm};
use crate::{cargo, on_path, sh};

pub fn bundle(root: &Path) -> Result<()> {
    install::for_run(root)?;
    if !on_path("cargo-tauri") && !install::cargo_bin("cargo-tauri").is_file() {
        sh(cargo().args(["install", "tauri-cli", "--version", "^2", "--locked"]))?;
    }
    if install::is_debian_like() {
        install::os_packages(&["rpm", "file"])?;
    }
    sh(Command::new(npm())
        .args(["run", "build"])
        .current_dir(root.join("ui")))?;
    // The CLI looks for a configuration inside the app crate; the one source of truth stays at the
    // root, so a copy with its paths made relative to src-tauri/ exists only while the CLI runs.
    let config = std::fs::read_to_string(root.join("tauri.conf.json"))?
        .replace("\"ui/dist\"", "\"../ui/dist\"")
        .replace("\"icons/", "\"../icons/");
    let copy = root.join("src-tauri/tauri.conf.json");
    std::fs::write(&copy, config)?;
    let built = sh(cargo()
        .args(["tauri", "build", "--bundles", "deb,rpm"])
        .env("TAURI_APP_PATH", root.join("src-tauri"))
        .env("TAURI_FRONTEND_PATH", root.join("ui"))
        .current_dir(root));
    let _ = std::fs::remove_file(&copy);
    built?;
    eprintln!("bundles: {}", root.join("target/release/bundle").display());
    Ok(())
}
