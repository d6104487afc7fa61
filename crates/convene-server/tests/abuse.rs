//! What an anonymous caller can make the server do (issue 14): bounded work whatever they send,
//! and no connection held open by a client that never finishes its request.

use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use convene_testkit::{at_once, Api, ServerProcess};
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_convene-server");

/// The resident memory of process `pid`, in MiB.
fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

async fn server(dir: &Path) -> ServerProcess {
    // Rate limits lifted: the flood must reach the password hashing itself.
    ServerProcess::start(
        Path::new(BIN),
        dir,
        &["--demo"],
        &[("CONVENE_RATE_LIMIT_FACTOR", "1000")],
    )
    .await
}

#[tokio::test]
async fn a_hundred_parallel_sign_ins_with_random_emails_keep_memory_bounded_and_answer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = server(&dir.path().join("data")).await;
    let pid = server.pid();
    let before = rss_mib(pid);
    let peak = std::sync::Arc::new(std::sync::Mutex::new(before));
    let sampling = {
        let peak = peak.clone();
        tokio::spawn(async move {
            loop {
                let now = rss_mib(pid);
                {
                    let mut p = peak.lock().expect("peak");
                    *p = p.max(now);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let url = server.url.clone();
    let started = Instant::now();
    let answers = at_once(100, |i| {
        let url = url.clone();
        async move {
            tokio::time::timeout(
                Duration::from_secs(60),
                Api::new(&url, None).post(
                    "/api/v1/auth/login",
                    json!({ "email": format!("stranger{i}-{}@example.com", uuid_ish(i)), "password": "guess-guess-guess" }),
                ),
            )
            .await
        }
    })
    .await;
    sampling.abort();
    let peak = *peak.lock().expect("peak");
    let mut statuses = std::collections::BTreeMap::new();
    for answer in &answers {
        let answer = answer
            .as_ref()
            .expect("every sign-in answered within a minute");
        assert!(
            matches!(answer.status, 401 | 429 | 503),
            "a sign-in flood answers 401, 429 or 503: {} {}",
            answer.status,
            answer.body
        );
        if answer.status == 503 {
            assert!(answer.headers.get("retry-after").is_some(), "503 says when");
        }
        *statuses.entry(answer.status).or_insert(0) += 1;
    }
    eprintln!(
        "100 sign-ins in {:?}: {statuses:?}; resident memory {before:.0} MiB -> peak {peak:.0} MiB",
        started.elapsed()
    );
    assert!(
        peak < 300.0,
        "the server's resident memory stayed under 300 MB (peak {peak:.0} MiB)"
    );
}

fn uuid_ish(i: usize) -> String {
    format!("{:x}", (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

#[tokio::test]
async fn a_client_sending_one_header_byte_a_second_is_cut_off() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = server(&dir.path().join("data")).await;
    let addr = server.url.trim_start_matches("http://").to_owned();
    let cut_off = tokio::task::spawn_blocking(move || {
        let mut socket = std::net::TcpStream::connect(&addr).expect("connect");
        socket
            .set_read_timeout(Some(Duration::from_millis(900)))
            .expect("timeout");
        let head = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        let started = Instant::now();
        for byte in head.iter().cycle() {
            if started.elapsed() > Duration::from_secs(40) {
                return None;
            }
            if socket.write_all(&[*byte]).is_err() {
                return Some(started.elapsed());
            }
            // The server closing shows as end of file (or a reset) on the read side.
            let mut buf = [0u8; 512];
            match socket.read(&mut buf) {
                Ok(0) => return Some(started.elapsed()),
                Ok(_) => return Some(started.elapsed()), // an answer (408) before closing
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(_) => return Some(started.elapsed()),
            }
        }
        None
    })
    .await
    .expect("slow client");
    let after = cut_off.expect("the server held a half-sent request open for 40 s");
    assert!(
        after < Duration::from_secs(20),
        "cut off after {after:?}; the head deadline is {:?}",
        convene_server::listen::HEADER_READ_TIMEOUT
    );
    // Meanwhile the server still answers everyone else.
    let health = Api::new(&server.url, None).get("/healthz").await;
    assert_eq!(health.status, 200);
}
