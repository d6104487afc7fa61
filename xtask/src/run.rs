//! `cargo xtask run`: install what is missing, build, start the server on the embedded SQLite
//! default with demo data, and open the desktop app signed in to it.

use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::install::{self, npm};
use crate::{cargo, on_path, sh};

const DEMO_EMAIL: &str = "ana@demo.convene.test";
const DEMO_PASSWORD: &str = "convene-demo";

/// Kills the server when `run` ends, however it ends.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn run(root: &Path, args: &[String]) -> Result<()> {
    let mut listen: SocketAddr = "127.0.0.1:8080".parse()?;
    let mut screenshot: Option<String> = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--listen" => listen = it.next().context("--listen needs ADDR")?.parse()?,
            "--screenshot" => {
                screenshot = Some(it.next().context("--screenshot needs a PNG path")?.clone())
            }
            other => bail!(
                "unknown option {other}; usage: cargo xtask run [--listen ADDR] [--screenshot PNG]"
            ),
        }
    }

    install::for_run(root)?;
    sh(Command::new(npm())
        .args(["run", "build"])
        .current_dir(root.join("ui")))?;
    sh(cargo()
        .args(["build", "-p", "convene-server", "-p", "convene"])
        .current_dir(root))?;

    let bin = root.join("target/debug");
    let data = root.join(".data");
    let server = Command::new(bin.join("convene-server"))
        .args(["serve", "--demo", "--listen", &listen.to_string()])
        .arg("--data-dir")
        .arg(data.join("server"))
        .spawn()
        .context("starting convene-server")?;
    let _server = KillOnDrop(server);
    wait_for_port(listen)?;
    let url = format!("http://{listen}");
    eprintln!(
        "\nConvene server on {url} (demo data in {}); opening the desktop app…",
        data.display()
    );

    let mut app = Command::new(bin.join("convene"));
    app.env("CONVENE_APP_DATA_DIR", data.join("app"))
        .env("CONVENE_PREFILL_SERVER", &url)
        .env("CONVENE_PREFILL_EMAIL", DEMO_EMAIL)
        .env("CONVENE_PREFILL_PASSWORD", DEMO_PASSWORD)
        .env("CONVENE_AUTO_SIGN_IN", "1");

    let headless = cfg!(target_os = "linux")
        && std::env::var_os("DISPLAY").is_none()
        && std::env::var_os("WAYLAND_DISPLAY").is_none();
    if let Some(png) = screenshot {
        return screenshot_app(app, &png);
    }
    if headless {
        if !on_path("xvfb-run") {
            bail!("no display: set DISPLAY, or install xvfb to run the app on a virtual display");
        }
        eprintln!("note: no display found; running the app on a virtual display (xvfb-run)");
        let mut wrapped = Command::new("xvfb-run");
        wrapped
            .args(["-a", "-s", "-screen 0 1280x800x24"])
            .arg(app.get_program());
        for (k, v) in app.get_envs() {
            if let Some(v) = v {
                wrapped.env(k, v);
            }
        }
        return sh(&mut wrapped);
    }
    sh(&mut app)
}

/// Runs the app on a virtual display, waits for it to sign in, and saves a screenshot of the screen.
fn screenshot_app(app: Command, png: &str) -> Result<()> {
    let png = std::fs::canonicalize(".")?.join(png);
    let script = format!(
        "\"$0\" & pid=$!; sleep 12; import -window root '{}'; kill $pid",
        png.display()
    );
    let mut cmd = Command::new("xvfb-run");
    cmd.args(["-a", "-s", "-screen 0 1100x720x24", "sh", "-c", &script])
        .arg(app.get_program());
    for (k, v) in app.get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    sh(&mut cmd)?;
    eprintln!("screenshot saved to {}", png.display());
    Ok(())
}

fn wait_for_port(addr: SocketAddr) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("the server did not start listening on {addr}")
}
