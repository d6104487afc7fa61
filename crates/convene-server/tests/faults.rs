//! Storage faults (issue 14): the server's data folder on a small tmpfs that the test fills up.
//! Mounting needs root, so without it the test says so and passes; the test command runs as root
//! in CI, and `cargo xtask test --faults` runs this suite alone.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use convene_testkit::{Api, ServerProcess};
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_convene-server");

/// A tmpfs mounted for the test, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, megabytes: u32) -> Option<Self> {
        std::fs::create_dir_all(at).ok()?;
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(at)
            .status()
            .ok()?
            .success();
        mounted.then(|| Self(at.to_owned()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// `/readyz` once it answers `status`, or its last answer after a few seconds.
async fn readiness_becomes(anon: &Api, status: u16) -> convene_testkit::Answer {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let ready = anon.get("/readyz").await;
        if ready.status == status || Instant::now() > deadline {
            return ready;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Fills the file system under `dir` until it refuses another byte.
fn fill(dir: &Path) -> PathBuf {
    let path = dir.join("filler");
    let mut file = std::fs::File::create(&path).expect("filler");
    let block = vec![0u8; 64 * 1024];
    while file.write_all(&block).is_ok() {}
    let mut byte = [0u8; 1];
    while file.write_all(&byte).is_ok() {
        byte[0] = 1;
    }
    let _ = file.sync_all();
    path
}

#[tokio::test]
async fn a_full_disk_refuses_writes_clearly_and_writes_come_back_without_a_restart() {
    if !is_root() {
        eprintln!(
            "skipped: mounting a tmpfs needs root (cargo xtask test --faults runs it as root)"
        );
        return;
    }
    let root = tempfile::tempdir().expect("tempdir");
    let Some(disk) = Tmpfs::mount(&root.path().join("data"), 24) else {
        eprintln!("skipped: could not mount a tmpfs here");
        return;
    };
    let server = ServerProcess::start(
        Path::new(BIN),
        &disk.0,
        &["--demo"],
        &[("CONVENE_RATE_LIMIT_FACTOR", "1000")],
    )
    .await;
    let anon = Api::new(&server.url, None);
    let signed_in = anon
        .post(
            "/api/v1/auth/login",
            json!({"email": "ana@demo.convene.test", "password": convene_server::demo::DEMO_PASSWORD}),
        )
        .await;
    let ana = Api::new(
        &server.url,
        Some(signed_in.ok()["token"].as_str().expect("token").to_owned()),
    );
    let conversation = ana.new_conversation("On a small disk").await;
    let path = format!("/api/v1/conversations/{conversation}/messages");
    let body = "x".repeat(9_000);
    let ready = anon.get("/readyz").await;
    assert_eq!(ready.status, 200, "ready before: {}", ready.body);

    // Every message the server acknowledged, before, during and after the disk is full.
    let mut acknowledged = BTreeSet::new();
    let post = async |i: usize, acknowledged: &mut BTreeSet<String>| {
        let answer = ana
            .post(&path, json!({ "body": format!("{i} {body}") }))
            .await;
        if answer.status == 201 {
            acknowledged.insert(answer.body["id"].as_str().expect("id").to_owned());
        }
        answer
    };
    for i in 0..5 {
        assert_eq!(post(i, &mut acknowledged).await.status, 201);
    }

    let filler = fill(&disk.0);
    // Writes now fail, each with a problem that says the disk is full (or the storage cannot be
    // written), never a bare 500; within a few hundred large messages the log cannot grow.
    let mut refused = 0;
    let mut i = 5;
    while refused < 5 && i < 2_000 {
        let answer = post(i, &mut acknowledged).await;
        i += 1;
        if answer.status == 201 {
            continue;
        }
        assert!(
            matches!(answer.status, 507 | 503),
            "a write on a full disk answers 507 or 503, got {} {}",
            answer.status,
            answer.body
        );
        assert!(
            matches!(
                answer.body["code"].as_str(),
                Some("storage_full" | "storage_unavailable")
            ),
            "{}",
            answer.body
        );
        assert!(
            answer.headers.get("retry-after").is_some(),
            "a full disk says when to retry"
        );
        refused += 1;
    }
    assert_eq!(refused, 5, "the full disk refused writes");
    // Readiness is checked at most once a second: it says so within a moment.
    let ready = readiness_becomes(&anon, 503).await;
    assert_eq!(ready.status, 503, "not ready while full: {}", ready.body);
    assert_eq!(ready.body["data_folder"], "full", "{}", ready.body);

    // Space comes back: writes work again within seconds, on the same process.
    std::fs::remove_file(filler).expect("free the space");
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let answer = post(i, &mut acknowledged).await;
        i += 1;
        if answer.status == 201 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "writes did not recover after space was freed: {} {}",
            answer.status,
            answer.body
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for _ in 0..20 {
        let answer = post(i, &mut acknowledged).await;
        i += 1;
        assert_eq!(answer.status, 201, "writes keep working: {}", answer.body);
    }
    let ready = readiness_becomes(&anon, 200).await;
    assert_eq!(ready.status, 200, "ready again: {}", ready.body);

    // Nothing acknowledged was lost.
    let stored: BTreeSet<String> = ana.get(&path).await.ok()["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["id"].as_str().expect("id").to_owned())
        .collect();
    let lost: Vec<_> = acknowledged.difference(&stored).collect();
    assert!(lost.is_empty(), "acknowledged messages lost: {lost:?}");
    drop(server);
}
