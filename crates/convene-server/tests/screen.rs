//! `GET /api/v1/conversations/{id}/screen`: the web client's conversation screen, with a verdict
//! (and its reason) on every item, from the same Rust function the desktop app runs over its cache.

use convene_testkit::{Api, SmtpSink, TestServer};
use serde_json::{json, Value};

fn find<'a>(list: &'a Value, key: &str, id: &str) -> &'a Value {
    list.as_array()
        .expect("a list")
        .iter()
        .find(|v| v[key] == id)
        .unwrap_or_else(|| panic!("no {key} {id} in {list}"))
}

async fn accept(api: &Api, invite: &Value) {
    let id = invite["invite"]["id"].as_str().expect("invite id");
    api.post(&format!("/api/v1/invites/{id}/accept"), json!({}))
        .await
        .ok();
}

#[tokio::test]
async fn the_screen_carries_a_verdict_with_its_reason_for_every_person_invite_and_crew() {
    let sink = SmtpSink::start().await;
    let t = TestServer::start(Some(&sink)).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let chloe = t.agent("chloe@demo.convene.test").await;
    let directory = ana.get("/api/v1/agents?q=").await;
    let agent_id = |email: &str| {
        directory.ok()["agents"]
            .as_array()
            .expect("agents")
            .iter()
            .find(|a| a["email"] == email)
            .expect("agent")["id"]
            .as_str()
            .expect("id")
            .to_owned()
    };
    let conversation = ana.new_conversation("Screen").await;
    let base = format!("/api/v1/conversations/{conversation}");
    let invited = ana
        .post(
            &format!("{base}/agent-invites"),
            json!({"agent_id": agent_id("chloe@demo.convene.test")}),
        )
        .await;
    accept(&chloe, invited.ok()).await;
    // Chloe (a joined agent) invites a customer; Ana invites Dev.
    let pat = chloe
        .post(
            &format!("{base}/contact-invites"),
            json!({"email": "pat@example.com"}),
        )
        .await;
    let pat_invite = pat.ok()["invite"]["id"].as_str().expect("id").to_owned();
    sink.wait_for(1, std::time::Duration::from_secs(10)).await;
    let dev = ana
        .post(
            &format!("{base}/agent-invites"),
            json!({"agent_id": agent_id("dev@demo.convene.test")}),
        )
        .await;
    let dev_invite = dev.ok()["invite"]["id"].as_str().expect("id").to_owned();
    // A crew nobody active is in.
    ana.post(
        "/api/v1/crews",
        json!({"name": "Night shift", "call_to_action": "Ask the night shift", "customer_requestable": false}),
    )
    .await
    .ok();

    let screen = chloe.get(&format!("{base}/screen")).await;
    let page = screen.ok();
    assert_eq!(page["snapshot"]["conversation"]["subject"], "Screen");
    let invites = &page["verdicts"]["invites"];
    let own = find(invites, "invite_id", &pat_invite);
    assert_eq!(own["revoke"]["allowed"], true, "her own invite: {own}");
    assert_eq!(own["resend"]["allowed"], true);
    let other = find(invites, "invite_id", &dev_invite);
    assert_eq!(other["revoke"]["allowed"], false, "someone else's: {other}");
    assert!(other["revoke"]["why"]
        .as_str()
        .expect("why")
        .contains("whoever sent"));
    assert_eq!(
        other["resend"]["allowed"], true,
        "a joined agent may resend any invite, as the server lets her"
    );
    assert_eq!(
        own["remove"]["allowed"], false,
        "chloe removes nobody: {own}"
    );
    let people = &page["verdicts"]["people"];
    for person in people.as_array().expect("people") {
        assert_eq!(
            person["remove"]["allowed"], false,
            "chloe removes nobody: {person}"
        );
        assert!(person["remove"]["why"]
            .as_str()
            .expect("why")
            .contains("owners"));
    }
    assert_eq!(page["verdicts"]["leave"]["allowed"], true);
    let crews = page["crews"].as_array().expect("crews");
    let night = crews
        .iter()
        .find(|c| c["crew"]["name"] == "Night shift")
        .expect("night shift");
    assert_eq!(night["request"]["allowed"], false);
    assert_eq!(
        night["request"]["why"],
        "Nobody else in Night shift can be asked right now: everyone available is here or invited"
    );
    // Billing is Chloe (here) and Dev (invited): nobody left to ask, as the server would answer.
    let billing = crews
        .iter()
        .find(|c| c["crew"]["name"] == "Billing")
        .expect("billing");
    assert_eq!(billing["request"]["allowed"], false, "{billing}");
    let asked = chloe
        .post(
            &format!("{base}/service-requests"),
            json!({"crew_id": billing["crew"]["id"]}),
        )
        .await;
    assert_eq!(asked.status, 422, "the server agrees: {}", asked.body);
    let support = crews
        .iter()
        .find(|c| c["crew"]["name"] == "Technical Support")
        .expect("support");
    assert_eq!(support["request"]["allowed"], true, "{support}");
    // The verdicts are what the server does: Chloe's revoke of her own invite goes through.
    chloe
        .post(&format!("/api/v1/invites/{pat_invite}/revoke"), json!({}))
        .await
        .ok();

    // Ana, the only owner: may not leave, says why; may make Chloe an owner and remove her.
    let page = ana.get(&format!("{base}/screen")).await;
    let page = page.ok();
    assert_eq!(page["verdicts"]["leave"]["allowed"], false);
    assert!(page["verdicts"]["leave"]["why"]
        .as_str()
        .expect("why")
        .contains("last owner"));
    let chloe_pid = ana
        .participant_id(&conversation, "chloe@demo.convene.test")
        .await;
    let chloe_verdicts = find(&page["verdicts"]["people"], "participant_id", &chloe_pid);
    assert_eq!(chloe_verdicts["make_owner"]["allowed"], true);
    assert_eq!(chloe_verdicts["remove"]["allowed"], true);
    let dev_verdicts = find(&page["verdicts"]["invites"], "invite_id", &dev_invite);
    assert_eq!(
        dev_verdicts["remove"]["allowed"], true,
        "the owner may remove an invitee"
    );
    // The pending invites' own list and the messages and events ride along.
    assert!(page["events"].as_array().expect("events").len() >= 3);
    assert!(page["messages"].as_array().is_some());

    // A customer sees only the crews they may ask in, without members, and no hidden screen.
    let carol = t
        .seat_contact(&sink, &ana, &conversation, "carol.screen@example.com")
        .await;
    let page = carol.get(&format!("{base}/screen")).await;
    let crews = page.ok()["crews"].as_array().expect("crews").clone();
    assert!(!crews.is_empty());
    for c in &crews {
        assert_eq!(c["crew"]["customer_requestable"], true, "{c}");
        assert_eq!(c["crew"]["members"], json!([]), "{c}");
    }
    let elsewhere = ana.new_conversation("Not Carol's").await;
    carol
        .get(&format!("/api/v1/conversations/{elsewhere}/screen"))
        .await
        .problem(404, "not_found");
}

/// What a customer reads of the timeline is worded for customers: no counts of agents notified,
/// no other customer's address, no resends or link settings; the team still reads it all.
#[tokio::test]
async fn a_customer_reads_the_timeline_without_the_teams_inner_workings() {
    let sink = SmtpSink::start().await;
    let t = TestServer::start(Some(&sink)).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let conversation = ana.new_conversation("Customer words").await;
    let base = format!("/api/v1/conversations/{conversation}");
    let crews = ana.get("/api/v1/crews").await.ok().clone();
    let crew = crews["crews"]
        .as_array()
        .expect("crews")
        .iter()
        .find(|c| c["name"] == "Technical Support")
        .expect("the demo's Technical Support crew")
        .clone();
    ana.post(
        &format!("{base}/service-requests"),
        json!({"crew_id": crew["id"]}),
    )
    .await
    .ok();
    let carol = t
        .seat_contact(&sink, &ana, &conversation, "carol.words@example.com")
        .await;
    ana.post(
        &format!("{base}/contact-invites"),
        json!({"email": "pat.private@example.com"}),
    )
    .await
    .ok();

    let team = ana.get(&format!("{base}/screen")).await.ok().clone();
    let team_text = team["events"].to_string();
    assert!(team_text.contains("notified"), "{team_text}");
    assert!(team_text.contains("pat.private@example.com"), "{team_text}");
    assert!(team["snapshot"]["service_requests"][0]["notified"].as_i64() > Some(0));

    let screen = carol.get(&format!("{base}/screen")).await.ok().clone();
    let listed = carol.get(&format!("{base}/events")).await.ok().clone();
    let synced = carol.get("/api/v1/sync").await.ok().clone();
    for (what, events) in [
        ("screen", &screen["events"]),
        ("events", &listed["events"]),
        ("sync", &synced["events"]),
    ] {
        let text = events.to_string();
        assert!(!text.contains("notified"), "{what}: {text}");
        assert!(!text.contains("pat.private@example.com"), "{what}: {text}");
        assert!(
            text.contains("asked a colleague to help"),
            "{what}: the request itself is there, in customer words: {text}"
        );
        assert!(text.contains("sent an invite by email"), "{what}: {text}");
    }
    assert_eq!(screen["snapshot"]["service_requests"][0]["notified"], 0);
}

/// `GET /api/v1/home`: each row names the joined customers (the first two, and how many) and
/// previews the newest message on one line, for whoever wrote it last.
#[tokio::test]
async fn the_home_list_names_the_customers_and_previews_the_newest_message() {
    let sink = SmtpSink::start().await;
    let t = TestServer::start(Some(&sink)).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let conversation = ana.new_conversation("Preview").await;
    let row = |home: &Value| {
        find(
            &home["conversations"]
                .as_array()
                .expect("rows")
                .iter()
                .map(|e| e["conversation"].clone())
                .collect(),
            "id",
            &conversation,
        )
        .clone()
    };
    let empty = row(ana.get("/api/v1/home").await.ok());
    assert_eq!(empty["customers"], json!([]));
    assert!(empty["last_message"].is_null());

    let pat = t
        .seat_contact(&sink, &ana, &conversation, "pat@example.com")
        .await;
    for email in ["quinn@example.com", "rosa@example.com"] {
        t.seat_contact(&sink, &ana, &conversation, email).await;
    }
    let base = format!("/api/v1/conversations/{conversation}/messages");
    ana.post(&base, json!({"body": "Hello, how can we help?"}))
        .await
        .ok();
    let long = format!("My order\n\nnever came. {}", "x".repeat(300));
    pat.post(&base, json!({"body": long})).await.ok();

    let home = ana.get("/api/v1/home").await;
    let seen = row(home.ok());
    assert_eq!(seen["customers"].as_array().expect("names").len(), 2);
    assert_eq!(seen["customers"][0], "pat");
    assert_eq!(seen["customer_count"], 3);
    let last = &seen["last_message"];
    assert_eq!(last["author_name"], "pat");
    assert_eq!(last["author_kind"], "contact");
    let excerpt = last["excerpt"].as_str().expect("excerpt");
    assert!(excerpt.starts_with("My order never came. xxx"), "{excerpt}");
    assert_eq!(
        excerpt.chars().count(),
        convene_proto::list::PREVIEW_CHARS + 1
    );
    assert!(excerpt.ends_with('…'));
    // The contact's own list shows the same row.
    assert_eq!(
        row(pat.get("/api/v1/home").await.ok())["last_message"],
        *last
    );
}

/// `GET /api/v1/home` for an invited agent: the invite (with who sent it) and its conversation,
/// marked invited; once joined the invite is gone and the row is theirs; someone else's invite is
/// never listed.
#[tokio::test]
async fn the_home_list_carries_the_invites_addressed_to_the_user() {
    let sink = SmtpSink::start().await;
    let t = TestServer::start(Some(&sink)).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let chloe = t.agent("chloe@demo.convene.test").await;
    let dev = t.agent("dev@demo.convene.test").await;
    let directory = ana.get("/api/v1/agents?q=chloe").await;
    let chloe_id = directory.ok()["agents"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let conversation = ana.new_conversation("Invited home").await;
    let invite = ana
        .post(
            &format!("/api/v1/conversations/{conversation}/agent-invites"),
            json!({ "agent_id": chloe_id }),
        )
        .await;
    assert_eq!(invite.status, 201, "{}", invite.body);

    let home = chloe.get("/api/v1/home").await;
    let invites = home.ok()["invites"].as_array().expect("invites").clone();
    assert_eq!(invites.len(), 1, "{invites:?}");
    assert_eq!(invites[0]["conversation_subject"], "Invited home");
    assert_eq!(invites[0]["invited_by"], "Ana Lima");
    let entry = home_entry(&home.body, &conversation);
    assert_eq!(entry["invited"], true);
    assert!(entry["conversation"]["my_role"].is_null());

    let others = dev.get("/api/v1/home").await;
    assert!(
        others.ok()["invites"]
            .as_array()
            .expect("invites")
            .iter()
            .all(|i| i["conversation_subject"] != "Invited home"),
        "Chloe's invite is hers alone"
    );

    accept(&chloe, &invite.body).await;
    let home = chloe.get("/api/v1/home").await;
    assert!(home.ok()["invites"]
        .as_array()
        .expect("invites")
        .iter()
        .all(|i| i["conversation_subject"] != "Invited home"));
    let entry = home_entry(&home.body, &conversation);
    assert_eq!(entry["invited"], false);
    assert_eq!(entry["conversation"]["my_role"], "agent");
}

/// The home list's entry for `conversation`; it must be listed.
fn home_entry(home: &serde_json::Value, conversation: &str) -> serde_json::Value {
    home["conversations"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|e| e["conversation"]["id"] == conversation)
        .cloned()
        .expect("the conversation is listed")
}

/// The last owner may not simply leave; the screen offers the hand-over instead: the joined
/// agents they may make owner. Once one is, they may leave, and the conversation keeps an owner.
#[tokio::test]
async fn the_last_owner_is_offered_the_hand_over_and_leaves_after_it() {
    let sink = SmtpSink::start().await;
    let t = TestServer::start(Some(&sink)).await;
    let eva = t.agent("eva@demo.convene.test").await;
    let chloe = t.agent("chloe@demo.convene.test").await;
    let conversation = eva.new_conversation("Handing over").await;
    let screen = |api: Api| {
        let path = format!("/api/v1/conversations/{conversation}/screen");
        async move { api.get(&path).await.ok()["verdicts"].clone() }
    };
    // Alone, or with only a customer: nobody to hand over to.
    t.seat_contact(&sink, &eva, &conversation, "carla@example.com")
        .await;
    let alone = screen(eva.clone()).await;
    assert_eq!(alone["leave"]["allowed"], false);
    assert_eq!(alone["hand_over"], json!([]));

    let chloe_id = chloe.get("/api/v1/me").await.ok()["id"].clone();
    let invited = eva
        .post(
            &format!("/api/v1/conversations/{conversation}/agent-invites"),
            json!({"agent_id": chloe_id}),
        )
        .await;
    accept(&chloe, invited.ok()).await;
    let participant = eva
        .participant_id(&conversation, "chloe@demo.convene.test")
        .await;
    let offered = screen(eva.clone()).await;
    assert_eq!(offered["leave"]["allowed"], false);
    assert_eq!(offered["hand_over"], json!([participant]));
    // Chloe, no owner, is offered nothing to hand over.
    assert_eq!(screen(chloe.clone()).await["hand_over"], json!([]));

    eva.post(
        &format!("/api/v1/conversations/{conversation}/participants/{participant}/make-owner"),
        json!({}),
    )
    .await
    .ok();
    let after = screen(eva.clone()).await;
    assert_eq!(after["leave"]["allowed"], true);
    assert_eq!(after["hand_over"], json!([]));
    let left = eva
        .post(
            &format!("/api/v1/conversations/{conversation}/leave"),
            json!({}),
        )
        .await;
    assert!(left.status < 300, "{}", left.body);
    let view = chloe
        .get(&format!(
            "/api/v1/conversations/{conversation}/participants"
        ))
        .await;
    assert!(view.ok().to_string().contains("\"role\":\"owner\""));
}
