//! What an anonymous caller can make the server do (issue 14): bounded work whatever they send,
//! and no connection held open by a client that never finishes its request.

use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use convene_testkit::{at_once, Api, ServerProcess};
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_convene-server");

/// The resident memory of process `pid`, in MiB.
fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

async fn server(dir: &Path) -> ServerProcess {
    // Rate limits lifted: the flood must reach the password hashing itself.
    ServerProcess::start(
        Path::new(BIN),
        dir,
        &["--demo"],
        &[("CONVENE_RATE_LIMIT_FACTOR", "1000")],
    )
    .await
}

#[tokio::test]
async fn a_hundred_parallel_sign_ins_with_random_emails_keep_memory_bounded_and_answer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = server(&dir.path().join("data")).await;
    let pid = server.pid();
    let before = rss_mib(pid);
    let peak = std::sync::Arc::new(std::sync::Mutex::new(before));
    let sampling = {
        let peak = peak.clone();
        tokio::spawn(async move {
            loop {
                let now = rss_mib(pid);
                {
                    let mut p = peak.lock().expect("peak");
                    *p = p.max(now);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let url = server.url.clone();
    let started = Instant::now();
    let answers = at_once(100, |i| {
        let url = url.clone();
        async move {
            tokio::time::timeout(
                Duration::from_secs(60),
                Api::new(&url, None).post(
                    "/api/v1/auth/login",
                    json!({ "email": format!("stranger{i}-{}@example.com", uuid_ish(i)), "password": "guess-guess-guess" }),
                ),
            )
            .await
        }
    })
    .await;
    sampling.abort();
    let peak = *peak.lock().expect("peak");
    let mut statuses = std::collections::BTreeMap::new();
    for answer in &answers {
        let answer = answer
            .as_ref()
            .expect("every sign-in answered within a minute");
        assert!(
            matches!(answer.status, 401 | 429 | 503),
            "a sign-in flood answers 401, 429 or 503: {} {}",
            answer.status,
            answer.body
        );
        if answer.status == 503 {
            assert!(answer.headers.get("retry-after").is_some(), "503 says when");
        }
        *statuses.entry(answer.status).or_insert(0) += 1;
    }
    eprintln!(
        "100 sign-ins in {:?}: {statuses:?}; resident memory {before:.0} MiB -> peak {peak:.0} MiB",
        started.elapsed()
    );
    assert!(
        peak < 300.0,
        "the server's resident memory stayed under 300 MB (peak {peak:.0} MiB)"
    );
}

fn uuid_ish(i: usize) -> String {
    format!("{:x}", (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

#[tokio::test]
async fn a_client_sending_one_header_byte_a_second_is_cut_off() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = server(&dir.path().join("data")).await;
    let addr = server.url.trim_start_matches("http://").to_owned();
    let cut_off = tokio::task::spawn_blocking(move || {
        let mut socket = std::net::TcpStream::connect(&addr).expect("connect");
        socket
            .set_read_timeout(Some(Duration::from_millis(900)))
            .expect("timeout");
        let head = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        let started = Instant::now();
        for byte in head.iter().cycle() {
            if started.elapsed() > Duration::from_secs(40) {
                return None;
            }
            if socket.write_all(&[*byte]).is_err() {
                return Some(started.elapsed());
            }
            // The server closing shows as end of file (or a reset) on the read side.
            let mut buf = [0u8; 512];
            match socket.read(&mut buf) {
                Ok(0) => return Some(started.elapsed()),
                Ok(_) => return Some(started.elapsed()), // an answer (408) before closing
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(_) => return Some(started.elapsed()),
            }
        }
        None
    })
    .await
    .expect("slow client");
    let after = cut_off.expect("the server held a half-sent request open for 40 s");
    assert!(
        after < Duration::from_secs(20),
        "cut off after {after:?}; the head deadline is {:?}",
        convene_server::listen::HEADER_READ_TIMEOUT
    );
    // Meanwhile the server still answers everyone else.
    let health = Api::new(&server.url, None).get("/healthz").await;
    assert_eq!(health.status, 200);
}

/// Idempotency records belong to the authenticated caller: another caller sending the same key and
/// body gets their own answer; the same person in a new session gets theirs replayed; callers
/// without a session write nothing; answers carrying a secret are never kept.
#[tokio::test]
async fn idempotency_records_belong_to_the_caller_and_hold_no_secret() {
    let t = convene_testkit::TestServer::start(None).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let ben = t.agent("ben@demo.convene.test").await;
    let body = json!({ "subject": "Same key, same body" });
    let key = [("Idempotency-Key", "create-1")];
    let mine = ana
        .send(
            reqwest::Method::POST,
            "/api/v1/conversations",
            Some(body.clone()),
            &key,
        )
        .await;
    assert_eq!(mine.status, 201);
    let theirs = ben
        .send(
            reqwest::Method::POST,
            "/api/v1/conversations",
            Some(body.clone()),
            &key,
        )
        .await;
    assert_eq!(theirs.status, 201, "{}", theirs.body);
    assert_ne!(
        theirs.body["id"], mine.body["id"],
        "Ben's own conversation, not Ana's answer"
    );
    assert!(theirs.headers.get("idempotent-replayed").is_none());

    // Ana signs in again (the app after a sign-out) and retries: her answer, not a second one.
    let again = t.agent("ana@demo.convene.test").await;
    let retried = again
        .send(
            reqwest::Method::POST,
            "/api/v1/conversations",
            Some(body.clone()),
            &key,
        )
        .await;
    assert_eq!(
        retried.body["id"], mine.body["id"],
        "replayed across sessions"
    );
    assert_eq!(
        retried
            .headers
            .get("idempotent-replayed")
            .map(|v| v.to_str().unwrap_or("")),
        Some("true")
    );

    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM idempotency_keys")
            .fetch_one(t.server.store.pool())
            .await
            .expect("count")
    };
    let before = count().await;
    // No session, or a made-up one: nothing is written.
    for token in [None, Some("made-up-token".to_owned())] {
        for i in 0..5 {
            let answer = Api::new(&t.server.url(), token.clone())
                .send(
                    reqwest::Method::POST,
                    "/api/v1/auth/email-link",
                    Some(json!({ "email": format!("someone{i}@example.com") })),
                    &[("Idempotency-Key", &format!("anon-{i}"))],
                )
                .await;
            assert!(answer.status < 500, "{}", answer.body);
        }
    }
    assert_eq!(count().await, before, "strangers add no records");

    // A rotated Shareable Link's URL is a secret: its answer is not kept.
    let conversation = mine.body["id"].as_str().expect("id").to_owned();
    let rotated = ana
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/conversations/{conversation}/share-link/rotate"),
            None,
            &[("Idempotency-Key", "rotate-1")],
        )
        .await;
    let url = rotated.ok()["url"].as_str().expect("url").to_owned();
    let token = url.rsplit("/j/").next().expect("token").to_owned();
    let bodies: Vec<Vec<u8>> = sqlx::query_scalar("SELECT body FROM idempotency_keys")
        .fetch_all(t.server.store.pool())
        .await
        .expect("records");
    assert!(
        bodies
            .iter()
            .all(|b| !String::from_utf8_lossy(b).contains(&token)),
        "a link token at rest in an idempotency record"
    );
}

/// Names and addresses mail can carry: "Smith, John" is quoted as RFC 5322 requires and an
/// address with `+` and `'` is delivered; an address the mail library cannot send to is refused
/// up front with a 422 naming the field, and nothing is queued.
#[tokio::test]
async fn invites_reach_names_with_commas_and_refuse_unsendable_addresses() {
    let sink = convene_testkit::SmtpSink::start().await;
    let t = convene_testkit::TestServer::start(Some(&sink)).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let conversation = ana.new_conversation("Names").await;
    let path = format!("/api/v1/conversations/{conversation}/contact-invites");
    for (name, email) in [
        ("Smith, John", "john.smith@example.com"),
        ("Máire O'Brien (billing)", "o'brien+tag@example.com"),
    ] {
        ana.post(&path, json!({ "email": email, "name": name }))
            .await
            .ok();
    }
    let mails = sink.wait_for(2, Duration::from_secs(15)).await;
    assert_eq!(mails.len(), 2, "both invites were delivered");
    let smith = mails
        .iter()
        .find(|m| {
            m.rcpt_to
                .iter()
                .any(|r| r.contains("john.smith@example.com"))
        })
        .expect("Smith's email");
    // The To header as sent, before any decoding: the comma is inside a quoted string or an
    // encoded word, so the header names one mailbox, not "Smith" and "John <…>".
    let to = smith
        .raw
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("to:"))
        .expect("To header")
        .to_owned();
    assert!(
        to.contains("\"Smith, John\"") || to.contains("=?utf-8?"),
        "the name is quoted or an encoded word (RFC 5322 / RFC 2047): {to}"
    );
    assert_eq!(
        smith.header("To").as_deref(),
        Some("Smith, John <john.smith@example.com>"),
        "and reads back as the name and the address"
    );
    assert_eq!(smith.rcpt_to.len(), 1, "one recipient");
    assert!(
        mails.iter().any(|m| m
            .rcpt_to
            .iter()
            .any(|r| r.contains("o'brien+tag@example.com"))),
        "the address with + and ' got its email"
    );
    for bad in ["user.@x.com", "a@-x.com"] {
        let refused = ana.post(&path, json!({ "email": bad })).await;
        refused.problem(422, "invalid_input");
        assert_eq!(refused.body["field"], "email", "{bad}: {}", refused.body);
    }
    let queued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox_emails")
        .fetch_one(t.server.store.pool())
        .await
        .expect("count");
    assert_eq!(queued, 2, "nothing queued for the refused addresses");
}

/// The smaller doors: a JSON array where an object is expected, NUL and direction controls in
/// text, and answers that carry a session kept out of caches.
#[tokio::test]
async fn bodies_must_be_objects_and_text_must_be_plain() {
    let t = convene_testkit::TestServer::start(None).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let conversation = ana.new_conversation("Doors").await;
    let link = format!("/api/v1/conversations/{conversation}/share-link");
    ana.patch(&link, json!([false]))
        .await
        .problem(400, "malformed_body");
    assert_eq!(
        ana.get(&link).await.ok()["enabled"],
        true,
        "the link stayed enabled"
    );

    let messages = format!("/api/v1/conversations/{conversation}/messages");
    let nul = ana
        .post(&messages, json!({ "body": "paid\u{0} in full" }))
        .await;
    nul.problem(422, "invalid_input");
    assert_eq!(nul.body["field"], "body");
    ana.post(&messages, json!({ "body": "ok \u{202E}fdp.exe" }))
        .await
        .problem(422, "invalid_input");
    ana.post(
        "/api/v1/conversations",
        json!({ "subject": "Invoice \u{2066}paid\u{2069}" }),
    )
    .await
    .problem(422, "invalid_input");
    ana.post(&messages, json!({ "body": "two\nlines\tand a tab" }))
        .await
        .ok();

    let login = t
        .anonymous()
        .post(
            "/api/v1/auth/login",
            json!({"email": "ana@demo.convene.test", "password": convene_server::demo::DEMO_PASSWORD}),
        )
        .await;
    login.ok();
    assert_eq!(
        login
            .headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store"),
        "a session is not for caches"
    );
}

#[tokio::test]
async fn one_session_holds_a_bounded_number_of_streams_and_a_closed_one_frees_its_place() {
    use convene_server::streams::MAX_PER_SESSION;
    let t = convene_testkit::TestServer::start(None).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let mut open = Vec::new();
    for _ in 0..MAX_PER_SESSION {
        open.push(ana.stream().await);
    }
    assert_eq!(
        ana.try_stream().await.err(),
        Some(429),
        "the stream past the cap is refused"
    );
    // Another session (another device) has places of its own.
    let laptop = t.agent("ana@demo.convene.test").await;
    let mut other = laptop.stream().await;
    // A stream that closes frees its place (the server notices the close frame).
    open.pop().expect("a stream").close().await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut reopened = loop {
        match ana.try_stream().await {
            Ok(stream) => break stream,
            Err(429) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(status) => panic!("stream still refused: {status}"),
        }
    };
    // The streams that are open still carry changes.
    let conversation = ana.new_conversation("Streams").await;
    for stream in [&mut reopened, &mut other, &mut open[0]] {
        let frame = stream.expect("changed", Duration::from_secs(10)).await;
        assert_eq!(frame["conversation_id"], conversation.as_str());
    }
}

/// Invites to addresses the account never invited are capped per day: the team's, the customers'
/// (apart, so customers never use up the team's) and each inviting contact's. A caller who may not
/// invite cannot use a cap up; known addresses never count, but a contact at their cap is refused
/// every invite by email (so a refusal never tells who is a customer); racing invites never get
/// more than the cap; a refused invite stores nothing.
#[tokio::test]
async fn invites_to_new_addresses_have_daily_caps_that_only_invites_use_up() {
    let sink = convene_testkit::SmtpSink::start().await;
    let t = convene_testkit::TestServer::start_with(Some(&sink), |c| {
        c.limits.new_addresses.max = 4;
        c.limits.new_addresses_by_contact.max = 1;
    })
    .await;
    let ana = t.agent("ana@demo.convene.test").await;
    let conversation = ana.new_conversation("Caps").await;
    let invite = |api: &Api, email: &str| {
        let api = api.clone();
        let path = format!("/api/v1/conversations/{conversation}/contact-invites");
        let email = email.to_owned();
        async move { api.post(&path, json!({ "email": email })).await }
    };
    // A guest of the link may not invite: their refused attempts leave the cap alone.
    let token = ana.share_token(&conversation).await;
    let joined = t
        .anonymous()
        .post(
            &format!("/api/v1/join/{token}"),
            json!({"name": "Guest", "email": "guest@example.com"}),
        )
        .await;
    let guest = t
        .anonymous()
        .with_token(joined.ok()["token"].as_str().expect("token"));
    for i in 0..6 {
        invite(&guest, &format!("spam{i}@example.com"))
            .await
            .problem(403, "forbidden");
    }
    // 1 of the team's 4: Zoe (new to the account), who then invites one new address of her own
    // (from the customers' cap, not the team's), and no second.
    let zoe = t
        .seat_contact(&sink, &ana, &conversation, "zoe.caps@example.com")
        .await;
    assert_eq!(invite(&zoe, "friend1@example.com").await.status, 201);
    let refused = invite(&zoe, "friend2@example.com").await;
    let detail = refused.problem(429, "rate_limited");
    assert!(detail.contains("from you"), "{detail}");
    assert!(refused.headers.get("retry-after").is_some());
    // The team's cap: three more new addresses (2 to 4) at the same instant as four others, and
    // exactly three of the seven get in.
    let racing = at_once(7, |i| {
        let (ana, path) = (
            ana.clone(),
            format!("/api/v1/conversations/{conversation}/contact-invites"),
        );
        async move {
            ana.post(&path, json!({ "email": format!("new{i}@example.com") }))
                .await
                .status
        }
    })
    .await;
    assert_eq!(
        racing.iter().filter(|s| **s == 201).count(),
        3,
        "{racing:?}"
    );
    assert_eq!(
        racing.iter().filter(|s| **s == 429).count(),
        4,
        "{racing:?}"
    );
    let refused = invite(&ana, "new9@example.com").await;
    let detail = refused.problem(429, "rate_limited");
    assert!(detail.contains("for this account"), "{detail}");
    // Zoe, at her cap, is refused a known address too: the answer does not tell who is known.
    invite(&zoe, "friend1@example.com")
        .await
        .problem(429, "rate_limited");
    // Known addresses do not count: Zoe into another conversation still works.
    let other = ana.new_conversation("Follow-up").await;
    let again = ana
        .post(
            &format!("/api/v1/conversations/{other}/contact-invites"),
            json!({"email": "zoe.caps@example.com"}),
        )
        .await;
    assert_eq!(again.status, 201, "{}", again.body);
    // Nothing of the refused invites was stored.
    let stored: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM contacts WHERE email IN ('friend2@example.com', 'new9@example.com', 'spam0@example.com')",
    )
    .fetch_one(t.server.store.pool())
    .await
    .expect("count");
    assert_eq!(stored, 0, "no contact made for a refused invite");
    let new_contacts: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM contacts WHERE email LIKE 'new%@example.com'")
            .fetch_one(t.server.store.pool())
            .await
            .expect("count");
    assert_eq!(new_contacts, 3, "the race made exactly the cap's contacts");
    let mails = sink.wait_for(6, Duration::from_secs(15)).await;
    let to: Vec<String> = mails.iter().flat_map(|m| m.rcpt_to.clone()).collect();
    for refused in ["friend2@", "new9@", "spam0@"] {
        assert!(!to.iter().any(|r| r.contains(refused)), "{refused}: {to:?}");
    }
}

/// An email may be an agent of several accounts: creating one never says the email exists in
/// another account, and sign-in asks which account only among those the password opens.
#[tokio::test]
async fn an_email_may_be_an_agent_of_several_accounts_and_sign_in_asks_which() {
    use convene_server::auth::hash_password;
    let t = convene_testkit::TestServer::start(None).await;
    let store = &t.server.store;
    let demo = convene_server::demo::DEMO_PASSWORD;
    // Ana of the demo account also runs "Beta Repairs", with the same password; "Gamma" with another.
    let (beta, _) = store
        .create_account(
            "Beta Repairs",
            "ana@demo.convene.test",
            "Ana Lima",
            &hash_password(demo).expect("hash"),
        )
        .await
        .expect("the same email is the superadmin of a second account");
    let (gamma, _) = store
        .create_account(
            "Gamma",
            "ana@demo.convene.test",
            "Ana L.",
            &hash_password("another password").expect("hash"),
        )
        .await
        .expect("and of a third");

    let anonymous = t.anonymous();
    let login = |body: Value| {
        let anonymous = anonymous.clone();
        async move { anonymous.post("/api/v1/auth/login", body).await }
    };
    let ask = login(json!({"email": "ana@demo.convene.test", "password": demo})).await;
    ask.problem(409, "choose_account");
    let names: Vec<&str> = ask.body["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .map(|a| a["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        vec!["Beta Repairs", "Convene Demo"],
        "only the accounts this password opens"
    );
    let chosen = login(
        json!({"email": "ana@demo.convene.test", "password": demo, "account_id": beta.to_string()}),
    )
    .await;
    assert_eq!(chosen.ok()["me"]["account_id"], beta.to_string());
    assert_eq!(chosen.ok()["me"]["account_name"], "Beta Repairs");
    // The other password opens one account: no question asked.
    let other =
        login(json!({"email": "ana@demo.convene.test", "password": "another password"})).await;
    assert_eq!(other.ok()["me"]["account_id"], gamma.to_string());
    // A wrong password names no account; naming an account the password does not open is a 401.
    let wrong = login(json!({"email": "ana@demo.convene.test", "password": "wrong"})).await;
    wrong.problem(401, "unauthenticated");
    assert!(wrong.body.get("accounts").is_none(), "{}", wrong.body);
    login(json!({"email": "ana@demo.convene.test", "password": demo, "account_id": gamma.to_string()}))
        .await
        .problem(401, "unauthenticated");

    // Creating an agent whose email is an agent elsewhere succeeds, as for any new email; only a
    // duplicate inside the account is a conflict.
    let gamma_admin = t
        .anonymous()
        .with_token(other.ok()["token"].as_str().expect("token"));
    let created = gamma_admin
        .post(
            "/api/v1/agents",
            json!({"email": "ben@demo.convene.test", "name": "Ben Okafor", "role": "agent", "password": "a long password"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let twice = gamma_admin
        .post(
            "/api/v1/agents",
            json!({"email": "ben@demo.convene.test", "name": "Ben Okafor", "role": "agent", "password": "a long password"}),
        )
        .await;
    twice.problem(409, "conflict");
}

/// The bytes process `pid` has passed to `write` and friends (files and sockets alike).
fn written_bytes(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/io"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("wchar:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// `/readyz` writes a probe file to see whether the disk takes writes; asked in a loop by a
/// stranger it must not become a way to make the server write without bound.
#[tokio::test]
async fn readiness_asked_in_a_loop_writes_the_data_folder_at_most_once_a_second() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = server(&dir.path().join("data")).await;
    let http = reqwest::Client::new();
    let url = format!("{}/readyz", server.url);
    assert_eq!(http.get(&url).send().await.expect("readyz").status(), 200);
    let before = written_bytes(server.pid());
    let started = Instant::now();
    let answers = at_once(200, |_| {
        let (http, url) = (http.clone(), url.clone());
        async move { http.get(&url).send().await.map(|r| r.status().as_u16()) }
    })
    .await;
    assert!(answers.iter().all(|a| matches!(a, Ok(200))), "{answers:?}");
    let seconds = started.elapsed().as_secs() + 2;
    let written = written_bytes(server.pid()) - before;
    // Each probe is 64 KiB; 200 unshared probes would be 12.5 MiB.
    assert!(
        written < seconds * 64 * 1024 + 256 * 1024,
        "{written} bytes written for 200 readiness checks in under {seconds} s"
    );
}

/// The per-email bound on sign-ins from anywhere is for guessing from many places; a stranger who
/// uses it up must not lock the person out of the places they sign in from.
#[tokio::test]
async fn a_stranger_using_up_the_per_email_bound_locks_out_new_places_only() {
    let t = convene_testkit::TestServer::start_with(None, |c| {
        c.limits.login_email.max = 3;
    })
    .await;
    let url = t.server.url() + "/api/v1/auth/login";
    let from = |ip: &str| {
        reqwest::Client::builder()
            .local_address(ip.parse::<std::net::IpAddr>().expect("ip"))
            .build()
            .expect("client")
    };
    let (home, stranger, cafe) = (from("127.0.0.1"), from("127.0.0.2"), from("127.0.0.3"));
    let good =
        json!({"email": "ana@demo.convene.test", "password": convene_server::demo::DEMO_PASSWORD});
    let bad = json!({"email": "ana@demo.convene.test", "password": "guess"});
    let status = |client: &reqwest::Client, body: &Value| {
        let request = client.post(&url).json(body);
        async move { request.send().await.expect("sign-in").status().as_u16() }
    };
    assert_eq!(status(&home, &good).await, 200);
    let mut answers = Vec::new();
    for _ in 0..5 {
        answers.push(status(&stranger, &bad).await);
    }
    assert_eq!(
        answers.last(),
        Some(&429),
        "the stranger hit the bound: {answers:?}"
    );
    assert_eq!(
        status(&home, &good).await,
        200,
        "the person still signs in at home"
    );
    assert_eq!(
        status(&cafe, &good).await,
        429,
        "a new place waits out the bound"
    );
}
