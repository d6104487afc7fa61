//! Sessions that end, against a real `convene-server` on loopback: when the server answers 401
//! (the user signed out everywhere, was suspended, or the session expired) the client says
//! "signed out", keeps its cache and its queued actions, and stops asking; signing in again as the
//! same person sends the queue exactly once, signing in as someone else wipes it. And a
//! `convene://join` link opened while signed in never replaces the session.

use std::sync::Arc;
use std::time::Duration;

use convene_client::Client;
use convene_proto::ConversationId;
use convene_testkit::{Api, Proxy, TestServer};
use serde_json::json;

const PASSWORD: &str = convene_server::demo::DEMO_PASSWORD;
const ANA: &str = "ana@demo.convene.test";
const CHLOE: &str = "chloe@demo.convene.test";

/// The connection state as the UI reads it (`home().state` crosses IPC as this string).
fn state(client: &Client) -> String {
    serde_json::to_value(client.home().expect("home").state)
        .expect("json")
        .as_str()
        .expect("a string")
        .to_owned()
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

/// Ends every session of the agent `email` ("sign out everywhere"), as the server's
/// `logout-all` route does for a signed-in caller.
async fn end_all_sessions(server: &TestServer, email: &str) {
    let api = server.agent(email).await;
    let answer = api.post("/api/v1/auth/logout-all", json!({})).await;
    assert_eq!(answer.status, 204, "logout-all: {}", answer.body);
}

async fn messages(api: &Api, conversation: ConversationId) -> Vec<String> {
    api.get(&format!("/api/v1/conversations/{conversation}/messages"))
        .await
        .ok()["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["body"].as_str().map(str::to_owned))
        .collect()
}

fn pending(client: &Client) -> Vec<(String, i64)> {
    client
        .queued()
        .expect("queue")
        .into_iter()
        .map(|q| (q.state, q.attempts))
        .collect()
}

#[tokio::test]
async fn an_ended_session_signs_out_keeps_the_queue_without_retrying_and_the_same_agent_sends_it_once(
) {
    let server = TestServer::start(None).await;
    let upstream = server.server.url().trim_start_matches("http://").to_owned();
    let proxy = Proxy::start(upstream.parse().expect("addr")).await;
    let app_dir = tempfile::tempdir().expect("tempdir");
    let client = Arc::new(Client::open(app_dir.path()).expect("open"));
    client
        .sign_in(&proxy.url(), ANA, PASSWORD)
        .await
        .expect("sign in");
    let ana = server.agent(ANA).await;
    let conversation = new_conversation(&ana, "Queued while signed out").await;
    client.sync_now().await.expect("sync");
    assert!(client.conversation(&conversation).expect("read").is_some());

    // Offline, the user writes a message; meanwhile the session ends on the server.
    proxy.set_offline(true);
    client
        .post_message(conversation, "sent once after signing in again")
        .expect("queue");
    assert!(client.flush().await.paused.is_some());
    end_all_sessions(&server, ANA).await;
    proxy.set_offline(false);

    let outcome = client.refresh().await;
    assert!(!outcome.online, "an ended session is not online");
    assert_eq!(state(&client), "signed_out");
    assert!(
        client.session().expect("session").is_some(),
        "the stored session (who to sign in again as) is kept"
    );
    assert!(
        client.conversation(&conversation).expect("read").is_some(),
        "the cache is kept"
    );

    // Left alone for a while with the realtime loop running and flushes asked for, the client
    // does not keep asking the server, and the action stays pending with its attempts unchanged.
    let realtime = tokio::spawn(convene_client::realtime::run(client.clone()));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let settled = proxy.responses();
    let attempts_then = pending(&client);
    for _ in 0..5 {
        let report = client.flush().await;
        assert_eq!(report.sent, 0);
        assert_eq!(report.failed, 0, "a 401 never fails the action");
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        proxy.responses(),
        settled,
        "no request is sent with a session known to be over"
    );
    assert_eq!(pending(&client), attempts_then, "not retried");
    assert_eq!(attempts_then.len(), 1);
    assert_eq!(attempts_then[0].0, "pending", "pending, not failed");
    assert_eq!(state(&client), "signed_out");
    assert!(client.timeline(&conversation).expect("t").pending.len() == 1);

    // Signing in again as the same agent keeps the cache and sends the queued message once.
    client
        .sign_in(&proxy.url(), ANA, PASSWORD)
        .await
        .expect("sign in again");
    assert_eq!(state(&client), "online");
    assert!(client.queued().expect("queue").is_empty(), "sent");
    assert_eq!(client.flush().await.sent, 0, "nothing left to send twice");
    let ana = server.agent(ANA).await;
    assert_eq!(
        messages(&ana, conversation).await,
        vec!["sent once after signing in again".to_owned()],
        "exactly one copy on the server"
    );
    realtime.abort();
}

#[tokio::test]
async fn after_an_ended_session_signing_in_as_another_agent_wipes_the_cache_and_the_queue() {
    let server = TestServer::start(None).await;
    let app_dir = tempfile::tempdir().expect("tempdir");
    let client = Client::open(app_dir.path()).expect("open");
    let base = server.server.url();
    client.sign_in(&base, ANA, PASSWORD).await.expect("sign in");
    let ana = server.agent(ANA).await;
    let conversation = new_conversation(&ana, "Ana's alone").await;
    client.sync_now().await.expect("sync");
    end_all_sessions(&server, ANA).await;
    client
        .post_message(conversation, "never sent by Chloe")
        .expect("queue");
    client.refresh().await;
    assert_eq!(state(&client), "signed_out");
    assert_eq!(client.queued().expect("queue").len(), 1);

    let session = client.sign_in(&base, CHLOE, PASSWORD).await.expect("chloe");
    assert_eq!(session.me.name(), "Chloe Park");
    assert!(
        client.queued().expect("queue").is_empty(),
        "Ana's queue is gone"
    );
    assert!(
        client.conversation(&conversation).expect("read").is_none(),
        "Ana's cache is gone"
    );
    assert_eq!(state(&client), "online");
    let ana = server.agent(ANA).await;
    assert!(
        messages(&ana, conversation).await.is_empty(),
        "nothing sent"
    );
}

#[tokio::test]
async fn a_join_link_opened_while_signed_in_is_not_redeemed_and_keeps_the_session_cache_and_queue()
{
    let server = TestServer::start(None).await;
    let app_dir = tempfile::tempdir().expect("tempdir");
    let client = Client::open(app_dir.path()).expect("open");
    let base = server.server.url();
    client.sign_in(&base, ANA, PASSWORD).await.expect("sign in");
    let ana = server.agent(ANA).await;
    let conversation = new_conversation(&ana, "Has a link").await;
    let link = ana
        .get(&format!("/api/v1/conversations/{conversation}/share-link"))
        .await;
    let url = link.ok()["url"].as_str().expect("url").to_owned();
    let token = url.rsplit('/').next().expect("token").to_owned();
    client.sync_now().await.expect("sync");
    client
        .enqueue(convene_client::Action::Leave {
            conversation_id: ConversationId::new(),
        })
        .expect("queue");
    let queued_before = client.queued().expect("queue").len();

    assert_eq!(
        client.join_plan(&base, &token).expect("plan"),
        convene_client::JoinPlan::OpenInBrowser {
            url: url.clone(),
            notice: "Opened the invite in your browser — you stay signed in as Ana Lima".into(),
        },
        "the join page, in the browser"
    );
    let joined = client
        .join_link(
            &base,
            &token,
            Some("Stranger"),
            Some("stranger@example.com"),
        )
        .await;
    assert!(joined.is_err(), "not redeemed while signed in: {joined:?}");

    let me = client.session().expect("session").expect("still signed in");
    assert_eq!(me.me.name(), "Ana Lima", "the session is not replaced");
    assert!(client.conversation(&conversation).expect("read").is_some());
    assert_eq!(client.queued().expect("queue").len(), queued_before);
    let link = ana
        .get(&format!("/api/v1/conversations/{conversation}/share-link"))
        .await;
    assert_eq!(link.ok()["uses"], 0, "the token was not spent");

    // Signed out by the server, the stored session and its queue still count as signed in.
    end_all_sessions(&server, ANA).await;
    client.refresh().await;
    assert_eq!(state(&client), "signed_out");
    assert!(matches!(
        client.join_plan(&base, &token).expect("plan"),
        convene_client::JoinPlan::OpenInBrowser { .. }
    ));
    // Nobody signed in: today's behaviour, redeem the link.
    client.sign_out().await.expect("sign out");
    assert_eq!(
        client.join_plan(&base, &token).expect("plan"),
        convene_client::JoinPlan::Redeem
    );
}
