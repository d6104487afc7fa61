//! The acceptance path of sign-in, through the real `convene-server` binary: create an account on
//! the command line, start the server, sign in, use the token, sign out.

mod common;

use std::io::Write;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::Answer;
use reqwest::StatusCode;
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_convene-server");

struct ServerProcess(Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

async fn start_server(data_dir: &std::path::Path) -> (ServerProcess, String) {
    let port = free_port();
    let child = Command::new(BIN)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("CONVENE_DATA_DIR", data_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn convene-server serve");
    let process = ServerProcess(child);
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = reqwest::get(format!("{base}/healthz")).await {
            if r.status() == StatusCode::OK {
                break;
            }
        }
        assert!(Instant::now() < deadline, "server did not become healthy");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (process, base)
}

async fn post(
    http: &reqwest::Client,
    url: String,
    token: Option<&str>,
    body: Option<serde_json::Value>,
) -> Answer {
    let mut req = http.post(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    Answer::from(req.send().await.expect("send")).await
}

async fn get(http: &reqwest::Client, url: String, token: &str) -> Answer {
    Answer::from(http.get(url).bearer_auth(token).send().await.expect("send")).await
}

#[tokio::test]
async fn account_created_on_the_command_line_can_sign_in_use_the_token_and_sign_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(BIN)
        .args([
            "account",
            "create",
            "--name",
            "Acme Support",
            "--admin-email",
            " Root@Acme.example ",
            "--admin-name",
            "Rita Root",
        ])
        .env("CONVENE_DATA_DIR", dir.path())
        .env("CONVENE_ADMIN_PASSWORD", "s3cret-passw0rd")
        .output()
        .expect("run account create");
    assert!(
        out.status.success(),
        "account create failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let account_id = String::from_utf8(out.stdout)
        .expect("utf8")
        .trim()
        .to_owned();
    assert!(
        uuid::Uuid::parse_str(&account_id).is_ok(),
        "prints the account id, got {account_id:?}"
    );

    let (_server, base) = start_server(dir.path()).await;
    let http = reqwest::Client::new();

    let login = post(
        &http,
        format!("{base}/api/v1/auth/login"),
        None,
        Some(json!({"email": "root@acme.example", "password": "s3cret-passw0rd"})),
    )
    .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    let token = login.body["token"].as_str().expect("token").to_owned();

    let me = get(&http, format!("{base}/api/v1/me"), &token).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["kind"], "agent");
    assert_eq!(me.body["email"], "root@acme.example");
    assert_eq!(me.body["name"], "Rita Root");
    assert_eq!(me.body["role"], "superadmin");
    assert_eq!(me.body["account_id"], account_id);
    assert_eq!(me.body["account_name"], "Acme Support");

    let wrong = post(
        &http,
        format!("{base}/api/v1/auth/login"),
        None,
        Some(json!({"email": "root@acme.example", "password": "not-it-at-all"})),
    )
    .await;
    wrong.assert_problem(401, "unauthenticated");
    let unknown = post(
        &http,
        format!("{base}/api/v1/auth/login"),
        None,
        Some(json!({"email": "nobody@acme.example", "password": "not-it-at-all"})),
    )
    .await;
    unknown.assert_problem(401, "unauthenticated");
    assert_eq!(
        wrong.body, unknown.body,
        "a wrong password and an unknown email answer alike"
    );

    let logout = post(
        &http,
        format!("{base}/api/v1/auth/logout"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT);
    get(&http, format!("{base}/api/v1/me"), &token)
        .await
        .assert_problem(401, "unauthenticated");
}

#[tokio::test]
async fn account_create_reads_the_password_from_standard_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(BIN)
        .args([
            "account",
            "create",
            "--name",
            "Stdin Co",
            "--admin-email",
            "admin@stdin.example",
            "--admin-name",
            "Sam",
        ])
        .env("CONVENE_DATA_DIR", dir.path())
        .env_remove("CONVENE_ADMIN_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"from-standard-input\n")
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let (_server, base) = start_server(dir.path()).await;
    let http = reqwest::Client::new();
    let login = post(
        &http,
        format!("{base}/api/v1/auth/login"),
        None,
        Some(json!({"email": "admin@stdin.example", "password": "from-standard-input"})),
    )
    .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
}

#[test]
fn account_create_refuses_bad_input_naming_the_field_and_stores_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(BIN)
        .args([
            "account",
            "create",
            "--name",
            "Bad Co",
            "--admin-email",
            "not-an-email",
            "--admin-name",
            "B",
        ])
        .env("CONVENE_DATA_DIR", dir.path())
        .env("CONVENE_ADMIN_PASSWORD", "long-enough-password")
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("admin_email"),
        "names the field: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !dir.path().join("convene.db").exists(),
        "nothing was stored"
    );

    let short = Command::new(BIN)
        .args([
            "account",
            "create",
            "--name",
            "Bad Co",
            "--admin-email",
            "a@b.example",
            "--admin-name",
            "B",
        ])
        .env("CONVENE_DATA_DIR", dir.path())
        .env("CONVENE_ADMIN_PASSWORD", "short")
        .output()
        .expect("run");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("password must be at least"));
}
