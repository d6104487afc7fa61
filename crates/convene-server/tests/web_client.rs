//! The contact's browser session: the join form sets an HttpOnly cookie and sends them to the web
//! client; cookie-authenticated changes must come from the server's own origin; the web client is
//! served with a strict CSP.

use convene_testkit::TestServer;
use reqwest::redirect::Policy;
use serde_json::json;

#[tokio::test]
async fn joining_from_the_page_sets_a_strict_session_cookie_that_only_same_origin_requests_may_use()
{
    let t = TestServer::start(None).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let conv = ana
        .post("/api/v1/conversations", json!({"subject": "Cookies"}))
        .await
        .ok()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let url = ana
        .get(&format!("/api/v1/conversations/{conv}/share-link"))
        .await
        .ok()["url"]
        .as_str()
        .expect("url")
        .to_owned();

    let browser = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client");
    let joined = browser
        .post(&url)
        .form(&[("name", "Cora Cookie"), ("email", "cora@example.com")])
        .send()
        .await
        .expect("join form");
    assert_eq!(joined.status(), 303);
    assert_eq!(
        joined.headers()["location"],
        format!("/app/#/c/{conv}").as_str()
    );
    let cookie = joined.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .to_owned();
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    let pair = cookie.split(';').next().expect("name=value").to_owned();

    let me = browser
        .get(t.server.url() + "/api/v1/me")
        .header("cookie", &pair)
        .send()
        .await
        .expect("me");
    assert_eq!(me.status(), 200);
    let me: serde_json::Value = me.json().await.expect("json");
    assert_eq!(me["kind"], "contact");
    assert_eq!(me["name"], "Cora Cookie");

    let post = |origin: Option<&str>| {
        let mut req = browser
            .post(format!(
                "{}/api/v1/conversations/{conv}/messages",
                t.server.url()
            ))
            .header("cookie", &pair)
            .json(&json!({"body": "hi"}));
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        req.send()
    };
    assert_eq!(
        post(None).await.expect("send").status(),
        403,
        "no Origin: refused"
    );
    assert_eq!(
        post(Some("https://evil.example"))
            .await
            .expect("send")
            .status(),
        403,
        "another site: refused"
    );
    assert_eq!(
        post(Some(&t.server.url())).await.expect("send").status(),
        201,
        "our own page: allowed"
    );

    let out = browser
        .post(t.server.url() + "/api/v1/auth/logout")
        .header("cookie", &pair)
        .header("origin", t.server.url())
        .send()
        .await
        .expect("logout");
    assert_eq!(out.status(), 204);
    assert!(out.headers()["set-cookie"]
        .to_str()
        .expect("c")
        .contains("Max-Age=0"));
    let after = browser
        .get(t.server.url() + "/api/v1/me")
        .header("cookie", &pair)
        .send()
        .await
        .expect("me");
    assert_eq!(after.status(), 401);
}

#[tokio::test]
async fn the_web_client_is_served_with_a_strict_policy_and_no_path_tricks() {
    let ui = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(ui.path().join("assets")).expect("assets");
    std::fs::write(
        ui.path().join("index.html"),
        "<!doctype html><title>Convene</title>",
    )
    .expect("index");
    std::fs::write(ui.path().join("assets/app-1.js"), "console.log(1)").expect("js");
    let dir = ui.path().to_path_buf();
    let t = TestServer::start_with(None, move |c| c.ui_dir = dir).await;
    let http = reqwest::Client::new();
    let index = http
        .get(t.server.url() + "/app/")
        .send()
        .await
        .expect("index");
    assert_eq!(index.status(), 200);
    let csp = index.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(index.headers()["referrer-policy"], "no-referrer");
    assert!(index
        .text()
        .await
        .expect("html")
        .contains("<title>Convene</title>"));
    let js = http
        .get(t.server.url() + "/app/assets/app-1.js")
        .send()
        .await
        .expect("js");
    assert_eq!(js.status(), 200);
    assert!(js.headers()["content-type"]
        .to_str()
        .expect("ct")
        .starts_with("text/javascript"));
    for tricky in [
        "/app/assets/..%2Findex.html",
        "/app/assets/.env",
        "/app/assets/%2e%2e%2f%2e%2e%2fCargo.toml",
    ] {
        let r = http
            .get(t.server.url() + tricky)
            .send()
            .await
            .expect("tricky");
        assert_eq!(r.status(), 404, "{tricky}");
    }
}

/// An agent signing in from the web client's own page gets the session as an HttpOnly cookie too
/// (a browser's WebSocket cannot send `Authorization`, so that is how it reaches the stream); a
/// sign-in from anywhere else (the desktop app, another site's page) gets no cookie.
#[tokio::test]
async fn an_agent_signing_in_on_the_servers_own_page_gets_a_cookie_that_opens_the_stream() {
    let t = TestServer::start(None).await;
    let http = reqwest::Client::new();
    let login = |origin: Option<&str>| {
        let mut req = http
            .post(t.server.url() + "/api/v1/auth/login")
            .json(&json!({"email": "ana@demo.convene.test", "password": convene_server::demo::DEMO_PASSWORD}));
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        async move { req.send().await.expect("login") }
    };
    for origin in [None, Some("https://evil.example")] {
        let answer = login(origin).await;
        assert_eq!(answer.status(), 200);
        assert!(answer.headers().get("set-cookie").is_none(), "{origin:?}");
    }
    let own = login(Some(&t.server.url())).await;
    assert_eq!(own.status(), 200);
    let cookie = own
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("a session cookie")
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().expect("pair").to_owned();
    // The cookie alone opens the realtime stream, as a browser's WebSocket would send it.
    let stream = t
        .anonymous()
        .try_stream_with(&[("cookie", pair.clone()), ("origin", t.server.url())])
        .await;
    assert!(stream.is_ok(), "the stream opens with the cookie");
    drop(stream);

    // Signing out clears the cookie, and the session behind it ends too, even when the bearer
    // token was another session's: no session stays alive with nothing left pointing at it.
    let chloe = t.agent("chloe@demo.convene.test").await;
    let token = chloe.token().expect("token").to_owned();
    let out = http
        .post(t.server.url() + "/api/v1/auth/logout")
        .bearer_auth(&token)
        .header("cookie", &pair)
        .header("origin", t.server.url())
        .send()
        .await
        .expect("logout");
    assert_eq!(out.status(), 204);
    let after = t
        .anonymous()
        .try_stream_with(&[("cookie", pair.clone()), ("origin", t.server.url())])
        .await;
    assert_eq!(after.err(), Some(401), "the cookie's session ended");
}

/// A contact invited by email with no name shows as their address's first part until they say
/// how they are called: the join page asks, prefilled, and the name they give is theirs everywhere.
#[tokio::test]
async fn a_contact_invited_by_email_gives_their_own_name_on_the_join_page() {
    let sink = convene_testkit::SmtpSink::start().await;
    let t = TestServer::start(Some(&sink)).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let conv = ana.new_conversation("Names").await;
    ana.post(
        &format!("/api/v1/conversations/{conv}/contact-invites"),
        json!({"email": "maria.gomez@example.com"}),
    )
    .await
    .ok();
    let mail = sink
        .wait_for(1, std::time::Duration::from_secs(10))
        .await
        .pop()
        .expect("invite email");
    let link = mail.join_link().expect("join link");
    let browser = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client");
    let page = browser
        .get(&link)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        page.contains("name=\"name\"") && page.contains("value=\"maria.gomez\""),
        "the page asks for a name, prefilled: {page}"
    );
    let joined = browser
        .post(&link)
        .header("origin", "null")
        .header("sec-fetch-site", "same-origin")
        .form(&[("name", "María Gómez")])
        .send()
        .await
        .expect("join");
    assert_eq!(joined.status(), 303);
    let people = ana
        .get(&format!("/api/v1/conversations/{conv}/participants"))
        .await;
    let maria = people.ok()["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .find(|p| p["email"] == "maria.gomez@example.com")
        .expect("maria")
        .clone();
    assert_eq!(maria["name"], "María Gómez");
    assert_eq!(maria["state"], "joined");
    let found = ana.get("/api/v1/contacts?q=gómez").await;
    assert!(
        found.ok().to_string().contains("María Gómez"),
        "found by the name she gave: {}",
        found.body
    );
}

/// The join page is styled from the app's own tokens (light and dark), inline, and its CSP
/// allows that one style block by its hash and nothing else: still no script of any kind.
#[tokio::test]
async fn the_join_page_is_styled_from_the_apps_tokens_and_allows_no_script() {
    use base64::Engine;
    use sha2::Digest;
    let t = TestServer::start(None).await;
    let ana = t.agent("ana@demo.convene.test").await;
    let conv = ana.new_conversation("Styled join").await;
    let token = ana.share_token(&conv).await;
    let page = reqwest::get(format!("{}/j/{token}", t.server.url()))
        .await
        .expect("join page");
    let csp = page
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let html = page.text().await.expect("html");
    let style = html
        .split_once("<style>")
        .and_then(|(_, rest)| rest.split_once("</style>"))
        .map(|(css, _)| css)
        .expect("an inline style block");
    assert!(style.contains("--accent:"), "the app's tokens");
    assert!(style.contains("prefers-color-scheme: dark"), "the dark set");
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(style));
    assert!(
        csp.contains(&format!("style-src 'sha256-{hash}'")),
        "the CSP names exactly this block: {csp}"
    );
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    assert!(!csp.contains("script-src"), "no script is allowed: {csp}");
    assert!(!html.contains("<script"), "no script is sent");
}
