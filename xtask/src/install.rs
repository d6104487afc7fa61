//! Installing what the project needs on a fresh machine: OS packages (Debian/Ubuntu via apt),
//! the UI's npm packages, and tauri-driver. Each step is skipped when already done.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Result};

use crate::{cargo, on_path, sh};

/// Debian/Ubuntu packages to build and run the desktop app and the server.
const BUILD_PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "libssl-dev",
    "libwebkit2gtk-4.1-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "libxdo-dev",
    "nodejs",
    "npm",
];

/// Extra packages the tests need: a virtual display, a session bus and the WebKit WebDriver.
const TEST_PACKAGES: &[&str] = &[
    "xvfb",
    "xauth",
    "dbus",
    "dbus-x11",
    "webkit2gtk-driver",
    "xclip",
    "python3-venv",
    "chromium",
];

/// Everything both commands need.
pub fn everything(root: &Path) -> Result<()> {
    os_packages(&[BUILD_PACKAGES, TEST_PACKAGES].concat())?;
    npm_packages(root)?;
    tauri_driver()
}

/// What `run` needs.
pub fn for_run(root: &Path) -> Result<()> {
    os_packages(BUILD_PACKAGES)?;
    npm_packages(root)
}

pub fn is_debian_like() -> bool {
    cfg!(target_os = "linux") && on_path("apt-get") && on_path("dpkg-query")
}

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

/// Installs the missing OS packages with apt (as root, or through sudo).
pub fn os_packages(packages: &[&str]) -> Result<()> {
    if !is_debian_like() {
        if cfg!(target_os = "linux") {
            eprintln!("note: not a Debian/Ubuntu system; install the equivalents of {packages:?} yourself");
        }
        if !on_path("npm") && !on_path("npm.cmd") {
            bail!("Node.js 20+ with npm is required: install it from your package manager or nodejs.org");
        }
        return Ok(());
    }
    let mut missing: Vec<&str> = packages.iter().copied().filter(|p| !installed(p)).collect();
    // A machine may have Node.js from elsewhere (nvm, NodeSource): then apt's nodejs/npm are not needed.
    if on_path("node") && on_path("npm") {
        missing.retain(|p| *p != "nodejs" && *p != "npm");
    }
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("installing OS packages: {}", missing.join(" "));
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    let apt = |args: &[&str]| -> Command {
        let mut cmd = if is_root {
            Command::new("apt-get")
        } else {
            let mut c = Command::new("sudo");
            c.arg("apt-get");
            c
        };
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    sh(&mut apt(&["update", "-q"]))?;
    let mut install = apt(&["install", "-y", "-q", "--no-install-recommends"]);
    install.args(&missing);
    sh(&mut install)
}

/// `npm ci` in `ui/` unless its packages are already installed from the current lock file.
pub fn npm_packages(root: &Path) -> Result<()> {
    npm_packages_in(&root.join("ui"))
}

/// `npm ci` in `dir` unless its packages are already installed from the current lock file.
pub fn npm_packages_in(dir: &Path) -> Result<()> {
    let ui = dir.to_path_buf();
    let lock = ui.join("package-lock.json");
    let stamp = ui.join("node_modules/.package-lock.json");
    let fresh = match (std::fs::metadata(&lock), std::fs::metadata(&stamp)) {
        (Ok(l), Ok(s)) => match (l.modified(), s.modified()) {
            (Ok(l), Ok(s)) => s >= l,
            _ => false,
        },
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    sh(Command::new(npm())
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&ui))
}

/// The npm program for this OS.
pub fn npm() -> &'static str {
    if cfg!(windows) {
        "npm.cmd"
    } else {
        "npm"
    }
}

/// Installs tauri-driver (the WebDriver bridge for the desktop tests) with cargo when missing.
pub fn tauri_driver() -> Result<()> {
    if on_path("tauri-driver") || cargo_bin("tauri-driver").is_file() {
        return Ok(());
    }
    sh(cargo().args(["install", "tauri-driver", "--version", "^2", "--locked"]))
}

/// The schemathesis release the API fuzzing step uses (pinned, so runs are comparable).
pub const SCHEMATHESIS_VERSION: &str = "4.32.5";

/// Installs schemathesis from PyPI into a virtualenv under `target/` unless it is already there;
/// answers the path of its `st` command.
pub fn schemathesis(root: &Path) -> Result<std::path::PathBuf> {
    let venv = root
        .join("target/schemathesis")
        .join(format!("venv-{SCHEMATHESIS_VERSION}"));
    let bin = venv.join(if cfg!(windows) { "Scripts" } else { "bin" });
    let exe = |name: &str| {
        bin.join(if cfg!(windows) {
            format!("{name}.exe")
        } else {
            name.to_owned()
        })
    };
    let st = exe("st");
    let installed = Command::new(&st)
        .arg("--version")
        .output()
        .map(|o| {
            o.status.success() && String::from_utf8_lossy(&o.stdout).contains(SCHEMATHESIS_VERSION)
        })
        .unwrap_or(false);
    if installed {
        return Ok(st);
    }
    let python = ["python3", "python"]
        .into_iter()
        .find(|p| on_path(p))
        .ok_or_else(|| {
            anyhow::anyhow!("Python 3 is required for the API fuzzing step (schemathesis)")
        })?;
    if venv.exists() {
        // A half-made environment from an interrupted install: start again.
        std::fs::remove_dir_all(&venv)?;
    }
    sh(Command::new(python).args(["-m", "venv"]).arg(&venv))?;
    sh(Command::new(exe("python")).args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        &format!("schemathesis=={SCHEMATHESIS_VERSION}"),
    ]))?;
    Ok(st)
}

/// Where `cargo install` puts binaries.
pub fn cargo_bin(name: &str) -> std::path::PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        .unwrap_or_default();
    home.join("bin").join(name)
}
