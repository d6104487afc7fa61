//! The seed flows on the real desktop app under Xvfb: two app instances, a real server, a real SMTP
//! sink, a recording notification server on the private session bus, and the X clipboard.

use std::time::Duration;

use convene_e2e::desktop::artifact_dir;
use convene_e2e::notifications::Recorder;
use convene_e2e::Desktop;
use convene_testkit::{Api, SmtpSink, TestServer};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(25);
const PASSWORD: &str = convene_server::demo::DEMO_PASSWORD;

async fn sign_in(app: &Desktop, server_url: &str, email: &str) {
    let wd = &app.wd;
    wd.wait_for("[data-testid=signin-form]", WAIT)
        .await
        .expect("sign-in screen");
    wd.fill(
        &wd.wait_for("#server-url", WAIT).await.expect("server"),
        server_url,
    )
    .await
    .expect("type");
    wd.fill(&wd.wait_for("#email", WAIT).await.expect("email"), email)
        .await
        .expect("type");
    wd.fill(
        &wd.wait_for("#password", WAIT).await.expect("password"),
        PASSWORD,
    )
    .await
    .expect("type");
    wd.click_button("Sign in", WAIT).await.expect("sign in");
    wd.wait_for("[data-testid=conversation-list]", WAIT)
        .await
        .expect("list");
}

async fn open_conversation(app: &Desktop, subject: &str) {
    let xpath = format!("//li[@data-testid='conversation-item'][.//span[@class='subject' and normalize-space()='{subject}']]");
    app.wd
        .click_xpath(&xpath, WAIT)
        .await
        .expect("open the conversation");
    app.wd
        .wait_for_text("[data-testid=conversation-subject]", WAIT, |t| t == subject)
        .await
        .expect("conversation open");
}

async fn open_panel(app: &Desktop, name: &str) {
    app.wd
        .click_css(
            &format!("button[aria-label='{name}'][aria-pressed='false']"),
            WAIT,
        )
        .await
        .expect("open panel");
    app.wd
        .wait_for(&format!("section.panel[aria-label='{name}']"), WAIT)
        .await
        .expect("panel");
}

/// Opens the ⋯ menu of `name` in the People panel and clicks its item `item`.
async fn click_menu_item(app: &Desktop, name: &str, item: &str) {
    let xpath = format!("//li[@data-name='{name}']//div[@role='menu' and not(@hidden)]//button[normalize-space()='{item}']");
    for _ in 0..5 {
        app.wd
            .click_css(
                &format!("button[aria-label='More actions for {name}']"),
                WAIT,
            )
            .await
            .expect("open menu");
        if app
            .wd
            .click_xpath(&xpath, Duration::from_secs(3))
            .await
            .is_ok()
        {
            return;
        }
    }
    panic!("could not click {item} for {name}");
}

/// Opens the ⋯ menu of `name` in the People panel and answers the menu item labelled `item`.
async fn menu_item(app: &Desktop, name: &str, item: &str) -> convene_e2e::Element {
    app.wd
        .click_css(
            &format!("button[aria-label='More actions for {name}']"),
            WAIT,
        )
        .await
        .expect("open menu");
    app.wd
        .wait_for_xpath(&format!("//li[@data-name='{name}']//div[@role='menu' and not(@hidden)]//button[normalize-space()='{item}']"), WAIT)
        .await
        .expect("menu item")
}

async fn tray_badge(app: &Desktop) -> Option<String> {
    let v = app
        .wd
        .execute_async("const done = arguments[arguments.length - 1]; window.__TAURI_INTERNALS__.invoke('tray_badge').then(done, () => done('error'));")
        .await
        .expect("badge");
    v.as_str().map(str::to_owned)
}

fn clipboard() -> String {
    let out = std::process::Command::new("xclip")
        .args(["-o", "-selection", "clipboard"])
        .output()
        .expect("xclip (install it: cargo xtask test does)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn api_as(t: &TestServer, email: &str) -> Api {
    t.agent(email).await
}

#[tokio::test]
async fn add_agent_notifies_the_other_app_which_joins_and_the_people_panel_shows_it() {
    let recorder = Recorder::start().await.expect("notification recorder");
    let t = TestServer::start(None).await;
    let ana_api = api_as(&t, "ana@demo.convene.test").await;
    ana_api
        .post(
            "/api/v1/conversations",
            json!({"subject": "Desktop add agent"}),
        )
        .await
        .ok();
    let dir_a = tempfile::tempdir().expect("tempdir");
    let dir_b = tempfile::tempdir().expect("tempdir");
    let a = Desktop::launch("add-agent-a", dir_a.path(), &[])
        .await
        .expect("app A");
    let b = Desktop::launch("add-agent-b", dir_b.path(), &[])
        .await
        .expect("app B");
    sign_in(&a, &t.server.url(), "ana@demo.convene.test").await;
    sign_in(&b, &t.server.url(), "femi@demo.convene.test").await;
    b.wd.wait_for_text("[data-testid=connection-status]", WAIT, |s| s == "Online")
        .await
        .expect("B online");
    assert_eq!(
        tray_badge(&b).await,
        None,
        "no pending invite, nothing unread"
    );

    open_conversation(&a, "Desktop add agent").await;
    open_panel(&a, "Service").await;
    a.wd.click_button("Add Agent", WAIT).await.expect("tab");
    let search =
        a.wd.wait_for("input[aria-label='Search agents']", WAIT)
            .await
            .expect("search");
    a.wd.fill(&search, "Femi").await.expect("type");
    a.wd.wait_for_xpath(
        "//li[@data-testid='agent-result'][.//strong[normalize-space()='Femi Adeyemi']]",
        WAIT,
    )
    .await
    .expect("result");
    a.wd.click_button("Send invite", WAIT)
        .await
        .expect("send invite");

    let note = recorder
        .wait_for("Ana Lima invited you", WAIT)
        .await
        .expect("a native notification");
    assert!(note.body.contains("Desktop add agent"), "{note:?}");
    assert_eq!(note.app_name, "Convene");
    let invite =
        b.wd.wait_for("[data-testid=invite]", WAIT)
            .await
            .expect("invite shown in B");
    assert!(b
        .wd
        .text(&invite)
        .await
        .expect("text")
        .contains("Desktop add agent"));
    assert_eq!(
        tray_badge(&b).await.as_deref(),
        Some("1"),
        "tray shows one pending invite"
    );
    b.wd.screenshot(&artifact_dir().join("add-agent-invite-in-b.png"))
        .await
        .expect("shot");
    b.wd.click_button("Join", WAIT).await.expect("join");

    open_panel(&a, "People").await;
    a.wd.wait_for_text(
        "[data-testid=person][data-name='Femi Adeyemi'] .state",
        WAIT,
        |s| s == "Joined",
    )
    .await
    .expect("A sees B joined");
    a.wd.screenshot(&artifact_dir().join("add-agent-people-in-a.png"))
        .await
        .expect("shot");

    // Femi is a joined agent, not an owner: Remove User is there but disabled, saying who may.
    open_conversation(&b, "Desktop add agent").await;
    open_panel(&b, "People").await;
    let remove = menu_item(&b, "Ana Lima", "Remove User").await;
    assert!(
        b.wd.property(&remove, "disabled")
            .await
            .expect("prop")
            .as_bool()
            .unwrap_or(false),
        "disabled for a joined agent"
    );
    let why =
        b.wd.attribute(&remove, "title")
            .await
            .expect("attr")
            .unwrap_or_default();
    assert!(
        why.contains("SuperAdmins and conversation owners"),
        "tooltip says who may: {why}"
    );
    b.wd.screenshot(&artifact_dir().join("remove-disabled-for-agent.png"))
        .await
        .expect("shot");
    assert_eq!(
        tray_badge(&b).await,
        None,
        "badge cleared after joining (and nothing unread there)"
    );

    // Clicking a notification opens its conversation.
    let second = ana_api
        .post(
            "/api/v1/conversations",
            json!({"subject": "Opened from a notification"}),
        )
        .await;
    let femi_id = t
        .agent("femi@demo.convene.test")
        .await
        .get("/api/v1/me")
        .await
        .ok()["id"]
        .clone();
    ana_api
        .post(
            &format!(
                "/api/v1/conversations/{}/agent-invites",
                second.ok()["id"].as_str().expect("id")
            ),
            json!({"agent_id": femi_id}),
        )
        .await
        .ok();
    let note = recorder
        .wait_for("Ana Lima invited you", WAIT)
        .await
        .expect("first");
    let _ = note;
    let deadline = std::time::Instant::now() + WAIT;
    let latest = loop {
        let all = recorder.received();
        if let Some(n) = all
            .iter()
            .rev()
            .find(|n| n.body.contains("Opened from a notification"))
        {
            break n.clone();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "second notification: {all:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    recorder.click(latest.id).await.expect("click");
    b.wd.wait_for_text("[data-testid=conversation-subject]", WAIT, |s| {
        s == "Opened from a notification"
    })
    .await
    .expect("the notification opened its conversation");
    a.close().await;
    b.close().await;
}

#[tokio::test]
async fn request_service_contacts_link_resend_and_remove_from_the_panels() {
    let sink = SmtpSink::start().await;
    let t = TestServer::start(Some(&sink)).await;
    let ana = api_as(&t, "ana@demo.convene.test").await;
    let conversation = ana
        .post(
            "/api/v1/conversations",
            json!({"subject": "Panels on the desktop"}),
        )
        .await
        .ok()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let chloe = api_as(&t, "chloe@demo.convene.test").await;
    let chloe_id = chloe.get("/api/v1/me").await.ok()["id"].clone();
    let invite = ana
        .post(
            &format!("/api/v1/conversations/{conversation}/agent-invites"),
            json!({"agent_id": chloe_id}),
        )
        .await;
    chloe
        .post(
            &format!(
                "/api/v1/invites/{}/accept",
                invite.ok()["invite"]["id"].as_str().expect("id")
            ),
            json!({}),
        )
        .await
        .ok();

    let dir = tempfile::tempdir().expect("tempdir");
    let app = Desktop::launch("panels", dir.path(), &[])
        .await
        .expect("app");
    sign_in(&app, &t.server.url(), "ana@demo.convene.test").await;
    open_conversation(&app, "Panels on the desktop").await;

    // Request Service.
    open_panel(&app, "Service").await;
    app.wd
        .click_button("Get technical help", WAIT)
        .await
        .expect("request Technical Support");
    app.wd
        .wait_for_text("[data-testid=service-request]", WAIT, |s| {
            s.contains("3 notified")
        })
        .await
        .expect("request status");
    app.wd
        .screenshot(&artifact_dir().join("request-service.png"))
        .await
        .expect("shot");

    // Add to Conversation by email.
    open_panel(&app, "Contacts").await;
    let field = app
        .wd
        .wait_for("input[aria-label='Contact email or name']", WAIT)
        .await
        .expect("field");
    app.wd.fill(&field, "zed@example.com").await.expect("type");
    app.wd
        .click_button("Add to Conversation", WAIT)
        .await
        .expect("add");
    let mail = sink.wait_for(1, WAIT).await.remove(0);
    assert!(mail.rcpt_to.iter().any(|r| r.contains("zed@example.com")));
    // Again: nothing is sent, and the app says why (under the field once the cache has the invite,
    // in a notice if the server is first to know), never "Invite sent".
    let emails = sink.messages().len();
    app.wd.fill(&field, "zed@example.com").await.expect("type");
    app.wd
        .click_button("Add to Conversation", WAIT)
        .await
        .expect("add again");
    app.wd
        .wait_for_xpath(
            "//*[(@data-testid='contact-error' or @id='toast') and contains(., 'is already invited; use Resend Invite in People')]",
            WAIT,
        )
        .await
        .expect("already invited, said in words");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.messages().len(), emails, "no second email to zed");

    // Copy Shareable Link: the X clipboard holds the URL the server reports.
    let warning = app.wd.wait_for(".warning", WAIT).await.expect("warning");
    assert_eq!(
        app.wd.text(&warning).await.expect("t"),
        "Anyone with this URL will be able to access this Conversation."
    );
    app.wd
        .click_button("Copy Shareable Link", WAIT)
        .await
        .expect("copy");
    app.wd
        .wait_for_text("#toast", WAIT, |s| s == "Link copied to the clipboard")
        .await
        .expect("confirmation");
    let url = ana
        .get(&format!("/api/v1/conversations/{conversation}/share-link"))
        .await
        .ok()["url"]
        .as_str()
        .expect("url")
        .to_owned();
    assert_eq!(clipboard(), url);
    app.wd
        .screenshot(&artifact_dir().join("contacts-link-copied.png"))
        .await
        .expect("shot");

    // Resend Invite: a second email, and the count on screen.
    open_panel(&app, "People").await;
    click_menu_item(&app, "zed", "Resend Invite").await;
    sink.wait_for(2, WAIT).await;
    app.wd
        .wait_for_text(
            "[data-testid=person][data-name='zed'] [data-testid=invite-state]",
            WAIT,
            |s| s.contains("sent 2×"),
        )
        .await
        .expect("count shown");

    // A second Resend within the minute: the server asks to wait. The app says so and for how
    // long (not "Invite resent"), the queued item counts the wait down, and nothing else waits:
    // Remove User below goes at once.
    click_menu_item(&app, "zed", "Resend Invite").await;
    app.wd
        .wait_for_text("#toast", WAIT, |t| {
            t.contains("not yet") && t.contains("try again in") && t.contains("by itself")
        })
        .await
        .expect("the wait is said");
    app.wd
        .wait_for_text("[data-testid=waiting-action]", WAIT, |t| {
            t.contains("Try again in")
        })
        .await
        .expect("the item shows the wait");
    app.wd
        .screenshot(&artifact_dir().join("resend-waits.png"))
        .await
        .expect("shot");

    // Remove User as owner, with a confirmation that says what the person loses.
    click_menu_item(&app, "Chloe Park", "Remove User").await;
    let text = app
        .wd
        .wait_for("#dialog-text", WAIT)
        .await
        .expect("confirmation");
    assert!(app
        .wd
        .text(&text)
        .await
        .expect("t")
        .contains("loses access to this conversation"));
    app.wd
        .screenshot(&artifact_dir().join("remove-confirmation.png"))
        .await
        .expect("shot");
    app.wd
        .click_css(".dialog button.danger", WAIT)
        .await
        .expect("confirm");
    app.wd
        .wait_gone("[data-testid=person][data-name='Chloe Park']", WAIT)
        .await
        .expect("Chloe is gone");
    chloe
        .get(&format!("/api/v1/conversations/{conversation}"))
        .await
        .problem(404, "not_found");

    // Each panel at the usual and at a small window size: the composer's Send button stays on
    // screen and uncovered, and Esc closes the panel (the focus goes back to its tool).
    let people = app
        .wd
        .wait_for("button[aria-label='People'][aria-pressed='true']", WAIT)
        .await
        .expect("People is open");
    app.wd.press(&people, "\u{E00C}").await.expect("Esc");
    app.wd
        .wait_gone("section.panel", WAIT)
        .await
        .expect("Esc closes the panel");
    for (width, height) in [(1280, 800), (800, 600)] {
        app.wd.set_window_size(width, height).await.expect("resize");
        for name in ["Service", "Contacts", "People"] {
            open_panel(&app, name).await;
            tokio::time::sleep(Duration::from_millis(400)).await;
            app.wd
                .screenshot(&artifact_dir().join(format!("panel-{name}-{width}x{height}.png")))
                .await
                .expect("shot");
            let send_visible = app
                .wd
                .execute(
                    "const b = [...document.querySelectorAll('form.composer button')].find(x => x.textContent.trim() === 'Send');
                     if (!b) return 'no Send button';
                     const r = b.getBoundingClientRect();
                     if (r.width === 0 || r.bottom > window.innerHeight || r.right > window.innerWidth) return `off screen: ${JSON.stringify(r)} in ${window.innerWidth}x${window.innerHeight}`;
                     const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
                     return top === b || b.contains(top) ? 'visible' : `covered by ${top && top.outerHTML.slice(0, 80)}`;",
                )
                .await
                .expect("script");
            assert_eq!(
                send_visible.as_str(),
                Some("visible"),
                "{name} at {width}x{height}: {send_visible}"
            );
            let open = app
                .wd
                .wait_for(
                    &format!("button[aria-label='{name}'][aria-pressed='true']"),
                    WAIT,
                )
                .await
                .expect("the tool says its panel is open");
            app.wd.press(&open, "\u{E00C}").await.expect("Esc");
            app.wd
                .wait_gone("section.panel", WAIT)
                .await
                .unwrap_or_else(|e| panic!("Esc closes {name} at {width}x{height}: {e}"));
            let back = app
                .wd
                .execute("return document.activeElement && document.activeElement.getAttribute('aria-label')")
                .await
                .expect("script");
            assert_eq!(
                back.as_str(),
                Some(name),
                "the focus is back on the {name} tool"
            );
        }
    }

    // The last owner leaves by handing over: Dev (invited above) joins, and Ana's Leave offers
    // to make him owner first; she picks him, and the conversation leaves her list while he owns it.
    app.wd.set_window_size(1280, 800).await.expect("resize");
    let dev = api_as(&t, "dev@demo.convene.test").await;
    let view = ana
        .get(&format!(
            "/api/v1/conversations/{conversation}/participants"
        ))
        .await;
    let dev_invite = view.ok()["invites"]
        .as_array()
        .expect("invites")
        .iter()
        .find(|i| i["invitee_email"] == "dev@demo.convene.test")
        .expect("Dev's invite")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    dev.post(&format!("/api/v1/invites/{dev_invite}/accept"), json!({}))
        .await
        .ok();
    open_panel(&app, "People").await;
    app.wd
        .wait_for_xpath(
            "//li[@data-name='Dev Patel']//span[normalize-space()='Joined']",
            WAIT,
        )
        .await
        .expect("Dev joined");
    app.wd
        .click_button("Leave conversation…", WAIT)
        .await
        .expect("Leave offers the hand-over");
    app.wd
        .click_xpath(
            "//div[@role='alertdialog']//select/option[normalize-space()='Dev Patel']",
            WAIT,
        )
        .await
        .expect("pick Dev");
    app.wd
        .screenshot(&artifact_dir().join("hand-over.png"))
        .await
        .expect("shot");
    app.wd
        .click_xpath(
            "//div[@role='alertdialog']//button[normalize-space()='Make owner and leave' and not(@disabled)]",
            WAIT,
        )
        .await
        .expect("make owner and leave");
    let deadline = tokio::time::Instant::now() + WAIT;
    while !app
        .wd
        .find_all_xpath("//li[@data-testid='conversation-item'][.//span[@class='subject' and normalize-space()='Panels on the desktop']]")
        .await
        .expect("list")
        .is_empty()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the conversation is still in Ana's list"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let owners = dev
        .get(&format!(
            "/api/v1/conversations/{conversation}/participants"
        ))
        .await;
    assert!(
        owners.ok()["participants"]
            .as_array()
            .expect("participants")
            .iter()
            .any(|p| p["name"] == "Dev Patel" && p["role"] == "owner"),
        "{}",
        owners.body
    );
    app.close().await;
}

#[tokio::test]
async fn offline_a_message_and_an_invite_are_queued_as_pending_and_land_once_when_the_server_returns(
) {
    let server_dir = tempfile::tempdir().expect("tempdir");
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr");
    let start = |dir: std::path::PathBuf| async move {
        let mut config = convene_server::ServeConfig::for_test(dir);
        config.demo = true;
        config.listen = addr;
        convene_server::Server::new(config)
            .await
            .expect("server")
            .start()
            .await
            .expect("start")
    };
    let server = start(server_dir.path().to_path_buf()).await;
    let url = format!("http://{addr}");
    let ana = Api::new(&url, None);
    let token = ana
        .post(
            "/api/v1/auth/login",
            json!({"email": "ana@demo.convene.test", "password": PASSWORD}),
        )
        .await;
    let ana = ana.with_token(token.ok()["token"].as_str().expect("token"));
    let conversation = ana
        .post(
            "/api/v1/conversations",
            json!({"subject": "Offline on the desktop"}),
        )
        .await
        .ok()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    ana.post(
        &format!("/api/v1/conversations/{conversation}/messages"),
        json!({"body": "The courier lost the parcel near Zürich"}),
    )
    .await
    .ok();

    let dir = tempfile::tempdir().expect("tempdir");
    let app = Desktop::launch("offline-1", dir.path(), &[])
        .await
        .expect("app");
    sign_in(&app, &url, "ana@demo.convene.test").await;
    app.wd
        .wait_for_text("[data-testid=connection-status]", WAIT, |s| s == "Online")
        .await
        .expect("online");
    app.close().await;
    server.stop().await;

    let app = Desktop::launch("offline-2", dir.path(), &[])
        .await
        .expect("app again");
    app.wd
        .wait_for_text("[data-testid=connection-status]", WAIT, |s| {
            s.starts_with("Offline")
        })
        .await
        .expect("offline");

    // Offline, the list's search finds words from inside a message (a prefix, the accent
    // folded), and shows them marked.
    let search = app
        .wd
        .wait_for("input[aria-label='Search conversations']", WAIT)
        .await
        .expect("search box");
    app.wd.fill(&search, "zurich parc").await.expect("type");
    let snippet = app
        .wd
        .wait_for_text("[data-testid=search-snippet]", WAIT, |t| {
            t.contains("Zürich")
        })
        .await
        .expect("a message's words found offline");
    assert!(snippet.contains("parcel"), "{snippet}");
    let marked = app
        .wd
        .execute("return [...document.querySelectorAll('[data-testid=search-snippet] mark')].map(m => m.textContent)")
        .await
        .expect("marks");
    assert_eq!(marked, json!(["parcel", "Zürich"]));
    app.wd
        .screenshot(&artifact_dir().join("offline-search.png"))
        .await
        .expect("shot");
    app.wd
        .execute("const s = document.querySelector(\"input[aria-label='Search conversations']\"); s.value = ''; s.dispatchEvent(new Event('input'));")
        .await
        .expect("clear the search");
    open_conversation(&app, "Offline on the desktop").await;
    let composer = app
        .wd
        .wait_for("textarea[aria-label='Message']", WAIT)
        .await
        .expect("composer");
    app.wd
        .fill(&composer, "Written while offline")
        .await
        .expect("type");
    app.wd.click_button("Send", WAIT).await.expect("send");
    app.wd.wait_for_xpath("//li[@data-testid='message'][.//p[normalize-space()='Written while offline']]//span[@data-testid='pending-marker']", WAIT).await.expect("message shown pending");
    open_panel(&app, "Contacts").await;
    let field = app
        .wd
        .wait_for("input[aria-label='Contact email or name']", WAIT)
        .await
        .expect("field");
    app.wd
        .fill(&field, "offline-invite@example.com")
        .await
        .expect("type");
    app.wd
        .click_button("Add to Conversation", WAIT)
        .await
        .expect("queue invite");
    app.wd
        .wait_for_text("[data-testid=queued-action]", WAIT, |s| {
            s.contains("Add to Conversation — pending")
        })
        .await
        .expect("invite shown pending");
    app.wd
        .screenshot(&artifact_dir().join("offline-pending.png"))
        .await
        .expect("shot");

    let server = start(server_dir.path().to_path_buf()).await;
    app.wd
        .wait_for_text(
            "[data-testid=connection-status]",
            Duration::from_secs(40),
            |s| s == "Online",
        )
        .await
        .expect("back online");
    app.wd
        .wait_gone("[data-testid=queued-action]", WAIT)
        .await
        .expect("queue drained");
    app.wd
        .wait_gone("[data-testid=pending-marker]", WAIT)
        .await
        .expect("nothing pending");
    let ana = Api::new(&url, None);
    let token = ana
        .post(
            "/api/v1/auth/login",
            json!({"email": "ana@demo.convene.test", "password": PASSWORD}),
        )
        .await;
    let ana = ana.with_token(token.ok()["token"].as_str().expect("token"));
    let messages = ana
        .get(&format!("/api/v1/conversations/{conversation}/messages"))
        .await;
    // Newest first, as the server pages them.
    let bodies: Vec<&str> = messages.ok()["messages"]
        .as_array()
        .expect("m")
        .iter()
        .filter_map(|m| m["body"].as_str())
        .collect();
    assert_eq!(
        bodies,
        [
            "Written while offline",
            "The courier lost the parcel near Zürich"
        ],
        "landed once"
    );
    let people = ana
        .get(&format!(
            "/api/v1/conversations/{conversation}/participants"
        ))
        .await;
    assert_eq!(
        people.ok()["invites"].as_array().map(Vec::len),
        Some(1),
        "one invite"
    );
    app.wd
        .screenshot(&artifact_dir().join("offline-landed.png"))
        .await
        .expect("shot");
    app.close().await;
    server.stop().await;
}

#[tokio::test]
async fn closing_moves_the_conversation_to_closed_and_reopening_brings_it_back() {
    let t = TestServer::start(None).await;
    let ana = api_as(&t, "ana@demo.convene.test").await;
    let conversation = ana
        .post(
            "/api/v1/conversations",
            json!({"subject": "Done and dusted"}),
        )
        .await
        .ok()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let dir = tempfile::tempdir().expect("tempdir");
    let app = Desktop::launch("close", dir.path(), &[])
        .await
        .expect("app");
    sign_in(&app, &t.server.url(), "ana@demo.convene.test").await;
    open_conversation(&app, "Done and dusted").await;
    let item = "//li[@data-testid='conversation-item'][.//span[@class='subject' and normalize-space()='Done and dusted']]";

    app.wd.click_button("Close", WAIT).await.expect("Close");
    app.wd
        .click_css(".dialog button.danger", WAIT)
        .await
        .expect("confirm");
    app.wd
        .wait_for_text("[data-testid=conversation-status]", WAIT, |s| s == "Closed")
        .await
        .expect("the header says Closed");
    assert_eq!(
        ana.get(&format!("/api/v1/conversations/{conversation}"))
            .await
            .ok()["status"],
        "closed"
    );
    // The list shows open conversations by default: it is gone from there, and under Closed.
    let deadline = tokio::time::Instant::now() + WAIT;
    while !app.wd.find_all_xpath(item).await.expect("list").is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "still listed as open"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.wd
        .click_xpath(
            "//select[@data-testid='status-filter']/option[@value='closed']",
            WAIT,
        )
        .await
        .expect("Show closed");
    app.wd
        .wait_for_xpath(item, WAIT)
        .await
        .expect("listed under Closed");
    app.wd
        .screenshot(&artifact_dir().join("closed-list.png"))
        .await
        .expect("shot");
    open_conversation(&app, "Done and dusted").await;
    app.wd.click_button("Reopen", WAIT).await.expect("Reopen");
    app.wd
        .wait_gone("[data-testid=conversation-status]", WAIT)
        .await
        .expect("open again");
    app.wd
        .click_xpath(
            "//select[@data-testid='status-filter']/option[@value='open']",
            WAIT,
        )
        .await
        .expect("Show open");
    app.wd
        .wait_for_xpath(item, WAIT)
        .await
        .expect("back among the open ones");
    assert_eq!(
        ana.get(&format!("/api/v1/conversations/{conversation}"))
            .await
            .ok()["status"],
        "open"
    );
    app.close().await;
}

/// The unread count on the row of `subject`, if it shows one (read in one script: the row may be
/// re-rendered between finding it and reading it).
async fn unread_on_row(app: &Desktop, subject: &str) -> Option<String> {
    let script = format!(
        "const row = [...document.querySelectorAll('[data-testid=conversation-item]')].find((li) => li.querySelector('.subject')?.textContent.trim() === {subject:?}); \
         return row?.querySelector('[data-testid=unread-count]')?.textContent ?? null;"
    );
    let v = app.wd.execute(&script).await.expect("read the row");
    v.as_str().map(str::to_owned)
}

/// Waits until the row of `subject` shows `want` as its unread count (`None`: no count).
async fn wait_unread(app: &Desktop, subject: &str, want: Option<&str>) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let now = unread_on_row(app, subject).await;
        if now.as_deref() == want {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "unread on {subject:?}: {now:?}, want {want:?}"
        );
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

#[tokio::test]
async fn reading_on_one_app_clears_the_unread_count_on_a_second_app_of_the_same_agent() {
    let recorder = Recorder::start().await.expect("notification recorder");
    let t = TestServer::start(None).await;
    let ana = api_as(&t, "ana@demo.convene.test").await;
    let chloe = api_as(&t, "chloe@demo.convene.test").await;
    let subject = "Read on one, cleared on the other";
    let conversation = ana
        .post("/api/v1/conversations", json!({ "subject": subject }))
        .await
        .ok()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let chloe_id = chloe.get("/api/v1/me").await.ok()["id"].clone();
    let invite = ana
        .post(
            &format!("/api/v1/conversations/{conversation}/agent-invites"),
            json!({ "agent_id": chloe_id }),
        )
        .await;
    let invite = invite.ok()["invite"]["id"].as_str().expect("id").to_owned();
    chloe
        .post(&format!("/api/v1/invites/{invite}/accept"), json!({}))
        .await
        .ok();
    let messages = format!("/api/v1/conversations/{conversation}/messages");
    for body in ["Can you check order 1182?", "It is the blue one."] {
        ana.post(&messages, json!({ "body": body })).await.ok();
    }
    // The demo conversation is the newest, so each app opens (and reads) that one on start.
    let demo = chloe.get("/api/v1/home").await.ok()["conversations"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|e| e["conversation"]["subject"] != subject)
        .expect("a demo conversation")["conversation"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    ana.post(
        &format!("/api/v1/conversations/{demo}/messages"),
        json!({ "body": "Morning, everyone." }),
    )
    .await
    .ok();

    let dir_a = tempfile::tempdir().expect("tempdir");
    let dir_b = tempfile::tempdir().expect("tempdir");
    let a = Desktop::launch("read-a", dir_a.path(), &[])
        .await
        .expect("app A");
    let b = Desktop::launch("read-b", dir_b.path(), &[])
        .await
        .expect("app B");
    sign_in(&a, &t.server.url(), "chloe@demo.convene.test").await;
    sign_in(&b, &t.server.url(), "chloe@demo.convene.test").await;
    wait_unread(&a, subject, Some("2")).await;
    wait_unread(&b, subject, Some("2")).await;
    assert_eq!(
        tray_badge(&b).await.as_deref(),
        Some("1"),
        "one unread conversation"
    );
    b.wd.screenshot(&artifact_dir().join("unread-on-b.png"))
        .await
        .expect("shot");

    open_conversation(&a, subject).await;
    wait_unread(&a, subject, None).await;
    wait_unread(&b, subject, None).await;
    assert_eq!(tray_badge(&b).await, None, "nothing unread on B either");
    b.wd.screenshot(&artifact_dir().join("read-on-a-cleared-on-b.png"))
        .await
        .expect("shot");

    // A new message from a colleague raises a notification naming who and where.
    ana.post(&messages, json!({ "body": "Any news on 1182?" }))
        .await
        .ok();
    let note = recorder
        .wait_for("Ana Lima in", WAIT)
        .await
        .expect("a notification for the message");
    assert!(note.summary.contains(subject), "{note:?}");
    assert!(note.body.contains("Any news on 1182?"), "{note:?}");

    // Muted on A (and so for Chloe everywhere): the next message raises none.
    a.wd.click_css("[data-testid=mute-toggle][aria-pressed='false']", WAIT)
        .await
        .expect("Mute");
    a.wd.wait_for("[data-testid=mute-toggle][aria-pressed='true']", WAIT)
        .await
        .expect("muted");
    b.wd.wait_for_xpath(
        &format!("//li[@data-testid='conversation-item'][.//span[@class='subject' and normalize-space()='{subject}']]//span[@data-testid='muted-marker']"),
        WAIT,
    )
    .await
    .expect("muted on B too");
    ana.post(&messages, json!({ "body": "Hello? Quietly." }))
        .await
        .ok();
    a.wd.wait_for_xpath(
        "//li[@data-testid='message'][.//p[normalize-space()='Hello? Quietly.']]",
        WAIT,
    )
    .await
    .expect("the message arrived");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let quiet: Vec<_> = recorder
        .received()
        .into_iter()
        .filter(|n| n.body.contains("Quietly"))
        .collect();
    assert!(quiet.is_empty(), "muted, yet notified: {quiet:?}");
    a.close().await;
    b.close().await;
}

/// Ana creates a conversation and invites Femi to it.
async fn invite_femi(t: &TestServer, ana: &Api, subject: &str) {
    let conversation = ana.new_conversation(subject).await;
    let femi = t.agent("femi@demo.convene.test").await.my_id().await;
    ana.post(
        &format!("/api/v1/conversations/{conversation}/agent-invites"),
        json!({ "agent_id": femi }),
    )
    .await
    .ok();
}

#[tokio::test]
async fn do_not_disturb_holds_back_a_notification_that_would_otherwise_be_recorded() {
    let recorder = Recorder::start().await.expect("notification recorder");
    let t = TestServer::start(None).await;
    let ana = api_as(&t, "ana@demo.convene.test").await;
    let dir = tempfile::tempdir().expect("tempdir");
    let app = Desktop::launch("quiet", dir.path(), &[])
        .await
        .expect("app");
    sign_in(&app, &t.server.url(), "femi@demo.convene.test").await;
    app.wd
        .wait_for_text("[data-testid=connection-status]", WAIT, |s| s == "Online")
        .await
        .expect("online");

    app.wd
        .click_xpath(
            "//select[@data-testid='do-not-disturb']/option[@value='hour']",
            WAIT,
        )
        .await
        .expect("Do not disturb for 1 hour");
    app.wd
        .wait_for("[data-testid=quiet-until]", WAIT)
        .await
        .expect("the bar says until when");
    app.wd
        .screenshot(&artifact_dir().join("do-not-disturb.png"))
        .await
        .expect("shot");
    invite_femi(&t, &ana, "Held back while quiet").await;
    app.wd
        .wait_for_xpath(
            "//*[@data-testid='invite'][contains(., 'Held back while quiet')]",
            WAIT,
        )
        .await
        .expect("the invite still shows in the window");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let held: Vec<_> = recorder
        .received()
        .into_iter()
        .filter(|n| n.body.contains("Held back while quiet"))
        .collect();
    assert!(held.is_empty(), "notified while quiet: {held:?}");

    app.wd
        .click_xpath(
            "//select[@data-testid='do-not-disturb']/option[@value='off']",
            WAIT,
        )
        .await
        .expect("Notifications on");
    app.wd
        .wait_gone("[data-testid=quiet-until]", WAIT)
        .await
        .expect("quiet no more");
    invite_femi(&t, &ana, "Let through afterwards").await;
    let note = recorder
        .wait_for("Ana Lima invited you", WAIT)
        .await
        .expect("a notification once notifications are on");
    let deadline = tokio::time::Instant::now() + WAIT;
    while !recorder
        .received()
        .iter()
        .any(|n| n.body.contains("Let through afterwards"))
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{note:?} / {:?}",
            recorder.received()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.close().await;
}
