//! The real `convene-server` binary as a child process on a free loopback port, its log in a file.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running server process; killed on drop.
pub struct ServerProcess {
    child: Child,
    pub url: String,
    pub log: PathBuf,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free loopback port (bound and released; good enough for tests).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

impl ServerProcess {
    /// The process id (to read its memory from `/proc`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Runs `bin serve --listen 127.0.0.1:PORT` with `data_dir`, extra `args` and `env`, logging to
    /// `data_dir/../server-PORT.log`, and waits until `/healthz` answers.
    pub async fn start(bin: &Path, data_dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Self {
        let port = free_port();
        let log = data_dir
            .parent()
            .unwrap_or(data_dir)
            .join(format!("server-{port}.log"));
        let file = std::fs::File::create(&log).expect("log file");
        let mut cmd = Command::new(bin);
        cmd.args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(args)
            .env("CONVENE_DATA_DIR", data_dir)
            .env("CONVENE_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
            .stdout(Stdio::from(file.try_clone().expect("clone")))
            .stderr(Stdio::from(file));
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("spawn convene-server");
        let process = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = reqwest::get(format!("{}/healthz", process.url)).await {
                if r.status().is_success() {
                    return process;
                }
            }
            assert!(
                Instant::now() < deadline,
                "server did not become healthy; log: {}",
                std::fs::read_to_string(&process.log).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Stops the process (SIGKILL) and waits for it.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
