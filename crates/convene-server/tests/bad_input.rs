//! SPEC §6: every kind of bad input gets a 4xx problem document naming the field, and leaves the
//! database exactly as it was.

use convene_testkit::{Answer, Api, TestServer};
use serde_json::{json, Value};

/// Row counts of every table whose rows are user data (not sessions, limits or idempotency records).
async fn snapshot(t: &TestServer) -> Vec<(String, i64)> {
    let pool = t.server.store.pool();
    let mut counts = Vec::new();
    for table in [
        "accounts",
        "agents",
        "contacts",
        "crews",
        "crew_members",
        "conversations",
        "participants",
        "invites",
        "invite_sends",
        "service_requests",
        "share_links",
        "messages",
        "events",
        "changes",
        "outbox_emails",
    ] {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(pool)
            .await
            .expect("count");
        counts.push((table.to_owned(), n));
    }
    counts
}

fn check(case: &str, answer: &Answer, status: u16, field: Option<&str>) {
    assert_eq!(answer.status, status, "{case}: {}", answer.body);
    assert_eq!(answer.content_type, "application/problem+json", "{case}");
    assert!(
        answer.body["detail"]
            .as_str()
            .is_some_and(|d| !d.is_empty()),
        "{case}: a message"
    );
    if let Some(field) = field {
        assert_eq!(
            answer.body["field"], field,
            "{case}: names the field; {}",
            answer.body
        );
        assert!(
            answer.body["detail"]
                .as_str()
                .unwrap_or_default()
                .contains(field.trim_end_matches("_id"))
                || field == "body",
            "{case}: the message names {field}: {}",
            answer.body
        );
    }
}

async fn raw(api: &Api, path: &str, content_type: &str, body: String) -> Answer {
    let client = reqwest::Client::new();
    let response = client
        .post(format!("{}{path}", api.base))
        .bearer_auth(api.token.as_deref().unwrap_or_default())
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("send");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    Answer {
        status,
        content_type,
        headers,
        body,
    }
}

#[tokio::test]
async fn bad_input_is_refused_with_a_problem_naming_the_field_and_changes_nothing() {
    let t = TestServer::start(None).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let conversation = ana
        .post("/api/v1/conversations", json!({"subject": "Bad input"}))
        .await
        .ok()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let c = format!("/api/v1/conversations/{conversation}");
    let before = snapshot(&t).await;
    let long_local = format!("{}@example.com", "a".repeat(65));
    let long_email = format!("a@{}.com", "b".repeat(250));
    let anon = t.anonymous();

    let cases: Vec<(&str, Answer, u16, Option<&str>)> = vec![
        ("login with a malformed email", anon.post("/api/v1/auth/login", json!({"email": "not-an-email", "password": "x"})).await, 422, Some("email")),
        ("login without password", anon.post("/api/v1/auth/login", json!({"email": "a@b.example"})).await, 422, Some("password")),
        ("empty subject", ana.post("/api/v1/conversations", json!({"subject": "  "})).await, 422, Some("subject")),
        ("over-long subject", ana.post("/api/v1/conversations", json!({"subject": "s".repeat(201)})).await, 422, Some("subject")),
        ("subject of the wrong type", ana.post("/api/v1/conversations", json!({"subject": ["a"]})).await, 422, Some("subject")),
        ("subject with a line break", ana.post("/api/v1/conversations", json!({"subject": "a\nb"})).await, 422, Some("subject")),
        ("agent id that is no uuid", ana.post(&format!("{c}/agent-invites"), json!({"agent_id": "bob"})).await, 422, Some("agent_id")),
        ("unknown agent", ana.post(&format!("{c}/agent-invites"), json!({"agent_id": "0190a0a0-0000-7000-8000-000000000000"})).await, 404, None),
        ("unknown conversation", ana.post("/api/v1/conversations/0190a0a0-0000-7000-8000-000000000000/agent-invites", json!({"agent_id": "0190a0a0-0000-7000-8000-000000000000"})).await, 404, None),
        ("conversation id that is no uuid", ana.get("/api/v1/conversations/42").await, 404, None),
        ("malformed contact email", ana.post(&format!("{c}/contact-invites"), json!({"email": "carol@"})).await, 422, Some("email")),
        ("contact email over 64 before the @", ana.post(&format!("{c}/contact-invites"), json!({"email": long_local})).await, 422, Some("email")),
        ("contact email over 254", ana.post(&format!("{c}/contact-invites"), json!({"email": long_email})).await, 422, Some("email")),
        ("contact email with a header break", ana.post(&format!("{c}/contact-invites"), json!({"email": "a@b.example\r\nBcc: x@y.example"})).await, 422, Some("email")),
        ("over-long contact name", ana.post(&format!("{c}/contact-invites"), json!({"email": "n@example.com", "name": "n".repeat(101)})).await, 422, Some("name")),
        ("neither email nor contact", ana.post(&format!("{c}/contact-invites"), json!({})).await, 422, Some("email")),
        ("unknown contact", ana.post(&format!("{c}/contact-invites"), json!({"contact_id": "0190a0a0-0000-7000-8000-000000000000"})).await, 404, None),
        ("empty message", ana.post(&format!("{c}/messages"), json!({"body": "   "})).await, 422, Some("body")),
        ("message over 10 000 characters", ana.post(&format!("{c}/messages"), json!({"body": "m".repeat(10_001)})).await, 422, Some("body")),
        ("zero max uses", ana.patch(&format!("{c}/share-link"), json!({"max_uses": 0})).await, 422, Some("max_uses")),
        ("malformed expiry", ana.patch(&format!("{c}/share-link"), json!({"expires_at": "tomorrow"})).await, 422, Some("expires_at")),
        ("unknown join token", anon.post("/api/v1/join/not-a-real-token", json!({})).await, 410, None),
        ("agent with an unknown role", ana.post("/api/v1/agents", json!({"email": "r@demo.convene.test", "name": "R", "role": "king", "password": "long-enough-1"})).await, 422, Some("role")),
        ("agent with a short password", ana.post("/api/v1/agents", json!({"email": "r@demo.convene.test", "name": "R", "role": "agent", "password": "short"})).await, 422, Some("password")),
        ("agent with a taken email", ana.post("/api/v1/agents", json!({"email": "ben@demo.convene.test", "name": "R", "role": "agent", "password": "long-enough-1"})).await, 409, Some("email")),
        ("crew without a name", ana.post("/api/v1/crews", json!({"name": "", "call_to_action": "x"})).await, 422, Some("name")),
        ("foreign cursor", ana.get("/api/v1/sync?cursor=banana").await, 422, Some("cursor")),
        ("over-long search", ana.get(&format!("/api/v1/contacts?q={}", "q".repeat(300))).await, 422, Some("q")),
        (
            "over-long idempotency key",
            ana.send(reqwest::Method::POST, "/api/v1/conversations", Some(json!({"subject": "x"})), &[("Idempotency-Key", &"k".repeat(300))]).await,
            422,
            Some("Idempotency-Key"),
        ),
        ("malformed JSON", raw(&ana, "/api/v1/conversations", "application/json", "{\"subject\": ".to_owned()).await, 400, None),
        ("not JSON at all", raw(&ana, "/api/v1/conversations", "text/plain", "subject=x".to_owned()).await, 400, None),
        ("oversized body", raw(&ana, "/api/v1/conversations", "application/json", format!("{{\"subject\": \"{}\"}}", "y".repeat(100_000))).await, 413, None),
    ];
    for (case, answer, status, field) in &cases {
        check(case, answer, *status, *field);
    }
    assert_eq!(snapshot(&t).await, before, "nothing half-done was stored");
}

#[tokio::test]
async fn repeated_failed_sign_ins_are_rate_limited_with_retry_after() {
    let t = TestServer::start(None).await;
    let anon = t.anonymous();
    // The limit is 10 a minute in fixed windows: the 11th attempt in one window is refused, and
    // a run that straddles a window boundary is refused by the 21st at the latest.
    let mut last = None;
    for _ in 0..21 {
        let answer = anon
            .post(
                "/api/v1/auth/login",
                json!({"email": "ana@demo.convene.test", "password": "guess-guess"}),
            )
            .await;
        let limited = answer.status == 429;
        last = Some(answer);
        if limited {
            break;
        }
    }
    let last = last.expect("answers");
    last.problem(429, "rate_limited");
    assert!(last.headers.contains_key("retry-after"));
}
