//! A notification server on the test's private D-Bus session bus that records every notification
//! the app raises, and can "click" one (emit `ActionInvoked`) as a user would.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use zbus::object_server::SignalEmitter;
use zbus::zvariant::OwnedValue;

/// One notification as received.
#[derive(Clone, Debug)]
pub struct Received {
    pub id: u32,
    pub app_name: String,
    pub summary: String,
    pub body: String,
    pub actions: Vec<String>,
}

struct Server {
    received: Arc<Mutex<Vec<Received>>>,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Server {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        _hints: HashMap<String, OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        let mut list = self.received.lock().unwrap_or_else(|p| p.into_inner());
        let id = u32::try_from(list.len()).unwrap_or(u32::MAX - 1) + 1;
        list.push(Received {
            id,
            app_name,
            summary,
            body,
            actions,
        });
        id
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec!["body".to_owned(), "actions".to_owned()]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "convene-test-recorder".into(),
            "convene".into(),
            "1.0".into(),
            "1.2".into(),
        )
    }

    fn close_notification(&self, _id: u32) {}

    #[zbus(signal)]
    async fn action_invoked(
        emitter: &SignalEmitter<'_>,
        id: u32,
        action_key: &str,
    ) -> zbus::Result<()>;
}

/// The running recorder.
pub struct Recorder {
    received: Arc<Mutex<Vec<Received>>>,
    connection: zbus::Connection,
}

impl Recorder {
    /// Takes the name `org.freedesktop.Notifications` on the session bus of `DBUS_SESSION_BUS_ADDRESS`.
    pub async fn start() -> Result<Self> {
        if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
            bail!("no private session bus: run the end-to-end tests under dbus-run-session (cargo xtask test does)");
        }
        let received = Arc::new(Mutex::new(Vec::new()));
        let connection = zbus::connection::Builder::session()?
            .name("org.freedesktop.Notifications")?
            .serve_at(
                "/org/freedesktop/Notifications",
                Server {
                    received: received.clone(),
                },
            )?
            .build()
            .await?;
        Ok(Self {
            received,
            connection,
        })
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Waits for a notification whose summary contains `text`.
    pub async fn wait_for(&self, text: &str, timeout: Duration) -> Result<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(found) = self
                .received()
                .into_iter()
                .find(|n| n.summary.contains(text))
            {
                return Ok(found);
            }
            if Instant::now() > deadline {
                bail!(
                    "no notification with {text:?} within {timeout:?}; got {:?}",
                    self.received()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clicks a notification: emits `ActionInvoked(id, "default")`.
    pub async fn click(&self, id: u32) -> Result<()> {
        let iface = self
            .connection
            .object_server()
            .interface::<_, Server>("/org/freedesktop/Notifications")
            .await?;
        Server::action_invoked(iface.signal_emitter(), id, "default").await?;
        Ok(())
    }
}
