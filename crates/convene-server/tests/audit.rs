//! The account's audit log through the API: every kind of change lands in it with its actor's id
//! and name, its target, its conversation, how it came in and when; refused changes leave nothing;
//! only the account's admins read it, and only their own account's; the filters, the paging and
//! both export formats (the CSV and JSON are parsed and compared with the API's pages); racing
//! changes each leave exactly one entry. Both databases (the PostgreSQL pass sets
//! `CONVENE_TEST_DATABASE_URL`).

use std::collections::BTreeSet;
use std::time::Duration;

use convene_testkit::{Api, SmtpSink, TestServer};
use serde_json::{json, Value};

/// Every entry matching `query` (no leading `?`), newest first, read page by page.
async fn all(api: &Api, query: &str, limit: u32) -> Vec<Value> {
    let mut out = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let mut path = format!("/api/v1/team/audit?limit={limit}&{query}");
        if let Some(b) = &before {
            path.push_str(&format!("&before={b}"));
        }
        let page = api.get(&path).await;
        let page = page.ok();
        out.extend(page["entries"].as_array().expect("entries").iter().cloned());
        match page["next"].as_str() {
            Some(next) => before = Some(next.to_owned()),
            None => return out,
        }
    }
}

fn kinds(entries: &[Value]) -> BTreeSet<String> {
    entries
        .iter()
        .map(|e| e["kind"].as_str().expect("kind").to_owned())
        .collect()
}

fn find<'a>(entries: &'a [Value], kind: &str) -> &'a Value {
    entries
        .iter()
        .find(|e| e["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} entry in {entries:#?}"))
}

fn at(entry: &Value) -> time::OffsetDateTime {
    time::OffsetDateTime::parse(
        entry["at"].as_str().expect("at"),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("an RFC 3339 time")
}

async fn me(api: &Api) -> String {
    api.get("/api/v1/me").await.ok()["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

#[tokio::test]
async fn every_change_is_logged_with_who_what_where_and_how_and_refusals_leave_nothing() {
    let sink = SmtpSink::start().await;
    let t = TestServer::start(Some(&sink)).await;
    let ana = t.agent("ana@demo.convene.test").await; // superadmin
    let ben = t.agent("ben@demo.convene.test").await; // admin
    let chloe = t.agent("chloe@demo.convene.test").await; // agent
    let (ana_id, ben_id, chloe_id) = (me(&ana).await, me(&ben).await, me(&chloe).await);

    // Conversation changes: created, agent invited and accepting, a contact invited, resent and
    // revoked, the link changed and rotated, an owner made, someone removed.
    let conv = ana.new_conversation("Audit: broken boiler").await;
    let c = |p: &str| format!("/api/v1/conversations/{conv}{p}");
    let invite = ana
        .post(&c("/agent-invites"), json!({"agent_id": chloe_id}))
        .await;
    let invite_id = invite.ok()["invite"]["id"]
        .as_str()
        .expect("invite id")
        .to_owned();
    chloe
        .post(&format!("/api/v1/invites/{invite_id}/accept"), json!({}))
        .await
        .ok();
    let contact = ana
        .post(
            &c("/contact-invites"),
            json!({"email": "pat@example.com", "name": "Pat Doe"}),
        )
        .await;
    let contact_invite = contact.ok()["invite"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    ana.post(
        &format!("/api/v1/invites/{contact_invite}/resend"),
        json!({}),
    )
    .await
    .ok();
    ana.post(
        &format!("/api/v1/invites/{contact_invite}/revoke"),
        json!({}),
    )
    .await
    .ok();
    ana.patch(&c("/share-link"), json!({"max_uses": 5}))
        .await
        .ok();
    ana.post(&c("/share-link/rotate"), json!({})).await.ok();
    let chloe_pid = ana.participant_id(&conv, "chloe@demo.convene.test").await;
    // Chloe may not remove anyone: refused, and not logged.
    let refused = chloe
        .delete(&c(&format!("/participants/{chloe_pid}")))
        .await;
    assert!(matches!(refused.status, 403 | 409), "{}", refused.body);
    ana.post(
        &c(&format!("/participants/{chloe_pid}/make-owner")),
        json!({}),
    )
    .await
    .ok();

    // Directory and settings changes.
    let crew = ben
        .post(
            "/api/v1/crews",
            json!({"name": "Night shift", "call_to_action": "Call the night shift", "customer_requestable": false}),
        )
        .await;
    let crew_id = crew.ok()["id"].as_str().expect("crew id").to_owned();
    ben.put(
        &format!("/api/v1/crews/{crew_id}/members/{chloe_id}"),
        json!({}),
    )
    .await
    .ok();
    // Adding her again changes nothing, and logs nothing.
    ben.put(
        &format!("/api/v1/crews/{crew_id}/members/{chloe_id}"),
        json!({}),
    )
    .await
    .ok();
    ben.patch(
        &format!("/api/v1/crews/{crew_id}"),
        json!({"name": "Nights"}),
    )
    .await
    .ok();
    ben.delete(&format!("/api/v1/crews/{crew_id}/members/{chloe_id}"))
        .await
        .ok();
    ben.delete(&format!("/api/v1/crews/{crew_id}")).await;
    let gus = ben
        .post(
            "/api/v1/agents",
            json!({"email": "gus@demo.convene.test", "name": "Gus Grey", "role": "agent"}),
        )
        .await;
    let gus_id = gus.ok()["id"].as_str().expect("gus").to_owned();
    ben.put(
        &format!("/api/v1/agents/{gus_id}/role"),
        json!({"role": "admin"}),
    )
    .await
    .ok();
    ben.post(&format!("/api/v1/agents/{gus_id}/suspend"), json!({}))
        .await
        .ok();
    ben.post(&format!("/api/v1/agents/{gus_id}/reactivate"), json!({}))
        .await
        .ok();
    // An admin may not touch the superadmin: refused, and not logged.
    let refused = ben
        .post(&format!("/api/v1/agents/{ana_id}/suspend"), json!({}))
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let settings = ana.get("/api/v1/team/settings").await.ok()["settings"].clone();
    let mut changed = settings.clone();
    changed["contacts_may_invite"] =
        json!(!settings["contacts_may_invite"].as_bool().expect("bool"));
    changed["invite_ttl_days"] = json!(30);
    ana.put("/api/v1/team/settings", changed).await.ok();
    chloe
        .put(
            "/api/v1/me/password",
            json!({"current_password": convene_server::demo::DEMO_PASSWORD, "new_password": "a brand new password 42"}),
        )
        .await;

    let log = all(&ben, "", 500).await;
    for kind in [
        "conversation_created",
        "agent_invited",
        "participant_joined",
        "contact_invited",
        "invite_resent",
        "invite_revoked",
        "link_changed",
        "link_rotated",
        "owner_added",
        "crew_created",
        "crew_member_added",
        "crew_updated",
        "crew_member_removed",
        "crew_deleted",
        "agent_created",
        "agent_role_changed",
        "agent_suspended",
        "agent_reactivated",
        "settings_changed",
        "password_changed",
    ] {
        find(&log, kind);
    }
    assert!(
        !kinds(&log).contains("participant_removed"),
        "a refused removal left no entry"
    );
    assert!(
        !log.iter()
            .any(|e| e["kind"] == "agent_suspended" && e["target"]["id"] == ana_id.as_str()),
        "a refused suspension left no entry"
    );
    assert_eq!(
        log.iter()
            .filter(|e| e["kind"] == "crew_member_added")
            .count(),
        1,
        "adding a member twice logs once"
    );

    // Who, to whom, where, how and when.
    let invited = find(&log, "agent_invited");
    assert_eq!(
        invited["actor"],
        json!({"kind": "agent", "id": ana_id, "name": "Ana Lima"})
    );
    assert_eq!(
        invited["target"],
        json!({"kind": "agent", "id": chloe_id, "name": "Chloe Park"})
    );
    assert_eq!(invited["conversation"]["id"], conv.as_str());
    assert_eq!(invited["conversation"]["subject"], "Audit: broken boiler");
    assert_eq!(invited["category"], "invites");
    assert_eq!(invited["via"], "app", "a bearer-token request");
    assert_eq!(invited["ip"], "127.0.0.1");
    assert_eq!(invited["summary"], "Ana Lima invited Chloe Park");
    let joined = find(&log, "participant_joined");
    assert_eq!(joined["actor"]["id"], chloe_id.as_str());
    let revoked = find(&log, "invite_revoked");
    assert_eq!(revoked["target"]["kind"], "contact");
    assert_eq!(revoked["target"]["name"], "Pat Doe");
    let role = find(&log, "agent_role_changed");
    assert_eq!(role["actor"]["id"], ben_id.as_str());
    assert_eq!(
        role["target"],
        json!({"kind": "agent", "id": gus_id, "name": "Gus Grey"})
    );
    assert_eq!(
        role["summary"],
        "Ben Okafor changed Gus Grey's role from agent to admin"
    );
    assert!(role["conversation"].is_null());
    let renamed = find(&log, "crew_updated");
    assert_eq!(
        renamed["summary"],
        "Ben Okafor changed the crew Night shift: renamed it to Nights"
    );
    assert_eq!(renamed["target"]["id"], crew_id.as_str());
    let settings_entry = find(&log, "settings_changed");
    assert_eq!(settings_entry["category"], "settings");
    assert!(
        settings_entry["summary"]
            .as_str()
            .expect("summary")
            .contains("invite expiry: 14 → 30 days"),
        "{settings_entry}"
    );
    let created = find(&log, "agent_created");
    assert!(created["summary"]
        .as_str()
        .expect("s")
        .contains("welcome email"));
    // Newest first.
    let times: Vec<_> = log.iter().map(at).collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted);

    // His suspension voided the welcome link; he asks for a reset (the server sends it: nobody
    // signed in asked) and chooses his password on its page, via email, by himself.
    t.anonymous()
        .post(
            "/api/v1/auth/password-reset",
            json!({"email": "gus@demo.convene.test"}),
        )
        .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let welcome = loop {
        let to_gus: Vec<_> = sink
            .messages()
            .into_iter()
            .filter(|m| m.header("To").is_some_and(|h| h.contains("gus@")))
            .collect();
        if to_gus.len() >= 2 {
            break to_gus.last().expect("mail").clone();
        }
        assert!(tokio::time::Instant::now() < deadline, "no reset email");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let link = welcome
        .text()
        .split_whitespace()
        .find(|w| w.starts_with("http") && w.contains("/p/"))
        .expect("link")
        .to_owned();
    let page = reqwest::Client::new()
        .post(&link)
        .form(&[
            ("password", "gus chose this one 7"),
            ("confirm", "gus chose this one 7"),
        ])
        .send()
        .await
        .expect("form");
    assert_eq!(page.status(), 200);
    let gus_log = all(&ben, &format!("person={gus_id}&kind=password_changed"), 50).await;
    assert_eq!(gus_log.len(), 1, "{gus_log:#?}");
    assert_eq!(gus_log[0]["actor"]["id"], gus_id.as_str());
    assert_eq!(gus_log[0]["via"], "email");
    let asked = all(
        &ben,
        &format!("person={gus_id}&kind=password_reset_requested"),
        50,
    )
    .await;
    assert_eq!(asked.len(), 1, "{asked:#?}");
    assert_eq!(asked[0]["actor"]["kind"], "system");
    assert_eq!(asked[0]["ip"], "127.0.0.1", "the address that asked");

    // Only admins of the account read it.
    let refused = chloe.get("/api/v1/team/audit").await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(t.anonymous().get("/api/v1/team/audit").await.status, 401);
    assert_eq!(
        chloe
            .get("/api/v1/team/audit/export?format=csv")
            .await
            .status,
        403
    );
    let store = &t.server.store;
    store
        .create_account(
            "Other Shop",
            "zed@other.test",
            "Zed Other",
            &convene_server::auth::hash_password("zed's own password").expect("hash"),
        )
        .await
        .expect("a second account");
    let zed = t
        .anonymous()
        .post(
            "/api/v1/auth/login",
            json!({"email": "zed@other.test", "password": "zed's own password"}),
        )
        .await;
    let zed = t
        .anonymous()
        .with_token(zed.ok()["token"].as_str().expect("token"));
    let theirs = all(&zed, "", 500).await;
    assert!(
        theirs.iter().all(
            |e| e["conversation"]["id"] != conv.as_str() && e["actor"]["id"] != ana_id.as_str()
        ),
        "another account's admin sees none of this account's log: {theirs:#?}"
    );
}

#[tokio::test]
async fn filters_paging_and_both_exports_agree_with_the_api() {
    let t = TestServer::start(None).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let chloe_id = me(&t.agent("chloe@demo.convene.test").await).await;
    let first = ana.new_conversation("Audit one").await;
    let second = ana.new_conversation("Audit two").await;
    for conv in [&first, &second] {
        ana.post(
            &format!("/api/v1/conversations/{conv}/agent-invites"),
            json!({"agent_id": chloe_id}),
        )
        .await
        .ok();
    }
    // A guest naming themselves like a spreadsheet formula.
    let token = ana.share_token(&first).await;
    t.anonymous()
        .post(
            &format!("/api/v1/join/{token}"),
            json!({"name": "=HYPERLINK(\"http://evil.test\")", "email": "mallory@example.com"}),
        )
        .await
        .ok();
    for i in 0..7 {
        ana.patch(
            &format!("/api/v1/conversations/{second}/share-link"),
            json!({"max_uses": 10 + i}),
        )
        .await
        .ok();
    }

    // Paging: small pages, walked to the end, are the whole log, each entry once, in order.
    let whole = all(&ana, "", 500).await;
    let paged = all(&ana, "", 3).await;
    assert_eq!(paged, whole);
    assert!(whole.len() > 12, "{}", whole.len());

    // Filters.
    let by_conv = all(&ana, &format!("conversation={first}"), 500).await;
    assert!(!by_conv.is_empty());
    assert!(by_conv
        .iter()
        .all(|e| e["conversation"]["id"] == first.as_str()));
    assert_eq!(
        by_conv.len(),
        whole
            .iter()
            .filter(|e| e["conversation"]["id"] == first.as_str())
            .count()
    );
    let chloes = all(&ana, &format!("person={chloe_id}"), 500).await;
    let hers = |e: &&Value| {
        e["target"]["id"] == chloe_id.as_str() || e["actor"]["id"] == chloe_id.as_str()
    };
    assert!(chloes.iter().all(|e| hers(&e)));
    assert_eq!(chloes.len(), whole.iter().filter(hers).count());
    assert_eq!(
        chloes
            .iter()
            .filter(|e| e["kind"] == "agent_invited")
            .count(),
        2,
        "{chloes:#?}"
    );
    let links = all(&ana, "kind=link_changed", 500).await;
    assert_eq!(links.len(), 7);
    let invites = all(&ana, "category=invites", 500).await;
    assert!(invites.iter().all(|e| e["category"] == "invites"));
    assert_eq!(
        invites.len(),
        whole.iter().filter(|e| e["category"] == "invites").count()
    );
    let words = all(&ana, "q=AUDIT%20TWO", 500).await;
    assert!(!words.is_empty());
    assert!(words
        .iter()
        .all(|e| e["conversation"]["subject"] == "Audit two"));
    // A time range: [from, to) around the middle entry.
    let middle = whole[whole.len() / 2]["at"]
        .as_str()
        .expect("at")
        .to_owned();
    let enc = |s: &str| s.replace('+', "%2B").replace(':', "%3A");
    let since = all(&ana, &format!("from={}", enc(&middle)), 500).await;
    let until = all(&ana, &format!("to={}", enc(&middle)), 500).await;
    assert_eq!(
        since.len() + until.len(),
        whole.len(),
        "the range splits the log"
    );
    let middle_at = at(&whole[whole.len() / 2]);
    assert!(since.iter().all(|e| at(e) >= middle_at));
    assert!(until.iter().all(|e| at(e) < middle_at));

    // Bad input names the field.
    for (query, field) in [
        ("before=yesterday", "before"),
        ("from=yesterday", "from"),
        ("limit=0", "limit"),
        ("conversation=nope", "conversation"),
    ] {
        let bad = ana.get(&format!("/api/v1/team/audit?{query}")).await;
        assert_eq!(bad.status, 422, "{query}: {}", bad.body);
        assert_eq!(bad.body["field"], field, "{query}: {}", bad.body);
    }
    assert_eq!(
        ana.get("/api/v1/team/audit?kind=nonsense").await.status,
        422
    );
    assert_eq!(
        ana.get("/api/v1/team/audit/export?format=xml").await.status,
        422
    );

    // JSON export: the same entries as the API, filters and all.
    let json_all = ana.get("/api/v1/team/audit/export?format=json").await;
    assert_eq!(json_all.status, 200);
    assert!(json_all.content_type.starts_with("application/json"));
    assert!(json_all.headers["content-disposition"]
        .to_str()
        .expect("header")
        .contains("attachment; filename=\"convene-audit-"));
    assert_eq!(json_all.body, Value::Array(whole.clone()));
    let json_links = ana
        .get("/api/v1/team/audit/export?format=json&kind=link_changed")
        .await;
    assert_eq!(json_links.body, Value::Array(links.clone()));

    // CSV export: parsed, row for row the API's entries.
    let csv_all = ana.get("/api/v1/team/audit/export?format=csv").await;
    assert_eq!(csv_all.status, 200);
    assert!(csv_all.content_type.starts_with("text/csv"));
    let text = csv_all.body.as_str().expect("csv text").to_owned();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header, convene_proto::audit::CSV_COLUMNS);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), whole.len());
    let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let mut formulas = 0;
    for (row, entry) in rows.iter().zip(&whole) {
        let cell = |name: &str| {
            let i = header.iter().position(|h| h == name).expect("column");
            let raw = row.get(i).expect("cell").to_owned();
            // Defused formulas: the API's value behind a leading quote.
            match raw.strip_prefix('\'') {
                Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest.to_owned(),
                _ => raw,
            }
        };
        assert_eq!(cell("id"), s(&entry["id"]));
        assert_eq!(cell("at"), s(&entry["at"]));
        assert_eq!(cell("kind"), s(&entry["kind"]));
        assert_eq!(cell("category"), s(&entry["category"]));
        assert_eq!(cell("actor_kind"), s(&entry["actor"]["kind"]));
        assert_eq!(cell("actor_id"), s(&entry["actor"]["id"]));
        assert_eq!(cell("actor_name"), s(&entry["actor"]["name"]));
        assert_eq!(cell("target_kind"), s(&entry["target"]["kind"]));
        assert_eq!(cell("target_id"), s(&entry["target"]["id"]));
        assert_eq!(cell("target_name"), s(&entry["target"]["name"]));
        assert_eq!(cell("conversation_id"), s(&entry["conversation"]["id"]));
        assert_eq!(
            cell("conversation_subject"),
            s(&entry["conversation"]["subject"])
        );
        assert_eq!(cell("via"), s(&entry["via"]));
        assert_eq!(cell("summary"), s(&entry["summary"]));
        assert_eq!(cell("ip"), s(&entry["ip"]));
        let i = header
            .iter()
            .position(|h| h == "actor_name")
            .expect("column");
        if row.get(i).expect("cell").starts_with("'=") {
            formulas += 1;
        }
    }
    assert!(
        formulas >= 1,
        "the guest's formula-like name is defused in the CSV"
    );
    let mallory = whole
        .iter()
        .find(|e| e["via"] == "link")
        .expect("the guest's join, via the link");
    assert_eq!(mallory["actor"]["kind"], "contact");
    assert_eq!(mallory["actor"]["name"], "=HYPERLINK(\"http://evil.test\")");
}

#[tokio::test]
async fn racing_changes_each_leave_exactly_one_entry() {
    let t = TestServer::start(None).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let conv = ana.new_conversation("Audit race").await;
    let path = format!("/api/v1/conversations/{conv}/share-link");
    let answers = convene_testkit::at_once(16, |i| {
        let ana = ana.clone();
        let path = path.clone();
        async move { ana.patch(&path, json!({"max_uses": 100 + i})).await.status }
    })
    .await;
    assert!(answers.iter().all(|s| *s == 200), "{answers:?}");
    let logged = all(&ana, &format!("conversation={conv}&kind=link_changed"), 500).await;
    let events = ana
        .get(&format!("/api/v1/conversations/{conv}/events"))
        .await;
    let timeline = events.ok()["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == "link_changed")
        .count();
    assert_eq!(logged.len(), 16, "one entry per change");
    assert_eq!(timeline, 16, "and the timeline agrees");
    let ids: BTreeSet<&str> = logged
        .iter()
        .map(|e| e["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids.len(), 16);
}
