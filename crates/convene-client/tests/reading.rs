//! Read state and history in the client core, against a real server: two devices of one agent
//! agree on what is unread (a mark made offline reaches the server once it is back), the badge
//! counts unread conversations (muted ones aside), a new message from someone else is announced
//! unless muted, and the history a first sync leaves out is filled in the background and on
//! scroll, so the cache ends with every message.

use std::sync::Arc;
use std::time::Duration;

use convene_client::{Client, ClientEvent};
use convene_proto::ConversationId;
use convene_testkit::{Api, Proxy, TestServer};

const PASSWORD: &str = convene_server::demo::DEMO_PASSWORD;
const CHLOE: &str = "chloe@demo.convene.test";

async fn post(api: &Api, conversation: &str, body: &str) {
    api.post_message(conversation, body).await;
}

/// Eva's conversation with Chloe in it.
async fn with_chloe(t: &TestServer, eva: &Api, subject: &str) -> String {
    let conversation = eva.new_conversation(subject).await;
    eva.seat(&t.agent(CHLOE).await, &conversation).await;
    conversation
}

async fn device(url: &str) -> (tempfile::TempDir, Arc<Client>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let client = Arc::new(Client::open(dir.path()).expect("open"));
    client.sign_in(url, CHLOE, PASSWORD).await.expect("sign in");
    (dir, client)
}

fn unread(client: &Client, id: &ConversationId) -> i64 {
    client
        .home()
        .expect("home")
        .conversations
        .into_iter()
        .find(|e| e.conversation.id == *id)
        .expect("the row")
        .conversation
        .unread
}

#[tokio::test]
async fn reading_on_one_device_clears_the_other_and_an_offline_mark_is_sent_when_back() {
    let t = TestServer::start(None).await;
    let eva = t.agent("eva@demo.convene.test").await;
    let conversation = with_chloe(&t, &eva, "Two devices").await;
    let id: ConversationId = conversation.parse().expect("id");
    for i in 0..3 {
        post(&eva, &conversation, &format!("question {i}")).await;
    }
    let upstream = t.server.url().trim_start_matches("http://").to_owned();
    let proxy = Proxy::start(upstream.parse().expect("addr")).await;
    let (_a, laptop) = device(&proxy.url()).await;
    let (_b, desktop) = device(&t.server.url()).await;
    assert_eq!(unread(&laptop, &id), 3);
    assert_eq!(unread(&desktop, &id), 3);
    assert!(desktop.unread_conversations().expect("badge") >= 1);
    let before = desktop.unread_conversations().expect("badge");

    // The laptop reads while offline: cleared there at once, sent when the server is back.
    proxy.set_offline(true);
    assert!(laptop.mark_read(&id).await.expect("mark"));
    assert_eq!(unread(&laptop, &id), 0);
    desktop.sync_now().await.expect("sync");
    assert_eq!(unread(&desktop, &id), 3, "not sent yet");
    proxy.set_offline(false);
    laptop.flush().await;
    desktop.sync_now().await.expect("sync");
    assert_eq!(unread(&desktop, &id), 0, "read on the other device");
    assert_eq!(desktop.unread_conversations().expect("badge"), before - 1);
    // Marking again changes nothing and sends nothing.
    assert!(!laptop.mark_read(&id).await.expect("mark"));

    // A new message is unread on both; the user's own never is.
    post(&eva, &conversation, "one more").await;
    desktop.post_message(id, "my answer").expect("post");
    desktop.flush().await;
    desktop.sync_now().await.expect("sync");
    laptop.sync_now().await.expect("sync");
    assert_eq!(unread(&desktop, &id), 1);
    assert_eq!(unread(&laptop, &id), 1);
}

#[tokio::test]
async fn a_new_message_from_someone_else_is_announced_unless_muted() {
    let t = TestServer::start(None).await;
    let eva = t.agent("eva@demo.convene.test").await;
    let conversation = with_chloe(&t, &eva, "Announced").await;
    let id: ConversationId = conversation.parse().expect("id");
    let (_d, client) = device(&t.server.url()).await;
    let mut events = client.subscribe();
    let announced = |events: &mut tokio::sync::broadcast::Receiver<ClientEvent>| {
        let mut found = Vec::new();
        while let Ok(e) = events.try_recv() {
            if let ClientEvent::NewMessage { message, subject } = e {
                found.push((message.body, subject));
            }
        }
        found
    };
    post(&eva, &conversation, "are you there?").await;
    client.sync_now().await.expect("sync");
    assert_eq!(
        announced(&mut events),
        vec![("are you there?".to_owned(), "Announced".to_owned())]
    );
    // The user's own message is not announced.
    client.post_message(id, "yes").expect("post");
    client.flush().await;
    client.sync_now().await.expect("sync");
    assert!(announced(&mut events).is_empty());
    // Muted: nothing, and it leaves the badge; the mute reaches the server (the web list).
    let badge = client.unread_conversations().expect("badge");
    client.set_muted(&id, true).await.expect("mute");
    post(&eva, &conversation, "still there?").await;
    client.sync_now().await.expect("sync");
    assert!(announced(&mut events).is_empty());
    assert_eq!(client.unread_conversations().expect("badge"), badge - 1);
    let web = t.agent(CHLOE).await.get("/api/v1/home").await;
    let row = web.ok()["conversations"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|e| e["conversation"]["id"] == conversation.as_str())
        .expect("row")
        .clone();
    assert_eq!(row["conversation"]["muted"], true);
    assert_eq!(
        row["conversation"]["unread"], 2,
        "both of Eva's, never read"
    );
}

#[tokio::test]
async fn the_history_a_first_sync_leaves_out_is_filled_in_the_background_and_on_scroll() {
    let t = TestServer::start(None).await;
    let eva = t.agent("eva@demo.convene.test").await;
    let long = with_chloe(&t, &eva, "Long").await;
    for i in 0..100 {
        post(&eva, &long, &format!("old {i}")).await;
    }
    let id: ConversationId = long.parse().expect("id");
    // One Chloe is not in yet, with a history older than her first sync.
    let later = eva.new_conversation("Joined later").await;
    for i in 0..45 {
        post(&eva, &later, &format!("before you came {i}")).await;
    }
    let (_d, client) = device(&t.server.url()).await;
    let page = client.timeline_page(&id, 50).expect("page");
    assert_eq!(page.messages.len(), 30, "the first sync brought the newest");
    assert!(page.has_older);
    assert_eq!(page.messages.last().expect("newest").body, "old 99");

    // Scrolled to the top: one page from the server.
    assert_eq!(client.load_older(&id).await.expect("older"), 70);
    let page = client.timeline_page(&id, 50).expect("page");
    assert_eq!(page.messages.len(), 50);
    assert!(page.has_older, "more are cached");
    let all = client.timeline_page(&id, 1000).expect("page");
    assert_eq!(all.messages.len(), 100);
    assert!(!all.has_older, "the first message is here");
    assert_eq!(all.messages[0].body, "old 0");

    // A conversation joined after the first sync comes with its newest messages; the background
    // fill brings the rest.
    eva.seat(&t.agent(CHLOE).await, &later).await;
    client.sync_now().await.expect("sync");
    let later_id: ConversationId = later.parse().expect("id");
    assert_eq!(
        client
            .timeline_page(&later_id, 100)
            .expect("page")
            .messages
            .len(),
        30
    );
    tokio::time::timeout(Duration::from_secs(20), client.fill_history())
        .await
        .expect("in time")
        .expect("fill");
    let filled = client.timeline_page(&later_id, 100).expect("page");
    assert_eq!(filled.messages.len(), 45);
    assert!(!filled.has_older);
}

#[tokio::test]
async fn a_first_sync_fills_every_conversations_history_and_resumes_after_a_restart() {
    let t = TestServer::start(None).await;
    let eva = t.agent("eva@demo.convene.test").await;
    let mut ids = Vec::new();
    for c in 0..3 {
        let conversation = with_chloe(&t, &eva, &format!("History {c}")).await;
        for i in 0..60 {
            post(&eva, &conversation, &format!("c{c} m{i}")).await;
        }
        ids.push(conversation.parse::<ConversationId>().expect("id"));
    }
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let client = Client::open(dir.path()).expect("open");
        client
            .sign_in(&t.server.url(), CHLOE, PASSWORD)
            .await
            .expect("sign in");
        for id in &ids {
            assert_eq!(
                client.timeline_page(id, 100).expect("page").messages.len(),
                30
            );
        }
    }
    // The app was closed before the fill: the next start picks it up.
    let client = Client::open(dir.path()).expect("reopen");
    client.fill_history().await.expect("fill");
    for id in &ids {
        let all = client.timeline_page(id, 100).expect("page");
        assert_eq!(all.messages.len(), 60, "offline review has everything");
        assert!(!all.has_older);
    }
}
