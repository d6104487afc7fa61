//! Workload 6: the desktop app's cold start to a cached list of 10,000 conversations under Xvfb,
//! and its resident memory after it.

use std::path::Path;

use anyhow::Result;

/// Runs the desktop workload and writes its figures (a JSON array of
/// `{"name","value","unit","target","met"}`) to `out`.
pub fn run(_root: &Path, _out: &Path) -> Result<()> {
    anyhow::bail!("desktop benchmark not written yet")
}
