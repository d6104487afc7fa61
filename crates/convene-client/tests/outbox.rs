//! The client core against a real `convene-server` on loopback, started and stopped by the tests:
//! offline actions land exactly once and in order, lost answers are not repeated, a killed process
//! loses nothing it acknowledged, removal while offline is reported, and sync resumes after a
//! server restart.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use convene_client::{Action, Client, ClientError};
use convene_proto::{ContactInviteRequest, ConversationId};
use convene_server::{RunningServer, ServeConfig, Server};
use convene_testkit::{Api, Proxy, SmtpSink};
use serde_json::json;

const PASSWORD: &str = convene_server::demo::DEMO_PASSWORD;

async fn start(dir: &Path, addr: SocketAddr, smtp: Option<&SmtpSink>) -> RunningServer {
    let mut config = ServeConfig::for_test(dir.to_path_buf());
    config.demo = true;
    config.listen = addr;
    config.database_url = convene_testkit::database_for(dir).await;
    config.public_url = format!("http://{addr}");
    config.smtp_url = smtp.map(SmtpSink::url);
    Server::new(config)
        .await
        .expect("server")
        .start()
        .await
        .expect("start")
}

fn free_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
}

async fn login(base: &str, email: &str) -> Api {
    let api = Api::new(base, None);
    let answer = api
        .post(
            "/api/v1/auth/login",
            json!({"email": email, "password": PASSWORD}),
        )
        .await;
    Api::new(
        base,
        Some(answer.ok()["token"].as_str().expect("token").to_owned()),
    )
}

async fn new_conversation(api: &Api, subject: &str) -> ConversationId {
    api.post("/api/v1/conversations", json!({ "subject": subject }))
        .await
        .ok()["id"]
        .as_str()
        .expect("id")
        .parse()
        .expect("uuid")
}

#[tokio::test]
async fn ten_actions_queued_while_the_server_is_down_land_once_each_in_order() {
    let server_dir = tempfile::tempdir().expect("tempdir");
    let app_dir = tempfile::tempdir().expect("tempdir");
    let addr = free_addr();
    let server = start(server_dir.path(), addr, None).await;
    let base = format!("http://{addr}");
    let client = Client::open(app_dir.path()).expect("open");
    client
        .sign_in(&base, "ana@demo.convene.test", PASSWORD)
        .await
        .expect("sign in");
    let ana = login(&base, "ana@demo.convene.test").await;
    let conversation = new_conversation(&ana, "Offline burst").await;
    client.sync_now().await.expect("sync");
    server.stop().await;

    for i in 0..9 {
        client
            .post_message(conversation, &format!("offline message {i}"))
            .expect("queue");
    }
    client
        .enqueue(Action::InviteContact {
            conversation_id: conversation,
            request: ContactInviteRequest {
                email: Some("olga@example.com".into()),
                ..Default::default()
            },
        })
        .expect("queue");
    let report = client.flush().await;
    assert_eq!(report.sent, 0);
    assert!(report.paused.is_some(), "paused while the server is down");
    assert_eq!(client.queued().expect("queue").len(), 10, "all ten kept");
    let pending = client.timeline(&conversation).expect("timeline");
    assert_eq!(
        pending.pending.len(),
        9,
        "the messages show as pending local copies"
    );

    let server = start(server_dir.path(), addr, None).await;
    let report = client.flush().await;
    assert_eq!(report.sent, 10, "{report:?}");
    assert!(client.queued().expect("queue").is_empty());
    let report = client.flush().await;
    assert_eq!(report.sent, 0, "nothing is sent twice");

    let messages = ana
        .get(&format!("/api/v1/conversations/{conversation}/messages"))
        .await;
    // The server pages messages newest first.
    let bodies: Vec<&str> = messages.ok()["messages"]
        .as_array()
        .expect("m")
        .iter()
        .rev()
        .filter_map(|m| m["body"].as_str())
        .collect();
    let expected: Vec<String> = (0..9).map(|i| format!("offline message {i}")).collect();
    assert_eq!(bodies, expected, "each once, in order");
    let people = ana
        .get(&format!(
            "/api/v1/conversations/{conversation}/participants"
        ))
        .await;
    assert_eq!(people.ok()["invites"].as_array().map(Vec::len), Some(1));
    client.sync_now().await.expect("sync");
    let timeline = client.timeline(&conversation).expect("timeline");
    assert!(
        timeline.pending.is_empty(),
        "local copies replaced by the server's messages"
    );
    assert_eq!(timeline.messages.len(), 9);
    server.stop().await;
}

#[tokio::test]
async fn an_answer_lost_after_the_commit_is_retried_without_a_second_invite_or_email() {
    let sink = SmtpSink::start().await;
    let server_dir = tempfile::tempdir().expect("tempdir");
    let app_dir = tempfile::tempdir().expect("tempdir");
    let addr = free_addr();
    let server = start(server_dir.path(), addr, Some(&sink)).await;
    let proxy = Proxy::start(addr).await;
    let client = Client::open(app_dir.path()).expect("open");
    client
        .sign_in(&proxy.url(), "ana@demo.convene.test", PASSWORD)
        .await
        .expect("sign in");
    let ana = login(&format!("http://{addr}"), "ana@demo.convene.test").await;
    let conversation = new_conversation(&ana, "Lost answer").await;

    client
        .enqueue(Action::InviteContact {
            conversation_id: conversation,
            request: ContactInviteRequest {
                email: Some("lena@example.com".into()),
                ..Default::default()
            },
        })
        .expect("queue");
    proxy.drop_responses(0, 1);
    let first = client.flush().await;
    assert_eq!(
        proxy.dropped(),
        1,
        "the server answered and the answer was swallowed"
    );
    assert_eq!(first.sent, 0);
    assert!(first.paused.is_some());
    let second = client.flush().await;
    assert_eq!(second.sent, 1, "{second:?}");

    let people = ana
        .get(&format!(
            "/api/v1/conversations/{conversation}/participants"
        ))
        .await;
    assert_eq!(
        people.ok()["invites"].as_array().map(Vec::len),
        Some(1),
        "one invite"
    );
    sink.wait_for(1, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(sink.messages().len(), 1, "one email");
    server.stop().await;
}

#[tokio::test]
async fn removed_while_offline_the_conversation_is_purged_and_both_queued_actions_fail_with_the_reason(
) {
    let server_dir = tempfile::tempdir().expect("tempdir");
    let app_dir = tempfile::tempdir().expect("tempdir");
    let addr = free_addr();
    let server = start(server_dir.path(), addr, None).await;
    let base = format!("http://{addr}");
    let proxy = Proxy::start(addr).await;
    let ana = login(&base, "ana@demo.convene.test").await;
    let chloe_api = login(&base, "chloe@demo.convene.test").await;
    let conversation = new_conversation(&ana, "Removal while offline").await;
    let chloe_id = chloe_api.get("/api/v1/me").await.ok()["id"].clone();
    let invite = ana
        .post(
            &format!("/api/v1/conversations/{conversation}/agent-invites"),
            json!({"agent_id": chloe_id}),
        )
        .await;
    chloe_api
        .post(
            &format!(
                "/api/v1/invites/{}/accept",
                invite.ok()["invite"]["id"].as_str().expect("id")
            ),
            json!({}),
        )
        .await
        .ok();

    let client = Client::open(app_dir.path()).expect("open");
    client
        .sign_in(&proxy.url(), "chloe@demo.convene.test", PASSWORD)
        .await
        .expect("sign in");
    assert!(client.conversation(&conversation).expect("read").is_some());
    proxy.set_offline(true);
    client
        .post_message(conversation, "sent while offline")
        .expect("queue");
    client
        .enqueue(Action::InviteContact {
            conversation_id: conversation,
            request: ContactInviteRequest {
                email: Some("late@example.com".into()),
                ..Default::default()
            },
        })
        .expect("queue");
    assert!(client.flush().await.paused.is_some());

    let participant = ana
        .participant_id(&conversation.to_string(), "chloe@demo.convene.test")
        .await;
    assert_eq!(
        ana.delete(&format!(
            "/api/v1/conversations/{conversation}/participants/{participant}"
        ))
        .await
        .status,
        204
    );
    proxy.set_offline(false);
    let outcome = client.refresh().await;
    assert!(outcome.online);
    assert!(
        client.conversation(&conversation).expect("read").is_none(),
        "purged from the cache"
    );
    assert!(
        client
            .timeline(&conversation)
            .expect("timeline")
            .messages
            .is_empty(),
        "its messages too"
    );
    let queued = client.queued().expect("queue");
    assert_eq!(queued.len(), 2);
    for action in &queued {
        assert_eq!(action.state, "failed", "{action:?}");
        assert_eq!(
            action.last_error.as_deref(),
            Some("conversation not found"),
            "the server's reason"
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn after_a_server_restart_mid_sync_the_client_resumes_from_its_cursor_and_matches_a_full_sync(
) {
    let server_dir = tempfile::tempdir().expect("tempdir");
    let addr = free_addr();
    let server = start(server_dir.path(), addr, None).await;
    let base = format!("http://{addr}");
    let ana = login(&base, "ana@demo.convene.test").await;
    let conversation = new_conversation(&ana, "Long history").await;
    let proxy = Proxy::start(addr).await;
    let resumed_dir = tempfile::tempdir().expect("tempdir");
    let client = Client::open(resumed_dir.path()).expect("open");
    client
        .sign_in(&proxy.url(), "ana@demo.convene.test", PASSWORD)
        .await
        .expect("sign in");
    // More changes than one page of the change feed carries.
    for i in 0..(convene_server::service::sync::PAGE_CHANGES + 50) {
        ana.post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            json!({ "body": format!("m{i}") }),
        )
        .await
        .ok();
    }
    // The sync gets its first page through and loses the second.
    proxy.drop_responses(1, 1);
    assert!(client.sync_now().await.is_err(), "the sync was interrupted");
    assert_eq!(proxy.dropped(), 1);
    let partial = client
        .timeline(&conversation)
        .expect("timeline")
        .messages
        .len();
    assert!(partial > 0, "the first page was kept");
    assert!(partial < 550, "but not the second");

    server.stop().await;
    let server = start(server_dir.path(), addr, None).await;
    client.sync_now().await.expect("resumed sync");

    let fresh_dir = tempfile::tempdir().expect("tempdir");
    let fresh = Client::open(fresh_dir.path()).expect("open");
    fresh
        .sign_in(&base, "ana@demo.convene.test", PASSWORD)
        .await
        .expect("sign in");
    // Both with their whole history (a first sync brings the newest messages, the fill the rest).
    client.fill_history().await.expect("fill");
    fresh.fill_history().await.expect("fill");
    let ids = |c: &Client| {
        let mut list: Vec<String> = c
            .conversation_list()
            .expect("list")
            .into_iter()
            .map(|(c, _)| c.id.to_string())
            .collect();
        list.sort();
        list
    };
    assert_eq!(ids(&client), ids(&fresh));
    let bodies = |c: &Client| {
        c.timeline(&conversation)
            .expect("t")
            .messages
            .into_iter()
            .map(|m| m.body)
            .collect::<Vec<_>>()
    };
    assert_eq!(bodies(&client), bodies(&fresh));
    assert!(bodies(&client).len() > partial);
    let view =
        |c: &Client| serde_json::to_value(c.conversation(&conversation).expect("v")).expect("json");
    assert_eq!(view(&client), view(&fresh));
    server.stop().await;
}

/// The child half of the crash test: enqueues actions forever, printing each acknowledged seq.
#[test]
fn crash_child_writer() {
    let Ok(dir) = std::env::var("CONVENE_CRASH_CHILD_DIR") else {
        return;
    };
    let client = Client::open(Path::new(&dir)).expect("open");
    let conversation = ConversationId::new();
    loop {
        let seq = client
            .enqueue(Action::Leave {
                conversation_id: conversation,
            })
            .expect("enqueue");
        println!("acked {seq}");
    }
}

#[test]
fn a_client_killed_during_writes_reopens_clean_and_keeps_every_acknowledged_action() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().expect("tempdir");
    let exe = std::env::current_exe().expect("test binary");
    let mut acked = Vec::new();
    for round in 0..12u64 {
        let mut child = std::process::Command::new(&exe)
            .args([
                "crash_child_writer",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("CONVENE_CRASH_CHILD_DIR", dir.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("child");
        let stdout = child.stdout.take().expect("stdout");
        let reader = std::thread::spawn(move || {
            std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .filter_map(|l| l.strip_prefix("acked ").and_then(|n| n.parse::<i64>().ok()))
                .collect::<Vec<_>>()
        });
        // A different moment each round: somewhere in the middle of a stream of writes.
        std::thread::sleep(Duration::from_millis(150 + (round * 37) % 200));
        child.kill().expect("kill");
        let _ = child.wait();
        acked.extend(reader.join().expect("reader"));

        let conn = rusqlite::Connection::open(dir.path().join(convene_client_cache_file()))
            .expect("reopen");
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .expect("check");
        assert_eq!(check, "ok", "round {round}");
    }
    assert!(
        acked.len() > 20,
        "the child wrote for real ({} acks)",
        acked.len()
    );
    let client = Client::open(dir.path()).expect("reopen clean");
    let stored: std::collections::HashSet<i64> = client
        .queued()
        .expect("queue")
        .into_iter()
        .map(|q| q.seq)
        .collect();
    let lost: Vec<_> = acked.iter().filter(|s| !stored.contains(s)).collect();
    assert!(lost.is_empty(), "acknowledged actions lost: {lost:?}");
}

fn convene_client_cache_file() -> &'static str {
    "convene-cache.db"
}

#[tokio::test]
async fn an_invite_to_a_mistyped_email_is_refused_at_once_naming_the_field_and_nothing_is_queued() {
    let app_dir = tempfile::tempdir().expect("tempdir");
    let client = Client::open(app_dir.path()).expect("open");
    let conversation = ConversationId(uuid::Uuid::new_v4());
    for (typed, why) in [
        (
            "maria",
            "email must be an email address like name@example.com",
        ),
        (
            "Smith, John <j@x.com>",
            "email contains characters that are not allowed in an email address",
        ),
        ("a@-x.com", "email has a malformed domain"),
    ] {
        let refused = client
            .enqueue(Action::InviteContact {
                conversation_id: conversation,
                request: ContactInviteRequest {
                    email: Some(typed.into()),
                    ..Default::default()
                },
            })
            .expect_err(typed);
        match refused {
            ClientError::Invalid { field, message } => {
                assert_eq!(
                    (field.as_str(), message.as_str()),
                    ("email", why),
                    "{typed}"
                );
            }
            other => panic!("{typed}: {other:?}"),
        }
    }
    assert!(
        client.queued().expect("queue").is_empty(),
        "nothing half-done is kept"
    );
    client
        .enqueue(Action::InviteContact {
            conversation_id: conversation,
            request: ContactInviteRequest {
                email: Some(" Maria@Example.com ".into()),
                ..Default::default()
            },
        })
        .expect("a good address is queued");
    assert_eq!(client.queued().expect("queue").len(), 1);
}

fn notices(
    events: &mut tokio::sync::broadcast::Receiver<convene_client::ClientEvent>,
) -> Vec<String> {
    let mut texts = Vec::new();
    while let Ok(event) = events.try_recv() {
        if let convene_client::ClientEvent::Notice { text } = event {
            texts.push(text);
        }
    }
    texts
}

#[tokio::test]
async fn inviting_someone_already_in_or_already_invited_is_refused_in_words_and_sends_nothing() {
    let server_dir = tempfile::tempdir().expect("tempdir");
    let app_dir = tempfile::tempdir().expect("tempdir");
    let smtp = SmtpSink::start().await;
    let addr = free_addr();
    let _server = start(server_dir.path(), addr, Some(&smtp)).await;
    let base = format!("http://{addr}");
    let client = Client::open(app_dir.path()).expect("open");
    client
        .sign_in(&base, "ana@demo.convene.test", PASSWORD)
        .await
        .expect("sign in");
    client.sync_now().await.expect("sync");
    let order = client
        .home()
        .expect("home")
        .conversations
        .into_iter()
        .find(|e| e.conversation.subject.starts_with("Order #1042"))
        .expect("the demo conversation")
        .conversation
        .id;
    let invite = |email: &str| Action::InviteContact {
        conversation_id: order,
        request: ContactInviteRequest {
            email: Some(email.into()),
            ..Default::default()
        },
    };
    let refusal = |action: Action| match client.enqueue(action) {
        Err(ClientError::Invalid { field, message }) => (field, message),
        other => panic!("expected a refusal, got {other:?}"),
    };

    // Carol joined the demo conversation: the cache knows it, so nothing is queued.
    assert_eq!(
        refusal(invite(" CAROL@example.com")),
        (
            "email".to_owned(),
            "Carol Jones is already in this conversation".to_owned()
        )
    );
    // Maria was invited (and the cache synced it): a second invite is refused too.
    let ana = login(&base, "ana@demo.convene.test").await;
    ana.post(
        &format!("/api/v1/conversations/{order}/contact-invites"),
        json!({ "email": "maria@example.com", "name": "Maria Gomez" }),
    )
    .await
    .ok();
    client.sync_now().await.expect("sync");
    assert_eq!(
        refusal(invite("maria@example.com")),
        (
            "email".to_owned(),
            "Maria Gomez is already invited; use Resend Invite in People".to_owned()
        )
    );
    assert!(client.queued().expect("queue").is_empty());

    // A stale cache cannot know: the server sends nothing and the app says why, in the same words.
    ana.post(
        &format!("/api/v1/conversations/{order}/contact-invites"),
        json!({ "email": "nina@example.com", "name": "Nina Park" }),
    )
    .await
    .ok();
    // Maria's and Nina's invite emails.
    let emails_before = smtp.wait_for(2, Duration::from_secs(10)).await.len();
    let mut events = client.subscribe();
    client.enqueue(invite("nina@example.com")).expect("queued");
    let report = client.flush().await;
    assert_eq!((report.sent, report.failed), (1, 0), "{report:?}");
    assert_eq!(
        notices(&mut events),
        vec!["Nothing sent: Nina Park is already invited; use Resend Invite in People".to_owned()]
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        smtp.messages().len(),
        emails_before,
        "no second email to Nina"
    );
}
