//! A first sync larger than one page: every conversation arrives once, in pages, and changes made
//! while the first sync runs follow from the change feed afterwards.

mod common;

use std::collections::HashSet;

use common::TestServer;
use convene_server::service::sync::PAGE_CONVERSATIONS;
use reqwest::Method;
use serde_json::json;

const PASSWORD: &str = convene_server::demo::DEMO_PASSWORD;

#[tokio::test]
async fn a_first_sync_pages_through_every_conversation_and_then_follows_the_feed() {
    let t = TestServer::with_demo().await;
    let femi = t.login("femi@demo.convene.test", PASSWORD).await;
    let total = usize::try_from(PAGE_CONVERSATIONS).expect("size") + 5;
    let mut created = HashSet::new();
    for i in 0..total {
        let c = t
            .call(
                Method::POST,
                "/api/v1/conversations",
                Some(&femi),
                Some(json!({ "subject": format!("Case {i}") })),
            )
            .await;
        assert_eq!(c.status, 201, "{:?}", c.body);
        created.insert(c.body["id"].as_str().expect("id").to_owned());
    }

    let first = t.call(Method::GET, "/api/v1/sync", Some(&femi), None).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.body["has_more"], true);
    let page_one = first.body["conversations"].as_array().expect("list").len();
    assert_eq!(page_one, usize::try_from(PAGE_CONVERSATIONS).expect("size"));
    assert!(
        first.body["events"].as_array().expect("events").len() >= page_one,
        "each conversation comes with its timeline"
    );
    let cursor = first.body["cursor"].as_str().expect("cursor").to_owned();

    // A message posted mid-way, to a conversation the first page already carried.
    let early = first.body["conversations"][0]["conversation"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let posted = t
        .call(
            Method::POST,
            &format!("/api/v1/conversations/{early}/messages"),
            Some(&femi),
            Some(json!({ "body": "posted during the first sync" })),
        )
        .await;
    assert_eq!(posted.status, 201);

    let mut seen: HashSet<String> = first.body["conversations"]
        .as_array()
        .expect("list")
        .iter()
        .map(|s| s["conversation"]["id"].as_str().expect("id").to_owned())
        .collect();
    let mut cursor = cursor;
    let mut late_message = false;
    for _ in 0..5 {
        let page = t
            .call(
                Method::GET,
                &format!("/api/v1/sync?cursor={cursor}"),
                Some(&femi),
                None,
            )
            .await;
        assert_eq!(page.status, 200, "{:?}", page.body);
        for s in page.body["conversations"].as_array().expect("list") {
            seen.insert(s["conversation"]["id"].as_str().expect("id").to_owned());
        }
        late_message |= page.body["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .any(|m| m["body"] == "posted during the first sync");
        cursor = page.body["cursor"].as_str().expect("cursor").to_owned();
        if page.body["has_more"] == false {
            break;
        }
    }
    assert!(created.is_subset(&seen), "every conversation arrived");
    assert!(
        late_message,
        "the change made during the first sync followed from the feed"
    );
    assert!(cursor.starts_with('c'), "the sync ends on a feed cursor");
    let again = t
        .call(
            Method::GET,
            &format!("/api/v1/sync?cursor={cursor}"),
            Some(&femi),
            None,
        )
        .await;
    assert_eq!(again.body["has_more"], false);
    assert!(again.body["conversations"]
        .as_array()
        .expect("list")
        .is_empty());

    let bad = t
        .call(
            Method::GET,
            "/api/v1/sync?cursor=s12.not-an-id",
            Some(&femi),
            None,
        )
        .await;
    bad.assert_problem(422, "invalid_input");
}
