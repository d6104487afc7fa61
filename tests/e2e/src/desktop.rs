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
        Self::launch_with_args(name, data_dir, env, &[]).await
    }

    /// Like [`Desktop::launch`], with command-line arguments for the app (e.g. a `convene://` link).
    pub async fn launch_with_args(
        name: &str,
        data_dir: &Path,
        env: &[(&str, String)],
        args: &[String],
    ) -> Result<Self> {
        let mut all = vec![("CONVENE_APP_DATA_DIR", data_dir.display().to_string())];
        all.extend(env.iter().map(|(k, v)| (*k, v.clone())));
        Self::start(name, &all, args).await
    }

    /// The app as users run it: one instance per user, so a second launch (the OS opening a
    /// `convene://` link) hands its link over to this one (see [`second_launch`]). Its data lives
    /// in the OS's app data folder under `xdg_data_home`, so keep one such app running at a time.
    pub async fn launch_single_instance(
        name: &str,
        xdg_data_home: &Path,
        env: &[(&str, String)],
    ) -> Result<Self> {
        let mut all = vec![("XDG_DATA_HOME", xdg_data_home.display().to_string())];
        all.extend(env.iter().map(|(k, v)| (*k, v.clone())));
        Self::start(name, &all, &[]).await
    }

    async fn start(name: &str, env: &[(&str, String)], args: &[String]) -> Result<Self> {
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
        .env_remove("CONVENE_APP_DATA_DIR")
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
        let wd = WebDriver::start_with_args(&url, &app.to_string_lossy(), args).await?;
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

/// Starts the app binary once more, as the OS does for a `convene://` link, with the environment
/// of an app started by [`Desktop::launch_single_instance`]; answers its exit status once it has
/// handed the link to the running instance and quit.
pub async fn second_launch(
    xdg_data_home: &Path,
    env: &[(&str, String)],
    args: &[String],
) -> Result<std::process::ExitStatus> {
    let mut cmd = tokio::process::Command::new(app_binary());
    cmd.args(args)
        .env_remove("CONVENE_APP_DATA_DIR")
        .env("XDG_DATA_HOME", xdg_data_home)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    for (key, value) in env {
        cmd.env(key, value);
    }
    let mut child = cmd.spawn().context("second launch")?;
    tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .context("the second launch did not hand over and quit")?
        .context("second launch")
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
