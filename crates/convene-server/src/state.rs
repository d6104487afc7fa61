//! What every handler shares (the domain's context with its realtime hub, the limits, the UI
//! folder): one type the JSON API, the web pages and the middleware all take, owned by none of them.

use std::sync::Arc;

use crate::hub::Hub;
use crate::service::Ctx;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    ctx: Ctx,
    limits: crate::ratelimit::Limits,
    ui_dir: std::path::PathBuf,
    data_dir: std::path::PathBuf,
    streams: crate::streams::StreamSlots,
    readiness: crate::ready::Memo,
}

impl AppState {
    pub fn new(
        ctx: Ctx,
        limits: crate::ratelimit::Limits,
        ui_dir: std::path::PathBuf,
        data_dir: std::path::PathBuf,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                ctx,
                limits,
                ui_dir,
                data_dir,
                streams: crate::streams::StreamSlots::default(),
                readiness: crate::ready::Memo::default(),
            }),
        }
    }

    /// The server's data folder (its secret, the SQLite database, unsent `.eml` files).
    pub fn data_dir(&self) -> &std::path::Path {
        &self.inner.data_dir
    }

    /// Where the built web UI is.
    pub fn ui_dir(&self) -> &std::path::Path {
        &self.inner.ui_dir
    }

    /// The rate limits in force.
    pub fn limits(&self) -> &crate::ratelimit::Limits {
        &self.inner.limits
    }

    pub fn ctx(&self) -> &Ctx {
        &self.inner.ctx
    }

    pub fn store(&self) -> &crate::store::Store {
        &self.inner.ctx.store
    }

    /// The last readiness answer (see [`crate::ready::Memo`]).
    pub fn readiness(&self) -> &crate::ready::Memo {
        &self.inner.readiness
    }

    /// The realtime streams each session holds open on this instance.
    pub fn streams(&self) -> &crate::streams::StreamSlots {
        &self.inner.streams
    }

    pub fn hub(&self) -> &Hub {
        &self.inner.ctx.announcer.hub
    }
}
