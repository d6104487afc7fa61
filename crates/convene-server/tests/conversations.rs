//! Conversations over HTTP on an in-process server seeded with the demo account.

mod common;

use common::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::json;

const PASSWORD: &str = convene_server::demo::DEMO_PASSWORD;

fn subjects(body: &serde_json::Value) -> Vec<String> {
    body["conversations"]
        .as_array()
        .expect("conversations array")
        .iter()
        .map(|c| c["subject"].as_str().expect("subject").to_owned())
        .collect()
}

#[tokio::test]
async fn an_agent_lists_only_the_conversations_they_joined() {
    let t = TestServer::with_demo().await;
    let ana = t.login("ana@demo.convene.test", PASSWORD).await;
    let list = t
        .call(Method::GET, "/api/v1/conversations", Some(&ana), None)
        .await;
    assert_eq!(list.status, StatusCode::OK);
    let mut mine = subjects(&list.body);
    mine.sort();
    let mut expected: Vec<String> = convene_server::demo::DEMO_CONVERSATIONS
        .iter()
        .map(|s| s.to_string())
        .collect();
    expected.sort();
    assert_eq!(mine, expected);
    assert!(list.body["conversations"]
        .as_array()
        .into_iter()
        .flatten()
        .all(|c| c["my_role"] == "owner"));

    let chloe = t.login("chloe@demo.convene.test", PASSWORD).await;
    let theirs = t
        .call(Method::GET, "/api/v1/conversations", Some(&chloe), None)
        .await;
    assert_eq!(subjects(&theirs.body), ["Order #1042 arrived damaged"]);
    assert_eq!(theirs.body["conversations"][0]["my_role"], "agent");
    assert_eq!(theirs.body["conversations"][0]["participant_count"], 3);

    let femi = t.login("femi@demo.convene.test", PASSWORD).await;
    let none = t
        .call(Method::GET, "/api/v1/conversations", Some(&femi), None)
        .await;
    assert!(subjects(&none.body).is_empty());
}

#[tokio::test]
async fn the_creator_of_a_conversation_becomes_its_owner_and_sees_it_first() {
    let t = TestServer::with_demo().await;
    let femi = t.login("femi@demo.convene.test", PASSWORD).await;
    let created = t
        .call(
            Method::POST,
            "/api/v1/conversations",
            Some(&femi),
            Some(json!({"subject": "  Refund for order #2001  "})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["subject"], "Refund for order #2001");
    assert_eq!(created.body["my_role"], "owner");
    assert_eq!(created.body["status"], "open");
    assert!(created.body["id"].is_string());

    let list = t
        .call(Method::GET, "/api/v1/conversations", Some(&femi), None)
        .await;
    assert_eq!(subjects(&list.body), ["Refund for order #2001"]);
}

#[tokio::test]
async fn bad_conversation_input_is_refused_naming_the_field_and_stores_nothing() {
    let t = TestServer::with_demo().await;
    let ana = t.login("ana@demo.convene.test", PASSWORD).await;
    let before = t
        .call(Method::GET, "/api/v1/conversations", Some(&ana), None)
        .await;

    for (body, field) in [
        (json!({"subject": "   "}), "subject"),
        (json!({"subject": "x".repeat(201)}), "subject"),
        (json!({"subject": 42}), "subject"),
        (json!({}), "subject"),
    ] {
        let answer = t
            .call(
                Method::POST,
                "/api/v1/conversations",
                Some(&ana),
                Some(body.clone()),
            )
            .await;
        answer.assert_problem(422, "invalid_input");
        assert_eq!(answer.body["field"], field, "for {body}");
    }

    let malformed = t
        .http
        .post(t.url("/api/v1/conversations"))
        .bearer_auth(&ana)
        .header("content-type", "application/json")
        .body("{\"subject\": ")
        .send()
        .await
        .expect("send");
    common::Answer::from(malformed)
        .await
        .assert_problem(400, "malformed_body");

    let huge = t
        .http
        .post(t.url("/api/v1/conversations"))
        .bearer_auth(&ana)
        .header("content-type", "application/json")
        .body(format!("{{\"subject\": \"{}\"}}", "y".repeat(200_000)))
        .send()
        .await
        .expect("send");
    common::Answer::from(huge)
        .await
        .assert_problem(413, "payload_too_large");

    let after = t
        .call(Method::GET, "/api/v1/conversations", Some(&ana), None)
        .await;
    assert_eq!(before.body, after.body, "nothing was stored");
}

#[tokio::test]
async fn requests_without_a_valid_session_get_401_problems() {
    let t = TestServer::with_demo().await;
    t.call(Method::GET, "/api/v1/conversations", None, None)
        .await
        .assert_problem(401, "unauthenticated");
    t.call(Method::GET, "/api/v1/me", Some("made-up-token"), None)
        .await
        .assert_problem(401, "unauthenticated");
    t.call(Method::GET, "/api/v1/no-such-thing", None, None)
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn session_tokens_are_stored_only_as_hashes() {
    let t = TestServer::with_demo().await;
    let token = t.login("ben@demo.convene.test", PASSWORD).await;
    let hash = convene_server::auth::hash_token(&token);
    let count = |value: String| {
        let pool = t.server.store.pool().clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM sessions WHERE token_hash = $1")
                .bind(value)
                .fetch_one(&pool)
                .await
                .expect("count")
        }
    };
    assert_eq!(
        count(hash.clone()).await,
        1,
        "the session is stored under its hash"
    );
    assert_eq!(count(token.clone()).await, 0, "not under the token");
    if t.server.store.backend() == convene_server::store::Backend::Sqlite {
        // Flush the WAL into the main file so the grep sees everything written.
        let dir = t.dir.path().to_path_buf();
        t.server.stop().await;
        let mut haystack = Vec::new();
        for entry in std::fs::read_dir(&dir).expect("data dir") {
            let path = entry.expect("entry").path();
            if path.is_file() {
                haystack.extend(std::fs::read(&path).expect("read"));
            }
        }
        let needle = token.as_bytes();
        assert!(
            !haystack.windows(needle.len()).any(|w| w == needle),
            "the raw token must not be in the database files"
        );
        assert!(
            haystack.windows(hash.len()).any(|w| w == hash.as_bytes()),
            "its hash is"
        );
    }
}

#[tokio::test]
async fn demo_seeding_twice_keeps_one_demo_account() {
    let t = TestServer::with_demo().await;
    let dir = t.dir.path().to_path_buf();
    t.server.stop().await;
    let mut config = convene_server::ServeConfig::for_test(dir.clone());
    config.demo = true;
    config.database_url = convene_testkit::database_for(&dir).await;
    let again = convene_server::Server::new(config)
        .await
        .expect("second start")
        .start()
        .await
        .expect("start");
    let http = reqwest::Client::new();
    let login = http
        .post(format!("{}/api/v1/auth/login", again.url()))
        .json(&json!({"email": "ana@demo.convene.test", "password": PASSWORD}))
        .send()
        .await
        .expect("login");
    let token = common::Answer::from(login).await.body["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let list = http
        .get(format!("{}/api/v1/conversations", again.url()))
        .bearer_auth(token)
        .send()
        .await
        .expect("list");
    let body = common::Answer::from(list).await.body;
    assert_eq!(body["conversations"].as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn healthz_answers_ok() {
    let t = TestServer::with_demo().await;
    let health = t.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.body["status"], "ok");
}
