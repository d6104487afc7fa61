//! Harness for end-to-end tests of the real `convene` desktop binary.
//!
//! Each test starts its own `tauri-driver` (which starts `WebKitWebDriver`, which starts the app)
//! with a private app data folder, and drives the window over W3C WebDriver. The display (Xvfb) and
//! the session D-Bus come from the caller: `cargo xtask test` runs this crate under `xvfb-run` and
//! `dbus-run-session`.

pub mod desktop;
pub mod notifications;
pub mod webdriver;

pub use desktop::Desktop;
pub use webdriver::{Element, WebDriver};
