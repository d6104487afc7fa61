//! Every flow of the help article as a scenario over HTTP, against an in-process server on a temp
//! SQLite file, with a real SMTP sink on loopback and the real WebSocket stream.

use std::time::Duration;

use convene_testkit::{Api, SmtpSink, TestServer};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(10);

async fn id_of(api: &Api) -> String {
    api.get("/api/v1/me").await.ok()["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn new_conversation(api: &Api, subject: &str) -> String {
    api.post("/api/v1/conversations", json!({ "subject": subject }))
        .await
        .ok()["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn event_texts(api: &Api, conversation: &str) -> Vec<String> {
    api.get(&format!("/api/v1/conversations/{conversation}/events"))
        .await
        .ok()["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn token_of(link: &str) -> String {
    link.rsplit("/j/").next().expect("token").to_owned()
}

/// Invites `agent` (an email of the demo) and has them join.
async fn seat_agent(t: &TestServer, owner: &Api, conversation: &str, email: &str) -> Api {
    let agent = t.agent(email).await;
    let invite = owner
        .post(
            &format!("/api/v1/conversations/{conversation}/agent-invites"),
            json!({ "agent_id": id_of(&agent).await }),
        )
        .await;
    let invite_id = invite.ok()["invite"]["id"]
        .as_str()
        .expect("invite id")
        .to_owned();
    agent
        .post(&format!("/api/v1/invites/{invite_id}/accept"), json!({}))
        .await
        .ok();
    agent
}

#[tokio::test]
async fn add_agent_notifies_the_invitee_on_their_stream_and_join_makes_them_a_participant() {
    let t = TestServer::start(None).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let femi = t.agent("femi@demo.convene.test").await;
    let conversation = new_conversation(&ana, "Parcel never arrived").await;
    femi.get(&format!("/api/v1/conversations/{conversation}"))
        .await
        .problem(404, "not_found");

    let mut stream = femi.stream().await;
    let found = ana.get("/api/v1/agents?q=fem").await;
    assert_eq!(found.ok()["agents"][0]["name"], "Femi Adeyemi");
    let femi_id = found.body["agents"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let sent = ana
        .post(
            &format!("/api/v1/conversations/{conversation}/agent-invites"),
            json!({ "agent_id": femi_id }),
        )
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    assert_eq!(sent.body["outcome"], "invited");

    let frame = stream.expect("invited", WAIT).await;
    assert_eq!(
        frame["invite"]["conversation_subject"],
        "Parcel never arrived"
    );
    assert_eq!(frame["invite"]["invited_by"], "Ana Lima");
    let invite = frame["invite"]["id"]
        .as_str()
        .expect("invite id")
        .to_owned();

    // Invited: Femi may see the conversation now; inviting again changes and sends nothing.
    femi.get(&format!("/api/v1/conversations/{conversation}"))
        .await
        .ok();
    let again = ana
        .post(
            &format!("/api/v1/conversations/{conversation}/agent-invites"),
            json!({ "agent_id": femi_id }),
        )
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["outcome"], "already_invited");
    assert_eq!(again.body["invite"]["id"], invite.as_str());
    assert_eq!(
        again.body["message"],
        "Femi Adeyemi is already invited; use Resend Invite in People"
    );

    let accepted = femi
        .post(&format!("/api/v1/invites/{invite}/accept"), json!({}))
        .await;
    assert_eq!(accepted.ok()["status"], "accepted");
    let people = ana
        .get(&format!(
            "/api/v1/conversations/{conversation}/participants"
        ))
        .await;
    let femi_row = people.ok()["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .find(|p| p["name"] == "Femi Adeyemi")
        .cloned()
        .expect("Femi is a participant");
    assert_eq!(femi_row["state"], "joined");
    assert_eq!(femi_row["role"], "agent");
    assert_eq!(femi_row["added_by"], "Ana Lima");
    assert_eq!(femi_row["via"], "direct");
    assert!(people.body["invites"]
        .as_array()
        .expect("invites")
        .is_empty());
    let joined = ana
        .post(
            &format!("/api/v1/conversations/{conversation}/agent-invites"),
            json!({ "agent_id": femi_id }),
        )
        .await;
    assert_eq!(joined.body["outcome"], "already_joined");
    assert_eq!(
        joined.body["message"],
        "Femi Adeyemi is already in this conversation"
    );

    let events = event_texts(&ana, &conversation).await;
    assert!(
        events.contains(&"Ana Lima invited Femi Adeyemi".to_owned()),
        "{events:?}"
    );
    assert!(
        events.contains(&"Femi Adeyemi joined".to_owned()),
        "{events:?}"
    );
}

#[tokio::test]
async fn request_service_invites_the_whole_crew_and_the_first_to_join_fulfils_it() {
    let t = TestServer::start(None).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let conversation = new_conversation(&ana, "Router keeps rebooting").await;
    let crews = ana.get("/api/v1/crews").await;
    let crew = crews.ok()["crews"]
        .as_array()
        .expect("crews")
        .iter()
        .find(|c| c["name"] == "Technical Support")
        .cloned()
        .expect("crew");
    assert_eq!(crew["members"].as_array().map(Vec::len), Some(3));

    let mut streams = Vec::new();
    let mut clients = Vec::new();
    for email in [
        "dev@demo.convene.test",
        "eva@demo.convene.test",
        "femi@demo.convene.test",
    ] {
        let client = t.agent(email).await;
        streams.push(client.stream().await);
        clients.push(client);
    }
    let request = ana
        .post(
            &format!("/api/v1/conversations/{conversation}/service-requests"),
            json!({ "crew_id": crew["id"] }),
        )
        .await;
    assert_eq!(request.status, 201, "{}", request.body);
    assert_eq!(request.body["notified"], 3);
    assert_eq!(request.body["status"], "open");
    assert_eq!(request.body["requested_by"], "Ana Lima");

    let mut invites = Vec::new();
    for stream in &mut streams {
        let frame = stream.expect("invited", WAIT).await;
        assert_eq!(frame["invite"]["service_request_id"], request.body["id"]);
        invites.push(frame["invite"]["id"].as_str().expect("id").to_owned());
    }
    // Eva is first.
    clients[1]
        .post(&format!("/api/v1/invites/{}/accept", invites[1]), json!({}))
        .await
        .ok();
    let late = clients[0]
        .post(&format!("/api/v1/invites/{}/accept", invites[0]), json!({}))
        .await;
    let why = late.problem(409, "conflict");
    assert!(why.contains("superseded"), "{why}");

    let page = ana.get("/api/v1/sync").await;
    let snapshot = page.ok()["conversations"]
        .as_array()
        .expect("snapshots")
        .iter()
        .find(|s| s["conversation"]["id"] == conversation.as_str())
        .cloned()
        .expect("conversation in sync");
    let status = &snapshot["service_requests"][0];
    assert_eq!(status["status"], "fulfilled");
    assert_eq!(status["fulfilled_by"], "Eva Rossi");
    assert_eq!(status["crew_name"], "Technical Support");
    let left = snapshot["invites"].as_array().expect("invites");
    assert!(
        !left.is_empty() && left.iter().all(|i| i["status"] == "superseded"),
        "the other invites are superseded (and kept, ended, in the snapshot): {left:?}"
    );
    let joined: Vec<&str> = snapshot["participants"]
        .as_array()
        .expect("p")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(joined, ["Ana Lima", "Eva Rossi"]);
    // Dev no longer sees the conversation.
    clients[0]
        .get(&format!("/api/v1/conversations/{conversation}"))
        .await
        .problem(404, "not_found");
}

#[tokio::test]
async fn add_to_conversation_by_new_email_sends_a_link_that_joins_the_contact() {
    let sink = SmtpSink::start().await;
    let t = TestServer::start(Some(&sink)).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let conversation = new_conversation(&ana, "Warranty <claim> & refund").await;
    ana.post(
        &format!("/api/v1/conversations/{conversation}/messages"),
        json!({ "body": "We are on it." }),
    )
    .await
    .ok();
    let invited = ana
        .post(
            &format!("/api/v1/conversations/{conversation}/contact-invites"),
            json!({ "email": "  Zoe@Example.org ", "name": "Zoe Quinn" }),
        )
        .await;
    assert_eq!(invited.status, 201, "{}", invited.body);
    assert_eq!(invited.body["invite"]["invitee_email"], "zoe@example.org");
    assert!(invited.body["invite"]["expires_at"].is_string());

    let mail = sink.wait_for(1, WAIT).await.remove(0);
    assert!(
        mail.rcpt_to.iter().any(|r| r.contains("zoe@example.org")),
        "{:?}",
        mail.rcpt_to
    );
    assert_eq!(
        mail.subject(),
        "Ana Lima invited you to “Warranty <claim> & refund”"
    );
    assert!(
        mail.text().contains("This link works until"),
        "{}",
        mail.text()
    );
    assert!(
        mail.html().contains("Warranty &lt;claim&gt; &amp; refund"),
        "HTML escapes the subject"
    );
    let link = mail.join_link().expect("join link");
    assert!(
        link.starts_with(&t.server.url()),
        "built from the public URL: {link}"
    );

    // Opening the page (as a mail scanner would) changes nothing.
    let page = reqwest::get(&link).await.expect("page");
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    let html = page.text().await.expect("html");
    assert!(html.contains("Join conversation"));
    assert!(html.contains("Ana Lima invited Zoe Quinn"), "{html}");
    let still = ana
        .get(&format!(
            "/api/v1/conversations/{conversation}/participants"
        ))
        .await;
    assert_eq!(still.ok()["invites"].as_array().map(Vec::len), Some(1));

    let joined = t
        .anonymous()
        .post(&format!("/api/v1/join/{}", token_of(&link)), json!({}))
        .await;
    assert_eq!(joined.ok()["conversation_id"], conversation.as_str());
    assert_eq!(joined.body["me"]["kind"], "contact");
    let zoe = t
        .anonymous()
        .with_token(joined.body["token"].as_str().expect("token"));
    let seen = zoe
        .get(&format!("/api/v1/conversations/{conversation}"))
        .await;
    assert_eq!(seen.ok()["subject"], "Warranty <claim> & refund");
    let messages = zoe
        .get(&format!("/api/v1/conversations/{conversation}/messages"))
        .await;
    assert_eq!(messages.ok()["messages"][0]["body"], "We are on it.");
    zoe.post(
        &format!("/api/v1/conversations/{conversation}/messages"),
        json!({ "body": "Thanks!" }),
    )
    .await
    .ok();
    let participant = ana.participant_id(&conversation, "zoe@example.org").await;
    assert!(!participant.is_empty());

    // The link was used: a second redemption is refused.
    let replay = t
        .anonymous()
        .post(&format!("/api/v1/join/{}", token_of(&link)), json!({}))
        .await;
    replay.problem(410, "link_invalid");
}

#[tokio::test]
async fn add_to_conversation_of_a_known_contact_emails_them() {
    let sink = SmtpSink::start().await;
    let t = TestServer::start(Some(&sink)).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let conversation = new_conversation(&ana, "Delivery window").await;
    let found = ana.get("/api/v1/contacts?q=dan").await;
    let dan = found.ok()["contacts"][0].clone();
    assert_eq!(dan["email"], "dan@example.net");
    let invited = ana
        .post(
            &format!("/api/v1/conversations/{conversation}/contact-invites"),
            json!({ "contact_id": dan["id"] }),
        )
        .await;
    assert_eq!(invited.status, 201, "{}", invited.body);
    let mail = sink.wait_for(1, WAIT).await.remove(0);
    assert!(mail.rcpt_to.iter().any(|r| r.contains("dan@example.net")));
    let contact = t
        .anonymous()
        .post(
            &format!(
                "/api/v1/join/{}",
                token_of(&mail.join_link().expect("link"))
            ),
            json!({}),
        )
        .await;
    assert_eq!(contact.ok()["me"]["name"], "Dan Brown");
}

#[tokio::test]
async fn a_stranger_joins_with_the_shareable_link_until_it_is_rotated() {
    let t = TestServer::start(None).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let conversation = new_conversation(&ana, "Group booking").await;
    let link = ana
        .get(&format!("/api/v1/conversations/{conversation}/share-link"))
        .await;
    assert_eq!(link.ok()["enabled"], true);
    let url = link.body["url"].as_str().expect("url").to_owned();
    let old = token_of(&url);

    let nameless = t
        .anonymous()
        .post(
            &format!("/api/v1/join/{old}"),
            json!({ "email": "sam@example.com" }),
        )
        .await;
    nameless.problem(422, "invalid_input");
    assert_eq!(nameless.body["field"], "name");
    let joined = t
        .anonymous()
        .post(
            &format!("/api/v1/join/{old}"),
            json!({ "name": "Sam Stranger", "email": "sam@example.com" }),
        )
        .await;
    let sam = t
        .anonymous()
        .with_token(joined.ok()["token"].as_str().expect("token"));
    assert_eq!(
        sam.get(&format!("/api/v1/conversations/{conversation}"))
            .await
            .ok()["subject"],
        "Group booking"
    );
    // A guest of the link (email not proven) may not pass the link on, nor manage it.
    sam.get(&format!("/api/v1/conversations/{conversation}/share-link"))
        .await
        .problem(403, "forbidden");
    sam.post(
        &format!("/api/v1/conversations/{conversation}/share-link/rotate"),
        json!({}),
    )
    .await
    .problem(403, "forbidden");

    let rotated = ana
        .post(
            &format!("/api/v1/conversations/{conversation}/share-link/rotate"),
            json!({}),
        )
        .await;
    let new_url = rotated.ok()["url"].as_str().expect("url").to_owned();
    assert_ne!(new_url, url);
    assert_eq!(
        rotated.body["joined"][0]["name"], "Sam Stranger",
        "who joined through it stays listed"
    );
    let refused = t
        .anonymous()
        .post(
            &format!("/api/v1/join/{old}"),
            json!({ "name": "Late Larry", "email": "larry@example.com" }),
        )
        .await;
    refused.problem(410, "link_invalid");
    let page = reqwest::get(&url).await.expect("page");
    assert_eq!(page.status(), 410);
    assert!(page.text().await.expect("html").contains("no longer valid"));
    // People who joined before the rotation stay.
    sam.get(&format!("/api/v1/conversations/{conversation}"))
        .await
        .ok();
    let second = t
        .anonymous()
        .post(
            &format!("/api/v1/join/{}", token_of(&new_url)),
            json!({ "name": "Larry", "email": "larry@example.com" }),
        )
        .await;
    second.ok();
    assert!(event_texts(&ana, &conversation)
        .await
        .contains(&"Link rotated by Ana Lima".to_owned()));
}

#[tokio::test]
async fn the_shareable_link_honours_disable_expiry_and_max_uses() {
    let t = TestServer::start(None).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let conversation = new_conversation(&ana, "Limits").await;
    let path = format!("/api/v1/conversations/{conversation}/share-link");
    let token = token_of(ana.get(&path).await.ok()["url"].as_str().expect("url"));
    let join =
        |n: u32| json!({ "name": format!("Guest {n}"), "email": format!("guest{n}@example.com") });

    ana.patch(&path, json!({ "max_uses": 1 })).await.ok();
    t.anonymous()
        .post(&format!("/api/v1/join/{token}"), join(1))
        .await
        .ok();
    t.anonymous()
        .post(&format!("/api/v1/join/{token}"), join(2))
        .await
        .problem(410, "link_invalid");
    let cleared = ana.patch(&path, json!({ "max_uses": null })).await;
    assert_eq!(cleared.ok()["max_uses"], Value::Null);
    assert_eq!(cleared.body["uses"], 1);

    ana.patch(&path, json!({ "enabled": false })).await.ok();
    let why = t
        .anonymous()
        .post(&format!("/api/v1/join/{token}"), join(3))
        .await
        .problem(410, "link_invalid");
    assert!(why.contains("Ask Ana Lima"), "names who to ask: {why}");
    ana.patch(&path, json!({ "enabled": true })).await.ok();
    t.anonymous()
        .post(&format!("/api/v1/join/{token}"), join(3))
        .await
        .ok();

    ana.patch(&path, json!({ "expires_at": "2001-01-01T00:00:00Z" }))
        .await
        .problem(422, "invalid_input");
    ana.patch(&path, json!({ "max_uses": 0 }))
        .await
        .problem(422, "invalid_input");
    let chloe = seat_agent(&t, &ana, &conversation, "chloe@demo.convene.test").await;
    chloe
        .patch(&path, json!({ "enabled": false }))
        .await
        .problem(403, "forbidden");
}

#[tokio::test]
async fn resend_invite_sends_the_same_link_again_counts_it_and_is_rate_limited() {
    let sink = SmtpSink::start().await;
    let t = TestServer::start(Some(&sink)).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let conversation = new_conversation(&ana, "Missing invoice").await;
    let invited = ana
        .post(
            &format!("/api/v1/conversations/{conversation}/contact-invites"),
            json!({ "email": "yara@example.com" }),
        )
        .await;
    let invite = invited.ok()["invite"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let first = sink.wait_for(1, WAIT).await.remove(0);

    let resent = ana
        .post(&format!("/api/v1/invites/{invite}/resend"), json!({}))
        .await;
    assert_eq!(resent.ok()["send_count"], 2);
    let second = sink.wait_for(2, WAIT).await.remove(1);
    assert_eq!(second.join_link(), first.join_link(), "the same link");
    let view = ana
        .get(&format!(
            "/api/v1/conversations/{conversation}/participants"
        ))
        .await;
    let pending = &view.ok()["invites"][0];
    assert_eq!(pending["send_count"], 2);
    assert!(pending["last_sent_at"].is_string());

    let third = ana
        .post(&format!("/api/v1/invites/{invite}/resend"), json!({}))
        .await;
    let why = third.problem(429, "rate_limited");
    assert!(why.contains("less than a minute ago"), "{why}");
    let retry: u64 = third.headers["retry-after"]
        .to_str()
        .expect("header")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry));
    assert_eq!(sink.messages().len(), 2, "nothing sent a third time");
    assert!(event_texts(&ana, &conversation)
        .await
        .contains(&"Ana Lima resent the invite to yara@example.com".to_owned()));
    // The link in the emails still works after the resend.
    let joined = t
        .anonymous()
        .post(
            &format!(
                "/api/v1/join/{}",
                token_of(&second.join_link().expect("link"))
            ),
            json!({}),
        )
        .await;
    joined.ok();
}

#[tokio::test]
async fn owners_and_superadmins_remove_users_admins_and_joined_agents_may_not() {
    let t = TestServer::start(None).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let ben = t.agent("ben@demo.convene.test").await;
    let eva = t.agent("eva@demo.convene.test").await;
    // Eva (an agent) owns this one; Chloe and Dev join it; Ben is an admin outside it.
    let conversation = new_conversation(&eva, "Account transfer").await;
    let chloe = seat_agent(&t, &eva, &conversation, "chloe@demo.convene.test").await;
    let dev = seat_agent(&t, &eva, &conversation, "dev@demo.convene.test").await;
    let chloe_p = eva
        .participant_id(&conversation, "chloe@demo.convene.test")
        .await;
    let dev_p = eva
        .participant_id(&conversation, "dev@demo.convene.test")
        .await;
    let eva_p = eva
        .participant_id(&conversation, "eva@demo.convene.test")
        .await;

    ben.delete(&format!(
        "/api/v1/conversations/{conversation}/participants/{chloe_p}"
    ))
    .await
    .problem(403, "forbidden");
    dev.delete(&format!(
        "/api/v1/conversations/{conversation}/participants/{chloe_p}"
    ))
    .await
    .problem(403, "forbidden");
    eva.delete(&format!(
        "/api/v1/conversations/{conversation}/participants/{eva_p}"
    ))
    .await
    .problem(403, "forbidden");

    let removed = eva
        .delete(&format!(
            "/api/v1/conversations/{conversation}/participants/{chloe_p}"
        ))
        .await;
    assert_eq!(removed.status, 204, "{}", removed.body);
    chloe
        .get(&format!("/api/v1/conversations/{conversation}"))
        .await
        .problem(404, "not_found");
    chloe
        .post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            json!({"body": "still here?"}),
        )
        .await
        .problem(404, "not_found");

    let by_superadmin = ana
        .delete(&format!(
            "/api/v1/conversations/{conversation}/participants/{dev_p}"
        ))
        .await;
    assert_eq!(by_superadmin.status, 204);
    ana.delete(&format!(
        "/api/v1/conversations/{conversation}/participants/{eva_p}"
    ))
    .await
    .problem(409, "conflict");
    let events = event_texts(&eva, &conversation).await;
    assert!(
        events.contains(&"Eva Rossi removed Chloe Park".to_owned()),
        "{events:?}"
    );
    assert!(
        events.contains(&"Ana Lima removed Dev Patel".to_owned()),
        "{events:?}"
    );
}

#[tokio::test]
async fn a_removed_contact_loses_access_at_once_and_their_sync_says_so() {
    let sink = SmtpSink::start().await;
    let t = TestServer::start(Some(&sink)).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let conversation = new_conversation(&ana, "Shared itinerary").await;
    let xena = t
        .seat_contact(&sink, &ana, &conversation, "xena@example.com")
        .await;
    let first = xena.get("/api/v1/sync").await;
    let cursor = first.ok()["cursor"].as_str().expect("cursor").to_owned();
    assert!(first.body["conversations"]
        .as_array()
        .expect("c")
        .iter()
        .any(|c| c["conversation"]["id"] == conversation.as_str()));
    let mut stream = xena.stream().await;

    let participant = ana.participant_id(&conversation, "xena@example.com").await;
    assert_eq!(
        ana.delete(&format!(
            "/api/v1/conversations/{conversation}/participants/{participant}"
        ))
        .await
        .status,
        204
    );

    xena.get(&format!("/api/v1/conversations/{conversation}"))
        .await
        .problem(404, "not_found");
    xena.get(&format!("/api/v1/conversations/{conversation}/messages"))
        .await
        .problem(404, "not_found");
    let lost = stream.expect("access_lost", WAIT).await;
    assert_eq!(lost["conversation_id"], conversation.as_str());
    let next = xena.get(&format!("/api/v1/sync?cursor={cursor}")).await;
    assert_eq!(next.ok()["lost"], json!([conversation]));
    assert!(next.body["conversations"].as_array().expect("c").is_empty());
}

#[tokio::test]
async fn the_same_idempotency_key_gives_one_effect_and_refuses_another_body() {
    let sink = SmtpSink::start().await;
    let t = TestServer::start(Some(&sink)).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let conversation = new_conversation(&ana, "Retries").await;
    let path = format!("/api/v1/conversations/{conversation}/contact-invites");
    let body = json!({ "email": "wendy@example.com" });
    let key = [("Idempotency-Key", "invite-wendy-1")];
    let first = ana
        .send(reqwest::Method::POST, &path, Some(body.clone()), &key)
        .await;
    let second = ana
        .send(reqwest::Method::POST, &path, Some(body), &key)
        .await;
    assert_eq!(first.status, 201);
    assert_eq!(second.status, 201, "the stored answer, replayed");
    assert_eq!(first.body, second.body);
    let other = ana
        .send(
            reqwest::Method::POST,
            &path,
            Some(json!({ "email": "other@example.com" })),
            &key,
        )
        .await;
    other.problem(422, "invalid_input");
    assert_eq!(other.body["field"], "Idempotency-Key");
    sink.wait_for(1, WAIT).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.messages().len(), 1, "one email");
    let view = ana
        .get(&format!(
            "/api/v1/conversations/{conversation}/participants"
        ))
        .await;
    assert_eq!(view.ok()["invites"].as_array().map(Vec::len), Some(1));
}

/// A 429 is "not now", not an answer: it is not kept under the request's Idempotency-Key, so the
/// client's retry with the same key after the `Retry-After` (the desktop queue's) runs, once. The
/// wait is in the body too.
#[tokio::test]
async fn a_rate_limited_request_retried_with_its_key_after_the_wait_runs_once() {
    let sink = SmtpSink::start().await;
    let t = TestServer::start_with(Some(&sink), |c| c.limits.resend_interval_ms = 1_500).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let conversation = new_conversation(&ana, "Not now").await;
    let invited = ana
        .post(
            &format!("/api/v1/conversations/{conversation}/contact-invites"),
            json!({ "email": "zoe@example.com" }),
        )
        .await;
    let invite = invited.ok()["invite"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let path = format!("/api/v1/invites/{invite}/resend");
    ana.post(&path, json!({})).await.ok();
    let key = [("Idempotency-Key", "resend-zoe-2")];
    let limited = ana
        .send(reqwest::Method::POST, &path, Some(json!({})), &key)
        .await;
    limited.problem(429, "rate_limited");
    let secs = limited.body["retry_after_secs"]
        .as_u64()
        .expect("the wait in the body");
    assert_eq!(
        limited.headers["retry-after"].to_str().expect("header"),
        secs.to_string()
    );
    tokio::time::sleep(Duration::from_secs(secs)).await;
    let again = ana
        .send(reqwest::Method::POST, &path, Some(json!({})), &key)
        .await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body["send_count"], 3);
    // Now the answer is kept: the same key replays it without a fourth send.
    let replay = ana
        .send(reqwest::Method::POST, &path, Some(json!({})), &key)
        .await;
    assert_eq!(replay.body["send_count"], 3);
    sink.wait_for(3, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.messages().len(), 3);
}

/// Invites end on time and say so: the server's sweep expires a pending invite whose time is up
/// without anyone trying its link (an event, and the snapshot keeps it as expired with its time);
/// when one agent answers a crew request the others' invites end as superseded, each with its
/// event; and ended invites stay in the conversation's snapshot with their final state.
#[tokio::test]
async fn invites_expire_on_time_and_every_ending_is_kept_with_its_event() {
    let sink = SmtpSink::start().await;
    let t = TestServer::start_with(Some(&sink), |c| c.limits.invite_sweep_ms = 200).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let conversation = new_conversation(&ana, "Endings").await;
    let invited = ana
        .post(
            &format!("/api/v1/conversations/{conversation}/contact-invites"),
            json!({ "email": "olga@example.com" }),
        )
        .await;
    let olga = invited.ok()["invite"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    // Its time runs out (as if fourteen days had passed); nobody touches the link.
    sqlx::query("UPDATE invites SET expires_at = 1 WHERE id = $1")
        .bind(&olga)
        .execute(t.server.store.pool())
        .await
        .expect("backdate");
    let snapshot = |api: Api| {
        let path = format!("/api/v1/conversations/{conversation}/screen");
        async move { api.get(&path).await.ok()["snapshot"].clone() }
    };
    let find = |snap: &Value, id: &str| {
        snap["invites"]
            .as_array()
            .expect("invites")
            .iter()
            .find(|i| i["id"] == id)
            .cloned()
    };
    // The sweep (every 200 ms here) ends it by itself.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let ended = loop {
        let invite =
            find(&snapshot(ana.clone()).await, &olga).expect("the invite stays in the snapshot");
        if invite["status"] != "pending" {
            break invite;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never swept: {invite}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(ended["status"], "expired");
    assert!(ended["ended_at"].is_string(), "{ended}");
    let texts = event_texts(&ana, &conversation).await;
    assert!(
        texts.contains(&"The invite to olga@example.com expired".to_owned()),
        "{texts:?}"
    );
    // Its link now says so, and ends nothing twice.
    let link = sink
        .wait_for(1, WAIT)
        .await
        .remove(0)
        .join_link()
        .expect("link");
    let token = link.rsplit("/j/").next().expect("token");
    assert_eq!(
        t.anonymous()
            .post(&format!("/api/v1/join/{token}"), json!({}))
            .await
            .status,
        410
    );
    let expired_events = event_texts(&ana, &conversation)
        .await
        .into_iter()
        .filter(|e| e.contains("expired"))
        .count();
    assert_eq!(expired_events, 1);

    // A crew request: the first agent to answer makes the others' invites superseded.
    let crews = ana.get("/api/v1/crews").await;
    let billing = crews.ok()["crews"]
        .as_array()
        .expect("crews")
        .iter()
        .find(|c| c["name"] == "Billing")
        .expect("Billing")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let requested = ana
        .post(
            &format!("/api/v1/conversations/{conversation}/service-requests"),
            json!({ "crew_id": billing }),
        )
        .await;
    assert_eq!(requested.status, 201, "{}", requested.body);
    let invites: Vec<Value> = snapshot(ana.clone()).await["invites"]
        .as_array()
        .expect("invites")
        .iter()
        .filter(|i| i["status"] == "pending" && i["kind"] == "agent")
        .cloned()
        .collect();
    assert!(
        invites.len() >= 2,
        "Billing has several agents: {invites:?}"
    );
    let first = &invites[0];
    let answerer = t
        .agent(first["invitee_email"].as_str().expect("email"))
        .await;
    answerer
        .post(
            &format!(
                "/api/v1/invites/{}/accept",
                first["id"].as_str().expect("id")
            ),
            json!({}),
        )
        .await
        .ok();
    let after = snapshot(ana.clone()).await;
    let texts = event_texts(&ana, &conversation).await;
    for other in &invites[1..] {
        let id = other["id"].as_str().expect("id");
        let now = after["invites"]
            .as_array()
            .expect("invites")
            .iter()
            .find(|i| i["id"] == id)
            .expect("kept")
            .clone();
        assert_eq!(now["status"], "superseded", "{now}");
        let name = other["invitee_name"].as_str().expect("name");
        assert!(
            texts
                .iter()
                .any(|t| t.starts_with(&format!("The invite to {name} ended"))),
            "{texts:?}"
        );
    }
    // Accepted invites are the participants now, not ended invites.
    assert!(!after["invites"]
        .as_array()
        .expect("invites")
        .iter()
        .any(|i| i["id"] == first["id"]));
}
