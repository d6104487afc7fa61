//! Readiness: whether this instance can take writes now. A load balancer or an operator asks
//! `/readyz`; `/healthz` only says the process is up. Each check is a small real attempt (a
//! query, a flushed write in the data folder), because a full or read-only disk shows only when
//! written to.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use convene_proto::Readiness;

use crate::store::Store;

/// What one check found: `ok` or the problem in a word or two.
async fn database(store: &Store) -> String {
    let probe = sqlx::query_scalar::<_, i64>("SELECT 1").fetch_one(store.pool());
    match tokio::time::timeout(Duration::from_secs(3), probe).await {
        Ok(Ok(_)) => "ok".to_owned(),
        Ok(Err(e)) => format!("unreachable: {e}"),
        Err(_) => "unreachable: no answer within 3 s".to_owned(),
    }
}

/// Writes, flushes and removes a 64 KiB file in `dir`.
fn data_folder(dir: &Path) -> String {
    let probe = dir.join(".readyz-probe");
    let written = std::fs::File::create(&probe).and_then(|mut f| {
        f.write_all(&[0u8; 64 * 1024])?;
        f.sync_all()
    });
    let _ = std::fs::remove_file(&probe);
    match written {
        Ok(()) => "ok".to_owned(),
        Err(e) => match e.kind() {
            std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => {
                "full".to_owned()
            }
            std::io::ErrorKind::ReadOnlyFilesystem | std::io::ErrorKind::PermissionDenied => {
                "read-only".to_owned()
            }
            _ => format!("cannot be written: {e}"),
        },
    }
}

/// How long one answer stands: callers within it (a load balancer, or a stranger asking in a loop)
/// share it, so `/readyz` writes the data folder at most once a second however often it is asked.
pub const FRESH_FOR: Duration = Duration::from_secs(1);

/// The last answer and when it was found.
#[derive(Clone, Default)]
pub struct Memo {
    last: std::sync::Arc<tokio::sync::Mutex<Option<(std::time::Instant, Readiness)>>>,
}

impl Memo {
    /// The readiness, checked again when the last answer is older than [`FRESH_FOR`]. Callers
    /// arriving during a check wait for it instead of starting their own. The check runs in a task
    /// of its own that records its answer, so a caller who hangs up mid-check (and is cancelled)
    /// does not make the next caller start another.
    pub async fn get(&self, store: &Store, data_dir: &Path) -> Readiness {
        let memo = self.clone();
        let (store, dir) = (store.clone(), data_dir.to_owned());
        let task = tokio::spawn(async move {
            let mut last = memo.last.lock().await;
            if let Some((at, readiness)) = last.as_ref() {
                if at.elapsed() < FRESH_FOR {
                    return readiness.clone();
                }
            }
            let readiness = check(&store, &dir).await;
            *last = Some((std::time::Instant::now(), readiness.clone()));
            readiness
        });
        task.await.unwrap_or_else(|e| Readiness {
            status: "not_ready".to_owned(),
            database: format!("cannot be checked: {e}"),
            data_folder: format!("cannot be checked: {e}"),
        })
    }
}

/// Runs every check.
pub async fn check(store: &Store, data_dir: &Path) -> Readiness {
    let database = database(store).await;
    let dir = data_dir.to_owned();
    let probe = tokio::task::spawn_blocking(move || data_folder(&dir));
    let data_folder = match tokio::time::timeout(Duration::from_secs(5), probe).await {
        Ok(Ok(answer)) => answer,
        Ok(Err(e)) => format!("cannot be checked: {e}"),
        Err(_) => "cannot be written: no answer within 5 s".to_owned(),
    };
    // On SQLite the database is a file in the data folder: it fails when the folder does.
    let database = if database == "ok"
        && store.backend() == crate::store::Backend::Sqlite
        && data_folder != "ok"
    {
        data_folder.clone()
    } else {
        database
    };
    let ready = database == "ok" && data_folder == "ok";
    Readiness {
        status: if ready { "ready" } else { "not_ready" }.to_owned(),
        database,
        data_folder,
    }
}
