//! The real release `convene-server` binary as a child process for the benchmarks, on SQLite in
//! a data folder or on a PostgreSQL database, with rate limits lifted (load generators are not
//! abusers).

use std::path::Path;

use convene_testkit::ServerProcess;

/// A running server.
pub struct Running {
    pub url: String,
    _process: ServerProcess,
}

/// Starts `bin` on `data_dir` (and `database_url` when given).
pub async fn start(bin: &Path, data_dir: &Path, database_url: Option<&str>) -> Running {
    let mut args = vec!["--rate-limit-factor", "1000000"];
    if let Some(url) = database_url {
        args.extend(["--database-url", url]);
    }
    let process = ServerProcess::start(bin, data_dir, &args, &[("RUST_LOG", "warn")]).await;
    Running {
        url: process.url.clone(),
        _process: process,
    }
}
