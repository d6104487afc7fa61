//! `cargo xtask run` and `cargo xtask test`: the README's two commands.
//!
//! Both install what is missing first (Debian/Ubuntu packages, npm packages, tauri-driver), so a
//! fresh machine needs nothing but Rust and this repository. Other tasks: `bundle` builds the
//! `.deb` and `.rpm` packages; `bench` runs the benchmarks.

mod bench;
mod bench_desktop;
mod bundle;
mod install;
mod postgres;
mod run;
mod test;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = repo_root();
    match args.first().map(String::as_str) {
        Some("run") => run::run(&root, &args[1..]),
        Some("test") => test::test(&root, &args[1..]),
        Some("install") => install::everything(&root),
        Some("bundle") => bundle::bundle(&root),
        Some("bench") => bench::bench(&root, &args[1..]),
        Some("bench-desktop") => bench_desktop::run(&root, &root.join("target/bench/desktop.json")),
        Some("types") => types(&root),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\n  run    install what is missing, start the server with demo data and open the desktop app\n  test   install what is missing and run every test (format, lint, unit, integration, end-to-end)\n  install  only install what is missing\n  bundle   build the .deb and .rpm packages of the desktop app\n  bench    run the benchmarks (release build); prints a table, writes target/bench/results.json\n  bench-desktop  start the desktop app (release build) on cached lists of 10 and 10,000 conversations; prints the ratio and the UI bundle size, writes target/bench/desktop.json\n  types    write ui/src/generated/types.ts from the Rust types (the test command fails while it is stale)"
            );
            bail!("unknown or missing command")
        }
    }
}

/// Writes the UI's TypeScript types from the Rust ones (the freshness test, told to write).
fn types(root: &Path) -> Result<()> {
    sh(cargo()
        .current_dir(root)
        .env("CONVENE_WRITE_TYPES", "1")
        .args(["test", "-p", "convene-client", "--lib", "typescript::"]))
}

/// The repository root (xtask lives in `xtask/`).
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Runs a command, echoing it, and fails if it fails.
fn sh(cmd: &mut Command) -> Result<()> {
    eprintln!("\n==> {}", describe(cmd));
    let status = cmd
        .status()
        .with_context(|| format!("cannot start {}", describe(cmd)))?;
    if !status.success() {
        bail!("{} failed ({status})", describe(cmd));
    }
    Ok(())
}

fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        s.push(' ');
        s.push_str(&arg.to_string_lossy());
    }
    s
}

/// Whether `program` is on the PATH.
fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false)
}

/// `cargo`, as the one running this task.
fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
}
