//! Writes a desktop app data folder whose client cache holds N conversations (workload 6).

use std::path::Path;

use anyhow::Result;

/// Writes the app data folder `dir` with `conversations` cached conversations.
pub fn write(_dir: &Path, _conversations: usize) -> Result<()> {
    anyhow::bail!("not written yet")
}
