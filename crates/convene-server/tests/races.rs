//! Every counted or guarded rule under racing requests (issue 13): each case fires its requests at
//! the same instant (a barrier) and repeats, then asserts the rule. SQLite serialises its writers,
//! so these pass there by construction; the PostgreSQL pass of the test command (READ COMMITTED,
//! many connections) is where they bite.

use std::collections::BTreeSet;
use std::sync::Arc;

use convene_testkit::{at_once, Answer, Api, TestServer};
use serde_json::{json, Value};

async fn server() -> TestServer {
    TestServer::start_with(None, |c| {
        c.limits = convene_server::ratelimit::Limits::scaled(1000)
    })
    .await
}

fn no_5xx(answers: &[Answer], what: &str) {
    for a in answers {
        assert!(a.status < 500, "{what}: {} {}", a.status, a.body);
    }
}

async fn id_of(api: &Api) -> String {
    api.get("/api/v1/me").await.ok()["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn people(api: &Api, conversation: &str) -> Value {
    api.get(&format!(
        "/api/v1/conversations/{conversation}/participants"
    ))
    .await
    .ok()
    .clone()
}

#[tokio::test]
async fn a_link_with_max_uses_admits_exactly_that_many_racing_strangers() {
    let t = server().await;
    let ana = t.agent("ana@demo.convene.test").await;
    for round in 0..3 {
        let conversation = ana.new_conversation("Limited seats").await;
        let link = ana
            .patch(
                &format!("/api/v1/conversations/{conversation}/share-link"),
                json!({ "max_uses": 5 }),
            )
            .await;
        let token = link.ok()["url"]
            .as_str()
            .expect("url")
            .rsplit("/j/")
            .next()
            .expect("token")
            .to_owned();
        let anon = t.anonymous();
        let answers = at_once(20, |i| {
            let anon = anon.clone();
            let token = token.clone();
            async move {
                anon.post(
                    &format!("/api/v1/join/{token}"),
                    json!({ "name": format!("Guest {i}"), "email": format!("g{round}-{i}@example.com") }),
                )
                .await
            }
        })
        .await;
        no_5xx(&answers, "link joins");
        let joined = answers.iter().filter(|a| a.status == 200).count();
        assert_eq!(joined, 5, "round {round}: exactly max_uses joins");
        let after = ana
            .get(&format!("/api/v1/conversations/{conversation}/share-link"))
            .await;
        assert_eq!(after.ok()["uses"], 5);
        assert_eq!(after.body["joined"].as_array().map(Vec::len), Some(5));
    }
}

#[tokio::test]
async fn two_owners_leaving_at_once_leave_one_owner() {
    let t = server().await;
    let eva = t.agent("eva@demo.convene.test").await;
    let chloe = t.agent("chloe@demo.convene.test").await;
    let ana = t.agent("ana@demo.convene.test").await;
    for round in 0..6 {
        let conversation = eva.new_conversation("Hand-over").await;
        eva.seat(&chloe, &conversation).await;
        let pid = eva
            .participant_id(&conversation, "chloe@demo.convene.test")
            .await;
        eva.post(
            &format!("/api/v1/conversations/{conversation}/participants/{pid}/make-owner"),
            json!({}),
        )
        .await
        .ok();
        let leavers = [eva.clone(), chloe.clone()];
        let answers = at_once(2, |i| {
            let api = leavers[i].clone();
            let path = format!("/api/v1/conversations/{conversation}/leave");
            async move { api.post(&path, json!({})).await }
        })
        .await;
        no_5xx(&answers, "leave");
        let owners = people(&ana, &conversation).await["participants"]
            .as_array()
            .expect("participants")
            .iter()
            .filter(|p| p["role"] == "owner" && p["state"] == "joined")
            .count();
        assert_eq!(
            owners,
            1,
            "round {round}: {:?}",
            answers.iter().map(|a| a.status).collect::<Vec<_>>()
        );
    }
}

#[tokio::test]
async fn identical_add_agent_requests_at_once_make_one_invite_and_no_error() {
    let t = server().await;
    let ana = t.agent("ana@demo.convene.test").await;
    let dev = t.agent("dev@demo.convene.test").await;
    let dev_id = id_of(&dev).await;
    for round in 0..3 {
        let conversation = ana.new_conversation("Escalation").await;
        let answers = at_once(12, |_| {
            let ana = ana.clone();
            let path = format!("/api/v1/conversations/{conversation}/agent-invites");
            let body = json!({ "agent_id": dev_id });
            async move { ana.post(&path, body).await }
        })
        .await;
        no_5xx(&answers, "add agent");
        let ids: BTreeSet<String> = answers
            .iter()
            .map(|a| a.ok()["invite"]["id"].as_str().expect("invite").to_owned())
            .collect();
        assert_eq!(
            ids.len(),
            1,
            "round {round}: every answer names the one invite"
        );
        let pending = people(&ana, &conversation).await["invites"]
            .as_array()
            .expect("invites")
            .len();
        assert_eq!(pending, 1);
    }
}

#[tokio::test]
async fn crew_agents_accepting_one_request_at_once_fulfil_it_once() {
    let t = server().await;
    let ana = t.agent("ana@demo.convene.test").await;
    let crews = ana.get("/api/v1/crews").await;
    let crew = crews.ok()["crews"]
        .as_array()
        .expect("crews")
        .iter()
        .find(|c| c["name"] == "Technical Support")
        .cloned()
        .expect("crew");
    let mut members = Vec::new();
    for email in [
        "dev@demo.convene.test",
        "eva@demo.convene.test",
        "femi@demo.convene.test",
    ] {
        let api = t.agent(email).await;
        members.push((id_of(&api).await, api));
    }
    for round in 0..5 {
        let conversation = ana.new_conversation("Outage").await;
        let request = ana
            .post(
                &format!("/api/v1/conversations/{conversation}/service-requests"),
                json!({ "crew_id": crew["id"] }),
            )
            .await;
        assert_eq!(request.status, 201, "{}", request.body);
        let invites = people(&ana, &conversation).await["invites"].clone();
        let mut calls = Vec::new();
        for (id, api) in &members {
            let invite = invites
                .as_array()
                .expect("invites")
                .iter()
                .find(|i| i["agent_id"] == id.as_str())
                .and_then(|i| i["id"].as_str())
                .expect("an invite for each crew agent")
                .to_owned();
            calls.push((api.clone(), invite));
        }
        let answers = at_once(calls.len(), |i| {
            let (api, invite) = calls[i].clone();
            async move {
                api.post(&format!("/api/v1/invites/{invite}/accept"), json!({}))
                    .await
            }
        })
        .await;
        no_5xx(&answers, "accept");
        let ok = answers.iter().filter(|a| a.status == 200).count();
        assert_eq!(ok, 1, "round {round}: one agent fulfils the request");
        let joined_agents = people(&ana, &conversation).await["participants"]
            .as_array()
            .expect("participants")
            .iter()
            .filter(|p| p["role"] == "agent" && p["state"] == "joined")
            .count();
        assert_eq!(joined_agents, 1, "round {round}");
    }
}

/// The ids of the messages of `conversation` that a sync from `from` (none: a first sync) shows.
async fn synced_messages(
    api: &Api,
    conversation: &str,
    from: Option<String>,
) -> (BTreeSet<String>, String) {
    let first = from.is_none();
    let mut cursor = from;
    let mut ids = BTreeSet::new();
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/sync?cursor={c}"),
            None => "/api/v1/sync".to_owned(),
        };
        let page = api.get(&path).await;
        for m in page.ok()["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|m| m["conversation_id"] == conversation)
        {
            ids.insert(m["id"].as_str().expect("id").to_owned());
        }
        cursor = page.body["cursor"].as_str().map(str::to_owned);
        if page.body["has_more"] != true {
            break;
        }
    }
    // A first sync brings each conversation's newest messages; the history follows.
    let mut history = String::new();
    if !first {
        return (ids, cursor.expect("cursor"));
    }
    loop {
        let page = api
            .get(&format!("/api/v1/sync/history?cursor={history}"))
            .await;
        for m in page.ok()["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|m| m["conversation_id"] == conversation)
        {
            ids.insert(m["id"].as_str().expect("id").to_owned());
        }
        history = page.body["cursor"].as_str().expect("cursor").to_owned();
        if page.body["has_more"] != true {
            break;
        }
    }
    (ids, cursor.expect("cursor"))
}

#[tokio::test]
async fn a_sync_follower_misses_nothing_while_sixteen_writers_post() {
    let t = server().await;
    let ana = t.agent("ana@demo.convene.test").await;
    let conversation = ana.new_conversation("Busy").await;
    let (mut seen, mut cursor) = synced_messages(&ana, &conversation, None).await;
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..16)
        .map(|w| {
            let ana = ana.clone();
            let path = format!("/api/v1/conversations/{conversation}/messages");
            tokio::spawn(async move {
                for i in 0..25 {
                    ana.post(&path, json!({ "body": format!("w{w} m{i}") }))
                        .await
                        .ok();
                }
            })
        })
        .collect();
    let follower = {
        let ana = ana.clone();
        let conversation = conversation.clone();
        let done = done.clone();
        tokio::spawn(async move {
            loop {
                let finished = done.load(std::sync::atomic::Ordering::SeqCst);
                let (more, next) = synced_messages(&ana, &conversation, Some(cursor.clone())).await;
                seen.extend(more);
                cursor = next;
                if finished {
                    return seen;
                }
            }
        })
    };
    for w in writers {
        w.await.expect("writer");
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let followed = follower.await.expect("follower");
    let (fresh, _) = synced_messages(&ana, &conversation, None).await;
    assert_eq!(fresh.len(), 16 * 25, "every message was stored");
    let missed: Vec<_> = fresh.difference(&followed).collect();
    assert!(
        missed.is_empty(),
        "the follower missed {} of {}",
        missed.len(),
        fresh.len()
    );
}

#[tokio::test]
async fn resends_of_one_invite_at_once_send_it_once() {
    let t = server().await;
    let ana = t.agent("ana@demo.convene.test").await;
    for round in 0..4 {
        let conversation = ana.new_conversation("Reminder").await;
        let invite = ana
            .post(
                &format!("/api/v1/conversations/{conversation}/contact-invites"),
                json!({ "email": format!("late{round}@example.com") }),
            )
            .await;
        let id = invite.ok()["invite"]["id"]
            .as_str()
            .expect("invite")
            .to_owned();
        let answers = at_once(6, |_| {
            let ana = ana.clone();
            let path = format!("/api/v1/invites/{id}/resend");
            async move { ana.post(&path, json!({})).await }
        })
        .await;
        no_5xx(&answers, "resend");
        let sent = answers.iter().filter(|a| a.status == 200).count();
        assert_eq!(
            sent, 1,
            "round {round}: once a minute, however many press at once"
        );
        assert!(answers.iter().all(|a| a.status == 200 || a.status == 429));
        let pending = people(&ana, &conversation).await["invites"][0]["send_count"].clone();
        assert_eq!(pending, 2, "round {round}: the invite and one resend");
    }
}

/// A realtime follower does what the apps do: it syncs only when its stream says something
/// changed, from its own cursor. While sixteen writers post, what it ends with is what a fresh
/// full sync shows: no change is announced before it can be read, and none goes unannounced.
#[tokio::test]
async fn a_stream_follower_misses_nothing_while_sixteen_writers_post() {
    let t = server().await;
    let ana = t.agent("ana@demo.convene.test").await;
    let ben = t.agent("ben@demo.convene.test").await;
    let conversation = ana.new_conversation("Busy stream").await;
    ana.seat(&ben, &conversation).await;
    let (mut seen, mut cursor) = synced_messages(&ben, &conversation, None).await;
    let mut stream = ben.stream().await;
    let writers: Vec<_> = (0..16)
        .map(|w| {
            let api = if w % 2 == 0 { ana.clone() } else { ben.clone() };
            let path = format!("/api/v1/conversations/{conversation}/messages");
            tokio::spawn(async move {
                for i in 0..25 {
                    api.post(&path, json!({ "body": format!("w{w} m{i}") }))
                        .await
                        .ok();
                }
            })
        })
        .collect();
    let mut told = 0;
    loop {
        let finished = writers.iter().all(|w| w.is_finished());
        // Once the writers are done, a quiet stream means the follower has been told everything.
        let wait = std::time::Duration::from_secs(if finished { 3 } else { 30 });
        let Some(frame) = stream.next(wait).await else {
            break;
        };
        if frame["type"] == "changed" && frame["conversation_id"] == conversation.as_str() {
            told += 1;
            let (more, next) = synced_messages(&ben, &conversation, Some(cursor.clone())).await;
            seen.extend(more);
            cursor = next;
        }
    }
    for w in writers {
        w.await.expect("writer");
    }
    let (fresh, _) = synced_messages(&ben, &conversation, None).await;
    assert_eq!(fresh.len(), 16 * 25, "every message was stored");
    let missed: Vec<_> = fresh.difference(&seen).collect();
    assert!(
        missed.is_empty(),
        "the stream follower missed {} of {} (told {told} times)",
        missed.len(),
        fresh.len()
    );
}

/// Invites sent by several writers at the same instant each reach their invitee's stream, once.
#[tokio::test]
async fn invites_from_racing_writers_each_reach_the_invitees_stream() {
    let t = server().await;
    let ana = t.agent("ana@demo.convene.test").await;
    let ben = t.agent("ben@demo.convene.test").await;
    let invitees = ["chloe", "dev", "eva", "femi"];
    let mut apis = Vec::new();
    let mut streams = Vec::new();
    for name in invitees {
        let api = t.agent(&format!("{name}@demo.convene.test")).await;
        streams.push(api.stream().await);
        apis.push(api);
    }
    let mut ids = Vec::new();
    for api in &apis {
        ids.push(id_of(api).await);
    }
    let rounds = 4;
    let mut sent: Vec<BTreeSet<String>> = vec![BTreeSet::new(); invitees.len()];
    for round in 0..rounds {
        // Two writers, each with a conversation of their own, invite all four at once.
        let a = ana.new_conversation(&format!("Round {round} a")).await;
        let b = ben.new_conversation(&format!("Round {round} b")).await;
        let calls: Vec<(Api, String, String, usize)> = [(&ana, &a), (&ben, &b)]
            .into_iter()
            .flat_map(|(api, conv)| {
                ids.iter()
                    .enumerate()
                    .map(move |(i, id)| (api.clone(), conv.clone(), id.clone(), i))
            })
            .collect();
        let answers = at_once(calls.len(), |k| {
            let (api, conv, id, _) = calls[k].clone();
            async move {
                api.post(
                    &format!("/api/v1/conversations/{conv}/agent-invites"),
                    json!({ "agent_id": id }),
                )
                .await
            }
        })
        .await;
        no_5xx(&answers, "racing invites");
        for (answer, (_, _, _, i)) in answers.iter().zip(&calls) {
            sent[*i].insert(
                answer.ok()["invite"]["id"]
                    .as_str()
                    .expect("invite id")
                    .to_owned(),
            );
        }
    }
    for (i, stream) in streams.iter_mut().enumerate() {
        let mut received = BTreeSet::new();
        while received.len() < sent[i].len() {
            let Some(frame) = stream.next(std::time::Duration::from_secs(10)).await else {
                break;
            };
            if frame["type"] == "invited" {
                let id = frame["invite"]["id"].as_str().expect("id").to_owned();
                assert!(received.insert(id), "{}: an invite told twice", invitees[i]);
            }
        }
        assert_eq!(
            received, sent[i],
            "{}: every invite reached the stream",
            invitees[i]
        );
    }
}

/// One email invite's link redeemed twice at the same instant (a double click, a mail client's
/// prefetch racing the person): the contact joins once, with one "joined" in the timeline.
#[tokio::test]
async fn an_invite_link_redeemed_twice_at_once_joins_once() {
    let sink = convene_testkit::SmtpSink::start().await;
    let t = TestServer::start_with(Some(&sink), |c| {
        c.limits = convene_server::ratelimit::Limits::scaled(1000)
    })
    .await;
    let ana = t.agent("ana@demo.convene.test").await;
    for round in 0..4 {
        let conversation = ana.new_conversation(&format!("Double click {round}")).await;
        let email = format!("twice{round}@example.com");
        ana.post(
            &format!("/api/v1/conversations/{conversation}/contact-invites"),
            json!({ "email": email, "name": "Twice" }),
        )
        .await
        .ok();
        let mails = sink
            .wait_for(round + 1, std::time::Duration::from_secs(10))
            .await;
        let link = mails[round].join_link().expect("join link");
        let token = link.rsplit("/j/").next().expect("token").to_owned();
        let url = t.server.url();
        let answers = at_once(6, |_| {
            let (url, token) = (url.clone(), token.clone());
            async move {
                Api::new(&url, None)
                    .post(&format!("/api/v1/join/{token}"), json!({}))
                    .await
            }
        })
        .await;
        no_5xx(&answers, "racing redemptions");
        let events = ana
            .get(&format!("/api/v1/conversations/{conversation}/events"))
            .await;
        let joined = events.ok()["events"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["kind"] == "participant_joined")
            .count();
        assert_eq!(joined, 1, "round {round}: one join in the timeline");
    }
}

/// Two conversations invite the same new address at the same instant: one contact, two invites,
/// no error (the contact is created once; the lock is per conversation, the index is not).
#[tokio::test]
async fn one_new_address_invited_into_two_conversations_at_once_is_one_contact() {
    let t = server().await;
    let ana = t.agent("ana@demo.convene.test").await;
    for round in 0..4 {
        let a = ana.new_conversation(&format!("First {round}")).await;
        let b = ana.new_conversation(&format!("Second {round}")).await;
        let email = format!("new{round}@example.com");
        let convs = [a.clone(), b.clone(), a, b];
        let answers = at_once(convs.len(), |k| {
            let (ana, conv, email) = (ana.clone(), convs[k].clone(), email.clone());
            async move {
                ana.post(
                    &format!("/api/v1/conversations/{conv}/contact-invites"),
                    json!({ "email": email }),
                )
                .await
            }
        })
        .await;
        no_5xx(&answers, "racing invites of one new address");
        let contacts: BTreeSet<String> = answers
            .iter()
            .filter_map(|a| a.body["invite"]["contact_id"].as_str().map(str::to_owned))
            .collect();
        assert_eq!(
            contacts.len(),
            1,
            "round {round}: one contact: {contacts:?}"
        );
    }
}

/// Invites share their conversation's lock (they run side by side on PostgreSQL): re-inviting
/// someone who left, eight times at once, still makes one pending invite and no error, and
/// inviting eight different people at once gets each of them one.
#[tokio::test]
async fn side_by_side_invites_make_one_invite_per_person() {
    let t = server().await;
    let ana = t.agent("ana@demo.convene.test").await;
    let ben = t.agent("ben@demo.convene.test").await;
    let ben_id = id_of(&ben).await;
    for round in 0..4 {
        let conversation = ana.new_conversation(&format!("Back again {round}")).await;
        ana.seat(&ben, &conversation).await;
        ben.post(
            &format!("/api/v1/conversations/{conversation}/leave"),
            json!({}),
        )
        .await
        .ok();
        let answers = at_once(8, |_| {
            let (ana, conversation, ben_id) = (ana.clone(), conversation.clone(), ben_id.clone());
            async move {
                ana.post(
                    &format!("/api/v1/conversations/{conversation}/agent-invites"),
                    json!({ "agent_id": ben_id }),
                )
                .await
            }
        })
        .await;
        no_5xx(&answers, "re-invites at once");
        let invited = answers
            .iter()
            .filter(|a| a.body["outcome"] == "invited")
            .count();
        assert_eq!(invited, 1, "round {round}: one re-invite");
        let pending = people(&ana, &conversation).await["invites"]
            .as_array()
            .map(Vec::len);
        assert_eq!(pending, Some(1), "round {round}: one pending invite");

        let emails: Vec<String> = (0..8)
            .map(|i| format!("side{round}-{i}@example.com"))
            .collect();
        let answers = at_once(8, |i| {
            let (ana, conversation, email) = (ana.clone(), conversation.clone(), emails[i].clone());
            async move {
                ana.post(
                    &format!("/api/v1/conversations/{conversation}/contact-invites"),
                    json!({ "email": email }),
                )
                .await
            }
        })
        .await;
        no_5xx(&answers, "different people at once");
        assert!(answers.iter().all(|a| a.body["outcome"] == "invited"));
        let pending = people(&ana, &conversation).await["invites"]
            .as_array()
            .map(Vec::len);
        assert_eq!(pending, Some(9), "round {round}: Ben and the eight");
    }
}

/// A sync asked for after a write was answered shows that write, even while some older
/// transaction elsewhere on the PostgreSQL cluster (another database, another tenant, another
/// test) is still running: the feed's commit-order horizon is cluster-wide, so the write's row
/// waits behind it, and the sync waits a moment for it instead of answering without it.
#[tokio::test]
async fn a_sync_after_a_write_shows_it_while_an_older_transaction_elsewhere_still_runs() {
    use sqlx::Connection;
    let Ok(admin) = std::env::var(convene_testkit::TEST_DATABASE_ENV) else {
        eprintln!("skipped: a PostgreSQL horizon case");
        return;
    };
    let t = server().await;
    let ana = t.agent("ana@demo.convene.test").await;
    let conversation = ana.new_conversation("Read your writes").await;
    let (_, cursor) = synced_messages(&ana, &conversation, None).await;

    // An older transaction with an id, in the cluster's maintenance database.
    let mut holder = sqlx::postgres::PgConnection::connect(&admin)
        .await
        .expect("connect");
    sqlx::raw_sql("BEGIN; SELECT pg_current_xact_id();")
        .execute(&mut holder)
        .await
        .expect("hold a transaction");
    let posted = ana
        .post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            json!({ "body": "written, answered, then synced" }),
        )
        .await;
    let id = posted.ok()["id"].as_str().expect("id").to_owned();
    let release = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        sqlx::raw_sql("COMMIT")
            .execute(&mut holder)
            .await
            .expect("end the older transaction");
    });
    let (synced, _) = synced_messages(&ana, &conversation, Some(cursor)).await;
    release.await.expect("release");
    assert!(
        synced.contains(&id),
        "the message answered before the sync began is in it: {synced:?}"
    );
}

/// Closing races the messages being posted: every message the server accepted (201) is stored
/// and came before the close, every refused one (409, "closed") is not stored, nothing is a 5xx,
/// and after the close nothing more gets in.
#[tokio::test]
async fn messages_racing_a_close_land_before_it_or_not_at_all() {
    let t = server().await;
    let eva = t.agent("eva@demo.convene.test").await;
    let chloe = t.agent("chloe@demo.convene.test").await;
    for round in 0..6 {
        let conversation = eva.new_conversation("Closing time").await;
        eva.seat(&chloe, &conversation).await;
        let base = format!("/api/v1/conversations/{conversation}");
        let answers = at_once(9, |i| {
            let (api, path, body) = if i == 4 {
                (eva.clone(), format!("{base}/close"), json!({}))
            } else {
                (
                    chloe.clone(),
                    format!("{base}/messages"),
                    json!({ "body": format!("message {i}") }),
                )
            };
            async move { (i, api.post(&path, body).await) }
        })
        .await;
        no_5xx(
            &answers.iter().map(|(_, a)| a.clone()).collect::<Vec<_>>(),
            "post or close",
        );
        let accepted: BTreeSet<String> = answers
            .iter()
            .filter(|(i, a)| *i != 4 && a.status == 201)
            .map(|(i, _)| format!("message {i}"))
            .collect();
        for (i, a) in &answers {
            if *i != 4 && a.status != 201 {
                assert_eq!(a.status, 409, "round {round}: {}", a.body);
            }
        }
        let stored: BTreeSet<String> = eva.get(&format!("{base}/messages")).await.ok()["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .filter_map(|m| m["body"].as_str().map(str::to_owned))
            .collect();
        assert_eq!(
            stored, accepted,
            "round {round}: stored is exactly what was accepted"
        );
        // Every accepted message is older than the close event.
        let events = eva.get(&format!("{base}/events")).await.ok().clone();
        let closed_at = events["events"]
            .as_array()
            .expect("events")
            .iter()
            .find(|e| e["kind"] == "conversation_closed")
            .expect("the close event")["created_at"]
            .as_str()
            .expect("time")
            .to_owned();
        let messages = eva.get(&format!("{base}/messages")).await.ok().clone();
        let at = |t: &str| {
            time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
                .expect("an RFC 3339 time")
        };
        for m in messages["messages"].as_array().expect("messages") {
            assert!(
                at(m["created_at"].as_str().expect("time")) <= at(&closed_at),
                "round {round}: {m} after the close at {closed_at}"
            );
        }
        let late = chloe
            .post(&format!("{base}/messages"), json!({"body": "too late"}))
            .await;
        assert_eq!(late.status, 409);
    }
}
