//! The real `convene` binary signs in to a real server and shows the demo conversations; closed and
//! restarted with the server stopped, it still shows them from its cache and says it is offline.

use std::time::Duration;

use convene_e2e::desktop::artifact_dir;
use convene_e2e::Desktop;
use convene_server::demo::{DEMO_CONVERSATIONS, DEMO_PASSWORD};

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
    assert_eq!(error, "wrong email or password");
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
