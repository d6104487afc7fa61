//! A real SMTP server on loopback that accepts every message and keeps it for the test to read.
//! It speaks enough of RFC 5321 (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) for any client.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Notify;

/// One message as received.
#[derive(Clone, Debug)]
pub struct ReceivedEmail {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    /// The message as sent after DATA, dot-unstuffed.
    pub raw: String,
}

impl ReceivedEmail {
    fn parsed(&self) -> mailparse::ParsedMail<'_> {
        mailparse::parse_mail(self.raw.as_bytes()).expect("a parseable email")
    }

    /// A decoded header value.
    pub fn header(&self, name: &str) -> Option<String> {
        use mailparse::MailHeaderMap;
        self.parsed().headers.get_first_value(name)
    }

    /// The decoded subject.
    pub fn subject(&self) -> String {
        self.header("Subject").unwrap_or_default()
    }

    fn part(&self, mime: &str) -> Option<String> {
        fn walk(p: &mailparse::ParsedMail<'_>, mime: &str) -> Option<String> {
            if p.subparts.is_empty() {
                return (p.ctype.mimetype == mime).then(|| p.get_body().unwrap_or_default());
            }
            p.subparts.iter().find_map(|s| walk(s, mime))
        }
        walk(&self.parsed(), mime)
    }

    /// The decoded text/plain part.
    pub fn text(&self) -> String {
        self.part("text/plain").unwrap_or_default()
    }

    /// The decoded text/html part.
    pub fn html(&self) -> String {
        self.part("text/html").unwrap_or_default()
    }

    /// The first `http…/j/…` link in the text part.
    pub fn join_link(&self) -> Option<String> {
        self.text()
            .split_whitespace()
            .find(|w| w.starts_with("http") && w.contains("/j/"))
            .map(str::to_owned)
    }
}

/// The sink: start it, point the server's `SMTP_URL` at [`SmtpSink::url`], read what arrives.
pub struct SmtpSink {
    port: u16,
    received: Arc<Mutex<Vec<ReceivedEmail>>>,
    arrived: Arc<Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SmtpSink {
    /// Listens on a free loopback port.
    pub async fn start() -> Self {
        Self::start_on(0).await
    }

    /// Listens on loopback port `port` (0: any free one).
    pub async fn start_on(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind smtp sink");
        let port = listener.local_addr().expect("addr").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let arrived = Arc::new(Notify::new());
        let (r, a) = (received.clone(), arrived.clone());
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let (r, a) = (r.clone(), a.clone());
                tokio::spawn(async move {
                    let _ = session(socket, r, a).await;
                });
            }
        });
        Self {
            port,
            received,
            arrived,
            task,
        }
    }

    /// `smtp://127.0.0.1:PORT`, for `SMTP_URL`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Everything received so far.
    pub fn messages(&self) -> Vec<ReceivedEmail> {
        self.received.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// Waits until at least `n` messages have arrived (panics after `timeout`).
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<ReceivedEmail> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let now = self.messages();
            if now.len() >= n {
                return now;
            }
            if tokio::time::timeout_at(deadline, self.arrived.notified())
                .await
                .is_err()
            {
                let got = self.messages();
                assert!(
                    got.len() >= n,
                    "expected {n} emails within {timeout:?}, got {}",
                    got.len()
                );
                return got;
            }
        }
    }
}

async fn session(
    socket: tokio::net::TcpStream,
    received: Arc<Mutex<Vec<ReceivedEmail>>>,
    arrived: Arc<Notify>,
) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 convene-test-sink ESMTP\r\n").await?;
    let mut from = String::new();
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let upper = command.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") {
            b"250-convene-test-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
        } else if upper.starts_with("HELO") || upper.starts_with("NOOP") {
            b"250 OK\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            from = command[10..].trim().to_owned();
            to.clear();
            b"250 OK\r\n"
        } else if upper.starts_with("RCPT TO:") {
            to.push(command[8..].trim().to_owned());
            b"250 OK\r\n"
        } else if upper == "RSET" {
            from.clear();
            to.clear();
            b"250 OK\r\n"
        } else if upper == "DATA" {
            write
                .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                .await?;
            let mut raw = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                raw.push_str(
                    line.strip_prefix('.')
                        .filter(|_| line.starts_with(".."))
                        .unwrap_or(&line),
                );
            }
            if let Ok(mut list) = received.lock() {
                list.push(ReceivedEmail {
                    mail_from: from.clone(),
                    rcpt_to: to.clone(),
                    raw,
                });
            }
            arrived.notify_waiters();
            b"250 OK: queued\r\n"
        } else if upper == "QUIT" {
            write.write_all(b"221 Bye\r\n").await?;
            return Ok(());
        } else {
            b"502 Command not implemented\r\n"
        };
        write.write_all(reply).await?;
    }
}
