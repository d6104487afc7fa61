//! Startup telemetry: one line on stderr when the window first shows the conversation list, with
//! the time since the process started. The desktop benchmark (`cargo xtask bench`) reads it to
//! measure cold start without a WebDriver; for everyone else it is a cheap, honest log line.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use tauri::State;

/// The moment `main` began, and whether the first list was reported yet.
pub struct Startup {
    began: Instant,
    reported: AtomicBool,
}

impl Startup {
    /// Call first thing in `main`.
    pub fn now() -> Self {
        Self {
            began: Instant::now(),
            reported: AtomicBool::new(false),
        }
    }
}

/// The line the benchmark looks for; keep the wording stable.
pub fn line(conversations: usize, ms: u128) -> String {
    format!("convene: conversation list shown ({conversations} conversations) {ms} ms after start")
}

/// The UI has painted the conversation list for the first time (later calls are ignored).
#[tauri::command]
pub fn startup_rendered(startup: State<'_, Startup>, conversations: usize) {
    if startup.reported.swap(true, Ordering::SeqCst) {
        return;
    }
    eprintln!(
        "{}",
        line(conversations, startup.began.elapsed().as_millis())
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_line_names_the_count_and_the_milliseconds() {
        assert_eq!(
            super::line(10_000, 412),
            "convene: conversation list shown (10000 conversations) 412 ms after start"
        );
    }
}
