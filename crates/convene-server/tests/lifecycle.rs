//! The rest of the invite and membership lifecycle: decline, revoke, leave, make owner, email
//! retries, and sync paging.

use std::time::Duration;

use convene_testkit::{Api, SmtpSink, TestServer};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(15);

async fn id_of(api: &Api) -> String {
    api.get("/api/v1/me").await.ok()["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn conversation(api: &Api, subject: &str) -> String {
    api.post("/api/v1/conversations", json!({ "subject": subject }))
        .await
        .ok()["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn invite_agent(by: &Api, conv: &str, agent: &Api) -> String {
    let answer = by
        .post(
            &format!("/api/v1/conversations/{conv}/agent-invites"),
            json!({ "agent_id": id_of(agent).await }),
        )
        .await;
    answer.ok()["invite"]["id"]
        .as_str()
        .expect("invite")
        .to_owned()
}

#[tokio::test]
async fn decline_ends_the_invite_and_hides_the_conversation_again() {
    let t = TestServer::start(None).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let dev = t.agent("dev@demo.convene.test").await;
    let conv = conversation(&ana, "Decline me").await;
    let invite = invite_agent(&ana, &conv, &dev).await;
    assert_eq!(
        dev.post(&format!("/api/v1/invites/{invite}/decline"), json!({}))
            .await
            .ok()["status"],
        "declined"
    );
    dev.get(&format!("/api/v1/conversations/{conv}"))
        .await
        .problem(404, "not_found");
    dev.post(&format!("/api/v1/invites/{invite}/accept"), json!({}))
        .await
        .problem(409, "conflict");
    // Someone else cannot answer an invite that is not theirs.
    let again = invite_agent(&ana, &conv, &dev).await;
    ana.post(&format!("/api/v1/invites/{again}/accept"), json!({}))
        .await
        .problem(404, "not_found");
}

#[tokio::test]
async fn revoking_a_pending_invite_by_its_sender_or_an_owner_and_not_by_others() {
    let t = TestServer::start(None).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let eva = t.agent("eva@demo.convene.test").await;
    let chloe = t.agent("chloe@demo.convene.test").await;
    let dev = t.agent("dev@demo.convene.test").await;
    let femi = t.agent("femi@demo.convene.test").await;
    let conv = conversation(&eva, "Revocations").await;
    let chloe_invite = invite_agent(&eva, &conv, &chloe).await;
    chloe
        .post(&format!("/api/v1/invites/{chloe_invite}/accept"), json!({}))
        .await
        .ok();
    // Chloe (a joined agent) invites Dev, and may revoke her own invite; Eva invites Femi, whom Chloe may not un-invite.
    let dev_invite = invite_agent(&chloe, &conv, &dev).await;
    let femi_invite = invite_agent(&eva, &conv, &femi).await;
    chloe
        .post(&format!("/api/v1/invites/{femi_invite}/revoke"), json!({}))
        .await
        .problem(403, "forbidden");
    assert_eq!(
        chloe
            .post(&format!("/api/v1/invites/{dev_invite}/revoke"), json!({}))
            .await
            .ok()["status"],
        "revoked"
    );
    dev.get(&format!("/api/v1/conversations/{conv}"))
        .await
        .problem(404, "not_found");
    let _ = ana;
    assert_eq!(
        eva.post(&format!("/api/v1/invites/{femi_invite}/revoke"), json!({}))
            .await
            .ok()["status"],
        "revoked"
    );
    eva.post(&format!("/api/v1/invites/{femi_invite}/revoke"), json!({}))
        .await
        .problem(409, "conflict");
}

#[tokio::test]
async fn an_owner_makes_an_agent_owner_and_may_then_leave() {
    let t = TestServer::start(None).await;
    let eva = t.agent("eva@demo.convene.test").await;
    let chloe = t.agent("chloe@demo.convene.test").await;
    let conv = conversation(&eva, "Hand-over").await;
    let invite = invite_agent(&eva, &conv, &chloe).await;
    chloe
        .post(&format!("/api/v1/invites/{invite}/accept"), json!({}))
        .await
        .ok();
    eva.post(&format!("/api/v1/conversations/{conv}/leave"), json!({}))
        .await
        .problem(409, "conflict");
    let chloe_p = eva.participant_id(&conv, "chloe@demo.convene.test").await;
    chloe
        .post(
            &format!("/api/v1/conversations/{conv}/participants/{chloe_p}/make-owner"),
            json!({}),
        )
        .await
        .problem(403, "forbidden");
    let made = eva
        .post(
            &format!("/api/v1/conversations/{conv}/participants/{chloe_p}/make-owner"),
            json!({}),
        )
        .await;
    assert_eq!(made.ok()["role"], "owner");
    assert_eq!(
        eva.post(&format!("/api/v1/conversations/{conv}/leave"), json!({}))
            .await
            .status,
        204
    );
    eva.get(&format!("/api/v1/conversations/{conv}"))
        .await
        .problem(404, "not_found");
    let people = chloe
        .get(&format!("/api/v1/conversations/{conv}/participants"))
        .await;
    let names: Vec<&str> = people.ok()["participants"]
        .as_array()
        .expect("p")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(names, ["Chloe Park"]);
}

#[tokio::test]
async fn an_email_that_cannot_be_delivered_is_retried_until_the_relay_answers() {
    // The relay's port is closed at first: the worker fails, backs off, and delivers once it listens.
    let port = convene_testkit::process::free_port();
    let t = TestServer::start_with(None, |c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"))
    })
    .await;
    let ana = t.agent("ana@demo.convene.test").await;
    let conv = conversation(&ana, "Retry").await;
    ana.post(
        &format!("/api/v1/conversations/{conv}/contact-invites"),
        json!({ "email": "retry@example.com" }),
    )
    .await
    .ok();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let view = ana
        .get(&format!("/api/v1/conversations/{conv}/participants"))
        .await;
    assert_eq!(
        view.ok()["invites"][0]["delivery"],
        "queued",
        "not sent yet, not failed either"
    );
    let sink = SmtpSink::start_on(port).await;
    let mail = sink.wait_for(1, WAIT).await;
    assert_eq!(mail.len(), 1);
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let view = ana
            .get(&format!("/api/v1/conversations/{conv}/participants"))
            .await;
        if view.ok()["invites"][0]["delivery"] == "sent" {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "delivery never recorded as sent: {}",
            view.body
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(sink.messages().len(), 1, "sent exactly once");
}

#[tokio::test]
async fn sync_pages_through_many_changes_and_ends_where_a_full_sync_ends() {
    let t = TestServer::start(None).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let conv = conversation(&ana, "Busy").await;
    // The first sync (whole conversations); what follows comes from the change feed, in pages.
    let first_page = ana.get("/api/v1/sync").await;
    let first = first_page.ok();
    let mut messages = first["messages"].as_array().map(Vec::len).unwrap_or(0);
    let mut cursor = first["cursor"].as_str().expect("cursor").to_owned();
    for i in 0..(convene_server::service::sync::PAGE_CHANGES + 20) {
        ana.post(
            &format!("/api/v1/conversations/{conv}/messages"),
            json!({ "body": format!("message {i}") }),
        )
        .await
        .ok();
    }
    let mut pages = 0;
    loop {
        let page = ana.get(&format!("/api/v1/sync?cursor={cursor}")).await;
        let body = page.ok();
        messages += body["messages"].as_array().map(Vec::len).unwrap_or(0);
        cursor = body["cursor"].as_str().expect("cursor").to_owned();
        pages += 1;
        if body["has_more"] == false {
            break;
        }
    }
    assert!(pages >= 2, "paged ({pages} pages)");
    let all = ana
        .get(&format!("/api/v1/conversations/{conv}/messages"))
        .await;
    let total_here = all.ok()["messages"].as_array().map(Vec::len).unwrap_or(0);
    assert!(
        messages >= total_here,
        "every message of the conversation came through sync ({messages} ≥ {total_here})"
    );
    let after = ana.get(&format!("/api/v1/sync?cursor={cursor}")).await;
    assert!(
        after.ok()["messages"].as_array().expect("m").is_empty(),
        "nothing new after the last cursor"
    );
    assert_eq!(after.body["cursor"], cursor.as_str());
}
