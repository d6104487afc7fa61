//! The Convene server as a library, so that tests can start it in-process on `127.0.0.1:0`
//! and the `convene-server` binary stays a thin command line over it.

pub mod api;
pub mod auth;
pub mod clock;
pub mod config;
pub mod cookies;
pub mod demo;
pub mod durable;
pub mod email;
pub mod error;
pub mod feed;
pub mod hub;
pub mod idempotency;
pub mod listen;
pub mod openapi;
pub mod principal;
pub mod ratelimit;
pub mod ready;
pub mod routes;
pub mod secret;
pub mod server;
pub mod service;
pub mod state;
pub mod store;
pub mod streams;
pub mod tx;
pub mod validate;
pub mod web;

pub use config::ServeConfig;
pub use server::{RunningServer, Server};
pub use store::Store;
