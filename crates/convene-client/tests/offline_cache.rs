//! The client core against a real in-process server: sign in, cache the list, keep it when the
//! server is gone, forget it on sign-out.

use convene_client::Client;
use convene_server::demo::{DEMO_CONVERSATIONS, DEMO_PASSWORD};

async fn demo_server(dir: &std::path::Path) -> convene_server::RunningServer {
    convene_server::RunningServer::demo_for_test(dir)
        .await
        .expect("start demo server")
}

fn sorted_subjects(list: &[convene_proto::Conversation]) -> Vec<String> {
    let mut s: Vec<String> = list.iter().map(|c| c.subject.clone()).collect();
    s.sort();
    s
}

#[tokio::test]
async fn the_cached_list_survives_a_restart_with_the_server_stopped() {
    let server_dir = tempfile::tempdir().expect("tempdir");
    let app_dir = tempfile::tempdir().expect("tempdir");
    let server = demo_server(server_dir.path()).await;
    let mut expected: Vec<String> = DEMO_CONVERSATIONS.iter().map(|s| s.to_string()).collect();
    expected.sort();

    {
        let client = Client::open(app_dir.path()).expect("open");
        let session = client
            .sign_in(&server.url(), "ana@demo.convene.test", DEMO_PASSWORD)
            .await
            .expect("sign in");
        assert_eq!(session.me.name(), "Ana Lima");
        assert_eq!(
            sorted_subjects(&client.cached_conversations().expect("cache")),
            expected
        );
    }
    server.stop().await;

    // A new process would open the same cache file: the session and the list are there, offline.
    let client = Client::open(app_dir.path()).expect("reopen");
    let session = client.session().expect("session").expect("still signed in");
    assert_eq!(session.me.name(), "Ana Lima");
    assert_eq!(
        sorted_subjects(&client.cached_conversations().expect("cache")),
        expected
    );
    let outcome = client.refresh().await;
    assert!(!outcome.online, "the server is stopped");
    assert!(outcome.error.is_some());
    assert!(outcome.last_synced_at.is_some());
    assert_eq!(sorted_subjects(&outcome.conversations), expected);

    client.sign_out().await.expect("sign out works offline");
    assert!(client.session().expect("session").is_none());
    assert!(client.cached_conversations().expect("cache").is_empty());
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_nothing_is_cached() {
    let server_dir = tempfile::tempdir().expect("tempdir");
    let app_dir = tempfile::tempdir().expect("tempdir");
    let server = demo_server(server_dir.path()).await;
    let client = Client::open(app_dir.path()).expect("open");
    let err = client
        .sign_in(&server.url(), "ana@demo.convene.test", "wrong-password")
        .await
        .expect_err("refused");
    assert_eq!(err.status(), Some(401));
    assert!(!err.is_offline());
    assert!(client.session().expect("session").is_none());
}

#[tokio::test]
async fn a_conversation_created_from_the_client_is_cached_as_owned() {
    let server_dir = tempfile::tempdir().expect("tempdir");
    let app_dir = tempfile::tempdir().expect("tempdir");
    let server = demo_server(server_dir.path()).await;
    let client = Client::open(app_dir.path()).expect("open");
    client
        .sign_in(&server.url(), "eva@demo.convene.test", DEMO_PASSWORD)
        .await
        .expect("sign in");
    client
        .create_conversation("Lost parcel")
        .await
        .expect("create");
    let cached = client.cached_conversations().expect("cache");
    assert_eq!(cached.len(), 1);
    assert_eq!(cached[0].subject, "Lost parcel");
    assert_eq!(
        cached[0].my_role,
        Some(convene_proto::ParticipantRole::Owner)
    );
}

#[tokio::test]
async fn an_unreachable_server_at_sign_in_is_reported_as_offline() {
    let app_dir = tempfile::tempdir().expect("tempdir");
    let client = Client::open(app_dir.path()).expect("open");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let err = client
        .sign_in(
            &format!("http://127.0.0.1:{port}"),
            "ana@demo.convene.test",
            DEMO_PASSWORD,
        )
        .await
        .expect_err("nobody listens");
    assert!(err.is_offline(), "{err}");
    let bad = client
        .sign_in("ftp://example", "a@b.c", "x")
        .await
        .expect_err("bad url");
    assert!(matches!(bad, convene_client::ClientError::BadServerUrl(_)));
}
