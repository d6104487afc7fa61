//! Identity through links (issue 12), as an attacker would try it: a Shareable Link hands out a
//! guest identity that reaches only its own conversation, never the contact who owns the email
//! typed; removed people do not walk back in through the link; contacts come back with an emailed
//! sign-in link. Real server, real SMTP sink, real WebSocket, on SQLite and (in the PostgreSQL
//! pass) on PostgreSQL.

use std::time::Duration;

use convene_testkit::{Api, SmtpSink, TestServer};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(10);

fn token_after(link: &str, marker: &str) -> String {
    link.rsplit(marker).next().expect("token").to_owned()
}

/// Joins through a Shareable Link as a stranger with no session; answers their client.
async fn join_link(t: &TestServer, token: &str, name: &str, email: &str) -> Api {
    let joined = t
        .anonymous()
        .post(
            &format!("/api/v1/join/{token}"),
            json!({ "name": name, "email": email }),
        )
        .await;
    t.anonymous()
        .with_token(joined.ok()["token"].as_str().expect("session token"))
}

async fn post(api: &Api, conversation: &str, body: &str) {
    api.post(
        &format!("/api/v1/conversations/{conversation}/messages"),
        json!({ "body": body }),
    )
    .await
    .ok();
}

/// The ids of the conversations a client's first sync and list answer.
async fn what_they_see(api: &Api) -> (Vec<String>, String) {
    let list = api.get("/api/v1/conversations").await;
    let ids = list.ok()["conversations"]
        .as_array()
        .expect("list")
        .iter()
        .map(|c| c["id"].as_str().expect("id").to_owned())
        .collect();
    let mut all = String::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/sync?cursor={c}"),
            None => "/api/v1/sync".to_owned(),
        };
        let page = api.get(&path).await;
        all.push_str(&page.ok().to_string());
        cursor = page.body["cursor"].as_str().map(str::to_owned);
        if page.body["has_more"] != true {
            break;
        }
    }
    (ids, all)
}

/// Frames the stream carries within `window` that mention `needle`.
async fn frames_naming(
    stream: &mut convene_testkit::Stream,
    needle: &str,
    window: Duration,
) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + window;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() {
            return seen;
        }
        match stream.next(left).await {
            Some(frame) if frame.to_string().contains(needle) => seen.push(frame),
            Some(_) => {}
            None => return seen,
        }
    }
}

#[tokio::test]
async fn a_stranger_typing_a_customers_email_at_a_link_gets_none_of_the_customers_conversations() {
    let sink = SmtpSink::start().await;
    let t = TestServer::start(Some(&sink)).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let private = ana.new_conversation("Refund for order 1182").await;
    let carol = t
        .seat_contact(&sink, &ana, &private, "carol.k@example.com")
        .await;
    post(&carol, &private, "My card ends in 4242").await;
    let public = ana.new_conversation("Open house questions").await;
    let token = ana.share_token(&public).await;

    let stranger = join_link(&t, &token, "Carol K", "Carol.K@example.com ").await;
    let me = stranger.get("/api/v1/me").await;
    assert_eq!(me.ok()["email_verified"], false, "{}", me.body);
    let carol_me = carol.get("/api/v1/me").await;
    assert_eq!(carol_me.ok()["email_verified"], true);
    assert_ne!(
        me.body["id"], carol_me.body["id"],
        "a link never hands out the contact's own identity"
    );

    for path in [
        format!("/api/v1/conversations/{private}"),
        format!("/api/v1/conversations/{private}/messages"),
        format!("/api/v1/conversations/{private}/participants"),
        format!("/api/v1/conversations/{private}/events"),
        format!("/api/v1/conversations/{private}/share-link"),
    ] {
        stranger.get(&path).await.problem(404, "not_found");
    }
    stranger
        .post(
            &format!("/api/v1/conversations/{private}/messages"),
            json!({"body": "hello?"}),
        )
        .await
        .problem(404, "not_found");
    let (ids, sync) = what_they_see(&stranger).await;
    assert_eq!(ids, vec![public.clone()]);
    assert!(
        !sync.contains(&private),
        "sync shows nothing of the private conversation: {sync}"
    );
    assert!(!sync.contains("4242"));

    // The stream: activity in the private conversation never reaches the stranger; their own
    // conversation's does.
    let mut stream = stranger.stream().await;
    post(&carol, &private, "Any news on the refund?").await;
    post(&ana, &private, "Refund approved").await;
    post(&ana, &public, "Welcome everyone").await;
    let frames = frames_naming(&mut stream, &public, WAIT).await;
    assert!(
        !frames.is_empty(),
        "the stranger's own conversation reaches their stream"
    );
    assert!(
        frames_naming(&mut stream, &private, Duration::from_secs(2))
            .await
            .is_empty(),
        "nothing of the private conversation on the stranger's stream"
    );

    // The guest takes part, but reaches no one else: no emails to others, no link to pass on.
    post(&stranger, &public, "Is parking free?").await;
    stranger
        .post(
            &format!("/api/v1/conversations/{public}/contact-invites"),
            json!({"email": "victim@example.com"}),
        )
        .await
        .problem(403, "forbidden");
    stranger
        .get(&format!("/api/v1/conversations/{public}/share-link"))
        .await
        .problem(403, "forbidden");
    // And the real customer does not inherit the stranger's conversation.
    carol
        .get(&format!("/api/v1/conversations/{public}"))
        .await
        .problem(404, "not_found");
    // Agents see the guest for what they are.
    let people = ana
        .get(&format!("/api/v1/conversations/{public}/participants"))
        .await;
    let guest = people.ok()["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .find(|p| p["email"] == "carol.k@example.com")
        .expect("the guest is listed")
        .clone();
    assert_eq!(guest["email_verified"], false);
    assert_eq!(guest["name"], "Carol K");
}

#[tokio::test]
async fn whoever_claims_an_address_first_at_a_link_never_receives_its_later_invites() {
    let sink = SmtpSink::start().await;
    let t = TestServer::start(Some(&sink)).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let public = ana.new_conversation("Webinar Q&A").await;
    let token = ana.share_token(&public).await;
    let squatter = join_link(
        &t,
        &token,
        "URGENT verify at evil.example",
        "dana@example.com",
    )
    .await;

    let private = ana.new_conversation("Dana's contract").await;
    let before = sink.messages().len();
    ana.post(
        &format!("/api/v1/conversations/{private}/contact-invites"),
        json!({"email": "dana@example.com", "name": "Dana Reyes"}),
    )
    .await
    .ok();
    let mail = sink
        .wait_for(before + 1, WAIT)
        .await
        .pop()
        .expect("invite email");
    assert!(mail.text().contains("Dana Reyes"), "{}", mail.text());
    assert!(
        !mail.text().contains("evil.example"),
        "the squatter's name is not the customer's: {}",
        mail.text()
    );

    let (ids, sync) = what_they_see(&squatter).await;
    assert_eq!(ids, vec![public.clone()]);
    assert!(!sync.contains(&private));
    squatter
        .get(&format!("/api/v1/conversations/{private}"))
        .await
        .problem(404, "not_found");

    // The real Dana follows her email: she gets her invite, and nothing of what the squatter
    // did under her address (it is not vouched for by her proof); the squatter keeps only that.
    let joined = t
        .anonymous()
        .post(
            &format!(
                "/api/v1/join/{}",
                token_after(&mail.join_link().expect("link"), "/j/")
            ),
            json!({}),
        )
        .await;
    let dana = t
        .anonymous()
        .with_token(joined.ok()["token"].as_str().expect("token"));
    let (ids, _) = what_they_see(&dana).await;
    assert_eq!(ids, vec![private.clone()]);
    let (ids, _) = what_they_see(&squatter).await;
    assert_eq!(ids, vec![public.clone()]);
    squatter
        .get(&format!("/api/v1/conversations/{private}"))
        .await
        .problem(404, "not_found");
    // Even when the squatter asks for a sign-in link for the address themselves, following it
    // (it reaches only the mailbox) hands the proven Dana the squatter's conversation, never the
    // squatter Dana's: the squatter's session just ends.
    let before = sink.messages().len();
    squatter
        .post(
            "/api/v1/auth/email-link",
            json!({"email": "dana@example.com"}),
        )
        .await;
    let link = signin_link(&sink.wait_for(before + 1, WAIT).await[before]);
    let (status, _, _) = follow(&link).await;
    assert_eq!(status, 303);
    squatter
        .get("/api/v1/me")
        .await
        .problem(401, "unauthenticated");
    // Claiming the address again yields a new guest, still without Dana's conversation.
    let again = join_link(&t, &token, "Dana", "dana@example.com").await;
    again
        .get(&format!("/api/v1/conversations/{private}"))
        .await
        .problem(404, "not_found");
    assert_eq!(again.get("/api/v1/me").await.ok()["email_verified"], false);
}

#[tokio::test]
async fn someone_removed_does_not_walk_back_in_through_the_link_until_an_agent_invites_them() {
    let sink = SmtpSink::start().await;
    let t = TestServer::start(Some(&sink)).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let conversation = ana.new_conversation("Vendor onboarding").await;
    let token = ana.share_token(&conversation).await;
    let erin = t
        .seat_contact(&sink, &ana, &conversation, "erin@example.com")
        .await;
    let gus = join_link(&t, &token, "Gus", "gus@example.com").await;
    let carol = t
        .seat_contact(&sink, &ana, &conversation, "carol.m@example.com")
        .await;
    for email in ["erin@example.com", "gus@example.com"] {
        let pid = ana.participant_id(&conversation, email).await;
        let removed = ana
            .delete(&format!(
                "/api/v1/conversations/{conversation}/participants/{pid}"
            ))
            .await;
        assert_eq!(removed.status, 204, "{}", removed.body);
    }
    erin.get(&format!("/api/v1/conversations/{conversation}"))
        .await
        .problem(404, "not_found");
    gus.get(&format!("/api/v1/conversations/{conversation}"))
        .await
        .problem(404, "not_found");

    // Back through the link: refused, from the API, the page, and with the old session too.
    for (name, email, session) in [
        ("Erin", "erin@example.com", None),
        ("Erin", "ERIN@example.com", erin.token.clone()),
        ("Gus", "gus@example.com", None),
    ] {
        let api = match &session {
            Some(s) => t.anonymous().with_token(s),
            None => t.anonymous(),
        };
        let refused = api
            .post(
                &format!("/api/v1/join/{token}"),
                json!({"name": name, "email": email}),
            )
            .await;
        refused.problem(410, "link_invalid");
        let detail = refused.body["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains("removed") && detail.contains("Ana Lima"),
            "{detail}"
        );
    }
    let page = reqwest::Client::new()
        .post(t.server.url() + &format!("/j/{token}"))
        .form(&[("name", "Erin"), ("email", "erin@example.com")])
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 410);
    let html = page.text().await.expect("html");
    assert!(
        html.contains("removed") && html.contains("Ana Lima"),
        "{html}"
    );
    assert!(html.contains("Email me a sign-in link"), "{html}");

    // A customer's invite cannot bring them back; an agent's can.
    let refused = carol
        .post(
            &format!("/api/v1/conversations/{conversation}/contact-invites"),
            json!({"email": "erin@example.com"}),
        )
        .await;
    refused.problem(403, "forbidden");
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("only an agent"),
        "{}",
        refused.body
    );
    let back = t
        .seat_contact(&sink, &ana, &conversation, "erin@example.com")
        .await;
    back.get(&format!("/api/v1/conversations/{conversation}"))
        .await
        .ok();
}

/// A sign-in link's token from an email.
fn signin_link(mail: &convene_testkit::ReceivedEmail) -> String {
    mail.text()
        .split_whitespace()
        .find(|w| w.starts_with("http") && w.contains("/s/"))
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("a sign-in link in: {}", mail.text()))
}

/// Follows a sign-in link as a browser would (GET the page, press "Sign in"); answers the status
/// and the session cookie set, if any.
async fn follow(link: &str) -> (u16, Option<String>, String) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let page = http.get(link).send().await.expect("page");
    let status = page.status().as_u16();
    let html = page.text().await.expect("html");
    if status != 200 {
        return (status, None, html);
    }
    assert!(html.contains("Sign in"), "{html}");
    let pressed = http.post(link).send().await.expect("sign in");
    let status = pressed.status().as_u16();
    let cookie = pressed
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').next())
        .map(str::to_owned);
    (status, cookie, pressed.text().await.unwrap_or_default())
}

#[tokio::test]
async fn a_returning_contact_signs_in_with_an_emailed_link_that_works_once() {
    let sink = SmtpSink::start().await;
    let t = TestServer::start(Some(&sink)).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let conversation = ana.new_conversation("Warranty claim").await;
    let frank = t
        .seat_contact(&sink, &ana, &conversation, "frank@example.com")
        .await;
    frank.post("/api/v1/auth/logout", json!({})).await;
    frank
        .get("/api/v1/me")
        .await
        .problem(401, "unauthenticated");

    let before = sink.messages().len();
    let known = t
        .anonymous()
        .post(
            "/api/v1/auth/email-link",
            json!({"email": "Frank@Example.com"}),
        )
        .await;
    let unknown = t
        .anonymous()
        .post(
            "/api/v1/auth/email-link",
            json!({"email": "nobody@example.com"}),
        )
        .await;
    assert_eq!(known.status, 202, "{}", known.body);
    assert_eq!(unknown.status, known.status);
    assert_eq!(
        unknown
            .body
            .to_string()
            .replace("nobody@example.com", "ADDRESS"),
        known
            .body
            .to_string()
            .replace("frank@example.com", "ADDRESS"),
        "the answer does not tell whether the address is known"
    );
    sink.wait_for(before + 1, WAIT).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mails: Vec<_> = sink.messages().into_iter().skip(before).collect();
    assert_eq!(
        mails.len(),
        1,
        "exactly one email, and none for the unknown address"
    );
    assert!(mails[0]
        .header("To")
        .unwrap_or_default()
        .contains("frank@example.com"));
    let link = signin_link(&mails[0]);
    drop(mails);

    let (status, cookie, _) = follow(&link).await;
    assert_eq!(status, 303);
    let cookie = cookie.expect("a session cookie");
    let conversations: Value = reqwest::Client::new()
        .get(t.server.url() + "/api/v1/conversations")
        .header("cookie", &cookie)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    assert!(
        conversations.to_string().contains(&conversation),
        "{conversations}"
    );

    // The same link again, an expired one and a made-up one: the same clear page.
    let (again, no_cookie, used_page) = follow(&link).await;
    assert_eq!((again, no_cookie), (410, None));
    assert!(used_page.contains("no longer works"), "{used_page}");
    assert!(used_page.contains("Email me a sign-in link"));
    let made_up = format!("{}/s/{}", t.server.url(), "A".repeat(43));
    let (status, _, made_up_page) = follow(&made_up).await;
    assert_eq!(status, 410);
    assert_eq!(made_up_page, used_page);
    let before = sink.messages().len();
    t.anonymous()
        .post(
            "/api/v1/auth/email-link",
            json!({"email": "frank@example.com"}),
        )
        .await;
    let fresh = signin_link(&sink.wait_for(before + 1, WAIT).await[before]);
    sqlx::query("UPDATE email_logins SET expires_at = 0")
        .execute(t.server.store.pool())
        .await
        .expect("expire the links");
    let (status, cookie, expired_page) = follow(&fresh).await;
    assert_eq!((status, cookie), (410, None));
    assert_eq!(expired_page, used_page);
}

#[tokio::test]
async fn a_guest_who_proves_their_email_keeps_the_linked_conversation_and_sees_the_rest() {
    let sink = SmtpSink::start().await;
    let t = TestServer::start(Some(&sink)).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let private = ana.new_conversation("Hana's order").await;
    t.seat_contact(&sink, &ana, &private, "hana@example.com")
        .await;
    let public = ana.new_conversation("Launch event").await;
    let token = ana.share_token(&public).await;
    let guest = join_link(&t, &token, "Hana", "hana@example.com").await;
    post(&guest, &public, "Count me in").await;
    guest
        .get(&format!("/api/v1/conversations/{private}"))
        .await
        .problem(404, "not_found");

    // A sign-in link asked for by somebody else hands over nothing of the guest's…
    let before = sink.messages().len();
    t.anonymous()
        .post(
            "/api/v1/auth/email-link",
            json!({"email": "hana@example.com"}),
        )
        .await;
    let link = signin_link(&sink.wait_for(before + 1, WAIT).await[before]);
    let (status, cookie, _) = follow(&link).await;
    assert_eq!(status, 303);
    let elsewhere: Value = reqwest::Client::new()
        .get(t.server.url() + &format!("/api/v1/conversations/{public}"))
        .header("cookie", cookie.expect("cookie"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(elsewhere["code"], "not_found", "{elsewhere}");
    guest.get("/api/v1/me").await.ok();
    // …the guest asking from their own session ("Verify your email") does, wherever it is opened.
    let before = sink.messages().len();
    guest
        .post(
            "/api/v1/auth/email-link",
            json!({"email": "hana@example.com"}),
        )
        .await;
    let link = signin_link(&sink.wait_for(before + 1, WAIT).await[before]);
    let (status, cookie, _) = follow(&link).await;
    assert_eq!(status, 303);
    let cookie = cookie.expect("cookie");
    let http = reqwest::Client::new();
    for id in [&private, &public] {
        let answer = http
            .get(t.server.url() + &format!("/api/v1/conversations/{id}"))
            .header("cookie", &cookie)
            .send()
            .await
            .expect("get");
        assert_eq!(answer.status(), 200, "the proven contact sees {id}");
    }
    let me: Value = http
        .get(t.server.url() + "/api/v1/me")
        .header("cookie", &cookie)
        .send()
        .await
        .expect("me")
        .json()
        .await
        .expect("json");
    assert_eq!(me["email_verified"], true);
    // The guest identity is over: its old session ends; its message stays in the timeline.
    guest
        .get("/api/v1/me")
        .await
        .problem(401, "unauthenticated");
    let messages = ana
        .get(&format!("/api/v1/conversations/{public}/messages"))
        .await;
    assert!(messages.ok().to_string().contains("Count me in"));
    let people = ana
        .get(&format!("/api/v1/conversations/{public}/participants"))
        .await;
    let hana: Vec<&Value> = people.ok()["participants"]
        .as_array()
        .expect("people")
        .iter()
        .filter(|p| p["email"] == "hana@example.com")
        .collect();
    assert_eq!(hana.len(), 1, "one Hana, the proven one: {}", people.body);
    assert_eq!(hana[0]["email_verified"], true);
}

#[tokio::test]
async fn sign_in_links_are_limited_per_address_with_the_same_answer_for_any_address() {
    let t = TestServer::start(None).await;
    let mut last = None;
    for _ in 0..4 {
        last = Some(
            t.anonymous()
                .post(
                    "/api/v1/auth/email-link",
                    json!({"email": "someone@example.com"}),
                )
                .await,
        );
    }
    let limited = last.expect("answer");
    limited.problem(429, "rate_limited");
    assert!(limited.headers.get("retry-after").is_some());
    t.anonymous()
        .post(
            "/api/v1/auth/email-link",
            json!({"email": "not an address"}),
        )
        .await
        .problem(422, "invalid_input");
}

#[tokio::test]
async fn every_html_page_keeps_its_tokens_to_itself() {
    let t = TestServer::start(None).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let conversation = ana.new_conversation("Headers").await;
    let token = ana.share_token(&conversation).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let base = t.server.url();
    let pages = [
        http.get(format!("{base}/j/{token}")),
        http.get(format!("{base}/j/not-a-token")),
        http.post(format!("{base}/j/{token}"))
            .form(&[("name", ""), ("email", "")]),
        http.get(format!("{base}/s/not-a-token")),
        http.post(format!("{base}/s"))
            .form(&[("email", "x@example.com")]),
        http.get(format!("{base}/app/")),
    ];
    for request in pages {
        let answer = request.send().await.expect("page");
        let url = answer.url().to_string();
        let h = answer.headers();
        assert_eq!(
            h.get("referrer-policy").map(|v| v.to_str().unwrap_or("")),
            Some("no-referrer"),
            "{url}"
        );
        assert_eq!(
            h.get("x-content-type-options")
                .map(|v| v.to_str().unwrap_or("")),
            Some("nosniff"),
            "{url}"
        );
        let csp = h
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'"), "{url}: {csp}");
    }
}

/// Presses "Sign in" on each link at the same instant; answers the statuses.
async fn race_sign_ins(links: Vec<String>) -> Vec<u16> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let mut statuses = convene_testkit::at_once(links.len(), |i| {
        let request = http.post(&links[i]);
        async move { request.send().await.expect("sign in").status().as_u16() }
    })
    .await;
    statuses.sort_unstable();
    statuses
}

#[tokio::test]
async fn racing_sign_ins_use_a_link_once_and_make_one_proven_contact() {
    let sink = SmtpSink::start().await;
    let t = TestServer::start_with(Some(&sink), |c| {
        c.limits = convene_server::ratelimit::Limits::scaled(100)
    })
    .await;
    let ana = t.agent("ana@demo.convene.test").await;
    for round in 0..5 {
        // Only guests have claimed this address: the first proofs race to create its contact.
        let email = format!("ivy{round}@example.com");
        let conversation = ana.new_conversation("Race").await;
        let token = ana.share_token(&conversation).await;
        join_link(&t, &token, "Ivy", &email).await;
        let mut links = Vec::new();
        for _ in 0..2 {
            let before = sink.messages().len();
            t.anonymous()
                .post("/api/v1/auth/email-link", json!({ "email": email }))
                .await;
            links.push(signin_link(&sink.wait_for(before + 1, WAIT).await[before]));
        }
        // One link pressed twice at once: used once.
        assert_eq!(
            race_sign_ins(vec![links[0].clone(), links[0].clone()]).await,
            vec![303, 410],
            "round {round}"
        );
        // The other link, raced against a third: both work, and they are the same person.
        let before = sink.messages().len();
        t.anonymous()
            .post("/api/v1/auth/email-link", json!({ "email": email }))
            .await;
        let third = signin_link(&sink.wait_for(before + 1, WAIT).await[before]);
        assert_eq!(
            race_sign_ins(vec![links[1].clone(), third]).await,
            vec![303, 303]
        );
        let proven: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM contacts WHERE email = $1 AND guest = 0")
                .bind(&email)
                .fetch_one(t.server.store.pool())
                .await
                .expect("count");
        assert_eq!(proven, 1, "round {round}");
    }
}

/// Asks for a sign-in link for `email` and follows it; answers the session cookie (`name=value`).
/// Asks for a sign-in link as `asker` and follows it; answers the session cookie.
async fn prove_by_link(asker: &Api, sink: &SmtpSink, email: &str) -> String {
    let before = sink.messages().len();
    asker
        .post("/api/v1/auth/email-link", json!({ "email": email }))
        .await;
    let link = signin_link(&sink.wait_for(before + 1, WAIT).await[before]);
    let (status, cookie, page) = follow(&link).await;
    assert_eq!(status, 303, "{page}");
    cookie.expect("a session cookie")
}

#[tokio::test]
async fn a_guest_removed_from_a_conversation_stays_removed_once_the_address_is_proven() {
    let sink = SmtpSink::start().await;
    let t = TestServer::start(Some(&sink)).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let conversation = ana.new_conversation("Community forum").await;
    let token = ana.share_token(&conversation).await;
    // Jade was invited once and left; later she came back through the link in another browser
    // (a guest) and the owner removed her.
    let jade = t
        .seat_contact(&sink, &ana, &conversation, "jade@example.com")
        .await;
    let left = jade
        .post(
            &format!("/api/v1/conversations/{conversation}/leave"),
            json!({}),
        )
        .await;
    assert_eq!(left.status, 204, "{}", left.body);
    let jade_guest = join_link(&t, &token, "Jade", "jade@example.com").await;
    let pid = ana.participant_id(&conversation, "jade@example.com").await;
    let removed = ana
        .delete(&format!(
            "/api/v1/conversations/{conversation}/participants/{pid}"
        ))
        .await;
    assert_eq!(removed.status, 204, "{}", removed.body);
    t.anonymous()
        .post(
            &format!("/api/v1/join/{token}"),
            json!({"name": "Jade", "email": "jade@example.com"}),
        )
        .await
        .problem(410, "link_invalid");

    // Proving the address hands the guest's membership to the proven Jade: the removal stands.
    let cookie = prove_by_link(&jade_guest, &sink, "jade@example.com").await;
    let again = t
        .anonymous()
        .post(
            &format!("/api/v1/join/{token}"),
            json!({"name": "Jade", "email": "jade@example.com"}),
        )
        .await;
    again.problem(410, "link_invalid");
    let with_cookie = reqwest::Client::new()
        .post(t.server.url() + &format!("/api/v1/join/{token}"))
        .header("cookie", &cookie)
        .header("origin", t.server.url())
        .json(&json!({"name": "Jade", "email": "jade@example.com"}))
        .send()
        .await
        .expect("join");
    assert_eq!(with_cookie.status(), 410, "the proven Jade is refused too");
}

#[tokio::test]
async fn answers_that_carry_a_session_are_never_kept_for_replay() {
    let sink = SmtpSink::start().await;
    let t = TestServer::start(Some(&sink)).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let private = ana.new_conversation("Lena's invoice").await;
    t.seat_contact(&sink, &ana, &private, "lena@example.com")
        .await;
    let public = ana.new_conversation("Town hall").await;
    let token = ana.share_token(&public).await;
    let cookie = prove_by_link(&t.anonymous(), &sink, "lena@example.com").await;

    // Lena, signed in by her cookie, joins the link as herself, with an Idempotency-Key.
    let join = format!("/api/v1/join/{token}");
    let body = json!({"name": "Lena", "email": "lena@example.com"});
    let key = "join-town-hall";
    let joined: Value = reqwest::Client::new()
        .post(t.server.url() + &join)
        .header("cookie", &cookie)
        .header("origin", t.server.url())
        .header("idempotency-key", key)
        .json(&body)
        .send()
        .await
        .expect("join")
        .json()
        .await
        .expect("json");
    let session = joined["token"].as_str().expect("token").to_owned();
    assert_eq!(joined["me"]["email_verified"], true, "{joined}");

    // A stranger who knows the link, Lena's address (the People panel shows it) and the key.
    let replayed = t
        .anonymous()
        .send(
            reqwest::Method::POST,
            &join,
            Some(body.clone()),
            &[("Idempotency-Key", key)],
        )
        .await;
    assert_ne!(
        replayed.body["token"].as_str(),
        Some(session.as_str()),
        "a replay never hands Lena's session to someone else"
    );
    if let Some(theirs) = replayed.body["token"].as_str() {
        t.anonymous()
            .with_token(theirs)
            .get(&format!("/api/v1/conversations/{private}"))
            .await
            .problem(404, "not_found");
    }
    // An agent's sign-in with a key: its session is not kept either.
    let login = t
        .anonymous()
        .send(
            reqwest::Method::POST,
            "/api/v1/auth/login",
            Some(json!({"email": "ana@demo.convene.test", "password": convene_server::demo::DEMO_PASSWORD})),
            &[("Idempotency-Key", "login-1")],
        )
        .await;
    let agent_session = login.ok()["token"].as_str().expect("token").to_owned();
    let kept: Vec<Vec<u8>> = sqlx::query_scalar("SELECT body FROM idempotency_keys")
        .fetch_all(t.server.store.pool())
        .await
        .expect("records");
    for record in &kept {
        let text = String::from_utf8_lossy(record);
        assert!(
            !text.contains(&session),
            "a contact session at rest: {text}"
        );
        assert!(
            !text.contains(&agent_session),
            "an agent session at rest: {text}"
        );
    }

    // Records are scoped to the caller's session, the cookie's too: what Lena did with a key is
    // not answered to someone else sending the same key.
    let path = format!("/api/v1/conversations/{private}/messages");
    let posted = reqwest::Client::new()
        .post(t.server.url() + &path)
        .header("cookie", &cookie)
        .header("origin", t.server.url())
        .header("idempotency-key", "msg-1")
        .json(&json!({"body": "Paid today"}))
        .send()
        .await
        .expect("post");
    assert_eq!(posted.status(), 201);
    t.anonymous()
        .send(
            reqwest::Method::POST,
            &path,
            Some(json!({"body": "Paid today"})),
            &[("Idempotency-Key", "msg-1")],
        )
        .await
        .problem(401, "unauthenticated");
}

#[tokio::test]
async fn sign_in_and_join_forms_refuse_other_sites() {
    let sink = SmtpSink::start().await;
    let t = TestServer::start(Some(&sink)).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let private = ana.new_conversation("Max's case").await;
    t.seat_contact(&sink, &ana, &private, "max@example.com")
        .await;
    let public = ana.new_conversation("Open day").await;
    let token = ana.share_token(&public).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let evil = "https://evil.example";

    // Another site posting a sign-in link's form (signing the visitor's browser in as whoever
    // the link belongs to) is refused, and the link still works from its own page.
    let before = sink.messages().len();
    t.anonymous()
        .post(
            "/api/v1/auth/email-link",
            json!({"email": "max@example.com"}),
        )
        .await;
    let link = signin_link(&sink.wait_for(before + 1, WAIT).await[before]);
    for (origin, site) in [(evil, None), ("null", Some("cross-site"))] {
        let mut forged = http.post(&link).header("origin", origin);
        if let Some(site) = site {
            forged = forged.header("sec-fetch-site", site);
        }
        let forged = forged.send().await.expect("post");
        assert_eq!(forged.status(), 403, "{origin} {site:?}");
        assert!(forged.headers().get("set-cookie").is_none());
    }
    // Our own page's form, as a browser sends it (the page's no-referrer policy makes the
    // origin "null").
    let own = http
        .post(&link)
        .header("origin", "null")
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .expect("post");
    assert_eq!(own.status(), 303);
    let cookie = own
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').next())
        .expect("cookie")
        .to_owned();

    // The join form and the "Email me a sign-in link" form, posted from elsewhere.
    let forged = http
        .post(t.server.url() + &format!("/j/{token}"))
        .header("origin", evil)
        .form(&[("name", "Max"), ("email", "max@example.com")])
        .send()
        .await
        .expect("post");
    assert_eq!(forged.status(), 403);
    assert!(forged.headers().get("set-cookie").is_none());
    let before = sink.messages().len();
    let forged = http
        .post(t.server.url() + "/s")
        .header("origin", evil)
        .form(&[("email", "max@example.com")])
        .send()
        .await
        .expect("post");
    assert_eq!(forged.status(), 403);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(sink.messages().len(), before, "no email for a forged form");

    // A cross-site call to the join API does not act as the cookie's owner: the caller joins as
    // a new guest, and the proven Max is not put in the conversation.
    let joined: Value = http
        .post(t.server.url() + &format!("/api/v1/join/{token}"))
        .header("cookie", &cookie)
        .header("origin", evil)
        .header("content-type", "text/plain")
        .body(r#"{"name":"Max","email":"max@example.com"}"#)
        .send()
        .await
        .expect("join")
        .json()
        .await
        .expect("json");
    assert_eq!(joined["me"]["email_verified"], false, "{joined}");
    let proven: Value = reqwest::Client::new()
        .get(t.server.url() + "/api/v1/conversations")
        .header("cookie", &cookie)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    assert!(!proven.to_string().contains(&public), "{proven}");
}

/// Text a guest typed (their name) never reaches anyone's inbox: not as a sender name, a subject, a
/// recipient name or body text, whatever they do with the conversation they joined.
#[tokio::test]
async fn text_a_guest_of_the_link_typed_reaches_no_inbox() {
    const BAIT: &str = "URGENT: verify your account at http://evil.example";
    let sink = SmtpSink::start().await;
    let t = TestServer::start(Some(&sink)).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let public = ana.new_conversation("Open house").await;
    let token = ana.share_token(&public).await;
    let guest = join_link(&t, &token, BAIT, "victim@example.com").await;

    // What a guest might try: invite a stranger by email with the bait as their name…
    guest
        .post(
            &format!("/api/v1/conversations/{public}/contact-invites"),
            json!({"email": "stranger@example.com", "name": BAIT}),
        )
        .await
        .problem(403, "forbidden");
    // …ask a customer crew in (its agents are told inside the app, never by email)…
    let crews = ana.get("/api/v1/crews").await;
    let billing = crews.ok()["crews"]
        .as_array()
        .or_else(|| crews.ok().as_array())
        .expect("crews")
        .iter()
        .find(|c| c["customer_requestable"] == true)
        .expect("a customer crew")["id"]
        .clone();
    let asked = guest
        .post(
            &format!("/api/v1/conversations/{public}/service-requests"),
            json!({ "crew_id": billing }),
        )
        .await;
    assert!((200..300).contains(&asked.status), "{}", asked.body);
    post(&guest, &public, BAIT).await;
    // …and have a sign-in link sent to the address they claimed ("Verify your email").
    let before = sink.messages().len();
    let verify = guest
        .post(
            "/api/v1/auth/email-link",
            json!({"email": "victim@example.com"}),
        )
        .await;
    assert_eq!(verify.status, 202, "{}", verify.body);
    // An agent inviting that address, with no name, by email.
    let private = ana.new_conversation("Your order").await;
    ana.post(
        &format!("/api/v1/conversations/{private}/contact-invites"),
        json!({"email": "victim@example.com"}),
    )
    .await
    .ok();
    let mails = sink.wait_for(before + 2, WAIT).await;
    assert!(
        mails.len() >= before + 2,
        "the sign-in link and the invite arrived"
    );
    for mail in &mails {
        for (what, text) in [
            ("raw message", mail.raw.clone()),
            ("From", mail.header("From").unwrap_or_default()),
            ("To", mail.header("To").unwrap_or_default()),
            ("Subject", mail.header("Subject").unwrap_or_default()),
            ("text", mail.text()),
            ("html", mail.html()),
        ] {
            assert!(
                !text.contains("evil.example") && !text.contains("URGENT"),
                "the guest's text reached an inbox ({what}): {text}"
            );
        }
    }
}
