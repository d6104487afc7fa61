//! `GET /api/v1/openapi.json` documents every route the router serves.
//!
//! `ROUTES` mirrors the router in `src/routes.rs`; a test also reads that file and checks the list
//! against it, so a route added to the router without documentation fails here.

use std::collections::{BTreeMap, BTreeSet};

use convene_server::RunningServer;
use serde_json::Value;

/// Every route of `src/routes.rs`, as mounted, with its methods.
const ROUTES: &[(&str, &[&str])] = &[
    ("/healthz", &["get"]),
    ("/readyz", &["get"]),
    ("/j/{token}", &["get", "post"]),
    ("/s", &["post"]),
    ("/s/{token}", &["get", "post"]),
    ("/app", &["get"]),
    ("/app/", &["get"]),
    ("/app/assets/{file}", &["get"]),
    ("/api/v1/auth/login", &["post"]),
    ("/api/v1/auth/logout", &["post"]),
    ("/api/v1/auth/logout-all", &["post"]),
    ("/api/v1/auth/email-link", &["post"]),
    ("/api/v1/auth/password-reset", &["post"]),
    ("/api/v1/me/password", &["put"]),
    ("/p/{token}", &["get", "post"]),
    ("/api/v1/me", &["get"]),
    ("/api/v1/agents", &["get", "post"]),
    ("/api/v1/crews", &["get", "post"]),
    ("/api/v1/crews/{crew}", &["patch", "delete"]),
    ("/api/v1/crews/{crew}/members/{agent}", &["put", "delete"]),
    ("/api/v1/contacts", &["get"]),
    ("/api/v1/team/agents", &["get"]),
    ("/api/v1/team/settings", &["get", "put"]),
    ("/api/v1/team/audit", &["get"]),
    ("/api/v1/team/audit/export", &["get"]),
    ("/api/v1/agents/{id}/role", &["put"]),
    ("/api/v1/agents/{id}/suspend", &["post"]),
    ("/api/v1/agents/{id}/reactivate", &["post"]),
    ("/api/v1/conversations", &["get", "post"]),
    ("/api/v1/conversations/{id}", &["get"]),
    ("/api/v1/conversations/{id}/participants", &["get"]),
    (
        "/api/v1/conversations/{id}/participants/{participant}",
        &["delete"],
    ),
    (
        "/api/v1/conversations/{id}/participants/{participant}/make-owner",
        &["post"],
    ),
    ("/api/v1/conversations/{id}/leave", &["post"]),
    ("/api/v1/conversations/{id}/agent-invites", &["post"]),
    ("/api/v1/conversations/{id}/service-requests", &["post"]),
    ("/api/v1/conversations/{id}/contact-invites", &["post"]),
    ("/api/v1/conversations/{id}/share-link", &["get", "patch"]),
    ("/api/v1/conversations/{id}/share-link/rotate", &["post"]),
    ("/api/v1/conversations/{id}/messages", &["get", "post"]),
    ("/api/v1/conversations/{id}/events", &["get"]),
    ("/api/v1/conversations/{id}/permissions", &["get"]),
    ("/api/v1/conversations/{id}/screen", &["get"]),
    ("/api/v1/home", &["get"]),
    ("/api/v1/invites/{invite}/resend", &["post"]),
    ("/api/v1/invites/{invite}/revoke", &["post"]),
    ("/api/v1/invites/{invite}/accept", &["post"]),
    ("/api/v1/invites/{invite}/decline", &["post"]),
    ("/api/v1/join/{token}", &["post"]),
    ("/api/v1/sync", &["get"]),
    ("/api/v1/stream", &["get"]),
    ("/api/v1/openapi.json", &["get"]),
];

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

fn expected() -> BTreeMap<String, BTreeSet<String>> {
    ROUTES
        .iter()
        .map(|(path, methods)| {
            (
                (*path).to_owned(),
                methods.iter().map(|m| (*m).to_owned()).collect(),
            )
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

/// The routes `src/routes.rs` registers: `.route("PATH", get(..).post(..))` calls, those of the
/// `api` router nested under `/api/v1`.
fn routes_in_router_source() -> BTreeMap<String, BTreeSet<String>> {
    let source = include_str!("../src/routes.rs");
    let start = source
        .find("let api = Router::new()")
        .expect("the api router in src/routes.rs");
    let api_end = start + source[start..].find(';').expect("end of the api router");
    let mut routes = BTreeMap::new();
    let mut at = 0;
    while let Some(found) = source[at..].find(".route(") {
        let open = at + found + ".route".len();
        let close = matching_paren(source, open);
        let call = &source[open + 1..close];
        let path = call
            .split('"')
            .nth(1)
            .expect("a route's path is a string literal");
        let prefix = if open > start && open < api_end {
            "/api/v1"
        } else {
            ""
        };
        let methods: BTreeSet<String> = METHODS
            .iter()
            .filter(|m| calls(call, m))
            .map(|m| (*m).to_owned())
            .collect();
        assert!(!methods.is_empty(), "no method found for route {path}");
        routes
            .entry(format!("{prefix}{path}"))
            .or_insert_with(BTreeSet::new)
            .extend(methods);
        at = close;
    }
    routes
}

/// The index of the `)` closing the `(` at `open`.
fn matching_paren(s: &str, open: usize) -> usize {
    let mut depth = 0;
    for (i, c) in s[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return open + i;
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced parentheses in src/routes.rs");
}

/// Whether `call` contains a call of the method router `name(` (not `x::name(` or `name_x(`).
fn calls(call: &str, name: &str) -> bool {
    let pattern = format!("{name}(");
    call.match_indices(&pattern).any(|(i, _)| {
        call[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == ':'))
    })
}

#[test]
fn the_route_list_mirrors_the_router() {
    assert_eq!(
        routes_in_router_source(),
        expected(),
        "ROUTES in tests/openapi.rs must list exactly the routes of src/routes.rs"
    );
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_documents_every_route() {
    let doc = fetch_document().await;
    let version = doc["openapi"].as_str().expect("openapi version");
    assert!(version.starts_with("3.1"), "openapi: {version}");
    assert!(doc["info"]["title"].is_string());

    let paths = doc["paths"].as_object().expect("paths");
    let mut missing = Vec::new();
    for (path, methods) in expected() {
        for method in methods {
            if !paths
                .get(&path)
                .and_then(|p| p.get(&method))
                .is_some_and(Value::is_object)
            {
                missing.push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    assert!(missing.is_empty(), "undocumented routes: {missing:?}");

    let documented: BTreeMap<String, BTreeSet<String>> = paths
        .iter()
        .map(|(path, item)| {
            let methods = METHODS
                .iter()
                .filter(|m| item.get(**m).is_some())
                .map(|m| (*m).to_owned())
                .collect();
            (path.clone(), methods)
        })
        .collect();
    assert_eq!(
        documented,
        expected(),
        "the document lists a route the router does not serve"
    );
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
    for (path, methods) in expected() {
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
