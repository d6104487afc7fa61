//! `convene-bench`: the benchmark workloads behind `cargo xtask bench`.
//!
//! Each workload runs against the real release binaries and databases and, in the same run, a raw
//! baseline of the same work, so every figure comes with a ratio that holds on a noisy machine.
//! Figures go to stdout as a table and to a JSON file that `cargo xtask bench` merges.

mod core;
mod desktop_cache;
mod figures;
mod realtime;
mod search;
mod server;
mod setup;
mod sync;
mod throughput;

use std::path::PathBuf;

use anyhow::{bail, Context, Result};

fn usage() -> &'static str {
    "usage: convene-bench core --out FILE --server-bin PATH [--pg-url URL] [--quick]\n       convene-bench desktop-cache --dir DIR [--conversations N]\n       convene-bench merge --out FILE INPUT.json..."
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| -> Option<String> {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    match args.first().map(String::as_str) {
        Some("desktop-cache") => {
            let dir = PathBuf::from(value("--dir").context("--dir is required")?);
            let n = value("--conversations")
                .map(|v| v.parse::<usize>())
                .transpose()?
                .unwrap_or(10_000);
            desktop_cache::write(&dir, n)
        }
        Some("core") => {
            // The realtime workload holds 10,000 client sockets here and as many in the server
            // (a child, which inherits the limit).
            // The baseline holds both ends of as many sockets in this one process. Raising the hard
            // limit needs root; without it, the soft limit goes up to the hard one.
            let wanted = 65_536;
            let limit = match rlimit::Resource::NOFILE.set(wanted, wanted) {
                Ok(()) => wanted,
                Err(_) => rlimit::increase_nofile_limit(u64::MAX)?,
            };
            eprintln!("open files: up to {limit}");
            let out = PathBuf::from(value("--out").context("--out is required")?);
            let bin = PathBuf::from(value("--server-bin").context("--server-bin is required")?);
            let options = core::Options {
                server_bin: bin,
                pg_url: value("--pg-url"),
                quick: args.iter().any(|a| a == "--quick"),
                only: value("--only"),
            };
            let runtime = tokio::runtime::Runtime::new()?;
            let figures = runtime.block_on(core::run(&options))?;
            println!();
            figures::print_table(&figures);
            figures::write(&out, &figures)
        }
        Some("merge") => {
            let out = PathBuf::from(value("--out").context("--out is required")?);
            let mut all = Vec::new();
            let mut inputs = args[1..].iter();
            while let Some(a) = inputs.next() {
                if a == "--out" {
                    inputs.next();
                    continue;
                }
                all.extend(figures::read(std::path::Path::new(a))?);
            }
            println!();
            figures::print_table(&all);
            figures::write(&out, &all)
        }
        _ => bail!("{}", usage()),
    }
}
