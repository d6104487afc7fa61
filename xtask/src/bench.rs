//! `cargo xtask bench`: builds the release binaries and runs every benchmark workload, each with a
//! raw baseline of the same work, then prints one table and writes `target/bench/results.json`.
//!
//! Workloads 1-5 (sync, realtime, membership throughput, contact search) run in `convene-bench`
//! against the real server binary on SQLite and on a durable throwaway PostgreSQL cluster;
//! workload 6 (desktop cold start and memory) runs the real app under Xvfb (`bench_desktop`).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::install::{self, npm};
use crate::{bench_desktop, cargo, postgres, sh};

pub fn bench(root: &Path, args: &[String]) -> Result<()> {
    let quick = args.iter().any(|a| a == "--quick");
    let skip_desktop = args.iter().any(|a| a == "--no-desktop");
    if let Some(other) = args
        .iter()
        .find(|a| !matches!(a.as_str(), "--quick" | "--no-desktop"))
    {
        bail!("unknown option {other}; usage: cargo xtask bench [--quick] [--no-desktop]");
    }
    let started = Instant::now();
    install::everything(root)?;
    sh(Command::new(npm())
        .args(["run", "build"])
        .current_dir(root.join("ui")))?;
    sh(cargo()
        .args([
            "build",
            "--release",
            "-p",
            "convene-server",
            "-p",
            "convene-bench",
            "-p",
            "convene",
        ])
        .current_dir(root))?;
    let release = root.join("target/release");
    let out = root.join("target/bench");
    std::fs::create_dir_all(&out)?;

    let pg = postgres::Cluster::start_with(true)?;
    let core_json = out.join("core.json");
    let _ = std::fs::remove_file(&core_json);
    let mut core = Command::new(release.join("convene-bench"));
    core.args(["core", "--out"])
        .arg(&core_json)
        .arg("--server-bin")
        .arg(release.join("convene-server"))
        .args(["--pg-url", &pg.url])
        .current_dir(root);
    if quick {
        core.arg("--quick");
    }
    sh(&mut core)?;
    drop(pg);

    let mut files = vec![core_json];
    if !skip_desktop {
        let desktop_json = out.join("desktop.json");
        let _ = std::fs::remove_file(&desktop_json);
        bench_desktop::run(root, &desktop_json)?;
        files.push(desktop_json);
    }

    // Merge and print through the bench binary (it owns the figure format).
    let results = out.join("results.json");
    let mut merge = Command::new(release.join("convene-bench"));
    merge.arg("merge").arg("--out").arg(&results);
    for f in &files {
        merge.arg(f);
    }
    let status = merge.status().context("running convene-bench merge")?;
    if !status.success() {
        bail!("merging the figures failed ({status})");
    }
    eprintln!(
        "\nbenchmarks finished in {:.0?}; figures in {}",
        started.elapsed(),
        results.display()
    );
    Ok(())
}
