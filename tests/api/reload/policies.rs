//! Policies reload with the configuration: a policy file changed on disk
//! decides within seconds; a policy that does not parse keeps the old set
//! deciding and is named (file and line) until a fixed one loads.

use std::time::Duration;

use super::{config_state, metrics_value, PATIENCE};
use crate::common::binary::temp_dir;
use crate::common::helpers::*;

const RULES: &str = "[policies]\nfiles = [\"policies/*.cedar\"]\nnamespace = \"Api\"\n\
    [forward_auth]\ngateway = \"nginx\"\n[[rule]]\nname = \"docs\"\npath = \"/docs/{doc}\"\nallow = \"policy\"\n";

fn permit_doc(doc: &str) -> String {
    format!("@id(\"read-{doc}\")\npermit (principal, action, resource) when {{ context.pathParameters.doc == \"{doc}\" }};\n")
}

async fn status(app: &TestApp, path: &str, token: &str) -> u16 {
    let headers = [
        ("X-Original-Method", "GET".to_owned()),
        ("X-Original-URI", path.to_owned()),
        ("Authorization", format!("Bearer {token}")),
    ];
    app.request_with_headers("GET", "/auth", &headers)
        .await
        .status
}

/// Whether `path` is allowed within [`PATIENCE`] (a reload on its way).
async fn allowed_within_patience(app: &TestApp, path: &str, token: &str) -> bool {
    let deadline = std::time::Instant::now() + PATIENCE;
    while std::time::Instant::now() < deadline {
        if status(app, path, token).await == 200 {
            return true;
        }
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[actix_rt::test]
async fn a_changed_policy_file_decides_and_a_broken_one_changes_nothing() {
    let dir = temp_dir("reload-policies");
    std::fs::create_dir_all(dir.join("policies")).expect("dir");
    let policy = dir.join("policies/docs.cedar");
    std::fs::write(&policy, permit_doc("a")).expect("write");
    let file = dir.join("guard.toml");
    std::fs::write(&file, RULES).expect("write");
    let app = spawn_app_with(&[("GUARD_CONFIG", file.to_str().expect("path"))]).await;
    let token = id_token("sub-docs", None, &[]);
    assert_eq!(status(&app, "/docs/a", &token).await, 200);
    assert_eq!(status(&app, "/docs/b", &token).await, 403);

    std::fs::write(&policy, permit_doc("b")).expect("write");
    assert!(
        allowed_within_patience(&app, "/docs/b", &token).await,
        "the new policy decides"
    );
    assert_eq!(status(&app, "/docs/a", &token).await, 403);
    assert_eq!(config_state(&app).await["generation"], 2);

    std::fs::write(
        &policy,
        "permit (principal, action, resource);\n\nforbid (principal\n",
    )
    .expect("write");
    let mut seen = false;
    for _ in 0..400 {
        if metrics_value(&app, "cognito_guard_config_reload_failures_total").await >= 1.0 {
            seen = true;
            break;
        }
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(seen, "the broken policy was not refused");
    let state = config_state(&app).await;
    let error = state["reload_error"].as_str().unwrap_or_default();
    assert!(error.contains("docs.cedar:3"), "{state}");
    assert_eq!(
        status(&app, "/docs/b", &token).await,
        200,
        "the old set decides"
    );
    assert_eq!(status(&app, "/docs/a", &token).await, 403);
}

/// A policy file dropped into a folder the glob covers loads the set,
/// with no signal and no change to any file already read.
#[actix_rt::test]
async fn a_new_file_a_glob_matches_loads_the_set() {
    let dir = temp_dir("reload-policies-new");
    std::fs::create_dir_all(dir.join("policies")).expect("dir");
    std::fs::write(dir.join("policies/a.cedar"), permit_doc("a")).expect("write");
    let file = dir.join("guard.toml");
    std::fs::write(&file, RULES).expect("write");
    let app = spawn_app_with(&[("GUARD_CONFIG", file.to_str().expect("path"))]).await;
    let token = id_token("sub-docs", None, &[]);
    assert_eq!(status(&app, "/docs/b", &token).await, 403);

    // Written aside and renamed in, so the glob never matches half a file.
    let aside = dir.join("b.cedar.tmp");
    std::fs::write(&aside, permit_doc("b")).expect("write");
    std::fs::rename(&aside, dir.join("policies/b.cedar")).expect("rename");
    assert!(
        allowed_within_patience(&app, "/docs/b", &token).await,
        "the new file decides"
    );
    assert_eq!(
        status(&app, "/docs/a", &token).await,
        200,
        "the old one still does"
    );
    let state = config_state(&app).await;
    assert_eq!(state["generation"], 2, "{state}");
    assert!(state["reload_error"].is_null(), "{state}");
}
