//! `cargo xtask test`: every check the project has, in the order that fails fastest.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::Result;

use crate::install::{self, npm};
use crate::{cargo, on_path, sh};

pub fn test(root: &Path, args: &[String]) -> Result<()> {
    let skip_e2e = args.iter().any(|a| a == "--no-e2e");
    let started = Instant::now();
    install::everything(root)?;
    let ui = root.join("ui");

    step("UI type check", || {
        sh(Command::new(npm())
            .args(["run", "typecheck"])
            .current_dir(&ui))
    })?;
    step("UI unit tests", || {
        sh(Command::new(npm()).args(["test"]).current_dir(&ui))
    })?;
    step("UI build", || {
        sh(Command::new(npm()).args(["run", "build"]).current_dir(&ui))
    })?;
    step("rustfmt", || {
        sh(cargo()
            .args(["fmt", "--all", "--", "--check"])
            .current_dir(root))
    })?;
    step("clippy", || {
        sh(cargo()
            .args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ])
            .current_dir(root))
    })?;
    step("Rust unit and integration tests", || {
        sh(cargo()
            .args(["test", "--workspace", "--exclude", "convene-e2e"])
            .current_dir(root))
    })?;
    if skip_e2e {
        eprintln!("\nskipping the desktop end-to-end tests (--no-e2e)");
    } else if cfg!(target_os = "linux") {
        step(
            "desktop end-to-end tests (real app under Xvfb via tauri-driver)",
            || e2e(root),
        )?;
    } else {
        eprintln!("\nnote: the desktop end-to-end tests run on Linux (tauri-driver + WebKitWebDriver); skipped here");
    }
    eprintln!("\nall checks passed in {:.0?}", started.elapsed());
    Ok(())
}

fn e2e(root: &Path) -> Result<()> {
    sh(cargo().args(["build", "-p", "convene"]).current_dir(root))?;
    let driver = if on_path("tauri-driver") {
        "tauri-driver".into()
    } else {
        install::cargo_bin("tauri-driver")
    };
    let mut cmd = Command::new("xvfb-run");
    cmd.args([
        "-a",
        "-s",
        "-screen 0 1280x800x24",
        "dbus-run-session",
        "--",
    ])
    .arg(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
    .args(["test", "-p", "convene-e2e", "--", "--test-threads=1"])
    .env("TAURI_DRIVER", driver)
    .env("NO_AT_BRIDGE", "1")
    .current_dir(root);
    sh(&mut cmd)?;
    eprintln!(
        "screenshots: {}",
        root.join("target/e2e-artifacts").display()
    );
    Ok(())
}

fn step(name: &str, f: impl FnOnce() -> Result<()>) -> Result<()> {
    let t = Instant::now();
    eprintln!("\n### {name}");
    let result = f();
    eprintln!(
        "### {name}: {} in {:.1?}",
        if result.is_ok() { "ok" } else { "FAILED" },
        t.elapsed()
    );
    result
}
