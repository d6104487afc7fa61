//! Types both halves of Convene speak.
//!
//! The server serialises these and the client core deserialises them, so a change here is a
//! change of the wire format. Nothing in this crate does I/O.

pub mod already;
pub mod audit;
pub mod domain;
pub mod dto;
pub mod error;
pub mod ids;
pub mod input;
pub mod limits;
pub mod list;
pub mod policy;
pub mod reading;
pub mod roles;
pub mod screen;
pub mod sync;
pub mod team;
pub mod timeline;

pub use domain::*;
pub use dto::*;
pub use error::{AccountChoice, ErrorCode, Problem, PROBLEM_CONTENT_TYPE};
pub use ids::*;
pub use reading::{HistoryPage, MarkRead, MessagePage, ReadState, SetMuted};
pub use roles::*;
pub use screen::Member;
pub use sync::*;
