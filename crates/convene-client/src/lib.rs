//! The Convene client core: what the desktop app does, without any Tauri inside.
//!
//! It keeps an offline SQLite cache of what the user may see ([`cache`]), talks to the server
//! ([`api`]), and ties both together in [`Client`], whose methods the desktop shell calls one to one.

pub mod api;
pub mod cache;
mod client;
pub mod error;

pub use client::{Client, SessionInfo, SyncOutcome};
pub use error::ClientError;
