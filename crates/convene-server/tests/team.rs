//! Team administration through the API (SPEC §2's last row): the agents list with its filters and
//! per-row verdicts, role changes, suspension and reactivation, allowed and refused per role, the
//! last-superadmin guard under racing requests, and what suspension does to a signed-in agent.
//! Both databases (the PostgreSQL pass sets `CONVENE_TEST_DATABASE_URL`).

use std::time::Duration;

use convene_testkit::{Api, TestServer};
use serde_json::{json, Value};

fn names(list: &Value) -> Vec<String> {
    list["agents"]
        .as_array()
        .expect("agents")
        .iter()
        .map(|a| a["agent"]["name"].as_str().expect("name").to_owned())
        .collect()
}

fn row<'a>(list: &'a Value, name: &str) -> &'a Value {
    list["agents"]
        .as_array()
        .expect("agents")
        .iter()
        .find(|a| a["agent"]["name"] == name)
        .unwrap_or_else(|| panic!("{name} not listed: {list}"))
}

fn id_of(list: &Value, name: &str) -> String {
    row(list, name)["agent"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn team(api: &Api, query: &str) -> Value {
    let answer = api.get(&format!("/api/v1/team/agents{query}")).await;
    answer.ok().clone()
}

async fn sign_in(t: &TestServer, email: &str) -> convene_testkit::Answer {
    t.anonymous()
        .post(
            "/api/v1/auth/login",
            json!({"email": email, "password": convene_server::demo::DEMO_PASSWORD}),
        )
        .await
}

#[tokio::test]
async fn admins_manage_agents_superadmins_manage_everyone_and_the_list_filters() {
    let t = TestServer::start(None).await;
    let ana = t.agent("ana@demo.convene.test").await; // superadmin
    let ben = t.agent("ben@demo.convene.test").await; // admin
    let chloe = t.agent("chloe@demo.convene.test").await; // agent

    // Only admins and superadmins see the team.
    let refused = chloe.get("/api/v1/team/agents").await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(
        refused.body["detail"],
        "Only admins and SuperAdmins manage the team"
    );
    assert_eq!(t.anonymous().get("/api/v1/team/agents").await.status, 401);

    let all = team(&ben, "").await;
    assert_eq!(
        names(&all),
        [
            "Ana Lima",
            "Ben Okafor",
            "Chloe Park",
            "Dev Patel",
            "Eva Rossi",
            "Femi Adeyemi"
        ]
    );
    assert_eq!(all["creatable_roles"], json!(["admin", "agent"]));
    let dev = row(&all, "Dev Patel");
    let crews: Vec<&str> = dev["crews"]
        .as_array()
        .expect("crews")
        .iter()
        .map(|c| c["name"].as_str().expect("crew name"))
        .collect();
    assert_eq!(crews, ["Billing", "Technical Support"]);
    // An admin sees why Ana's controls are greyed out.
    let ana_row = row(&all, "Ana Lima");
    assert_eq!(ana_row["may_suspend"]["allowed"], false);
    assert_eq!(
        ana_row["may_suspend"]["why"],
        "Only SuperAdmins manage SuperAdmins"
    );
    assert_eq!(row(&all, "Chloe Park")["may_suspend"]["allowed"], true);
    assert_eq!(
        team(&ana, "").await["creatable_roles"],
        json!(["superadmin", "admin", "agent"])
    );

    // Filters: role, crew, text anywhere in a name or email, status.
    assert_eq!(names(&team(&ben, "?role=admin").await), ["Ben Okafor"]);
    let billing = dev["crews"][0]["id"].as_str().expect("crew id").to_owned();
    assert_eq!(
        names(&team(&ben, &format!("?crew={billing}")).await),
        ["Chloe Park", "Dev Patel"]
    );
    assert_eq!(names(&team(&ben, "?q=ROSS").await), ["Eva Rossi"]);
    assert_eq!(names(&team(&ben, "?q=femi%40demo").await), ["Femi Adeyemi"]);
    assert_eq!(names(&team(&ben, "?q=%25").await), Vec::<String>::new());
    assert!(names(&team(&ben, "?status=suspended").await).is_empty());
    let bad = ben.get("/api/v1/team/agents?role=boss").await;
    assert_eq!(bad.status, 422, "{}", bad.body);

    let chloe_id = id_of(&all, "Chloe Park");
    let ana_id = id_of(&all, "Ana Lima");
    let ben_id = id_of(&all, "Ben Okafor");
    let role = |id: &str| format!("/api/v1/agents/{id}/role");

    // An admin makes an agent an admin and back; never a superadmin, and never touches one.
    let made = ben.put(&role(&chloe_id), json!({"role": "admin"})).await;
    assert_eq!(made.ok()["role"], "admin");
    let back = ben.put(&role(&chloe_id), json!({"role": "agent"})).await;
    assert_eq!(back.ok()["role"], "agent");
    let up = ben
        .put(&role(&chloe_id), json!({"role": "superadmin"}))
        .await;
    assert_eq!(up.status, 403, "{}", up.body);
    let down = ben.put(&role(&ana_id), json!({"role": "agent"})).await;
    assert_eq!(down.status, 403, "{}", down.body);
    let suspend_ana = ben
        .post(&format!("/api/v1/agents/{ana_id}/suspend"), json!({}))
        .await;
    assert_eq!(suspend_ana.status, 403, "{}", suspend_ana.body);
    // An agent changes nobody.
    let by_agent = chloe.put(&role(&ben_id), json!({"role": "agent"})).await;
    assert_eq!(by_agent.status, 403, "{}", by_agent.body);

    // The last superadmin stays one, and nobody suspends themselves.
    let last = ana.put(&role(&ana_id), json!({"role": "admin"})).await;
    assert_eq!(last.status, 409, "{}", last.body);
    assert!(
        last.body["detail"]
            .as_str()
            .expect("detail")
            .starts_with("The last SuperAdmin cannot be demoted or suspended"),
        "{}",
        last.body
    );
    let myself = ana
        .post(&format!("/api/v1/agents/{ana_id}/suspend"), json!({}))
        .await;
    assert_eq!(myself.status, 409, "{}", myself.body);
    // With a second superadmin, the first may step down.
    ana.put(&role(&ben_id), json!({"role": "superadmin"}))
        .await
        .ok();
    let stepped = ana.put(&role(&ana_id), json!({"role": "admin"})).await;
    assert_eq!(stepped.ok()["role"], "admin");
    // …and, now an admin, may no longer manage Ben (read under the lock, not from the session).
    let stale = ana.put(&role(&ben_id), json!({"role": "agent"})).await;
    assert_eq!(stale.status, 403, "{}", stale.body);

    // Unknown ids and bodies that are not a role.
    let unknown = ben
        .put(
            "/api/v1/agents/00000000-0000-7000-8000-000000000000/role",
            json!({"role": "agent"}),
        )
        .await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    assert_eq!(
        ben.put("/api/v1/agents/not-an-id/role", json!({"role": "agent"}))
            .await
            .status,
        404
    );
    let nonsense = ben.put(&role(&chloe_id), json!({"role": "boss"})).await;
    assert_eq!(nonsense.status, 422, "{}", nonsense.body);
}

#[tokio::test]
async fn suspension_ends_sessions_and_streams_at_once_revokes_invites_and_refuses_sign_in() {
    let t = TestServer::start(None).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let femi = t.agent("femi@demo.convene.test").await;
    let femi_id = id_of(&team(&ana, "?q=femi").await, "Femi Adeyemi");
    let mut stream = femi.stream().await;

    let conversation = ana.new_conversation("Before the suspension").await;
    let invite = ana
        .post(
            &format!("/api/v1/conversations/{conversation}/agent-invites"),
            json!({"agent_id": femi_id}),
        )
        .await;
    let invite_id = invite.ok()["invite"]["id"]
        .as_str()
        .expect("invite")
        .to_owned();
    stream.expect("invited", Duration::from_secs(10)).await;

    let suspended = ana
        .post(&format!("/api/v1/agents/{femi_id}/suspend"), json!({}))
        .await;
    assert_eq!(suspended.ok()["status"], "suspended");
    assert!(
        stream.closed_within(Duration::from_secs(3)).await,
        "the suspended agent's stream closes at once"
    );
    assert_eq!(femi.get("/api/v1/me").await.status, 401);
    assert_eq!(femi.try_stream().await.err(), Some(401));

    // The invite waiting for them is revoked, and the timeline says why.
    let people = ana
        .get(&format!(
            "/api/v1/conversations/{conversation}/participants"
        ))
        .await;
    let femi_there = people.ok()["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .find(|p| p["email"] == "femi@demo.convene.test")
        .cloned()
        .expect("Femi's row");
    assert_eq!(femi_there["state"], "removed", "{femi_there}");
    let events = ana
        .get(&format!("/api/v1/conversations/{conversation}/events"))
        .await;
    assert!(
        events
            .ok()
            .to_string()
            .contains("Ana Lima revoked the invite to Femi Adeyemi: their account was suspended"),
        "{}",
        events.body
    );
    // They are no longer offered to Add Agent, but stay in the team list as suspended.
    let search = ana.get("/api/v1/agents?q=femi").await;
    assert!(search.ok()["agents"].as_array().expect("agents").is_empty());
    let listed = team(&ana, "?status=suspended").await;
    assert_eq!(names(&listed), ["Femi Adeyemi"]);
    assert_eq!(
        row(&listed, "Femi Adeyemi")["may_reactivate"]["allowed"],
        true
    );

    // The right password now gets a clear refusal; a wrong one the usual answer.
    let refused = sign_in(&t, "femi@demo.convene.test").await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(
        refused.body["detail"],
        "Your account at Convene Demo is suspended. Ask an admin of your team to reactivate it."
    );
    let wrong = t
        .anonymous()
        .post(
            "/api/v1/auth/login",
            json!({"email": "femi@demo.convene.test", "password": "not-the-password"}),
        )
        .await;
    assert_eq!(wrong.status, 401, "{}", wrong.body);

    // Suspending again changes nothing; reactivating lets them in again.
    let again = ana
        .post(&format!("/api/v1/agents/{femi_id}/suspend"), json!({}))
        .await;
    assert_eq!(again.ok()["status"], "suspended");
    let back = ana
        .post(&format!("/api/v1/agents/{femi_id}/reactivate"), json!({}))
        .await;
    assert_eq!(back.ok()["status"], "active");
    let femi = t.agent("femi@demo.convene.test").await;
    // The revoked invite stays revoked.
    let late = femi
        .post(&format!("/api/v1/invites/{invite_id}/accept"), json!({}))
        .await;
    assert_ne!(late.status, 200, "{}", late.body);
    assert!(femi.get("/api/v1/home").await.ok()["invites"]
        .as_array()
        .expect("invites")
        .is_empty());

    // Suspended with nothing waiting for them (no invite to revoke), the stream still closes at
    // once: the suspension itself tells the streams.
    let mut stream = femi.stream().await;
    ana.post(&format!("/api/v1/agents/{femi_id}/suspend"), json!({}))
        .await
        .ok();
    assert!(
        stream.closed_within(Duration::from_secs(3)).await,
        "the stream closes without any other change"
    );
}

#[tokio::test]
async fn two_superadmins_demoting_each_other_at_once_leave_one() {
    let t = TestServer::start(None).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let ben = t.agent("ben@demo.convene.test").await;
    let all = team(&ana, "").await;
    let (ana_id, ben_id) = (id_of(&all, "Ana Lima"), id_of(&all, "Ben Okafor"));
    for round in 0..5 {
        // Both superadmins again, then each demotes the other at the same instant.
        ana.put(
            &format!("/api/v1/agents/{ben_id}/role"),
            json!({"role": "superadmin"}),
        )
        .await
        .ok();
        if round > 0 {
            // Whoever lost last round is back; the winner of last round may be either.
            let supers = names(&team(&ben, "?role=superadmin").await);
            assert_eq!(supers.len(), 2, "round {round}: {supers:?}");
        }
        let calls = [
            (ana.clone(), ben_id.clone(), "admin"),
            (ben.clone(), ana_id.clone(), "admin"),
        ];
        let statuses = convene_testkit::at_once(2, |i| {
            let (api, target, role) = calls[i].clone();
            async move {
                api.put(
                    &format!("/api/v1/agents/{target}/role"),
                    json!({"role": role}),
                )
                .await
                .status
            }
        })
        .await;
        let mut sorted = statuses.clone();
        sorted.sort();
        assert!(
            sorted == [200, 403] || sorted == [200, 409],
            "round {round}: one demotion wins, the other is refused: {statuses:?}"
        );
        let supers = names(&team(&ana, "?role=superadmin&status=active").await);
        assert_eq!(supers.len(), 1, "round {round}: {supers:?}");
        // Put Ana back on top for the next round.
        let winner = if supers[0] == "Ana Lima" { &ana } else { &ben };
        winner
            .put(
                &format!("/api/v1/agents/{ana_id}/role"),
                json!({"role": "superadmin"}),
            )
            .await
            .ok();
    }
}

#[tokio::test]
async fn admins_read_the_settings_superadmins_change_them_and_emails_come_from_the_sender_set() {
    let sink = convene_testkit::SmtpSink::start().await;
    let t = TestServer::start_with(Some(&sink), |c| {
        c.email_from = "Team Convene <team@convene.example>".to_owned();
        c.email_sender_domains = vec!["convene.example".to_owned(), "acme.example".to_owned()];
    })
    .await;
    let ana = t.agent("ana@demo.convene.test").await;
    let ben = t.agent("ben@demo.convene.test").await;
    let chloe = t.agent("chloe@demo.convene.test").await;

    // The server's own sender, before the account names one.
    let first = ana.new_conversation("Sender check").await;
    ana.post(
        &format!("/api/v1/conversations/{first}/contact-invites"),
        json!({"email": "pat@example.com"}),
    )
    .await
    .ok();
    let mail = sink
        .wait_for(1, Duration::from_secs(10))
        .await
        .pop()
        .expect("mail");
    assert_eq!(
        mail.header("From").as_deref(),
        Some("\"Team Convene\" <team@convene.example>")
    );

    let seen = ben.get("/api/v1/team/settings").await;
    assert_eq!(
        seen.ok()["server_from"],
        "Team Convene <team@convene.example>"
    );
    assert_eq!(seen.body["may_edit"]["allowed"], false);
    assert_eq!(
        seen.body["may_edit"]["why"],
        "Only SuperAdmins change the account's settings"
    );
    assert_eq!(chloe.get("/api/v1/team/settings").await.status, 403);
    let settings = json!({
        "contacts_may_invite": true,
        "email_from_name": "Acme Support",
        "email_from_address": "support@acme.example",
        "invite_ttl_days": 3
    });
    let by_admin = ben.put("/api/v1/team/settings", settings.clone()).await;
    assert_eq!(by_admin.status, 403, "{}", by_admin.body);

    // Bad values are refused naming the field, and nothing is stored.
    for (field, value) in [
        ("email_from_address", json!("user.@x.com")),
        // Not a domain this server sends for: no team sends as another, or as anyone.
        ("email_from_address", json!("support@b-corp.example")),
        (
            "email_from_address",
            json!("support@acme.example.evil.test"),
        ),
        ("invite_ttl_days", json!(0)),
        ("invite_ttl_days", json!(91)),
    ] {
        let mut bad = settings.clone();
        bad[field] = value;
        let refused = ana.put("/api/v1/team/settings", bad).await;
        assert_eq!(refused.status, 422, "{field}: {}", refused.body);
        assert_eq!(refused.body["field"], field);
    }
    let unchanged = ana.get("/api/v1/team/settings").await;
    assert!(unchanged.ok()["settings"]["email_from_address"].is_null());

    let set = ana.put("/api/v1/team/settings", settings.clone()).await;
    assert_eq!(set.ok()["settings"], settings);
    assert_eq!(set.body["may_edit"]["allowed"], true);

    // The account's sender and expiry now apply.
    let second = ana.new_conversation("Sender check 2").await;
    let invited = ana
        .post(
            &format!("/api/v1/conversations/{second}/contact-invites"),
            json!({"email": "quinn@example.com"}),
        )
        .await;
    let expires = invited.ok()["invite"]["expires_at"]
        .as_str()
        .expect("expiry")
        .to_owned();
    let mail = sink
        .wait_for(2, Duration::from_secs(10))
        .await
        .pop()
        .expect("mail");
    assert_eq!(
        mail.header("From").as_deref(),
        Some("\"Acme Support\" <support@acme.example>")
    );
    let expires =
        time::OffsetDateTime::parse(&expires, &time::format_description::well_known::Rfc3339)
            .expect("RFC 3339");
    let days = (expires - time::OffsetDateTime::now_utc()).whole_hours();
    assert!((71..=72).contains(&days), "expires in {days} h");
}

#[tokio::test]
async fn a_server_sender_that_is_no_address_stops_the_start_with_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = convene_server::ServeConfig::for_test(dir.path().to_path_buf());
    config.email_from = "Support team".to_owned();
    let error = convene_server::Server::new(config)
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(
        error.starts_with(
            "--email-from (CONVENE_EMAIL_FROM) \"Support team\" is not a sender address"
        ),
        "{error}"
    );
}

#[tokio::test]
async fn a_demoted_admins_open_stream_closes_and_reopens_as_the_agent_they_now_are() {
    let t = TestServer::start(None).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let ben = t.agent("ben@demo.convene.test").await;
    let ben_id = id_of(&team(&ana, "?q=ben").await, "Ben Okafor");
    // As an admin, Ben's stream hears of every conversation of the account.
    let mut stream = ben.stream().await;
    ana.put(
        &format!("/api/v1/agents/{ben_id}/role"),
        json!({"role": "agent"}),
    )
    .await
    .ok();
    assert!(
        stream.closed_within(Duration::from_secs(3)).await,
        "the stream judged by the old role closes"
    );
    // His session holds; a new stream is judged by his role now: no news of others' conversations.
    assert_eq!(ben.get("/api/v1/me").await.ok()["role"], "agent");
    let mut fresh = ben.stream().await;
    ana.new_conversation("Not Ben's").await;
    assert!(fresh.next(Duration::from_secs(2)).await.is_none());
}

#[tokio::test]
async fn crews_are_renamed_opened_to_customers_and_deleted_and_their_requests_stay_readable() {
    let t = TestServer::start(None).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let ben = t.agent("ben@demo.convene.test").await;
    let chloe = t.agent("chloe@demo.convene.test").await;
    let femi_id = id_of(&team(&ana, "?q=femi").await, "Femi Adeyemi");
    let crew = ben
        .post(
            "/api/v1/crews",
            json!({"name": "Returns", "call_to_action": "Start a return"}),
        )
        .await;
    let crew_id = crew.ok()["id"].as_str().expect("id").to_owned();
    ben.put(
        &format!("/api/v1/crews/{crew_id}/members/{femi_id}"),
        json!({}),
    )
    .await
    .ok();

    let by_agent = chloe
        .patch(&format!("/api/v1/crews/{crew_id}"), json!({"name": "Mine"}))
        .await;
    assert_eq!(by_agent.status, 403, "{}", by_agent.body);
    let renamed = ben
        .patch(
            &format!("/api/v1/crews/{crew_id}"),
            json!({"name": "Returns & Refunds", "customer_requestable": true}),
        )
        .await;
    assert_eq!(renamed.ok()["name"], "Returns & Refunds");
    assert_eq!(
        renamed.body["call_to_action"], "Start a return",
        "absent fields stay"
    );
    assert_eq!(renamed.body["customer_requestable"], true);
    assert_eq!(renamed.body["members"][0]["name"], "Femi Adeyemi");
    let taken = ben
        .patch(
            &format!("/api/v1/crews/{crew_id}"),
            json!({"name": "Billing"}),
        )
        .await;
    assert_eq!(taken.status, 409, "{}", taken.body);
    assert_eq!(taken.body["field"], "name");
    let empty = ben
        .patch(&format!("/api/v1/crews/{crew_id}"), json!({"name": "  "}))
        .await;
    assert_eq!(empty.status, 422, "{}", empty.body);
    assert_eq!(empty.body["field"], "name");

    // A request made before the deletion stays readable with the crew's name.
    let conversation = ana.new_conversation("Return my lamp").await;
    let requested = ana
        .post(
            &format!("/api/v1/conversations/{conversation}/service-requests"),
            json!({"crew_id": crew_id}),
        )
        .await;
    assert_eq!(requested.status, 201, "{}", requested.body);

    assert_eq!(
        chloe
            .delete(&format!("/api/v1/crews/{crew_id}"))
            .await
            .status,
        403
    );
    assert_eq!(
        ben.delete(&format!("/api/v1/crews/{crew_id}")).await.status,
        204
    );
    assert_eq!(
        ben.delete(&format!("/api/v1/crews/{crew_id}")).await.status,
        404
    );
    let crews = ana.get("/api/v1/crews").await;
    assert!(
        !crews.ok().to_string().contains("Returns & Refunds"),
        "a deleted crew is listed nowhere"
    );
    let again = ana
        .post(
            &format!("/api/v1/conversations/{conversation}/service-requests"),
            json!({"crew_id": crew_id}),
        )
        .await;
    assert_eq!(again.status, 404, "{}", again.body);
    let screen = ana
        .get(&format!("/api/v1/conversations/{conversation}/screen"))
        .await;
    assert!(
        screen.ok().to_string().contains("Returns & Refunds"),
        "the earlier request still names its crew: {}",
        screen.body
    );

    // The name is free again: a new crew may take it, and then it is taken.
    let successor = ben
        .post(
            "/api/v1/crews",
            json!({"name": "Returns & Refunds", "call_to_action": "Return it"}),
        )
        .await;
    assert_eq!(successor.status, 201, "{}", successor.body);
    assert_ne!(successor.body["id"], crew_id.as_str());
    let twice = ben
        .post(
            "/api/v1/crews",
            json!({"name": "Returns & Refunds", "call_to_action": "Return it"}),
        )
        .await;
    assert_eq!(twice.status, 409, "{}", twice.body);
    let billing = id_of_crew(&ana, "Billing").await;
    let onto = ben
        .patch(
            &format!("/api/v1/crews/{billing}"),
            json!({"name": "Returns & Refunds"}),
        )
        .await;
    assert_eq!(onto.status, 409, "{}", onto.body);
    let screen = ana
        .get(&format!("/api/v1/conversations/{conversation}/screen"))
        .await;
    assert!(screen.ok().to_string().contains("Returns & Refunds"));
}

async fn id_of_crew(api: &Api, name: &str) -> String {
    api.get("/api/v1/crews").await.ok()["crews"]
        .as_array()
        .expect("crews")
        .iter()
        .find(|c| c["name"] == name)
        .expect("the crew")["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// "Contacts may invite contacts" is part of every contact's verdicts: turning it off reaches
/// their open apps at once (a stream frame, then the sync brings the conversation again with the
/// new verdict), and their screen greys Invite out; turning it on gives it back.
#[tokio::test]
async fn the_contacts_may_invite_switch_reaches_the_contacts_apps_at_once() {
    let sink = convene_testkit::SmtpSink::start().await;
    let t = TestServer::start(Some(&sink)).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let conversation = ana.new_conversation("Customers inviting customers").await;
    let carla = t
        .seat_contact(&sink, &ana, &conversation, "carla@example.com")
        .await;
    let may_invite = |page: &Value| {
        page["conversations"]
            .as_array()
            .expect("conversations")
            .iter()
            .find(|c| c["conversation"]["id"] == conversation.as_str())
            .map(|c| c["me"]["contacts_may_invite"].clone())
    };
    let first = carla.get("/api/v1/sync").await.ok().clone();
    assert_eq!(may_invite(&first), Some(json!(true)));
    let mut cursor = first["cursor"].as_str().expect("cursor").to_owned();
    let mut stream = carla.stream().await;
    let updated_at = |list: &Value| {
        list["conversations"]
            .as_array()
            .expect("conversations")
            .iter()
            .find(|c| c["id"] == conversation.as_str())
            .expect("listed")["updated_at"]
            .clone()
    };
    let before = updated_at(ana.get("/api/v1/conversations").await.ok());

    for on in [false, true] {
        let set = ana
            .put(
                "/api/v1/team/settings",
                json!({"contacts_may_invite": on, "email_from_name": null, "email_from_address": null, "invite_ttl_days": null}),
            )
            .await;
        assert_eq!(set.status, 200, "{}", set.body);
        let frame = stream.expect("changed", Duration::from_secs(5)).await;
        assert_eq!(frame["conversation_id"], conversation.as_str());
        let page = carla
            .get(&format!("/api/v1/sync?cursor={cursor}"))
            .await
            .ok()
            .clone();
        assert_eq!(may_invite(&page), Some(json!(on)), "{page}");
        cursor = page["cursor"].as_str().expect("cursor").to_owned();
        let screen = carla
            .get(&format!("/api/v1/conversations/{conversation}/screen"))
            .await
            .ok()
            .clone();
        let invite = screen["verdicts"]["permissions"]
            .as_array()
            .expect("permissions")
            .iter()
            .find(|p| p["action"] == "invite_contact")
            .expect("the invite verdict")
            .clone();
        assert_eq!(invite["allowed"], json!(on), "{invite}");
    }
    // The switch does not move anyone's conversations in their lists.
    assert_eq!(
        updated_at(ana.get("/api/v1/conversations").await.ok()),
        before
    );
}
