//! The client's realtime stream against a real server: invites arrive as typed events and in the
//! cache; after the server goes away and comes back, the client reconnects and catches up.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use convene_client::{Client, ClientEvent, SyncState};
use convene_server::{RunningServer, ServeConfig, Server};
use convene_testkit::Api;
use serde_json::json;
use tokio::sync::broadcast::Receiver;

const PASSWORD: &str = convene_server::demo::DEMO_PASSWORD;

async fn start(dir: &Path, addr: SocketAddr) -> RunningServer {
    let mut config = ServeConfig::for_test(dir.to_path_buf());
    config.demo = true;
    config.listen = addr;
    config.database_url = convene_testkit::database_for(dir).await;
    Server::new(config)
        .await
        .expect("server")
        .start()
        .await
        .expect("start")
}

async fn next_matching(
    events: &mut Receiver<ClientEvent>,
    what: &str,
    pred: impl Fn(&ClientEvent) -> bool,
) -> ClientEvent {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Ok(e)) if pred(&e) => return e,
            Ok(Ok(_)) | Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(_))) => continue,
            _ => panic!("no {what} event in time"),
        }
    }
}

#[tokio::test]
async fn invites_arrive_as_events_and_the_client_catches_up_after_the_server_returns() {
    let server_dir = tempfile::tempdir().expect("tempdir");
    let app_dir = tempfile::tempdir().expect("tempdir");
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr");
    let base = format!("http://{addr}");
    let server = start(server_dir.path(), addr).await;

    let client = Arc::new(Client::open(app_dir.path()).expect("open"));
    client
        .sign_in(&base, "femi@demo.convene.test", PASSWORD)
        .await
        .expect("sign in");
    let me = client.session().expect("s").expect("signed in");
    let femi_id = match me.me {
        convene_proto::Me::Agent { id, .. } => id,
        convene_proto::Me::Contact { .. } => panic!("an agent"),
    };
    let mut events = client.subscribe();
    let task = tokio::spawn(convene_client::realtime::run(client.clone()));
    next_matching(&mut events, "online", |e| {
        matches!(
            e,
            ClientEvent::SyncState {
                state: SyncState::Online
            }
        )
    })
    .await;

    let ana = Api::new(&base, None);
    let token = ana
        .post(
            "/api/v1/auth/login",
            json!({"email": "ana@demo.convene.test", "password": PASSWORD}),
        )
        .await;
    let ana = ana.with_token(token.ok()["token"].as_str().expect("token"));
    let conversation = ana
        .post("/api/v1/conversations", json!({"subject": "Need a hand"}))
        .await
        .ok()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    ana.post(
        &format!("/api/v1/conversations/{conversation}/agent-invites"),
        json!({"agent_id": femi_id}),
    )
    .await
    .ok();

    let invited = next_matching(&mut events, "invited", |e| {
        matches!(e, ClientEvent::Invited { .. })
    })
    .await;
    let ClientEvent::Invited { invite } = invited else {
        unreachable!()
    };
    assert_eq!(invite.conversation_subject, "Need a hand");
    assert_eq!(
        client.my_invites().expect("invites").len(),
        1,
        "the invite is in the cache"
    );

    // The server goes away: the client says offline; it comes back: the client resyncs on its own.
    server.stop().await;
    next_matching(&mut events, "offline", |e| {
        matches!(
            e,
            ClientEvent::SyncState {
                state: SyncState::Offline
            }
        )
    })
    .await;
    let server = start(server_dir.path(), addr).await;
    let ana2 = Api::new(&base, None);
    let token = ana2
        .post(
            "/api/v1/auth/login",
            json!({"email": "ana@demo.convene.test", "password": PASSWORD}),
        )
        .await;
    let ana2 = ana2.with_token(token.ok()["token"].as_str().expect("token"));
    ana2.post(
        &format!("/api/v1/conversations/{conversation}/messages"),
        json!({"body": "while you were away"}),
    )
    .await
    .ok();
    next_matching(&mut events, "online again", |e| {
        matches!(
            e,
            ClientEvent::SyncState {
                state: SyncState::Online
            }
        )
    })
    .await;
    let id: convene_proto::ConversationId = conversation.parse().expect("uuid");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let bodies: Vec<String> = client
            .timeline(&id)
            .expect("timeline")
            .messages
            .into_iter()
            .map(|m| m.body)
            .collect();
        if bodies.contains(&"while you were away".to_owned()) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "caught up after the gap: {bodies:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    task.abort();
    server.stop().await;
}
