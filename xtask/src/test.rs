//! `cargo xtask test`: every check the project has, in the order that fails fastest.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::install::{self, npm};
use crate::{cargo, on_path, sh};

pub fn test(root: &Path, args: &[String]) -> Result<()> {
    let skip_e2e = args.iter().any(|a| a == "--no-e2e");
    let started = Instant::now();
    if args.iter().any(|a| a == "--only-schemathesis") {
        step(
            "API fuzzing (schemathesis against the OpenAPI document)",
            || schemathesis(root),
        )?;
        eprintln!("\nschemathesis passed in {:.0?}", started.elapsed());
        return Ok(());
    }
    if args.iter().any(|a| a == "--faults") {
        // The storage-fault suite alone (a full disk on a small tmpfs; needs root to mount it).
        // The full test command runs it too, with the rest of the server's tests.
        step("storage faults (a full disk under the server)", || {
            sh(cargo()
                .args([
                    "test",
                    "-p",
                    "convene-server",
                    "--test",
                    "faults",
                    "--",
                    "--nocapture",
                ])
                .current_dir(root))
        })?;
        eprintln!("\nthe fault pass passed in {:.0?}", started.elapsed());
        return Ok(());
    }
    if args.iter().any(|a| a == "--only-postgres") {
        step(
            "the server and client suites on PostgreSQL (a throwaway cluster)",
            || postgres_suites(root),
        )?;
        eprintln!("\nthe PostgreSQL pass passed in {:.0?}", started.elapsed());
        return Ok(());
    }
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
    step(
        "the server and client suites again, on PostgreSQL (a throwaway cluster)",
        || postgres_suites(root),
    )?;
    step(
        "API fuzzing (schemathesis against the OpenAPI document)",
        || schemathesis(root),
    )?;
    if skip_e2e {
        eprintln!("\nskipping the browser and desktop end-to-end tests (--no-e2e)");
    } else {
        step(
            "browser end-to-end tests (join page and web client in headless Chromium)",
            || browser(root),
        )?;
    }
    if skip_e2e {
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

/// The server and client suites again with every test database on a throwaway PostgreSQL cluster.
fn postgres_suites(root: &Path) -> Result<()> {
    let cluster = crate::postgres::Cluster::start()?;
    sh(cargo()
        .args(["test", "-p", "convene-server", "-p", "convene-client"])
        .env("CONVENE_TEST_DATABASE_URL", &cluster.url)
        .current_dir(root))
}

/// The browser tests: node's test runner with playwright-core driving Debian's Chromium against the
/// real server binary (the UI was built by an earlier step).
fn browser(root: &Path) -> Result<()> {
    sh(cargo()
        .args(["build", "-p", "convene-server"])
        .current_dir(root))?;
    let dir = root.join("tests/browser");
    install::npm_packages_in(&dir)?;
    sh(Command::new(npm()).args(["test"]).current_dir(&dir))?;
    eprintln!(
        "screenshots: {}",
        root.join("target/browser-artifacts").display()
    );
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

const DEMO_EMAIL: &str = "ana@demo.convene.test";
const DEMO_PASSWORD: &str = "convene-demo";
/// Test cases per API operation and phase; with ~34 operations and four phases this makes
/// well over `MIN_FUZZ_REQUESTS` requests in a few minutes on two cores.
const FUZZ_EXAMPLES_PER_OPERATION: &str = "50";
/// Fewer requests than this means the run did not really exercise the API.
const MIN_FUZZ_REQUESTS: usize = 500;
/// Checks every response must pass.
const FUZZ_CHECKS: &str = "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance";
/// Operations left out: the WebSocket upgrade, and sign-out (it would end the run's own session).
const FUZZ_EXCLUDED_PATHS: &[&str] = &[
    "/api/v1/stream",
    "/api/v1/auth/logout",
    "/api/v1/auth/logout-all",
];

/// Stops the server (and removes its data) when the fuzzing step ends, however it ends.
struct FuzzServer {
    child: Child,
    data: PathBuf,
}

impl Drop for FuzzServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

/// Fuzzes the running server from its own OpenAPI document with schemathesis: no request may
/// answer 5xx, and every response must match the document (status, content type, schema).
fn schemathesis(root: &Path) -> Result<()> {
    let st = install::schemathesis(root)?;
    let python = st.with_file_name(if cfg!(windows) {
        "python.exe"
    } else {
        "python"
    });
    sh(cargo()
        .args(["build", "-p", "convene-server"])
        .current_dir(root))?;

    let work = root.join("target/schemathesis");
    let data = work.join(format!("data-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data)?;
    let listen: SocketAddr = TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    let log_path = work.join("server.log");
    let log = std::fs::File::create(&log_path)?;
    let server = root
        .join("target/debug")
        .join(format!("convene-server{}", std::env::consts::EXE_SUFFIX));
    let child = Command::new(&server)
        .args(["serve", "--demo", "--listen", &listen.to_string()])
        .arg("--data-dir")
        .arg(&data)
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .with_context(|| format!("starting {}", server.display()))?;
    let mut server = FuzzServer { child, data };
    wait_for_server(listen, &mut server.child)?;
    let base = format!("http://{listen}");

    // Sign in as the demo superadmin, so the run reaches the routes behind authentication.
    let login = Command::new(&python)
        .args([
            "-c",
            "import json, sys, urllib.request\n\
             req = urllib.request.Request(sys.argv[1], data=json.dumps({'email': sys.argv[2], 'password': sys.argv[3]}).encode(), headers={'Content-Type': 'application/json'})\n\
             print(json.load(urllib.request.urlopen(req))['token'])",
        ])
        .arg(format!("{base}/api/v1/auth/login"))
        .args([DEMO_EMAIL, DEMO_PASSWORD])
        .output()
        .context("signing in to the demo server")?;
    if !login.status.success() {
        bail!(
            "signing in as {DEMO_EMAIL} failed: {}",
            String::from_utf8_lossy(&login.stderr)
        );
    }
    let token = String::from_utf8(login.stdout)?.trim().to_owned();

    let report = work.join("report");
    let _ = std::fs::remove_dir_all(&report);
    let events = report.join("events.ndjson");
    let mut cmd = Command::new(&st);
    cmd.arg("run")
        .arg(format!("{base}/api/v1/openapi.json"))
        .args(["--checks", FUZZ_CHECKS])
        .args(["--max-examples", FUZZ_EXAMPLES_PER_OPERATION])
        // One worker: Python 3.11's `ast` is not thread-safe, and hypothesis uses it while generating.
        .args(["--workers", "1"])
        .args(["--request-timeout", "10"])
        .arg("--no-color")
        .args(["--report", "ndjson,junit"])
        .arg("--report-dir")
        .arg(&report)
        .arg("--report-ndjson-path")
        .arg(&events)
        .args(["--generation-database", "none"])
        .env(
            "SCHEMATHESIS_HOOKS",
            root.join("xtask/schemathesis_hooks.py"),
        )
        .current_dir(&work);
    for path in FUZZ_EXCLUDED_PATHS {
        cmd.args(["--exclude-path", path]);
    }
    eprintln!(
        "\n==> {} run {base}/api/v1/openapi.json --header 'Authorization: Bearer …' --checks {FUZZ_CHECKS} (server log: {})",
        st.display(),
        log_path.display()
    );
    let status = cmd
        .arg("--header")
        .arg(format!("Authorization: Bearer {token}"))
        .status()
        .context("running schemathesis")?;
    drop(server);
    let requests = count_requests(&python, &events).unwrap_or(0);
    eprintln!("schemathesis made {requests} requests");
    if !status.success() {
        bail!(
            "schemathesis found problems ({status}); reports in {}, server log in {}",
            report.display(),
            log_path.display()
        );
    }
    if requests < MIN_FUZZ_REQUESTS {
        bail!("schemathesis made only {requests} requests (at least {MIN_FUZZ_REQUESTS} expected)");
    }
    Ok(())
}

/// How many requests a run made, from its NDJSON event report.
fn count_requests(python: &Path, events: &Path) -> Result<usize> {
    let out = Command::new(python)
        .args([
            "-c",
            "import json, sys\n\
             n = 0\n\
             for line in open(sys.argv[1], encoding='utf-8'):\n\
             \x20   event = json.loads(line).get('ScenarioFinished')\n\
             \x20   if event: n += len(event['recorder'].get('interactions') or {})\n\
             print(n)",
        ])
        .arg(events)
        .output()?;
    if !out.status.success() {
        bail!("{}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8(out.stdout)?.trim().parse()?)
}

/// Waits until the server listens, failing early if it exits.
fn wait_for_server(addr: SocketAddr, child: &mut Child) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait()? {
            bail!("convene-server exited before listening ({status})");
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("convene-server did not start listening on {addr}")
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
