//! One running instance of the desktop app under `tauri-driver`, with its own data folder.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::webdriver::WebDriver;

/// The repository root (this crate lives in `tests/e2e`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The app binary under test: `CONVENE_APP_BIN`, or the workspace's debug build.
pub fn app_binary() -> PathBuf {
    std::env::var_os("CONVENE_APP_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/debug/convene"))
}

/// Where screenshots and logs of the end-to-end tests are kept.
pub fn artifact_dir() -> PathBuf {
    let dir = repo_root().join("target/e2e-artifacts");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A desktop app instance driven over WebDriver.
pub struct Desktop {
    driver: Child,
    pub wd: WebDriver,
}

impl Desktop {
    /// Starts `tauri-driver` and, through it, the app with `CONVENE_APP_DATA_DIR=data_dir` and `env`.
    pub async fn launch(name: &str, data_dir: &Path, env: &[(&str, String)]) -> Result<Self> {
        let app = app_binary();
        if !app.exists() {
            bail!(
                "app binary {} is missing: run `cargo xtask test`, which builds it",
                app.display()
            );
        }
        let port = free_port()?;
        let native_port = free_port()?;
        let log = std::fs::File::create(artifact_dir().join(format!("{name}.log")))?;
        let tauri_driver =
            std::env::var("TAURI_DRIVER").unwrap_or_else(|_| "tauri-driver".to_owned());
        let mut cmd = Command::new(&tauri_driver);
        cmd.args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ])
        .env("CONVENE_APP_DATA_DIR", data_dir)
        .stdout(Stdio::from(log.try_clone()?))
        .stderr(Stdio::from(log));
        for (key, value) in env {
            cmd.env(key, value);
        }
        let driver = cmd.spawn().with_context(|| {
            format!("starting {tauri_driver} (install it with `cargo install tauri-driver`)")
        })?;
        let mut guard = DriverGuard(Some(driver));
        let url = format!("http://127.0.0.1:{port}");
        wait_for_driver(&url).await?;
        let wd = WebDriver::start(&url, &app.to_string_lossy()).await?;
        Ok(Self {
            driver: guard.0.take().context("driver")?,
            wd,
        })
    }

    /// Closes the app and stops the driver.
    pub async fn close(mut self) {
        let _ = self.wd.quit().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Kills the driver if launching fails half-way.
struct DriverGuard(Option<Child>);

impl Drop for DriverGuard {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

async fn wait_for_driver(url: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(r) = reqwest::get(format!("{url}/status")).await {
            if r.status().is_success() {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("tauri-driver did not answer on {url}")
}
