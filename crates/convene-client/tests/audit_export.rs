//! Admin → Audit log → Export from the desktop core, against a real `convene-server`: the file in
//! the chosen folder is exactly the server's export for the filters, a second export never
//! overwrites the first, and a refused or failed export leaves no file behind (not even a part).

use convene_client::{Client, ClientError};
use convene_proto::audit::{AuditCategory, AuditFilter, AuditFormat};
use convene_testkit::TestServer;

const PASSWORD: &str = convene_server::demo::DEMO_PASSWORD;

fn files(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn an_export_saves_what_the_server_answers_and_a_failed_one_leaves_nothing() {
    let server = TestServer::start(None).await;
    let base = server.server.url();
    let app_dir = tempfile::tempdir().expect("tempdir");
    let downloads = tempfile::tempdir().expect("tempdir");
    let client = Client::open(app_dir.path()).expect("open");
    client
        .sign_in(&base, "ana@demo.convene.test", PASSWORD)
        .await
        .expect("sign in");
    let ana = server.agent("ana@demo.convene.test").await;

    let filter = AuditFilter {
        category: Some(AuditCategory::Membership),
        ..AuditFilter::default()
    };
    let path = client
        .export_audit(&filter, AuditFormat::Json, downloads.path())
        .await
        .expect("export");
    let name = path
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    assert!(
        name.starts_with("convene-audit-") && name.ends_with(".json"),
        "{name}"
    );
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("the file")).expect("JSON");
    let api = ana
        .get("/api/v1/team/audit/export?format=json&category=membership")
        .await;
    assert_eq!(saved, *api.ok(), "the file is the server's export");
    assert!(
        saved
            .as_array()
            .is_some_and(|a| !a.is_empty() && a.iter().all(|e| e["category"] == "membership")),
        "{saved}"
    );

    // The same export again, within the same second: a new file beside the first.
    let again = client
        .export_audit(&filter, AuditFormat::Json, downloads.path())
        .await
        .expect("again");
    assert_ne!(again, path);
    assert_eq!(files(downloads.path()).len(), 2);

    // A folder that is not there: the error names it, and nothing is written anywhere.
    let gone = downloads.path().join("missing");
    let error = client
        .export_audit(&filter, AuditFormat::Csv, &gone)
        .await
        .expect_err("no folder");
    assert!(matches!(error, ClientError::File { .. }), "{error:?}");
    assert!(error.to_string().contains("missing"), "{error}");
    assert!(!gone.exists());

    // An agent may not read the log: the refusal is the server's, and no file (or part) remains.
    client.sign_out().await.expect("sign out");
    client
        .sign_in(&base, "chloe@demo.convene.test", PASSWORD)
        .await
        .expect("chloe");
    let refused = client
        .export_audit(&filter, AuditFormat::Csv, downloads.path())
        .await
        .expect_err("refused");
    match refused {
        ClientError::Refused(problem) => assert_eq!(problem.status, 403),
        other => panic!("expected the server's refusal, got {other:?}"),
    }
    assert_eq!(
        files(downloads.path()).len(),
        2,
        "{:?}",
        files(downloads.path())
    );
}
