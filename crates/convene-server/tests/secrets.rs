//! Tokens — sessions, invite links, Shareable Links — never appear raw in the database files or
//! the server's log. The real binary runs with debug logging; the test collects every token the
//! flows hand out and greps for each.

use convene_testkit::{Api, ReceivedEmail, ServerProcess};
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_convene-server");

fn files_under(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[tokio::test]
async fn no_raw_token_reaches_the_database_or_the_log() {
    let root = tempfile::tempdir().expect("tempdir");
    let data = root.path().join("data");
    let server = ServerProcess::start(
        std::path::Path::new(BIN),
        &data,
        &["--demo"],
        &[("RUST_LOG", "debug")],
    )
    .await;
    let anon = Api::new(&server.url, None);
    let mut tokens = Vec::new();

    let login = anon
        .post(
            "/api/v1/auth/login",
            json!({"email": "ana@demo.convene.test", "password": "convene-demo"}),
        )
        .await;
    let session = login.ok()["token"].as_str().expect("token").to_owned();
    tokens.push(("agent session", session.clone()));
    let ana = anon.with_token(&session);
    let conversation = ana
        .post("/api/v1/conversations", json!({"subject": "Secrets"}))
        .await
        .ok()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let link = ana
        .get(&format!("/api/v1/conversations/{conversation}/share-link"))
        .await;
    let link_token = link.ok()["url"]
        .as_str()
        .expect("url")
        .rsplit("/j/")
        .next()
        .expect("token")
        .to_owned();
    tokens.push(("share link", link_token.clone()));
    let stranger = anon
        .post(
            &format!("/api/v1/join/{link_token}"),
            json!({"name": "Sid", "email": "sid@example.com"}),
        )
        .await;
    tokens.push((
        "contact session (link)",
        stranger.ok()["token"].as_str().expect("token").to_owned(),
    ));

    ana.post(
        &format!("/api/v1/conversations/{conversation}/contact-invites"),
        json!({"email": "tess@example.com"}),
    )
    .await
    .ok();
    // No SMTP_URL: the email is written as an .eml file; the worker runs every second.
    let outbox = data.join("outbox");
    let mut eml = None;
    for _ in 0..100 {
        if let Some(entry) = std::fs::read_dir(&outbox).ok().and_then(|mut d| d.next()) {
            eml = Some(std::fs::read_to_string(entry.expect("entry").path()).expect("eml"));
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let mail = ReceivedEmail {
        mail_from: String::new(),
        rcpt_to: Vec::new(),
        raw: eml.expect("an .eml file in the data folder"),
    };
    let invite_link = mail.join_link().expect("join link in the .eml");
    let invite_token = invite_link.rsplit("/j/").next().expect("token").to_owned();
    tokens.push(("invite link", invite_token.clone()));
    let page = reqwest::get(&invite_link).await.expect("page");
    assert_eq!(page.status(), 200);
    let joined = anon
        .post(&format!("/api/v1/join/{invite_token}"), json!({}))
        .await;
    tokens.push((
        "contact session (invite)",
        joined.ok()["token"].as_str().expect("token").to_owned(),
    ));
    // A sign-in link: its token goes out in an email, and its session in a cookie.
    anon.post(
        "/api/v1/auth/email-link",
        json!({"email": "tess@example.com"}),
    )
    .await;
    let mut signin = None;
    for _ in 0..100 {
        signin = std::fs::read_dir(&outbox)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
            .flat_map(|raw| {
                raw.split_whitespace()
                    .filter(|w| w.starts_with("http") && w.contains("/s/"))
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .next();
        if signin.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let signin = signin.expect("a sign-in link in an .eml");
    tokens.push((
        "sign-in link",
        signin.rsplit("/s/").next().expect("token").to_owned(),
    ));
    let signed_in = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(&signin)
        .send()
        .await
        .expect("sign in");
    assert_eq!(signed_in.status(), 303);
    let cookie = signed_in
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').next())
        .and_then(|c| c.split_once('='))
        .map(|(_, v)| v.to_owned())
        .expect("session cookie");
    tokens.push(("contact session (sign-in link)", cookie));
    server.kill();

    let mut files = Vec::new();
    files_under(&data, &mut files);
    let scanned: Vec<_> = files
        .into_iter()
        .filter(|p| {
            p.extension().is_none_or(|e| e != "eml")
                && p.file_name().is_some_and(|n| n != "secret.key")
        })
        .collect();
    assert!(
        scanned
            .iter()
            .any(|p| p.to_string_lossy().contains("convene.db")),
        "the database was scanned: {scanned:?}"
    );
    let log = std::fs::read(
        root.path()
            .read_dir()
            .expect("root")
            .flatten()
            .find(|e| e.file_name().to_string_lossy().ends_with(".log"))
            .expect("log")
            .path(),
    )
    .expect("log");
    assert!(log.len() > 1000, "the debug log has content");
    for (what, token) in &tokens {
        let needle = token.as_bytes();
        assert!(
            !log.windows(needle.len()).any(|w| w == needle),
            "the raw {what} token is in the log"
        );
        for path in &scanned {
            let bytes = std::fs::read(path).expect("read");
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "the raw {what} token is in {}",
                path.display()
            );
        }
    }
}
