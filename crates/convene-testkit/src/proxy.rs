//! A TCP proxy on loopback between a client and a server, for failure tests: it can act offline
//! (closing every connection at once) or swallow chosen HTTP responses after the server has
//! answered — the "answer lost after commit" case.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Default)]
struct Mode {
    offline: bool,
    /// Responses to let through before dropping.
    skip: usize,
    /// Responses to drop (closing the connection) once `skip` reached zero.
    drop: usize,
    dropped: usize,
    /// HTTP responses the server sent back through the proxy (each request answered, dropped or not).
    responses: usize,
}

/// The proxy. Dropping it stops it.
pub struct Proxy {
    port: u16,
    mode: Arc<Mutex<Mode>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Proxy {
    /// Forwards a free loopback port to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let port = listener.local_addr().expect("addr").port();
        let mode = Arc::new(Mutex::new(Mode::default()));
        let m = mode.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let m = m.clone();
                tokio::spawn(async move {
                    let _ = serve(client, upstream, m).await;
                });
            }
        });
        Self { port, mode, task }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Offline: every connection is closed at once.
    pub fn set_offline(&self, offline: bool) {
        if let Ok(mut m) = self.mode.lock() {
            m.offline = offline;
        }
    }

    /// Lets `skip` responses through, then swallows the next `count` (closing their connections).
    pub fn drop_responses(&self, skip: usize, count: usize) {
        if let Ok(mut m) = self.mode.lock() {
            m.skip = skip;
            m.drop = count;
        }
    }

    /// How many HTTP responses the server sent through the proxy so far (to count requests).
    pub fn responses(&self) -> usize {
        self.mode.lock().map(|m| m.responses).unwrap_or(0)
    }

    /// How many responses were swallowed so far.
    pub fn dropped(&self) -> usize {
        self.mode.lock().map(|m| m.dropped).unwrap_or(0)
    }
}

async fn serve(
    mut client: TcpStream,
    upstream: SocketAddr,
    mode: Arc<Mutex<Mode>>,
) -> std::io::Result<()> {
    if mode.lock().map(|m| m.offline).unwrap_or(false) {
        return Ok(());
    }
    let server = TcpStream::connect(upstream).await?;
    let (mut cr, mut cw) = client.split();
    let (mut sr, mut sw) = {
        let (r, w) = server.into_split();
        (r, w)
    };
    let up = async {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = cr.read(&mut buf).await?;
            if n == 0 {
                return Ok::<_, std::io::Error>(());
            }
            sw.write_all(&buf[..n]).await?;
        }
    };
    let down = async {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = sr.read(&mut buf).await?;
            if n == 0 {
                return Ok::<_, std::io::Error>(());
            }
            if buf[..n].starts_with(b"HTTP/1.1 ") {
                if let Ok(mut m) = mode.lock() {
                    m.responses += 1;
                }
                let swallow = match mode.lock() {
                    Ok(mut m) if m.skip > 0 => {
                        m.skip -= 1;
                        false
                    }
                    Ok(mut m) if m.drop > 0 => {
                        m.drop -= 1;
                        m.dropped += 1;
                        true
                    }
                    _ => false,
                };
                if swallow {
                    return Ok(());
                }
            }
            cw.write_all(&buf[..n]).await?;
        }
    };
    tokio::select! {
        r = up => r,
        r = down => r,
    }
}
