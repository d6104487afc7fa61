//! Team administration on the real desktop app under Xvfb: a superadmin adds an agent in the Admin
//! area, the welcome email reaches the SMTP sink, the new agent chooses a password from its link and
//! signs in to a second app; the superadmin puts them in a new crew, a Request Service to that crew
//! reaches them, and suspending them signs their app out within seconds and refuses their next
//! sign-in with a clear message.

use std::time::Duration;

use convene_e2e::desktop::artifact_dir;
use convene_e2e::Desktop;
use convene_testkit::{SmtpSink, TestServer};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(25);

async fn sign_in(app: &Desktop, server_url: &str, email: &str, password: &str) {
    let wd = &app.wd;
    wd.wait_for("[data-testid=signin-form]", WAIT)
        .await
        .expect("sign-in screen");
    for (field, value) in [
        ("#server-url", server_url),
        ("#email", email),
        ("#password", password),
    ] {
        let input = wd.wait_for(field, WAIT).await.expect("field");
        wd.fill(&input, value).await.expect("type");
    }
    wd.click_button("Sign in", WAIT).await.expect("sign in");
}

/// Types `value` into the field `css`, once the field takes input (a field the Admin area has just
/// laid out can be found a moment before WebKit lets it be clicked).
async fn fill(app: &Desktop, css: &str, value: &str) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let input = app.wd.wait_for(css, WAIT).await.expect("input");
        // WebKitGTK's driver judges fields near the bottom of the window out of view without
        // scrolling to them: bring the field to the middle first.
        app.wd
            .execute(&format!(
                "document.querySelector({css:?}).scrollIntoView({{block: 'center'}})"
            ))
            .await
            .expect("scroll");
        match app.wd.fill(&input, value).await {
            Ok(()) => return,
            Err(e) if tokio::time::Instant::now() < deadline => {
                eprintln!("{css} not ready yet: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("typing into {css}: {e}"),
        }
    }
}

/// The `/p/…` link of the email to `to`.
async fn password_link(sink: &SmtpSink, to: &str) -> String {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Some(mail) = sink
            .messages()
            .into_iter()
            .find(|m| m.header("To").is_some_and(|h| h.contains(to)))
        {
            assert_eq!(
                mail.subject(),
                "Ana Lima added you to Convene Demo on Convene"
            );
            return mail
                .text()
                .split_whitespace()
                .find(|w| w.contains("/p/"))
                .expect("a password link")
                .to_owned();
        }
        assert!(tokio::time::Instant::now() < deadline, "no email to {to}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_superadmin_brings_an_agent_in_puts_them_in_a_crew_and_suspends_them() {
    let sink = SmtpSink::start().await;
    let t = TestServer::start(Some(&sink)).await;
    let ana_api = t.agent("ana@demo.convene.test").await;
    let dir_a = tempfile::tempdir().expect("tempdir");
    let dir_b = tempfile::tempdir().expect("tempdir");
    let downloads = tempfile::tempdir().expect("tempdir");
    let a = Desktop::launch(
        "admin-a",
        dir_a.path(),
        &[(
            "CONVENE_DOWNLOAD_DIR",
            downloads.path().display().to_string(),
        )],
    )
    .await
    .expect("app A");
    sign_in(
        &a,
        &t.server.url(),
        "ana@demo.convene.test",
        convene_server::demo::DEMO_PASSWORD,
    )
    .await;
    a.wd.wait_for("[data-testid=conversation-list]", WAIT)
        .await
        .expect("list");

    // Admin → Agents → Add agent.
    a.wd.click_button("Admin", WAIT).await.expect("Admin");
    a.wd.wait_for("[data-testid=admin-area]", WAIT)
        .await
        .expect("admin area");
    a.wd.wait_for(
        "[data-testid=team-agent][data-email='femi@demo.convene.test']",
        WAIT,
    )
    .await
    .expect("the team is listed");
    fill(&a, "form.admin-form input[name=name]", "Gus Grant").await;
    fill(&a, "form.admin-form input[name=email]", "gus@example.com").await;
    a.wd.click_button("Add agent", WAIT).await.expect("add");
    a.wd.wait_for(
        "[data-testid=team-agent][data-email='gus@example.com']",
        WAIT,
    )
    .await
    .expect("Gus listed");
    a.wd.screenshot(&artifact_dir().join("admin-agents.png"))
        .await
        .expect("screenshot");

    // The welcome email's link: Gus chooses his password on the page it opens.
    let link = password_link(&sink, "gus@example.com").await;
    let set = reqwest::Client::new()
        .post(&link)
        .form(&[
            ("password", "gus-chose-this"),
            ("confirm", "gus-chose-this"),
        ])
        .send()
        .await
        .expect("the form");
    assert_eq!(set.status(), 200);

    // Admin → Crews → New crew, with Gus in it.
    a.wd.click_xpath("//button[@role='tab' and normalize-space()='Crews']", WAIT)
        .await
        .expect("Crews tab");
    fill(&a, "form.admin-form input[name=name]", "Escalations").await;
    fill(&a, "form.admin-form input[name=call_to_action]", "Escalate").await;
    a.wd.click_button("Create crew", WAIT)
        .await
        .expect("create crew");
    a.wd.click_xpath(
        "//li[@data-name='Escalations']//select/option[normalize-space()='Gus Grant']",
        WAIT,
    )
    .await
    .expect("add Gus to the crew");
    a.wd.wait_for_xpath(
        "//li[@data-name='Escalations']//li[contains(normalize-space(), 'Gus Grant')]",
        WAIT,
    )
    .await
    .expect("Gus is a member");
    a.wd.screenshot(&artifact_dir().join("admin-crews.png"))
        .await
        .expect("screenshot");

    // Gus signs in to his own app with the password he chose.
    let b = Desktop::launch("admin-b", dir_b.path(), &[])
        .await
        .expect("app B");
    sign_in(&b, &t.server.url(), "gus@example.com", "gus-chose-this").await;
    b.wd.wait_for_text("[data-testid=connection-status]", WAIT, |s| s == "Online")
        .await
        .expect("Gus online");

    // A Request Service to Escalations reaches him.
    let crews = ana_api.get("/api/v1/crews").await;
    let crew = crews.ok()["crews"]
        .as_array()
        .expect("crews")
        .iter()
        .find(|c| c["name"] == "Escalations")
        .expect("the new crew")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let conversation = ana_api.new_conversation("Escalated order").await;
    let requested = ana_api
        .post(
            &format!("/api/v1/conversations/{conversation}/service-requests"),
            json!({"crew_id": crew}),
        )
        .await;
    assert_eq!(requested.status, 201, "{}", requested.body);
    b.wd.wait_for_xpath(
        "//*[@data-testid='invite'][contains(normalize-space(), 'Escalated order')]",
        WAIT,
    )
    .await
    .expect("the request reaches Gus");

    // Ana suspends him: his app says "Signed out" within seconds.
    a.wd.click_xpath("//button[@role='tab' and normalize-space()='Agents']", WAIT)
        .await
        .expect("Agents tab");
    a.wd.click_xpath(
        "//tr[@data-email='gus@example.com']//button[normalize-space()='Suspend' and not(@disabled)]",
        WAIT,
    )
    .await
    .expect("Suspend");
    a.wd.click_xpath(
        "//div[@role='alertdialog']//button[normalize-space()='Suspend']",
        WAIT,
    )
    .await
    .expect("confirm");
    a.wd.wait_for_xpath(
        "//tr[@data-email='gus@example.com']//td[normalize-space()='Suspended']",
        WAIT,
    )
    .await
    .expect("shown as suspended");
    b.wd.wait_for_text(
        "[data-testid=connection-status]",
        Duration::from_secs(10),
        |s| s.starts_with("Signed out"),
    )
    .await
    .expect("Gus's app is signed out within seconds");

    // His next sign-in is refused, saying why.
    b.wd.click_button("Sign out", WAIT).await.expect("sign out");
    sign_in(&b, &t.server.url(), "gus@example.com", "gus-chose-this").await;
    let error =
        b.wd.wait_for_text("[data-testid=signin-error]", WAIT, |t| !t.is_empty())
            .await
            .expect("refusal shown");
    assert_eq!(
        error,
        "Your account at Convene Demo is suspended. Ask an admin of your team to reactivate it."
    );
    b.wd.screenshot(&artifact_dir().join("signin-suspended.png"))
        .await
        .expect("screenshot");

    // Admin → Audit log: Ana clicks Gus's name in the suspension's row to see only what concerns
    // him, and exports that as CSV into Downloads; the file holds what the API answers.
    a.wd.click_xpath(
        "//button[@role='tab' and normalize-space()='Audit log']",
        WAIT,
    )
    .await
    .expect("Audit log tab");
    a.wd.click_xpath(
        "//tr[@data-kind='agent_suspended']//button[normalize-space()='Gus Grant']",
        WAIT,
    )
    .await
    .expect("filter by Gus");
    a.wd.wait_for("[data-testid=audit-person-filter]", WAIT)
        .await
        .expect("the filter is shown");
    let gus_id = ana_api.get("/api/v1/team/agents?q=gus").await.ok()["agents"][0]["agent"]["id"]
        .as_str()
        .expect("Gus's id")
        .to_owned();
    let page = ana_api
        .get(&format!("/api/v1/team/audit?person={gus_id}"))
        .await
        .ok()
        .clone();
    let expected: Vec<String> = page["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["id"].as_str().expect("id").to_owned())
        .collect();
    for kind in [
        "agent_created",
        "password_changed",
        "crew_member_added",
        "agent_suspended",
    ] {
        assert!(
            page["entries"]
                .as_array()
                .expect("entries")
                .iter()
                .any(|e| e["kind"] == kind),
            "{kind} is logged: {page}"
        );
    }
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let shown =
            a.wd.execute(
                "return Array.from(document.querySelectorAll('[data-testid=audit-entry]')).length",
            )
            .await
            .expect("rows");
        if shown == json!(expected.len()) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{shown} rows shown, the API has {}",
            expected.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    a.wd.screenshot(&artifact_dir().join("admin-audit.png"))
        .await
        .expect("screenshot");
    a.wd.click_button("Export CSV", WAIT).await.expect("export");
    let said =
        a.wd.wait_for_text("#toast", WAIT, |t| t.starts_with("Audit log saved: "))
            .await
            .expect("the toast says where");
    let path = std::path::PathBuf::from(said.trim_start_matches("Audit log saved: "));
    assert_eq!(path.parent(), Some(downloads.path()), "{said}");
    let mut csv = csv::Reader::from_path(&path).expect("the export is a CSV file");
    let ids: Vec<String> = csv
        .records()
        .map(|r| r.expect("a CSV row")[0].to_owned())
        .collect();
    assert_eq!(
        ids, expected,
        "the export is what the API answers for the filter"
    );
    a.close().await;
    b.close().await;
}
