//! The real `convene` binary signs in to a real server and shows the demo conversations; closed and
//! restarted with the server stopped, it still shows them from its cache and says it is offline.
//! When the server ends the session it says "Signed out" instead, keeps what was queued and sends it
//! once after signing in again; and a `convene://join` link opened while signed in goes to the
//! browser instead of replacing the session.

use std::time::Duration;

use convene_e2e::desktop::artifact_dir;
use convene_e2e::Desktop;
use convene_server::demo::{DEMO_CONVERSATIONS, DEMO_PASSWORD};
use convene_testkit::{Api, TestServer};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(20);

async fn demo_server(dir: &std::path::Path) -> convene_server::RunningServer {
    convene_server::RunningServer::demo_for_test(dir)
        .await
        .expect("start demo server")
}

async fn shown_subjects(app: &Desktop) -> Vec<String> {
    let mut subjects = Vec::new();
    for el in app
        .wd
        .find_all("[data-testid=conversation-item] .subject")
        .await
        .expect("find")
    {
        subjects.push(app.wd.text(&el).await.expect("text"));
    }
    subjects.sort();
    subjects
}

fn expected_subjects() -> Vec<String> {
    let mut s: Vec<String> = DEMO_CONVERSATIONS.iter().map(|s| s.to_string()).collect();
    s.sort();
    s
}

async fn sign_in(app: &Desktop, server_url: &str, email: &str, password: &str) {
    let wd = &app.wd;
    wd.wait_for("[data-testid=signin-form]", WAIT)
        .await
        .expect("sign-in screen");
    wd.fill(
        &wd.wait_for("#server-url", WAIT)
            .await
            .expect("server field"),
        server_url,
    )
    .await
    .expect("type");
    wd.fill(
        &wd.wait_for("#email", WAIT).await.expect("email field"),
        email,
    )
    .await
    .expect("type");
    wd.fill(
        &wd.wait_for("#password", WAIT)
            .await
            .expect("password field"),
        password,
    )
    .await
    .expect("type");
    let button = wd
        .wait_for("[data-testid=signin-form] button[type=submit]", WAIT)
        .await
        .expect("button");
    assert_eq!(wd.text(&button).await.expect("text"), "Sign in");
    wd.click(&button).await.expect("click");
}

#[tokio::test]
async fn the_app_signs_in_and_shows_the_demo_conversations() {
    let server_dir = tempfile::tempdir().expect("tempdir");
    let app_dir = tempfile::tempdir().expect("tempdir");
    let server = demo_server(server_dir.path()).await;

    let app = Desktop::launch("signin", app_dir.path(), &[])
        .await
        .expect("launch app");
    sign_in(&app, &server.url(), "ana@demo.convene.test", DEMO_PASSWORD).await;
    app.wd
        .wait_for_text("[data-testid=connection-status]", WAIT, |t| t == "Online")
        .await
        .expect("online");
    app.wd
        .wait_for("[data-testid=conversation-item]", WAIT)
        .await
        .expect("list");
    assert_eq!(shown_subjects(&app).await, expected_subjects());
    // Each row names its customer and previews the newest message, from the cache.
    let damaged = format!(
        "//li[@data-testid='conversation-item'][.//span[@class='subject' and normalize-space()='{}']]",
        DEMO_CONVERSATIONS[0]
    );
    let preview = app
        .wd
        .wait_for_xpath(
            &format!("{damaged}//*[@data-testid='conversation-preview']"),
            WAIT,
        )
        .await
        .expect("preview");
    assert_eq!(
        app.wd.text(&preview).await.expect("text"),
        "Ana Lima: Sorry to hear that, Carol. Chloe will arrange a replacement."
    );
    let customers = app
        .wd
        .wait_for_xpath(
            &format!("{damaged}//*[@data-testid='conversation-customers']"),
            WAIT,
        )
        .await
        .expect("customers");
    assert_eq!(app.wd.text(&customers).await.expect("text"), "Carol Jones");
    let me = app
        .wd
        .wait_for("[data-testid=me-name]", WAIT)
        .await
        .expect("me");
    assert_eq!(app.wd.text(&me).await.expect("text"), "Ana Lima");
    app.wd
        .screenshot(&artifact_dir().join("signed-in-list.png"))
        .await
        .expect("screenshot");
    app.close().await;
    server.stop().await;
}

#[tokio::test]
async fn a_wrong_password_shows_the_servers_refusal_on_the_sign_in_screen() {
    let server_dir = tempfile::tempdir().expect("tempdir");
    let app_dir = tempfile::tempdir().expect("tempdir");
    let server = demo_server(server_dir.path()).await;

    let app = Desktop::launch("signin-refused", app_dir.path(), &[])
        .await
        .expect("launch app");
    sign_in(
        &app,
        &server.url(),
        "ana@demo.convene.test",
        "not-the-password",
    )
    .await;
    let error = app
        .wd
        .wait_for_text("[data-testid=signin-error]", WAIT, |t| !t.is_empty())
        .await
        .expect("error shown");
    assert_eq!(
        error,
        "That email and password do not match. Check them and try again."
    );
    assert!(app
        .wd
        .find_all("[data-testid=conversation-list]")
        .await
        .expect("find")
        .is_empty());
    app.wd
        .screenshot(&artifact_dir().join("signin-refused.png"))
        .await
        .expect("screenshot");
    app.close().await;
    server.stop().await;
}

#[tokio::test]
async fn restarted_with_the_server_stopped_the_app_shows_the_cached_list_and_says_offline() {
    let server_dir = tempfile::tempdir().expect("tempdir");
    let app_dir = tempfile::tempdir().expect("tempdir");
    let server = demo_server(server_dir.path()).await;

    let app = Desktop::launch("offline-first-run", app_dir.path(), &[])
        .await
        .expect("launch app");
    sign_in(&app, &server.url(), "ana@demo.convene.test", DEMO_PASSWORD).await;
    app.wd
        .wait_for_text("[data-testid=connection-status]", WAIT, |t| t == "Online")
        .await
        .expect("online");
    app.close().await;
    server.stop().await;

    let app = Desktop::launch("offline-restart", app_dir.path(), &[])
        .await
        .expect("relaunch app");
    let status = app
        .wd
        .wait_for_text("[data-testid=connection-status]", WAIT, |t| {
            t.starts_with("Offline")
        })
        .await
        .expect("offline status");
    assert!(status.contains("showing cached conversations"), "{status}");
    app.wd
        .wait_for("[data-testid=conversation-item]", WAIT)
        .await
        .expect("cached list");
    assert_eq!(shown_subjects(&app).await, expected_subjects());
    assert!(
        app.wd
            .find_all("[data-testid=signin-form]")
            .await
            .expect("find")
            .is_empty(),
        "still signed in"
    );
    app.wd
        .screenshot(&artifact_dir().join("offline-cached-list.png"))
        .await
        .expect("screenshot");
    app.close().await;
}

async fn online(app: &Desktop) {
    app.wd
        .wait_for_text("[data-testid=connection-status]", WAIT, |t| t == "Online")
        .await
        .expect("online");
}

/// Ends every session of `email` on the server ("sign out everywhere").
async fn end_all_sessions(server: &TestServer, email: &str) {
    let api = server.agent(email).await;
    let answer = api.post("/api/v1/auth/logout-all", json!({})).await;
    assert_eq!(answer.status, 204, "logout-all: {}", answer.body);
}

async fn new_conversation(api: &Api, subject: &str) -> String {
    api.post("/api/v1/conversations", json!({ "subject": subject }))
        .await
        .ok()["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn message_bodies(api: &Api, conversation: &str) -> Vec<String> {
    api.get(&format!("/api/v1/conversations/{conversation}/messages"))
        .await
        .ok()["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["body"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn an_ended_session_shows_signed_out_and_signing_in_again_sends_the_queued_message_once() {
    let server = TestServer::start(None).await;
    let url = server.server.url();
    let ana = server.agent("ana@demo.convene.test").await;
    let conversation = new_conversation(&ana, "The session ends").await;
    let app_dir = tempfile::tempdir().expect("tempdir");
    let app = Desktop::launch("session-ended", app_dir.path(), &[])
        .await
        .expect("launch app");
    sign_in(&app, &url, "ana@demo.convene.test", DEMO_PASSWORD).await;
    online(&app).await;
    let xpath = "//li[@data-testid='conversation-item'][.//span[@class='subject' and normalize-space()='The session ends']]";
    app.wd.click_xpath(xpath, WAIT).await.expect("open");

    // Signed out everywhere (another device, an admin, expiry): the next send is answered 401.
    end_all_sessions(&server, "ana@demo.convene.test").await;
    let composer = app
        .wd
        .wait_for("textarea[aria-label='Message']", WAIT)
        .await
        .expect("composer");
    app.wd
        .fill(&composer, "Written as the session ended")
        .await
        .expect("type");
    app.wd.click_button("Send", WAIT).await.expect("send");
    let status = app
        .wd
        .wait_for_text("[data-testid=connection-status]", WAIT, |t| {
            t.starts_with("Signed out")
        })
        .await
        .expect("signed out");
    assert_eq!(status, "Signed out — sign in again · 1 pending");
    app.wd.wait_for_xpath("//li[@data-testid='message'][.//p[normalize-space()='Written as the session ended']]//span[@data-testid='pending-marker']", WAIT).await.expect("kept, pending");
    app.wd
        .screenshot(&artifact_dir().join("session-ended-signed-out.png"))
        .await
        .expect("screenshot");
    // Stays signed out: nothing turns it into "Offline" while it waits.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let el = app
        .wd
        .wait_for("[data-testid=connection-status]", WAIT)
        .await
        .expect("status");
    assert!(
        app.wd
            .text(&el)
            .await
            .expect("text")
            .starts_with("Signed out"),
        "still signed out"
    );
    assert!(message_bodies(&ana_again(&server).await, &conversation)
        .await
        .is_empty());

    // Right there: "Sign in again", the email already filled in.
    app.wd
        .click_button("Sign in again", WAIT)
        .await
        .expect("sign in again");
    let email = app.wd.wait_for("#again-email", WAIT).await.expect("email");
    assert_eq!(
        app.wd.property(&email, "value").await.expect("value"),
        json!("ana@demo.convene.test")
    );
    let password = app
        .wd
        .wait_for("#again-password", WAIT)
        .await
        .expect("password");
    app.wd.fill(&password, DEMO_PASSWORD).await.expect("type");
    app.wd
        .screenshot(&artifact_dir().join("session-ended-sign-in-again.png"))
        .await
        .expect("screenshot");
    app.wd
        .click_css("form[data-testid=sign-in-again] button[type=submit]", WAIT)
        .await
        .expect("submit");
    online(&app).await;
    app.wd
        .wait_gone("[data-testid=pending-marker]", WAIT)
        .await
        .expect("sent");
    let shown = app
        .wd
        .find_all_xpath(
            "//li[@data-testid='message'][.//p[normalize-space()='Written as the session ended']]",
        )
        .await
        .expect("find");
    assert_eq!(shown.len(), 1, "the cached conversation shows it once");
    assert_eq!(
        message_bodies(&ana_again(&server).await, &conversation).await,
        ["Written as the session ended"],
        "exactly one copy on the server"
    );
    app.wd
        .screenshot(&artifact_dir().join("session-ended-sent.png"))
        .await
        .expect("screenshot");
    app.close().await;
}

/// A fresh session of Ana for reading what the server has (the earlier ones were ended).
async fn ana_again(server: &TestServer) -> Api {
    server.agent("ana@demo.convene.test").await
}

/// A stand-in for the system browser: an `xdg-open` first on `PATH` that writes down what it was
/// asked to open (the real one would start a browser on the test display).
fn fake_browser(dir: &std::path::Path) -> (String, std::path::PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let opened = dir.join("opened.txt");
    let script = dir.join("xdg-open");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\n",
            opened.display()
        ),
    )
    .expect("write fake xdg-open");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    (path, opened)
}

#[tokio::test]
async fn a_join_link_opened_while_signed_in_goes_to_the_browser_and_keeps_the_session() {
    let server = TestServer::start(None).await;
    let url = server.server.url();
    let ana = server.agent("ana@demo.convene.test").await;
    let conversation = new_conversation(&ana, "Someone else's invite").await;
    let link = ana
        .get(&format!("/api/v1/conversations/{conversation}/share-link"))
        .await;
    let join_url = link.ok()["url"].as_str().expect("url").to_owned();
    let token = join_url.rsplit('/').next().expect("token").to_owned();

    let app_dir = tempfile::tempdir().expect("tempdir");
    let app = Desktop::launch("join-signed-in-1", app_dir.path(), &[])
        .await
        .expect("launch app");
    sign_in(&app, &url, "ana@demo.convene.test", DEMO_PASSWORD).await;
    online(&app).await;
    app.close().await;

    // The OS starts the app with the link (a click on "Open in Convene").
    let bin = tempfile::tempdir().expect("tempdir");
    let (path, opened) = fake_browser(bin.path());
    let deep_link = format!(
        "convene://join/{token}?server={}",
        url.replace(':', "%3A").replace('/', "%2F")
    );
    let app = Desktop::launch_with_args(
        "join-signed-in-2",
        app_dir.path(),
        &[("PATH", path)],
        &[deep_link],
    )
    .await
    .expect("launch app with the link");
    // Read as DOM text: the toast fades out after a few seconds (and then has no rendered text).
    let deadline = std::time::Instant::now() + WAIT;
    let notice = loop {
        let text = match app.wd.find_all("#toast").await.expect("find").first() {
            Some(el) => app.wd.property(el, "textContent").await.expect("text"),
            None => json!(""),
        };
        let text = text.as_str().unwrap_or_default().to_owned();
        if text.starts_with("Opened the invite") || std::time::Instant::now() > deadline {
            break text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        notice,
        "Opened the invite in your browser — you stay signed in as Ana Lima"
    );
    app.wd
        .screenshot(&artifact_dir().join("join-while-signed-in.png"))
        .await
        .expect("screenshot");
    let deadline = std::time::Instant::now() + WAIT;
    let recorded = loop {
        let text = std::fs::read_to_string(&opened).unwrap_or_default();
        if !text.is_empty() || std::time::Instant::now() > deadline {
            break text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(recorded.trim(), join_url, "the join page, in the browser");
    let me = app
        .wd
        .wait_for("[data-testid=me-name]", WAIT)
        .await
        .expect("me");
    assert_eq!(app.wd.text(&me).await.expect("text"), "Ana Lima");
    online(&app).await;
    assert!(
        app.wd
            .find_all("[data-testid=signin-form], .dialog")
            .await
            .expect("find")
            .is_empty(),
        "no join dialog, no sign-in screen"
    );
    let link = ana
        .get(&format!("/api/v1/conversations/{conversation}/share-link"))
        .await;
    assert_eq!(link.ok()["uses"], 0, "the link was not redeemed by the app");
    app.close().await;
}

#[tokio::test]
async fn a_join_link_clicked_while_the_app_runs_opens_in_the_browser_once_and_keeps_the_session() {
    let server = TestServer::start(None).await;
    let url = server.server.url();
    let ana = server.agent("ana@demo.convene.test").await;
    let conversation = new_conversation(&ana, "Invite for a customer").await;
    let link = ana
        .get(&format!("/api/v1/conversations/{conversation}/share-link"))
        .await;
    let join_url = link.ok()["url"].as_str().expect("url").to_owned();
    let token = join_url.rsplit('/').next().expect("token").to_owned();

    let home = tempfile::tempdir().expect("tempdir");
    let bin = tempfile::tempdir().expect("tempdir");
    let (path, opened) = fake_browser(bin.path());
    let env = [("PATH", path)];
    let app = Desktop::launch_single_instance("join-running", home.path(), &env)
        .await
        .expect("launch app");
    sign_in(&app, &url, "ana@demo.convene.test", DEMO_PASSWORD).await;
    online(&app).await;

    // "Open in Convene" on the join page: the OS starts `convene convene://join/…`, which hands
    // the link to the running app and quits.
    let deep_link = format!(
        "convene://join/{token}?server={}",
        url.replace(':', "%3A").replace('/', "%2F")
    );
    let status = convene_e2e::desktop::second_launch(home.path(), &env, &[deep_link])
        .await
        .expect("second launch");
    assert!(status.success(), "{status}");
    let deadline = std::time::Instant::now() + WAIT;
    let notice = loop {
        let text = match app.wd.find_all("#toast").await.expect("find").first() {
            Some(el) => app.wd.property(el, "textContent").await.expect("text"),
            None => json!(""),
        };
        let text = text.as_str().unwrap_or_default().to_owned();
        if text.starts_with("Opened the invite") || std::time::Instant::now() > deadline {
            break text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        notice,
        "Opened the invite in your browser — you stay signed in as Ana Lima"
    );
    app.wd
        .screenshot(&artifact_dir().join("join-while-running.png"))
        .await
        .expect("screenshot");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let recorded = std::fs::read_to_string(&opened).unwrap_or_default();
    assert_eq!(
        recorded.lines().collect::<Vec<_>>(),
        [join_url.as_str()],
        "the join page, in the browser, once"
    );
    let me = app
        .wd
        .wait_for("[data-testid=me-name]", WAIT)
        .await
        .expect("me");
    assert_eq!(app.wd.text(&me).await.expect("text"), "Ana Lima");
    assert!(
        app.wd
            .find_all("[data-testid=signin-form], .dialog")
            .await
            .expect("find")
            .is_empty(),
        "no join dialog, no sign-in screen"
    );
    let link = ana
        .get(&format!("/api/v1/conversations/{conversation}/share-link"))
        .await;
    assert_eq!(link.ok()["uses"], 0, "the link was not redeemed by the app");
    app.close().await;
}

#[tokio::test]
async fn a_conversation_link_opened_while_the_app_runs_opens_it_in_the_running_window() {
    let server = TestServer::start(None).await;
    let url = server.server.url();
    let ana = server.agent("ana@demo.convene.test").await;
    let conversation = new_conversation(&ana, "Linked from an email").await;
    // Something newer, so the window opens another conversation on start.
    new_conversation(&ana, "Opened on start").await;

    let home = tempfile::tempdir().expect("tempdir");
    let app = Desktop::launch_single_instance("conversation-link", home.path(), &[])
        .await
        .expect("launch app");
    sign_in(&app, &url, "ana@demo.convene.test", DEMO_PASSWORD).await;
    online(&app).await;
    app.wd
        .wait_for_text("[data-testid=conversation-subject]", WAIT, |s| {
            s == "Opened on start"
        })
        .await
        .expect("the newest conversation open");

    // The OS starts `convene convene://conversation/{id}`: it hands over to the running app.
    let status = convene_e2e::desktop::second_launch(
        home.path(),
        &[],
        &[format!("convene://conversation/{conversation}")],
    )
    .await
    .expect("second launch");
    assert!(status.success(), "{status}");
    app.wd
        .wait_for_text("[data-testid=conversation-subject]", WAIT, |s| {
            s == "Linked from an email"
        })
        .await
        .expect("the linked conversation opened in the running window");
    app.wd
        .screenshot(&artifact_dir().join("conversation-link-while-running.png"))
        .await
        .expect("screenshot");
    app.close().await;
}
