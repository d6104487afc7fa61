//! Read state and paged history (issue 17): each person's last-read position is kept on the
//! server and moves only forward, whoever races it; the list counts what is unread; a read
//! reaches the reader's other devices and nobody else; mute is per person; messages come in pages
//! newest first; a first sync brings the recent messages of each conversation and the history
//! endpoint the rest, of conversations the caller may see only.

use std::collections::BTreeSet;

use convene_testkit::{at_once, Api, SmtpSink, TestServer};
use serde_json::{json, Value};

async fn server() -> TestServer {
    TestServer::start_with(None, |c| {
        c.limits = convene_server::ratelimit::Limits::scaled(1000)
    })
    .await
}

async fn post(api: &Api, conversation: &str, body: &str) -> String {
    api.post_message(conversation, body).await
}

/// The row of `conversation` in the caller's web list.
async fn row(api: &Api, conversation: &str) -> Value {
    let home = api.get("/api/v1/home").await.ok().clone();
    home["conversations"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|e| e["conversation"]["id"] == conversation)
        .expect("the conversation's row")["conversation"]
        .clone()
}

/// Syncs from `cursor` to the end; answers every page.
async fn sync_from(api: &Api, cursor: Option<&str>) -> (Vec<Value>, String) {
    let mut cursor = cursor.map(str::to_owned);
    let mut pages = Vec::new();
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/sync?cursor={c}"),
            None => "/api/v1/sync".to_owned(),
        };
        let page = api.get(&path).await.ok().clone();
        cursor = page["cursor"].as_str().map(str::to_owned);
        let more = page["has_more"] == true;
        pages.push(page);
        if !more {
            return (pages, cursor.expect("cursor"));
        }
    }
}

fn reads_of(pages: &[Value], conversation: &str) -> Vec<Value> {
    pages
        .iter()
        .flat_map(|p| p["reads"].as_array().cloned().unwrap_or_default())
        .filter(|r| r["conversation_id"] == conversation)
        .collect()
}

#[tokio::test]
async fn unread_counts_follow_the_read_mark_which_only_moves_forward() {
    let t = server().await;
    let eva = t.agent("eva@demo.convene.test").await;
    let chloe = t.agent("chloe@demo.convene.test").await;
    let conversation = eva.new_conversation("Unread").await;
    eva.seat(&chloe, &conversation).await;
    let first = post(&eva, &conversation, "one").await;
    let second = post(&eva, &conversation, "two").await;
    post(&eva, &conversation, "three").await;
    post(&chloe, &conversation, "mine is never unread").await;

    assert_eq!(row(&chloe, &conversation).await["unread"], 3);
    assert_eq!(
        row(&eva, &conversation).await["unread"],
        1,
        "Chloe's message"
    );

    let read = format!("/api/v1/conversations/{conversation}/read");
    let state = chloe.post(&read, json!({ "message_id": second })).await;
    assert_eq!(state.ok()["last_read_message_id"], second.as_str());
    assert_eq!(row(&chloe, &conversation).await["unread"], 1);
    // Reading never goes back.
    let back = chloe.post(&read, json!({ "message_id": first })).await;
    assert_eq!(back.ok()["last_read_message_id"], second.as_str());
    assert_eq!(row(&chloe, &conversation).await["unread"], 1);
    // Eva's reading is hers.
    assert_eq!(row(&eva, &conversation).await["unread"], 1);

    // A message of another conversation, or none, is named as the problem; nothing is stored.
    let other = eva.new_conversation("Elsewhere").await;
    let foreign = post(&eva, &other, "not there").await;
    let wrong = chloe.post(&read, json!({ "message_id": foreign })).await;
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert!(
        wrong.body.to_string().contains("message_id"),
        "{}",
        wrong.body
    );
    let garbage = chloe.post(&read, json!({ "message_id": "nope" })).await;
    assert_eq!(garbage.status, 422, "{}", garbage.body);
    assert_eq!(row(&chloe, &conversation).await["unread"], 1);

    // Someone who may not see the conversation cannot mark it, nor learn that it exists.
    let dev = t.agent("dev@demo.convene.test").await;
    let stranger = dev.post(&read, json!({ "message_id": second })).await;
    assert_eq!(stranger.status, 404, "{}", stranger.body);
    let mute = dev
        .post(
            &format!("/api/v1/conversations/{conversation}/mute"),
            json!({ "muted": true }),
        )
        .await;
    assert_eq!(mute.status, 404, "{}", mute.body);
}

#[tokio::test]
async fn a_read_reaches_the_readers_other_devices_and_nobody_else() {
    let t = server().await;
    let eva = t.agent("eva@demo.convene.test").await;
    let chloe_laptop = t.agent("chloe@demo.convene.test").await;
    let chloe_desktop = t.agent("chloe@demo.convene.test").await;
    let conversation = eva.new_conversation("Two devices").await;
    eva.seat(&chloe_laptop, &conversation).await;
    let message = post(&eva, &conversation, "hello Chloe").await;

    let (_, chloe_cursor) = sync_from(&chloe_desktop, None).await;
    let (_, eva_cursor) = sync_from(&eva, None).await;
    let mut stream = chloe_desktop.stream().await;
    let mut eva_stream = eva.stream().await;

    chloe_laptop
        .post(
            &format!("/api/v1/conversations/{conversation}/read"),
            json!({ "message_id": message }),
        )
        .await
        .ok();
    // The other device's stream says the conversation changed; its sync carries the mark.
    let changed = stream
        .expect("changed", std::time::Duration::from_secs(5))
        .await;
    assert_eq!(changed["conversation_id"], conversation.as_str());
    // Eva's stream is not woken by Chloe's reading.
    assert!(
        eva_stream
            .next(std::time::Duration::from_millis(800))
            .await
            .is_none(),
        "Eva's stream stays quiet"
    );
    let (pages, _) = sync_from(&chloe_desktop, Some(&chloe_cursor)).await;
    let reads = reads_of(&pages, &conversation);
    assert_eq!(reads.len(), 1, "{pages:?}");
    assert_eq!(reads[0]["last_read_message_id"], message.as_str());
    // The read moved nothing up anyone's list, and Eva's sync learns nothing of it.
    let (pages, _) = sync_from(&eva, Some(&eva_cursor)).await;
    assert!(reads_of(&pages, &conversation).is_empty(), "{pages:?}");
    assert!(
        pages
            .iter()
            .all(|p| p["conversations"].as_array().is_none_or(|c| c.is_empty())),
        "{pages:?}"
    );

    // Mute is Chloe's too, and a first sync carries her read state.
    chloe_laptop
        .post(
            &format!("/api/v1/conversations/{conversation}/mute"),
            json!({ "muted": true }),
        )
        .await
        .ok();
    assert_eq!(row(&chloe_desktop, &conversation).await["muted"], true);
    assert_eq!(row(&eva, &conversation).await["muted"], false);
    let (pages, _) = sync_from(&chloe_desktop, None).await;
    let reads = reads_of(&pages, &conversation);
    assert_eq!(reads.len(), 1);
    assert_eq!(reads[0]["muted"], true);
    assert_eq!(reads[0]["last_read_message_id"], message.as_str());
}

#[tokio::test]
async fn racing_marks_of_two_devices_keep_the_later_one() {
    let t = server().await;
    let eva = t.agent("eva@demo.convene.test").await;
    let chloe = t.agent("chloe@demo.convene.test").await;
    for round in 0..5 {
        let conversation = eva.new_conversation("Race to read").await;
        eva.seat(&chloe, &conversation).await;
        let mut ids = Vec::new();
        for i in 0..8 {
            ids.push(post(&eva, &conversation, &format!("m{i}")).await);
        }
        let path = format!("/api/v1/conversations/{conversation}/read");
        let answers = at_once(8, |i| {
            let chloe = chloe.clone();
            let path = path.clone();
            let id = ids[i].clone();
            async move { chloe.post(&path, json!({ "message_id": id })).await }
        })
        .await;
        for a in &answers {
            assert_eq!(a.status, 200, "round {round}: {}", a.body);
        }
        let row = row(&chloe, &conversation).await;
        assert_eq!(row["unread"], 0, "round {round}: the newest mark won");
    }
}

#[tokio::test]
async fn messages_come_in_pages_newest_first_and_a_first_sync_brings_the_rest_from_history() {
    let t = server().await;
    let eva = t.agent("eva@demo.convene.test").await;
    let long = eva.new_conversation("Long history").await;
    let mut posted = Vec::new();
    for i in 0..120 {
        posted.push(post(&eva, &long, &format!("message {i}")).await);
    }
    let short = eva.new_conversation("Short history").await;
    post(&eva, &short, "only one").await;

    // Pages of 50, newest first, each pointing at the next older one; nothing twice or missed.
    let base = format!("/api/v1/conversations/{long}/messages");
    let mut paged = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let path = match &before {
            Some(b) => format!("{base}?before={b}"),
            None => base.clone(),
        };
        let page = eva.get(&path).await.ok().clone();
        let messages = page["messages"].as_array().expect("messages").clone();
        assert!(messages.len() <= 50);
        paged.extend(
            messages
                .iter()
                .map(|m| m["id"].as_str().expect("id").to_owned()),
        );
        match page["older"].as_str() {
            Some(o) => before = Some(o.to_owned()),
            None => break,
        }
    }
    let newest_first: Vec<String> = posted.iter().rev().cloned().collect();
    assert_eq!(paged, newest_first);
    for bad in ["?limit=0", "?limit=501", "?before=nonsense", "?limit=x"] {
        let a = eva.get(&format!("{base}{bad}")).await;
        assert_eq!(a.status, 422, "{bad}: {}", a.body);
    }

    // A first sync: the newest 30 of the long one (and that older ones exist), all of the short.
    let (pages, _) = sync_from(&eva, None).await;
    let synced: BTreeSet<String> = pages
        .iter()
        .flat_map(|p| p["messages"].as_array().cloned().unwrap_or_default())
        .filter(|m| m["conversation_id"] == long.as_str())
        .map(|m| m["id"].as_str().expect("id").to_owned())
        .collect();
    let recent: BTreeSet<String> = posted[90..].iter().cloned().collect();
    assert_eq!(synced, recent);
    let older: Vec<Value> = pages
        .iter()
        .flat_map(|p| p["older"].as_array().cloned().unwrap_or_default())
        .collect();
    assert!(older.contains(&json!(long)), "{older:?}");
    assert!(!older.contains(&json!(short)), "{older:?}");

    // The history brings the other 90, and says the long conversation is complete.
    let mut cursor = String::new();
    let mut history = BTreeSet::new();
    let mut complete = Vec::new();
    loop {
        let page = eva
            .get(&format!("/api/v1/sync/history?cursor={cursor}"))
            .await
            .ok()
            .clone();
        history.extend(
            page["messages"]
                .as_array()
                .expect("messages")
                .iter()
                .filter(|m| m["conversation_id"] == long.as_str())
                .map(|m| m["id"].as_str().expect("id").to_owned()),
        );
        complete.extend(page["complete"].as_array().cloned().unwrap_or_default());
        cursor = page["cursor"].as_str().expect("cursor").to_owned();
        if page["has_more"] != true {
            break;
        }
    }
    let all: BTreeSet<String> = posted.iter().cloned().collect();
    assert_eq!(
        history.union(&synced).cloned().collect::<BTreeSet<_>>(),
        all
    );
    assert!(complete.contains(&json!(long)));
    let bad = eva.get("/api/v1/sync/history?cursor=h-nonsense").await;
    assert_eq!(bad.status, 422, "{}", bad.body);
}

#[tokio::test]
async fn the_history_hands_nobody_a_conversation_they_may_not_see() {
    let sink = SmtpSink::start().await;
    let t = TestServer::start(Some(&sink)).await;
    let eva = t.agent("eva@demo.convene.test").await;
    let private = eva.new_conversation("Private").await;
    for i in 0..40 {
        post(&eva, &private, &format!("secret {i}")).await;
    }
    let public = eva.new_conversation("Public").await;
    for i in 0..40 {
        post(&eva, &public, &format!("hello {i}")).await;
    }
    let contact = t
        .seat_contact(&sink, &eva, &public, "kim@example.com")
        .await;
    let chloe = t.agent("chloe@demo.convene.test").await;
    for (who, api) in [("the contact", &contact), ("another agent", &chloe)] {
        let mut cursor = String::new();
        loop {
            let page = api
                .get(&format!("/api/v1/sync/history?cursor={cursor}"))
                .await
                .ok()
                .clone();
            for m in page["messages"].as_array().expect("messages") {
                assert_ne!(m["conversation_id"], private.as_str(), "{who} got {m}");
            }
            cursor = page["cursor"].as_str().expect("cursor").to_owned();
            if page["has_more"] != true {
                break;
            }
        }
        let direct = api
            .get(&format!("/api/v1/conversations/{private}/messages"))
            .await;
        assert_eq!(direct.status, 404, "{who}: {}", direct.body);
    }
    // A cursor naming the private conversation (forged) hands out nothing of it either.
    let forged = contact
        .get(&format!("/api/v1/sync/history?cursor=h{private}"))
        .await;
    for m in forged.ok()["messages"].as_array().expect("messages") {
        assert_ne!(m["conversation_id"], private.as_str());
    }
}

#[tokio::test]
async fn a_conversation_that_comes_back_comes_with_the_readers_mark() {
    let t = server().await;
    let eva = t.agent("eva@demo.convene.test").await;
    let chloe = t.agent("chloe@demo.convene.test").await;
    let conversation = eva.new_conversation("Back again").await;
    eva.seat(&chloe, &conversation).await;
    let message = post(&eva, &conversation, "read this").await;
    chloe
        .post(
            &format!("/api/v1/conversations/{conversation}/read"),
            json!({ "message_id": message }),
        )
        .await
        .ok();
    let (_, cursor) = sync_from(&chloe, None).await;
    // Removed (her device purges the conversation, read state and all), then added again.
    let participant = eva
        .participant_id(&conversation, "chloe@demo.convene.test")
        .await;
    eva.delete(&format!(
        "/api/v1/conversations/{conversation}/participants/{participant}"
    ))
    .await;
    eva.seat(&chloe, &conversation).await;
    let (pages, _) = sync_from(&chloe, Some(&cursor)).await;
    let reads = reads_of(&pages, &conversation);
    assert_eq!(reads.len(), 1, "{pages:?}");
    assert_eq!(reads[0]["last_read_message_id"], message.as_str());
    assert_eq!(row(&chloe, &conversation).await["unread"], 0);
}
