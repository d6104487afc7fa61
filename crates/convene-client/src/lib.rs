//! The Convene client core: what the desktop app does, without any Tauri inside.
//!
//! It keeps an offline SQLite cache of what the user may see ([`cache`]), talks to the server
//! ([`api`]), queues user actions durably ([`outbox`]), follows the server's realtime stream
//! ([`realtime`]), and ties it together in [`Client`], whose methods the desktop shell calls one to one.

pub mod api;
pub mod cache;
mod client;
pub mod error;
pub mod events;
pub mod outbox;
mod quiet;
mod reading;
pub mod realtime;
pub mod screen;
pub mod team;
pub mod typescript;

pub use client::{
    Client, FlushReport, JoinPlan, QueueOutcome, QueueState, SessionInfo, SyncOutcome, CACHE_FILE,
};
pub use error::ClientError;
pub use events::{ClientEvent, SyncState};
pub use outbox::Action;
