//! Several `convene-server` processes on one PostgreSQL database: realtime crosses instances, the
//! shared outbox delivers every email once even when an instance dies, idempotency keys hold across
//! instances. Runs when `CONVENE_TEST_DATABASE_URL` names a PostgreSQL server (the test command's
//! PostgreSQL pass); on the SQLite pass it says so and returns.

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

use convene_testkit::{Api, ServerProcess, SmtpSink};
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_convene-server");
const SECRET: &str = "scale-test-secret-shared-by-every-instance";

async fn instance(dir: &Path, database: &str, smtp: &SmtpSink) -> ServerProcess {
    ServerProcess::start(
        Path::new(BIN),
        dir,
        &["--demo"],
        &[
            ("DATABASE_URL", database),
            ("CONVENE_SECRET", SECRET),
            ("SMTP_URL", &smtp.url()),
            ("CONVENE_RATE_LIMIT_FACTOR", "100"),
        ],
    )
    .await
}

async fn login(base: &str, email: &str) -> Api {
    let answer = Api::new(base, None)
        .post(
            "/api/v1/auth/login",
            json!({"email": email, "password": "convene-demo"}),
        )
        .await;
    Api::new(
        base,
        Some(answer.ok()["token"].as_str().expect("token").to_owned()),
    )
}

fn message_id(raw: &str) -> Option<String> {
    raw.lines()
        .find(|l| l.to_ascii_lowercase().starts_with("message-id:"))
        .map(|l| l[11..].trim().to_owned())
}

#[tokio::test]
async fn two_instances_share_realtime_the_outbox_and_idempotency() {
    let Some(database) = convene_testkit::fresh_database().await else {
        eprintln!(
            "skipped: needs PostgreSQL (set {}; cargo xtask test does)",
            convene_testkit::TEST_DATABASE_ENV
        );
        return;
    };
    let sink = SmtpSink::start().await;
    let root = tempfile::tempdir().expect("tempdir");
    let a = instance(&root.path().join("a"), &database, &sink).await;
    let b = instance(&root.path().join("b"), &database, &sink).await;

    // Realtime across instances: Ana on A invites Femi, whose stream is on B.
    let ana_a = login(&a.url, "ana@demo.convene.test").await;
    let femi_b = login(&b.url, "femi@demo.convene.test").await;
    let mut stream = femi_b.stream().await;
    let conversation = ana_a
        .post(
            "/api/v1/conversations",
            json!({"subject": "Across instances"}),
        )
        .await
        .ok()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let femi_id = femi_b.get("/api/v1/me").await.ok()["id"].clone();
    ana_a
        .post(
            &format!("/api/v1/conversations/{conversation}/agent-invites"),
            json!({"agent_id": femi_id}),
        )
        .await
        .ok();
    let frame = stream.expect("invited", Duration::from_secs(10)).await;
    assert_eq!(frame["invite"]["conversation_subject"], "Across instances");

    // One Idempotency-Key sent to A and then to B: one effect.
    let ana_b = ana_a.with_token(ana_a.token.as_deref().expect("token"));
    let ana_b = Api::new(&b.url, ana_b.token.clone());
    let path = format!("/api/v1/conversations/{conversation}/contact-invites");
    let key = [("Idempotency-Key", "same-key-on-two-instances")];
    let first = ana_a
        .send(
            reqwest::Method::POST,
            &path,
            Some(json!({"email": "once@example.com"})),
            &key,
        )
        .await;
    let second = ana_b
        .send(
            reqwest::Method::POST,
            &path,
            Some(json!({"email": "once@example.com"})),
            &key,
        )
        .await;
    assert_eq!(first.status, 201);
    assert_eq!(second.status, 201);
    assert_eq!(first.body, second.body, "B answered A's stored response");
    let people = ana_a
        .get(&format!(
            "/api/v1/conversations/{conversation}/participants"
        ))
        .await;
    let onces = people.ok()["invites"]
        .as_array()
        .expect("invites")
        .iter()
        .filter(|i| i["invitee_email"] == "once@example.com")
        .count();
    assert_eq!(onces, 1, "one invite");

    // 200 invites through both instances, both outbox workers running; A dies half-way through delivery.
    let bulk = ana_a
        .post("/api/v1/conversations", json!({"subject": "Bulk"}))
        .await
        .ok()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let already = sink.messages().len();
    for i in 0..200 {
        let via = if i % 2 == 0 { &ana_a } else { &ana_b };
        let r = via
            .post(
                &format!("/api/v1/conversations/{bulk}/contact-invites"),
                json!({"email": format!("bulk{i}@example.com")}),
            )
            .await;
        assert_eq!(r.status, 201, "invite {i}: {}", r.body);
    }
    let deadline = Instant::now() + Duration::from_secs(15);
    while sink.messages().len() < already + 40 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    a.kill();

    let bulk_ids = |all: &[convene_testkit::ReceivedEmail]| -> (usize, HashSet<String>) {
        let bulk: Vec<_> = all
            .iter()
            .filter(|m| m.rcpt_to.iter().any(|r| r.contains("bulk")))
            .collect();
        (
            bulk.len(),
            bulk.iter().filter_map(|m| message_id(&m.raw)).collect(),
        )
    };
    // Emails A had claimed come back to B when A's lease expires (30 s).
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let (_, ids) = bulk_ids(&sink.messages());
        if ids.len() >= 200 || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (total, ids) = bulk_ids(&sink.messages());
    assert_eq!(
        ids.len(),
        200,
        "every invite's email arrived ({total} received)"
    );
    let mut recipients = HashSet::new();
    for m in sink.messages() {
        for r in &m.rcpt_to {
            if r.contains("bulk") {
                recipients.insert(r.clone());
            }
        }
    }
    assert_eq!(recipients.len(), 200, "to 200 different people");
    // Only an email A was handing to SMTP at the moment it died may arrive twice (same Message-ID).
    assert!(total - ids.len() <= 5, "{} duplicates", total - ids.len());
    drop(b);
}

/// Fires every request at the same instant; answers the statuses in order.
async fn at_once(calls: Vec<(Api, String, serde_json::Value)>) -> Vec<u16> {
    convene_testkit::at_once(calls.len(), |i| {
        let (api, path, body) = calls[i].clone();
        async move { api.post(&path, body).await.status }
    })
    .await
}

#[tokio::test]
async fn rules_and_the_feed_hold_across_two_instances_racing() {
    let Some(database) = convene_testkit::fresh_database().await else {
        eprintln!(
            "skipped: needs PostgreSQL (set {}; cargo xtask test does)",
            convene_testkit::TEST_DATABASE_ENV
        );
        return;
    };
    let sink = SmtpSink::start().await;
    let root = tempfile::tempdir().expect("tempdir");
    let a = instance(&root.path().join("a"), &database, &sink).await;
    let b = instance(&root.path().join("b"), &database, &sink).await;
    let ana_a = login(&a.url, "ana@demo.convene.test").await;
    let ana_b = login(&b.url, "ana@demo.convene.test").await;

    // A link with max_uses 4, joined by 16 strangers through both instances at once.
    for round in 0..3 {
        let conversation = ana_a
            .post("/api/v1/conversations", json!({"subject": "Seats"}))
            .await
            .ok()["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let link = ana_a
            .patch(
                &format!("/api/v1/conversations/{conversation}/share-link"),
                json!({"max_uses": 4}),
            )
            .await;
        let token = link.ok()["url"]
            .as_str()
            .expect("url")
            .rsplit("/j/")
            .next()
            .expect("token")
            .to_owned();
        let calls = (0..16)
            .map(|i| {
                let base = if i % 2 == 0 { &a.url } else { &b.url };
                (
                    Api::new(base, None),
                    format!("/api/v1/join/{token}"),
                    json!({"name": format!("S{i}"), "email": format!("s{round}-{i}@example.com")}),
                )
            })
            .collect();
        let statuses = at_once(calls).await;
        assert!(statuses.iter().all(|s| *s < 500), "{statuses:?}");
        assert_eq!(
            statuses.iter().filter(|s| **s == 200).count(),
            4,
            "round {round}: {statuses:?}"
        );
    }

    // One Idempotency-Key sent to both instances at the same instant: one invite, no 5xx.
    let dev = login(&a.url, "dev@demo.convene.test").await;
    let dev_id = dev.get("/api/v1/me").await.ok()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    for round in 0..3 {
        let conversation = ana_a
            .post("/api/v1/conversations", json!({"subject": "Keyed"}))
            .await
            .ok()["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let key = format!("race-{round}-{}", uuid_like(&conversation));
        let statuses = convene_testkit::at_once(4, |i| {
            let api = if i % 2 == 0 {
                ana_a.clone()
            } else {
                ana_b.clone()
            };
            let path = format!("/api/v1/conversations/{conversation}/agent-invites");
            let body = json!({"agent_id": dev_id});
            let key = key.clone();
            async move {
                api.send(
                    reqwest::Method::POST,
                    &path,
                    Some(body),
                    &[("Idempotency-Key", &key)],
                )
                .await
                .status
            }
        })
        .await;
        assert!(
            statuses.iter().all(|s| *s < 500),
            "round {round}: {statuses:?}"
        );
        assert!(statuses.contains(&201), "round {round}: {statuses:?}");
        let invites = ana_a
            .get(&format!(
                "/api/v1/conversations/{conversation}/participants"
            ))
            .await;
        assert_eq!(
            invites.ok()["invites"].as_array().map(Vec::len),
            Some(1),
            "round {round}: one invite whatever the instance"
        );
    }

    // Sixteen writers on both instances; a follower syncing through A sees every message.
    let conversation = ana_a
        .post("/api/v1/conversations", json!({"subject": "Busy"}))
        .await
        .ok()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let first = ana_a.get("/api/v1/sync").await;
    let mut cursor = first.ok()["cursor"].as_str().expect("cursor").to_owned();
    while ana_a
        .get(&format!("/api/v1/sync?cursor={cursor}"))
        .await
        .ok()["has_more"]
        == true
    {
        cursor = ana_a
            .get(&format!("/api/v1/sync?cursor={cursor}"))
            .await
            .ok()["cursor"]
            .as_str()
            .expect("cursor")
            .to_owned();
    }
    // A realtime follower on instance B: it syncs (through B) only when B's stream says so.
    let stream_follower = {
        let api = ana_b.clone();
        let conversation = conversation.clone();
        let mut cursor = cursor.clone();
        let mut stream = api.stream().await;
        tokio::spawn(async move {
            let mut seen = HashSet::new();
            let mut quiet_after = Duration::from_secs(30);
            while let Some(frame) = stream.next(quiet_after).await {
                if frame["type"] == "changed" && frame["conversation_id"] == conversation.as_str() {
                    loop {
                        let page = api.get(&format!("/api/v1/sync?cursor={cursor}")).await;
                        seen.extend(
                            page.ok()["messages"]
                                .as_array()
                                .into_iter()
                                .flatten()
                                .filter(|m| m["conversation_id"] == conversation.as_str())
                                .map(|m| m["id"].as_str().expect("id").to_owned()),
                        );
                        cursor = page.body["cursor"].as_str().expect("cursor").to_owned();
                        if page.body["has_more"] != true {
                            break;
                        }
                    }
                }
                if seen.len() >= 320 {
                    // Everything arrived; stay a little to make sure the stream stays sane.
                    quiet_after = Duration::from_secs(2);
                }
            }
            seen
        })
    };
    let writers: Vec<_> = (0..16)
        .map(|w| {
            let api = if w % 2 == 0 {
                ana_a.clone()
            } else {
                ana_b.clone()
            };
            let path = format!("/api/v1/conversations/{conversation}/messages");
            tokio::spawn(async move {
                for i in 0..20 {
                    api.post(&path, json!({"body": format!("w{w} m{i}")}))
                        .await
                        .ok();
                }
            })
        })
        .collect();
    let mut seen = HashSet::new();
    let follow = |cursor: String| {
        let api = ana_a.clone();
        let conversation = conversation.clone();
        async move {
            let page = api.get(&format!("/api/v1/sync?cursor={cursor}")).await;
            let ids: Vec<String> = page.ok()["messages"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|m| m["conversation_id"] == conversation.as_str())
                .map(|m| m["id"].as_str().expect("id").to_owned())
                .collect();
            (
                ids,
                page.body["cursor"].as_str().expect("cursor").to_owned(),
            )
        }
    };
    // Follow while they write; once they are done, a few more passes collect the last commits
    // (a row becomes readable once every older transaction has ended).
    let mut deadline = None;
    loop {
        let (ids, next) = follow(cursor.clone()).await;
        seen.extend(ids);
        cursor = next;
        if writers.iter().all(|w| w.is_finished()) {
            let until = *deadline.get_or_insert_with(|| Instant::now() + Duration::from_secs(10));
            if seen.len() >= 320 || Instant::now() > until {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    for w in writers {
        w.await.expect("writer");
    }
    assert_eq!(
        seen.len(),
        320,
        "the follower saw every message written through both instances"
    );
    let streamed = stream_follower.await.expect("stream follower");
    assert_eq!(
        streamed.len(),
        320,
        "the realtime follower on the other instance was told of every message"
    );
}

/// A key part that differs per conversation.
fn uuid_like(id: &str) -> String {
    id.chars().filter(char::is_ascii_alphanumeric).collect()
}

#[tokio::test]
async fn a_suspension_and_the_last_superadmin_guard_hold_across_two_instances() {
    let Some(database) = convene_testkit::fresh_database().await else {
        eprintln!(
            "skipped: needs PostgreSQL (set {}; cargo xtask test does)",
            convene_testkit::TEST_DATABASE_ENV
        );
        return;
    };
    let sink = SmtpSink::start().await;
    let root = tempfile::tempdir().expect("tempdir");
    let a = instance(&root.path().join("a"), &database, &sink).await;
    let b = instance(&root.path().join("b"), &database, &sink).await;
    let ana_a = login(&a.url, "ana@demo.convene.test").await;
    let ben_b = login(&b.url, "ben@demo.convene.test").await;
    let team = ana_a.get("/api/v1/team/agents").await;
    let id = |name: &str| {
        team.ok()["agents"]
            .as_array()
            .expect("agents")
            .iter()
            .find(|r| r["agent"]["name"] == name)
            .expect("listed")["agent"]["id"]
            .as_str()
            .expect("id")
            .to_owned()
    };
    let (ana, ben, femi) = (id("Ana Lima"), id("Ben Okafor"), id("Femi Adeyemi"));

    // Femi's stream is on B, with nothing waiting for him; Ana suspends him on A.
    let femi_b = login(&b.url, "femi@demo.convene.test").await;
    let mut stream = femi_b.stream().await;
    let suspended = ana_a
        .post(&format!("/api/v1/agents/{femi}/suspend"), json!({}))
        .await;
    assert_eq!(suspended.ok()["status"], "suspended");
    assert!(
        stream.closed_within(Duration::from_secs(5)).await,
        "the stream on the other instance closes at once"
    );
    assert_eq!(femi_b.get("/api/v1/me").await.status, 401);

    // Two superadmins on two instances demote each other at the same instant: one stays.
    for round in 0..4 {
        ana_a
            .put(
                &format!("/api/v1/agents/{ben}/role"),
                json!({"role": "superadmin"}),
            )
            .await
            .ok();
        let calls = [(ana_a.clone(), ben.clone()), (ben_b.clone(), ana.clone())];
        let statuses = convene_testkit::at_once(2, |i| {
            let (api, target) = calls[i].clone();
            async move {
                api.put(
                    &format!("/api/v1/agents/{target}/role"),
                    json!({"role": "admin"}),
                )
                .await
                .status
            }
        })
        .await;
        assert!(
            statuses.contains(&200) && statuses.iter().all(|s| [200, 403, 409].contains(s)),
            "round {round}: {statuses:?}"
        );
        let supers = ana_a
            .get("/api/v1/team/agents?role=superadmin&status=active")
            .await;
        let left = supers.ok()["agents"].as_array().expect("agents").len();
        assert_eq!(left, 1, "round {round}: {}", supers.body);
        // Whoever is left makes Ana a superadmin again.
        for api in [&ana_a, &ben_b] {
            api.put(
                &format!("/api/v1/agents/{ana}/role"),
                json!({"role": "superadmin"}),
            )
            .await;
        }
    }
}
