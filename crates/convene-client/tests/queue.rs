//! The desktop outbox never stalls, against a real `convene-server`: a resend the server asks to
//! wait (429 with Retry-After) says how long and goes by itself when the time comes, while the
//! rest of the queue — its own conversation's messages and other conversations' — lands at once; a
//! refusal fails at once with the server's reason and lets the conversation's next action go.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use convene_client::{Action, Client, QueueState};
use convene_proto::{ConversationId, InviteId};
use convene_server::{RunningServer, ServeConfig, Server};
use convene_testkit::{Api, SmtpSink};
use serde_json::json;

const PASSWORD: &str = convene_server::demo::DEMO_PASSWORD;
const ANA: &str = "ana@demo.convene.test";
/// The server's resend interval here: short, so the wait can be seen to end.
const RESEND_INTERVAL_MS: i64 = 3_000;

async fn start(dir: &Path, smtp: &SmtpSink) -> RunningServer {
    let addr: SocketAddr = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr");
    let mut config = ServeConfig::for_test(dir.to_path_buf());
    config.demo = true;
    config.listen = addr;
    config.database_url = convene_testkit::database_for(dir).await;
    config.public_url = format!("http://{addr}");
    config.smtp_url = Some(smtp.url());
    config.limits.resend_interval_ms = RESEND_INTERVAL_MS;
    Server::new(config)
        .await
        .expect("server")
        .start()
        .await
        .expect("start")
}

async fn login(base: &str) -> Api {
    let answer = Api::new(base, None)
        .post(
            "/api/v1/auth/login",
            json!({"email": ANA, "password": PASSWORD}),
        )
        .await;
    Api::new(
        base,
        Some(answer.ok()["token"].as_str().expect("token").to_owned()),
    )
}

async fn conversation(api: &Api, subject: &str) -> ConversationId {
    api.post("/api/v1/conversations", json!({ "subject": subject }))
        .await
        .ok()["id"]
        .as_str()
        .expect("id")
        .parse()
        .expect("uuid")
}

async fn invite(api: &Api, conversation: ConversationId, email: &str) -> InviteId {
    api.post(
        &format!("/api/v1/conversations/{conversation}/contact-invites"),
        json!({ "email": email }),
    )
    .await
    .ok()["invite"]["id"]
        .as_str()
        .expect("invite id")
        .parse()
        .expect("uuid")
}

async fn bodies(api: &Api, conversation: ConversationId) -> Vec<String> {
    api.get(&format!("/api/v1/conversations/{conversation}/messages"))
        .await
        .ok()["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["body"].as_str().map(str::to_owned))
        .collect()
}

async fn send_count(api: &Api, conversation: ConversationId, invite: InviteId) -> i64 {
    let view = api
        .get(&format!(
            "/api/v1/conversations/{conversation}/participants"
        ))
        .await;
    view.ok()["invites"]
        .as_array()
        .expect("invites")
        .iter()
        .find(|i| i["id"] == invite.to_string().as_str())
        .expect("the invite")["send_count"]
        .as_i64()
        .expect("count")
}

#[tokio::test]
async fn a_resend_asked_to_wait_says_how_long_holds_nothing_back_and_goes_by_itself() {
    let sink = SmtpSink::start().await;
    let server_dir = tempfile::tempdir().expect("tempdir");
    let server = start(server_dir.path(), &sink).await;
    let base = server.url();
    let ana = login(&base).await;
    let waiting = conversation(&ana, "A resend that must wait").await;
    let elsewhere = conversation(&ana, "Busy elsewhere").await;
    let carla = invite(&ana, waiting, "carla@example.com").await;
    // Resent a moment ago from another device.
    let first = ana
        .post(&format!("/api/v1/invites/{carla}/resend"), json!({}))
        .await;
    assert_eq!(first.status, 200, "{}", first.body);

    let app_dir = tempfile::tempdir().expect("tempdir");
    let client = Arc::new(Client::open(app_dir.path()).expect("open"));
    client.sign_in(&base, ANA, PASSWORD).await.expect("sign in");
    client.sync_now().await.expect("sync");

    // Resend again at once: the server asks to wait.
    let resend = client
        .queue_and_send(Action::ResendInvite {
            conversation_id: waiting,
            invite_id: carla,
        })
        .await
        .expect("queued");
    assert_eq!(resend.state, QueueState::Waiting, "{resend:?}");
    let secs = resend.retry_after_secs.expect("how long");
    assert!((1..=3).contains(&secs), "{secs}");
    assert!(
        resend
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("try again")),
        "{resend:?}"
    );
    let shown = client
        .queued()
        .expect("queue")
        .into_iter()
        .find(|q| q.seq == resend.seq)
        .expect("still queued");
    assert_eq!(shown.state, "pending");
    assert!(shown.not_before.is_some(), "the item says until when");

    // Meanwhile messages land at once, in its conversation and in another.
    let after = client
        .post_message(waiting, "after the resend")
        .expect("queued");
    let meanwhile = client.post_message(elsewhere, "meanwhile").expect("queued");
    let report = client.flush().await;
    assert_eq!((report.sent, report.waiting), (2, 1), "{report:?}");
    for seq in [after, meanwhile] {
        assert_eq!(
            client.outcome(seq).expect("outcome").state,
            QueueState::Sent
        );
    }
    assert_eq!(bodies(&ana, elsewhere).await, ["meanwhile"]);
    assert_eq!(bodies(&ana, waiting).await, ["after the resend"]);
    assert_eq!(send_count(&ana, waiting, carla).await, 2, "not resent yet");
    assert_eq!(
        client.outcome(resend.seq).expect("outcome").state,
        QueueState::Waiting
    );

    // When the wait is over the realtime loop sends it, without anyone asking.
    let follow = tokio::spawn(convene_client::realtime::run(client.clone()));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while client.outcome(resend.seq).expect("outcome").state != QueueState::Sent {
        assert!(
            tokio::time::Instant::now() < deadline,
            "still {:?}",
            client.queued()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        send_count(&ana, waiting, carla).await,
        3,
        "resent once more"
    );
    follow.abort();
}

#[tokio::test]
async fn a_refused_action_fails_at_once_with_the_reason_and_its_conversation_goes_on() {
    let sink = SmtpSink::start().await;
    let server_dir = tempfile::tempdir().expect("tempdir");
    let server = start(server_dir.path(), &sink).await;
    let base = server.url();
    let ana = login(&base).await;
    let here = conversation(&ana, "A revoked invite").await;
    let dana = invite(&ana, here, "dana@example.com").await;

    let app_dir = tempfile::tempdir().expect("tempdir");
    let client = Client::open(app_dir.path()).expect("open");
    client.sign_in(&base, ANA, PASSWORD).await.expect("sign in");
    client.sync_now().await.expect("sync");
    // Revoked on another device; this app does not know yet.
    ana.post(&format!("/api/v1/invites/{dana}/revoke"), json!({}))
        .await
        .ok();

    let resend = client
        .queue_and_send(Action::ResendInvite {
            conversation_id: here,
            invite_id: dana,
        })
        .await
        .expect("queued");
    assert_eq!(resend.state, QueueState::Refused, "{resend:?}");
    let reason = resend.reason.expect("the server's reason");
    assert!(reason.contains("revoked"), "{reason}");
    let message = client.post_message(here, "still here").expect("queued");
    client.flush().await;
    assert_eq!(
        client.outcome(message).expect("outcome").state,
        QueueState::Sent,
        "a refusal holds nothing back"
    );
    assert_eq!(bodies(&ana, here).await, ["still here"]);
    let mails = sink
        .messages()
        .iter()
        .filter(|m| m.header("To").is_some_and(|h| h.contains("dana@")))
        .count();
    assert_eq!(mails, 1, "nothing was resent");
}
