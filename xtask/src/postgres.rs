//! A throwaway PostgreSQL cluster for the test command: installed from the OS packages when
//! missing, created in a temporary folder, listening on a free loopback port, stopped on drop.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::{install, sh};

/// A running cluster.
pub struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    as_postgres: bool,
    /// `postgres://postgres@127.0.0.1:PORT/postgres`
    pub url: String,
}

fn pg_bin() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|p| p.join("initdb").is_file())
        .collect();
    versions.sort();
    versions.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

impl Cluster {
    /// Creates and starts a cluster (trust authentication on loopback only; fsync off: it is thrown away).
    pub fn start() -> Result<Self> {
        Self::start_with(false)
    }

    /// Creates and starts a cluster; `durable` keeps PostgreSQL's default fsync and
    /// synchronous_commit (for benchmarks), otherwise fsync is off.
    pub fn start_with(durable: bool) -> Result<Self> {
        if pg_bin().is_none() {
            install::os_packages(&["postgresql"])?;
        }
        let bin = pg_bin().context(
            "PostgreSQL's initdb not found under /usr/lib/postgresql after installing it",
        )?;
        let port = free_port()?;
        let dir = std::env::temp_dir().join(format!("convene-pg-{port}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        // initdb refuses to run as root: the cluster belongs to the postgres user then.
        let as_postgres = is_root();
        if as_postgres {
            sh(Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&dir))?;
        }
        let cluster = Self {
            dir: dir.clone(),
            bin,
            as_postgres,
            url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
        };
        let data = dir.join("data");
        cluster.run(
            "initdb",
            &[
                "-D",
                path(&data),
                "--auth=trust",
                "-U",
                "postgres",
                "--encoding=UTF8",
                "--no-sync",
            ],
        )?;
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync={} -c max_connections=200",
            path(&dir),
            if durable { "on" } else { "off" }
        );
        cluster.run(
            "pg_ctl",
            &[
                "-D",
                path(&data),
                "-o",
                &options,
                "-l",
                path(&dir.join("server.log")),
                "-w",
                "start",
            ],
        )?;
        eprintln!("PostgreSQL test cluster at {}", cluster.url);
        Ok(cluster)
    }

    fn run(&self, program: &str, args: &[&str]) -> Result<()> {
        let exe = self.bin.join(program);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        cmd.args(args).current_dir(&self.dir);
        let status = cmd.status().with_context(|| format!("running {program}"))?;
        if !status.success() {
            bail!("{program} failed ({status}); see {}", self.dir.display());
        }
        Ok(())
    }
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = self.run(
            "pg_ctl",
            &["-D", path(&data), "-m", "immediate", "-w", "stop"],
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
