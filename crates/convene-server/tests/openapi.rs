//! `GET /api/v1/openapi.json` documents every route the router serves, and the router serves
//! every route it documents.
//!
//! The router (`src/routes.rs`) is one list of `routes!(handler)` entries, each taking its path and
//! methods from the handler's `#[utoipa::path]`: a test reads the source and refuses any route added
//! past that list (a bare `.route(` or `.nest(`), and another calls every documented operation on a
//! running server and refuses a 404 from the fallback or a 405.

use std::collections::{BTreeMap, BTreeSet};

use convene_server::RunningServer;
use serde_json::Value;

/// Routes that need no bearer token.
const PUBLIC: &[&str] = &[
    "/healthz",
    "/readyz",
    "/j/{token}",
    "/app",
    "/app/",
    "/app/assets/{file}",
    "/s",
    "/s/{token}",
    "/p/{token}",
    "/api/v1/auth/login",
    "/api/v1/auth/email-link",
    "/api/v1/auth/password-reset",
    "/api/v1/join/{token}",
    "/api/v1/openapi.json",
];

const METHODS: &[&str] = &["get", "post", "put", "patch", "delete"];

/// Every operation of the document: path → methods.
fn operations(doc: &Value) -> BTreeMap<String, BTreeSet<String>> {
    doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .map(|(path, item)| {
            let methods = METHODS
                .iter()
                .filter(|m| item.get(**m).is_some())
                .map(|m| (*m).to_owned())
                .collect();
            (path.clone(), methods)
        })
        .collect()
}

async fn fetch_document() -> Value {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = RunningServer::demo_for_test(dir.path())
        .await
        .expect("start demo server");
    let response = reqwest::get(format!("{}/api/v1/openapi.json", server.url()))
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 200);
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let doc: Value = response.json().await.expect("json");
    server.stop().await;
    doc
}

/// Code of the server's sources with comments left out.
fn code(source: &str) -> String {
    source
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn routes_are_declared_once_from_their_handlers_annotations() {
    let router = code(include_str!("../src/routes.rs"));
    assert!(
        router.matches("routes!(").count() >= 50,
        "src/routes.rs lists its routes with routes!(handler)"
    );
    for bypass in [".route(", ".nest(", ".route_service(", ".nest_service("] {
        assert!(
            !router.contains(bypass),
            "src/routes.rs adds a route with {bypass}: it would be served without being documented"
        );
    }
    // No other module builds routes of its own.
    for (file, source) in [
        ("api/mod.rs", include_str!("../src/api/mod.rs")),
        ("web.rs", include_str!("../src/web.rs")),
        ("lib.rs", include_str!("../src/lib.rs")),
        ("openapi.rs", include_str!("../src/openapi.rs")),
    ] {
        let source = code(source);
        assert!(
            !source.contains(".route(") && !source.contains("Router::new()"),
            "src/{file} builds routes outside src/routes.rs"
        );
    }
}

/// A request path for a documented path: every `{param}` filled with a nil UUID (ids) or a word.
fn concrete(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = open + rest[open..].find('}').expect("closing brace");
        let name = &rest[open + 1..close];
        out.push_str(match name {
            "token" | "file" => "no-such-thing",
            _ => "00000000-0000-0000-0000-000000000000",
        });
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

#[tokio::test]
async fn every_documented_operation_is_served() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = RunningServer::demo_for_test(dir.path())
        .await
        .expect("start demo server");
    let doc: Value = reqwest::get(format!("{}/api/v1/openapi.json", server.url()))
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let http = reqwest::Client::new();
    let mut unserved = Vec::new();
    for (path, methods) in operations(&doc) {
        for method in methods {
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let response = http
                .request(m, format!("{}{}", server.url(), concrete(&path)))
                .send()
                .await
                .expect("request");
            let status = response.status().as_u16();
            let body = response.text().await.unwrap_or_default();
            if status == 405 || (status == 404 && body.contains("route not found")) {
                unserved.push(format!("{} {path}: {status}", method.to_uppercase()));
            }
        }
    }
    // And the fallback is what an unknown path gets, so the check above can fail.
    let unknown = http
        .get(format!("{}/api/v1/no-such-route", server.url()))
        .send()
        .await
        .expect("request");
    assert_eq!(unknown.status().as_u16(), 404);
    assert!(unknown
        .text()
        .await
        .unwrap_or_default()
        .contains("route not found"));
    server.stop().await;
    assert!(
        unserved.is_empty(),
        "documented but not served: {unserved:?}"
    );
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_documents_every_route() {
    let doc = fetch_document().await;
    let version = doc["openapi"].as_str().expect("openapi version");
    assert!(version.starts_with("3.1"), "openapi: {version}");
    assert!(doc["info"]["title"].is_string());

    let ops = operations(&doc);
    assert_eq!(
        doc["paths"]["/api/v1/join/{token}"]["post"]["requestBody"]["required"], false,
        "an invite's join needs no body"
    );
    // The surface as the SPEC and the README describe it, spot-checked: the list itself is the
    // router's (see above).
    for (path, method) in [
        ("/healthz", "get"),
        ("/j/{token}", "post"),
        ("/app/", "get"),
        ("/api/v1/auth/login", "post"),
        (
            "/api/v1/conversations/{id}/participants/{participant}",
            "delete",
        ),
        ("/api/v1/conversations/{id}/share-link", "patch"),
        ("/api/v1/team/audit/export", "get"),
        ("/api/v1/stream", "get"),
        ("/api/v1/openapi.json", "get"),
    ] {
        assert!(
            ops.get(path).is_some_and(|m| m.contains(method)),
            "{} {path} is documented",
            method.to_uppercase()
        );
    }
    assert!(ops.len() >= 50, "{} paths", ops.len());
}

#[tokio::test]
async fn operations_declare_auth_problems_and_idempotency() {
    let doc = fetch_document().await;
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    let responses = &doc["components"]["responses"];
    assert!(
        responses["RateLimited"]["headers"]["Retry-After"].is_object(),
        "429 carries Retry-After"
    );

    let mut operation_ids = BTreeSet::new();
    for (path, methods) in operations(&doc) {
        for method in methods {
            let op = &doc["paths"][&path][&method];
            let what = format!("{} {path}", method.to_uppercase());
            let id = op["operationId"].as_str().expect("operationId");
            assert!(operation_ids.insert(id.to_owned()), "duplicate {id}");

            let secured = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
            assert_eq!(
                secured,
                !PUBLIC.contains(&path.as_str()),
                "{what}: bearer security"
            );
            let statuses: BTreeSet<&str> = op["responses"]
                .as_object()
                .expect("responses")
                .keys()
                .map(String::as_str)
                .collect();
            assert!(
                statuses
                    .iter()
                    .any(|s| s.starts_with('2') || s.starts_with('3') || *s == "101"),
                "{what}: no success response"
            );
            if secured {
                assert!(statuses.contains("401"), "{what}: 401");
            }
            if path.contains("/{id}") || path.contains("/{invite}") || path.contains("/{crew}") {
                assert!(statuses.contains("404"), "{what}: 404");
            }
            for (status, response) in op["responses"].as_object().expect("responses") {
                if status.starts_with('4') {
                    if let Some(name) = response["$ref"].as_str() {
                        let name = name.rsplit('/').next().unwrap_or_default();
                        let problem = &responses[name]["content"]["application/problem+json"];
                        assert_eq!(
                            problem["schema"]["$ref"], "#/components/schemas/Problem",
                            "{what} {status}"
                        );
                    }
                }
            }
            if method != "get" {
                let takes_key = op["parameters"].as_array().is_some_and(|ps| {
                    ps.iter()
                        .any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header")
                });
                assert!(takes_key, "{what}: Idempotency-Key header");
                // A malformed key is refused with 422 before the route runs.
                assert!(
                    statuses.contains("422"),
                    "{what}: 422 for a malformed Idempotency-Key"
                );
                if let Some(content) = op["responses"]["422"]["content"].as_object() {
                    assert!(
                        content.contains_key("application/problem+json"),
                        "{what}: 422 as a problem document"
                    );
                }
            }
        }
    }
    let stream = &doc["paths"]["/api/v1/stream"]["get"]["responses"];
    assert!(stream["101"].is_object(), "the stream upgrades with 101");
}

#[tokio::test]
async fn an_id_in_a_path_that_is_not_one_answers_404_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = RunningServer::demo_for_test(dir.path())
        .await
        .expect("start demo server");
    let http = reqwest::Client::new();
    let login: Value = http
        .post(format!("{}/api/v1/auth/login", server.url()))
        .json(&serde_json::json!({
            "email": "ana@demo.convene.test",
            "password": convene_server::demo::DEMO_PASSWORD,
        }))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    let token = login["token"].as_str().expect("token").to_owned();
    let list: Value = http
        .get(format!("{}/api/v1/conversations", server.url()))
        .bearer_auth(&token)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    let real = list["conversations"][0]["id"]
        .as_str()
        .expect("a conversation")
        .to_owned();
    for (method, path, what) in [
        (
            "GET",
            "/api/v1/conversations/not-an-id".to_owned(),
            "conversation",
        ),
        (
            "DELETE",
            format!("/api/v1/conversations/{real}/participants/nope"),
            "participant",
        ),
        (
            "POST",
            "/api/v1/conversations/x/leave".to_owned(),
            "conversation",
        ),
        ("PATCH", "/api/v1/crews/x".to_owned(), "crew"),
        ("PUT", "/api/v1/crews/x/members/y".to_owned(), "crew"),
        ("PUT", "/api/v1/agents/%20/role".to_owned(), "agent"),
        ("POST", "/api/v1/invites/x/resend".to_owned(), "invite"),
    ] {
        let response = http
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).expect("method"),
                format!("{}{path}", server.url()),
            )
            .bearer_auth(&token)
            .json(&serde_json::json!({"role": "agent"}))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status().as_u16(), 404, "{method} {path}");
        let problem: Value = response.json().await.expect("a problem document");
        assert_eq!(problem["code"], "not_found", "{method} {path}: {problem}");
        assert_eq!(
            problem["detail"],
            format!("{what} not found"),
            "{method} {path}"
        );
    }
    // Without a session the answer is still 401: nobody learns which ids parse.
    let anonymous = http
        .get(format!("{}/api/v1/conversations/not-an-id", server.url()))
        .send()
        .await
        .expect("request");
    assert_eq!(anonymous.status().as_u16(), 401);
    server.stop().await;
}
