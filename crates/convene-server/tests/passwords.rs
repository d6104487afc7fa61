//! Passwords agents choose themselves: a new agent's welcome email, "Forgot password?", and
//! changing one's own — through the real SMTP sink and the script-free page the link opens. Both
//! databases (the PostgreSQL pass sets `CONVENE_TEST_DATABASE_URL`).

use std::time::Duration;

use convene_testkit::{Answer, SmtpSink, TestServer};
use serde_json::json;

/// The `/p/…` link in the latest email to `to`.
async fn password_link(sink: &SmtpSink, to: &str, count: usize) -> (String, String) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let mails: Vec<_> = sink
            .messages()
            .into_iter()
            .filter(|m| m.header("To").is_some_and(|h| h.contains(to)))
            .collect();
        if mails.len() >= count {
            let mail = mails.last().expect("a mail").clone();
            let link = mail
                .text()
                .split_whitespace()
                .find(|w| w.starts_with("http") && w.contains("/p/"))
                .unwrap_or_else(|| panic!("no password link in {}", mail.text()))
                .to_owned();
            return (mail.subject(), link);
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no email {count} to {to}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn post_form(link: &str, password: &str, confirm: &str) -> (u16, String) {
    let answer = reqwest::Client::new()
        .post(link)
        .form(&[("password", password), ("confirm", confirm)])
        .send()
        .await
        .expect("form");
    let status = answer.status().as_u16();
    (status, answer.text().await.expect("page"))
}

async fn sign_in(t: &TestServer, email: &str, password: &str) -> Answer {
    t.anonymous()
        .post(
            "/api/v1/auth/login",
            json!({"email": email, "password": password}),
        )
        .await
}

#[tokio::test]
async fn a_new_agent_chooses_their_own_password_from_the_welcome_email() {
    let sink = SmtpSink::start().await;
    let t = TestServer::start(Some(&sink)).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let created = ana
        .post(
            "/api/v1/agents",
            json!({"email": "gus@example.com", "name": "Gus Grant", "role": "agent"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let (subject, link) = password_link(&sink, "gus@example.com", 1).await;
    assert_eq!(subject, "Ana Lima added you to Convene Demo on Convene");
    // Until then no password opens the account, not even an empty one.
    assert_eq!(sign_in(&t, "gus@example.com", "").await.status, 401);
    assert_eq!(
        sign_in(&t, "gus@example.com", "whatever-it-is")
            .await
            .status,
        401
    );

    // Opening the link changes nothing (mail scanners fetch links).
    for _ in 0..2 {
        let page = reqwest::get(&link).await.expect("page");
        assert_eq!(page.status(), 200);
        let html = page.text().await.expect("html");
        assert!(html.contains("Welcome to Convene Demo"), "{html}");
        assert!(html.contains("gus@example.com"), "{html}");
        assert!(!html.contains("<script"), "{html}");
    }
    let (status, html) = post_form(&link, "first-password", "other-password").await;
    assert_eq!(status, 422);
    assert!(html.contains("The two passwords differ"), "{html}");
    let (status, html) = post_form(&link, "short", "short").await;
    assert_eq!(status, 422);
    assert!(html.contains("at least 8 characters"), "{html}");
    // A form another site posts does nothing.
    let forged = reqwest::Client::new()
        .post(&link)
        .header("Origin", "https://evil.example")
        .form(&[
            ("password", "attacker-chose"),
            ("confirm", "attacker-chose"),
        ])
        .send()
        .await
        .expect("forged");
    assert_eq!(forged.status(), 403);

    let (status, html) = post_form(&link, "gus-own-password", "gus-own-password").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Your password is set"), "{html}");
    assert_eq!(
        sign_in(&t, "gus@example.com", "attacker-chose")
            .await
            .status,
        401
    );
    let signed_in = sign_in(&t, "gus@example.com", "gus-own-password").await;
    assert_eq!(signed_in.ok()["me"]["name"], "Gus Grant");

    // The link works once.
    let (status, html) = post_form(&link, "again-password", "again-password").await;
    assert_eq!(status, 410, "{html}");
    assert_eq!(reqwest::get(&link).await.expect("page").status(), 410);
    assert_eq!(
        sign_in(&t, "gus@example.com", "again-password")
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn forgot_password_emails_a_reset_that_signs_the_agent_out_everywhere() {
    let sink = SmtpSink::start().await;
    let t = TestServer::start(Some(&sink)).await;
    let femi = t.agent("femi@demo.convene.test").await;
    let mut stream = femi.stream().await;

    let asked = t
        .anonymous()
        .post(
            "/api/v1/auth/password-reset",
            json!({"email": " Femi@Demo.Convene.Test "}),
        )
        .await;
    assert_eq!(asked.status, 202, "{}", asked.body);
    let unknown = t
        .anonymous()
        .post(
            "/api/v1/auth/password-reset",
            json!({"email": "nobody@example.com"}),
        )
        .await;
    assert_eq!(unknown.status, 202, "{}", unknown.body);
    assert_eq!(
        asked.body["message"]
            .as_str()
            .expect("message")
            .replace("femi@demo.convene.test", "X"),
        unknown.body["message"]
            .as_str()
            .expect("message")
            .replace("nobody@example.com", "X"),
        "one answer for known and unknown addresses"
    );
    let (subject, link) = password_link(&sink, "femi@demo.convene.test", 1).await;
    assert_eq!(subject, "Reset your Convene password for Convene Demo");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        sink.messages()
            .iter()
            .all(|m| !m.header("To").unwrap_or_default().contains("nobody@")),
        "nothing to unknown addresses"
    );
    // Asking is not changing: the old password still works until the link is followed.
    assert_eq!(femi.get("/api/v1/me").await.status, 200);

    let (status, html) = post_form(&link, "femi-new-password", "femi-new-password").await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(femi.get("/api/v1/me").await.status, 401, "signed out");
    assert!(stream.closed_within(Duration::from_secs(3)).await);
    assert_eq!(
        sign_in(
            &t,
            "femi@demo.convene.test",
            convene_server::demo::DEMO_PASSWORD
        )
        .await
        .status,
        401
    );
    assert_eq!(
        sign_in(&t, "femi@demo.convene.test", "femi-new-password")
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn an_agent_changes_their_own_password_proving_the_current_one() {
    let t = TestServer::start(None).await;
    let here = t.agent("chloe@demo.convene.test").await;
    let elsewhere = t.agent("chloe@demo.convene.test").await;
    let wrong = here
        .put(
            "/api/v1/me/password",
            json!({"current_password": "not-it", "new_password": "chloe-new-password"}),
        )
        .await;
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert_eq!(wrong.body["field"], "current_password");
    let short = here
        .put(
            "/api/v1/me/password",
            json!({"current_password": convene_server::demo::DEMO_PASSWORD, "new_password": "short"}),
        )
        .await;
    assert_eq!(short.status, 422, "{}", short.body);
    assert_eq!(short.body["field"], "new_password");
    let changed = here
        .put(
            "/api/v1/me/password",
            json!({"current_password": convene_server::demo::DEMO_PASSWORD, "new_password": "chloe-new-password"}),
        )
        .await;
    assert_eq!(changed.status, 204, "{}", changed.body);
    assert_eq!(
        here.get("/api/v1/me").await.status,
        200,
        "this session stays"
    );
    assert_eq!(
        elsewhere.get("/api/v1/me").await.status,
        401,
        "the others end"
    );
    assert_eq!(
        sign_in(&t, "chloe@demo.convene.test", "chloe-new-password")
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn a_password_link_sent_before_a_suspension_never_sets_the_password() {
    let sink = SmtpSink::start().await;
    let t = TestServer::start(Some(&sink)).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let created = ana
        .post(
            "/api/v1/agents",
            json!({"email": "hal@example.com", "name": "Hal Hart", "role": "agent"}),
        )
        .await;
    let hal = created.ok()["id"].as_str().expect("id").to_owned();
    let (_, link) = password_link(&sink, "hal@example.com", 1).await;
    ana.post(&format!("/api/v1/agents/{hal}/suspend"), json!({}))
        .await
        .ok();
    assert_eq!(reqwest::get(&link).await.expect("page").status(), 410);
    let (status, _) = post_form(&link, "chosen-by-someone", "chosen-by-someone").await;
    assert_eq!(status, 410);
    // Reactivated, the old link stays void: whoever held it chose nothing.
    ana.post(&format!("/api/v1/agents/{hal}/reactivate"), json!({}))
        .await
        .ok();
    assert_eq!(reqwest::get(&link).await.expect("page").status(), 410);
    assert_eq!(
        sign_in(&t, "hal@example.com", "chosen-by-someone")
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn a_password_change_is_never_replayed_from_an_idempotency_record() {
    let t = TestServer::start(None).await;
    let dev = t.agent("dev@demo.convene.test").await;
    let body = json!({"current_password": convene_server::demo::DEMO_PASSWORD, "new_password": "dev-new-password"});
    let headers = [("Idempotency-Key", "same-key")];
    let first = dev
        .send(
            reqwest::Method::PUT,
            "/api/v1/me/password",
            Some(body.clone()),
            &headers,
        )
        .await;
    assert_eq!(first.status, 204, "{}", first.body);
    // The same request again runs again (the current password is no longer the old one).
    let again = dev
        .send(
            reqwest::Method::PUT,
            "/api/v1/me/password",
            Some(body),
            &headers,
        )
        .await;
    assert_eq!(again.status, 422, "{}", again.body);
}

#[tokio::test]
async fn two_people_racing_with_one_password_link_set_one_password() {
    let sink = SmtpSink::start().await;
    let t = TestServer::start(Some(&sink)).await;
    let ana = t.agent("ana@demo.convene.test").await;
    ana.post(
        "/api/v1/agents",
        json!({"email": "ida@example.com", "name": "Ida Iles", "role": "agent"}),
    )
    .await
    .ok();
    let (_, link) = password_link(&sink, "ida@example.com", 1).await;
    let statuses = convene_testkit::at_once(2, |i| {
        let link = link.clone();
        async move {
            post_form(
                &link,
                &format!("racer-{i}-password"),
                &format!("racer-{i}-password"),
            )
            .await
            .0
        }
    })
    .await;
    let mut sorted = statuses.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [200, 410],
        "one wins, the other is told the link is used: {statuses:?}"
    );
    let winner = statuses.iter().position(|s| *s == 200).expect("a winner");
    for i in 0..2 {
        let expected = if i == winner { 200 } else { 401 };
        let status = sign_in(&t, "ida@example.com", &format!("racer-{i}-password"))
            .await
            .status;
        assert_eq!(status, expected, "racer {i}");
    }
}
