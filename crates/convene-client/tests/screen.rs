//! One screen model: the desktop app's conversation screen, computed by the client core over its
//! cache, carries exactly the verdicts the server computes for the web client from its database.

use convene_client::Client;
use convene_server::demo::DEMO_PASSWORD;
use convene_testkit::Api;
use serde_json::json;

#[tokio::test]
async fn the_desktop_and_the_web_client_get_the_same_verdicts_for_the_same_rows() {
    let server_dir = tempfile::tempdir().expect("tempdir");
    let app_dir = tempfile::tempdir().expect("tempdir");
    let server = convene_server::RunningServer::demo_for_test(server_dir.path())
        .await
        .expect("server");
    let login = |email: &'static str| {
        let url = server.url();
        async move {
            let answer = Api::new(&url, None)
                .post(
                    "/api/v1/auth/login",
                    json!({"email": email, "password": DEMO_PASSWORD}),
                )
                .await;
            Api::new(
                &url,
                Some(answer.ok()["token"].as_str().expect("token").to_owned()),
            )
        }
    };
    let ana = login("ana@demo.convene.test").await;
    let chloe = login("chloe@demo.convene.test").await;
    let conversation = ana.new_conversation("Same verdicts").await;
    let base = format!("/api/v1/conversations/{conversation}");
    let agents = ana.get("/api/v1/agents?q=chloe").await;
    let chloe_id = agents.ok()["agents"][0]["id"].clone();
    let invite = ana
        .post(
            &format!("{base}/agent-invites"),
            json!({ "agent_id": chloe_id }),
        )
        .await;
    let invite_id = invite.ok()["invite"]["id"].as_str().expect("id").to_owned();
    chloe
        .post(&format!("/api/v1/invites/{invite_id}/accept"), json!({}))
        .await
        .ok();
    chloe
        .post(
            &format!("{base}/contact-invites"),
            json!({"email": "pat@example.com"}),
        )
        .await
        .ok();
    ana.post(
        &format!("{base}/contact-invites"),
        json!({"email": "quinn@example.com"}),
    )
    .await
    .ok();

    let client = Client::open(app_dir.path()).expect("open");
    client
        .sign_in(&server.url(), "chloe@demo.convene.test", DEMO_PASSWORD)
        .await
        .expect("sign in");
    let id = conversation.parse().expect("id");
    let desktop = client
        .conversation_screen(&id, convene_proto::reading::MESSAGE_PAGE)
        .expect("screen")
        .expect("cached");
    let web = chloe.get(&format!("{base}/screen")).await;
    assert_eq!(
        serde_json::to_value(&desktop.verdicts).expect("json"),
        web.ok()["verdicts"],
        "one function, the same rows, the same verdicts"
    );
    // And they are not trivially equal: Chloe may revoke one invite and not the other.
    let revocable: Vec<bool> = desktop
        .verdicts
        .invites
        .iter()
        .map(|v| v.revoke.allowed)
        .collect();
    assert_eq!(revocable.len(), 2);
    assert!(
        revocable.contains(&true) && revocable.contains(&false),
        "{revocable:?}"
    );
    // Request Service's crews: the same verdicts too.
    let crews = client.crew_choices(&id).await.expect("crews");
    assert_eq!(
        serde_json::to_value(&crews).expect("json"),
        web.ok()["crews"]
    );
}

#[tokio::test]
async fn the_desktop_and_the_web_list_show_the_same_customers_and_last_message() {
    let server_dir = tempfile::tempdir().expect("tempdir");
    let app_dir = tempfile::tempdir().expect("tempdir");
    let server = convene_server::RunningServer::demo_for_test(server_dir.path())
        .await
        .expect("server");
    let answer = Api::new(&server.url(), None)
        .post(
            "/api/v1/auth/login",
            json!({"email": "ana@demo.convene.test", "password": DEMO_PASSWORD}),
        )
        .await;
    let ana = Api::new(
        &server.url(),
        Some(answer.ok()["token"].as_str().expect("token").to_owned()),
    );
    let client = Client::open(app_dir.path()).expect("open");
    client
        .sign_in(&server.url(), "ana@demo.convene.test", DEMO_PASSWORD)
        .await
        .expect("sign in");

    let desktop = serde_json::to_value(client.home().expect("home").conversations).expect("json");
    let web = ana.get("/api/v1/home").await;
    assert_eq!(
        desktop,
        web.ok()["conversations"],
        "one function, the same rows"
    );
    let damaged = &desktop[0]["conversation"];
    assert_eq!(damaged["subject"], "Order #1042 arrived damaged");
    assert_eq!(damaged["customers"], json!(["Carol Jones"]));
    assert_eq!(damaged["customer_count"], 1);
    assert_eq!(damaged["last_message"]["author_name"], "Ana Lima");
    assert_eq!(
        damaged["last_message"]["excerpt"],
        "Sorry to hear that, Carol. Chloe will arrange a replacement."
    );
    let quiet = desktop
        .as_array()
        .expect("rows")
        .iter()
        .find(|e| e["conversation"]["subject"] == "Invoice question for March")
        .expect("the invoice conversation");
    assert_eq!(quiet["conversation"]["customers"], json!([]));
    assert!(quiet["conversation"]["last_message"].is_null());

    // A message written offline is the preview at once, before the outbox sends it; on one line.
    let id = damaged["id"].as_str().expect("id").parse().expect("id");
    client
        .post_message(id, "On its way:\n\n  a new lid ships today")
        .expect("queue");
    let home = client.home().expect("home");
    let row = &home.conversations[0];
    assert_eq!(row.pending_actions, 1);
    let last = row.conversation.last_message.as_ref().expect("preview");
    assert_eq!(last.excerpt, "On its way: a new lid ships today");
    assert_eq!(last.author_name, "Ana Lima");
}
