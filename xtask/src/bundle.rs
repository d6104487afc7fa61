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
    sh(cargo()
        .args([
            "tauri",
            "build",
            "--bundles",
            "deb,rpm",
            "--config",
            "tauri.conf.json",
        ])
        .env("TAURI_APP_PATH", root.join("src-tauri"))
        .env("TAURI_FRONTEND_PATH", root.join("ui"))
        .current_dir(root))?;
    eprintln!("bundles: {}", root.join("target/release/bundle").display());
    Ok(())
}
