//! Forward-auth (`/auth`) as a gateway calls it: the rules of
//! `GUARD_CONFIG` (public, optional, authenticated, group, machine scope,
//! default deny), the refusals exactly as on the API, the identity headers
//! and the metric; `spellings` has each gateway's convention for the
//! original request and the hostile spellings a gateway and the guard could
//! read differently.

mod assertion;
mod peers;
mod policies;
mod spellings;

use std::path::PathBuf;

use serde_json::{json, Value};

use crate::common::helpers::*;
use crate::common::machine::machine_token;

const RULES: &str = r#"
[[rule]]
name = "health"
path = "/healthz"
allow = "public"

[[rule]]
name = "feed"
path = "/feed/**"
allow = "optional"

[[rule]]
name = "admin"
path = "/api/admin/**"
groups_any = ["admin"]

[[rule]]
name = "reports"
path = "/api/reports/*"
methods = ["GET"]
callers = "machines"
scopes_any = ["reports/read"]

[[rule]]
name = "reports-closed"
path = "/api/reports/*"
allow = "deny"

[[rule]]
name = "api"
path = "/api/**"
"#;

/// A rules file for `gateway`, in a directory of this test run.
fn rules_file(gateway: &str, rules: &str) -> PathBuf {
    // A file of its own per call: tests run in parallel, and rewriting a
    // shared path truncates it under a server reading it at start (which
    // then has no rules and answers /auth 404).
    static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("cognito-guard-fa-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("{gateway}-{:x}-{call}.toml", fxhash(rules)));
    let text = format!("[forward_auth]\ngateway = \"{gateway}\"\n{rules}");
    std::fs::write(&path, text).expect("rules file");
    path
}

fn fxhash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

async fn app_for(gateway: &str, overrides: &[(&str, &str)]) -> TestApp {
    let file = rules_file(gateway, RULES);
    let mut vars = vec![("GUARD_CONFIG", file.to_str().expect("utf-8 path"))];
    vars.extend_from_slice(overrides);
    spawn_app_with(&vars).await
}

async fn nginx_app() -> TestApp {
    app_for("nginx", &[]).await
}

/// Asks `/auth` about `method` `uri` the nginx way, with a bearer token.
async fn ask(app: &TestApp, method: &str, uri: &str, token: Option<&str>) -> TestResponse {
    let mut headers = vec![
        ("X-Original-Method", method.to_owned()),
        ("X-Original-URI", uri.to_owned()),
    ];
    if let Some(token) = token {
        headers.push(("Authorization", format!("Bearer {token}")));
    }
    app.request_with_headers("GET", "/auth", &headers).await
}

/// The identity headers of an answer, in the contract's order.
fn identity(response: &TestResponse) -> Vec<Option<&str>> {
    IDENTITY_HEADERS
        .iter()
        .map(|name| response.header(name))
        .collect()
}

fn allowed_anonymously(rule: &str) -> Vec<Option<&str>> {
    let mut empty = vec![Some(""); 9];
    empty.push(Some(rule));
    empty
}

fn assert_allowed(response: &TestResponse) {
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.body, Value::Null, "an empty body");
    assert_eq!(response.header("content-length"), Some("0"));
}

#[actix_rt::test]
async fn without_rules_there_is_no_auth_endpoint() {
    let app = spawn_app().await;
    for path in ["/auth", "/auth/x"] {
        let response = app.get(path, None).await;
        assert_eq!(response.status, 404, "{path}");
    }
}

#[actix_rt::test]
async fn a_public_rule_looks_at_no_token_and_sends_every_header_empty() {
    let app = nginx_app().await;
    for token in [None, Some("not-a-token")] {
        let response = ask(&app, "GET", "/healthz", token).await;
        assert_allowed(&response);
        assert_eq!(identity(&response), allowed_anonymously("health"));
    }
}

#[actix_rt::test]
async fn an_authenticated_rule_refuses_as_the_api_does_and_passes_the_identity_on() {
    let app = nginx_app().await;
    let missing = ask(&app, "GET", "/api/things", None).await;
    assert_eq!(missing.status, 401);
    assert_eq!(missing.header("www-authenticate"), Some("Bearer"));
    assert!(!missing.detail().is_empty());

    let mut expired = id_claims("sub-1", Some("a@example.com"), &[]);
    expired["exp"] = json!(now() - 10);
    let expired = sign(&expired, trusted_key());
    assert_invalid_token(
        &ask(&app, "GET", "/api/things", Some(&expired)).await,
        &expired,
    );

    let token = id_token("sub-1", Some("a@example.com"), &[]);
    let response = ask(&app, "POST", "/api/things?x=1", Some(&token)).await;
    assert_allowed(&response);
    assert_eq!(
        identity(&response),
        [
            Some("sub-1"),
            Some("user-sub-1"),
            Some("a@example.com"),
            Some(""),
            Some(""),
            Some(CLIENT_ID),
            Some("id"),
            Some("user"),
            Some("default"),
            Some("api"),
        ]
    );
}

#[actix_rt::test]
async fn a_group_rule_admits_members_and_refuses_others_with_403() {
    let app = nginx_app().await;
    let member = id_token("sub-a", None, &["staff", "admin", "a,b", "équipe", "100%"]);
    let response = ask(&app, "DELETE", "/api/admin/users/x", Some(&member)).await;
    assert_allowed(&response);
    assert_eq!(
        response.header("x-auth-request-groups"),
        Some("staff,admin,a%2Cb,%C3%A9quipe,100%25")
    );
    assert_eq!(response.header("x-auth-request-rule"), Some("admin"));
    assert_eq!(response.header("x-auth-request-email"), Some(""));

    for groups in [&["Admin"][..], &["admins"], &[]] {
        let other = id_token("sub-b", None, groups);
        let refused = ask(&app, "GET", "/api/admin", Some(&other)).await;
        assert_eq!(refused.status, 403, "{groups:?}");
        assert_eq!(
            refused.header("www-authenticate"),
            Some(r#"Bearer error="insufficient_scope""#)
        );
        assert!(refused.header("x-auth-request-user").is_none());
    }
}

#[actix_rt::test]
async fn a_machine_rule_admits_machines_by_scope_whatever_token_use_says() {
    let app = nginx_app().await;
    let reader = machine_token("other/x reports/read");
    let response = ask(&app, "GET", "/api/reports/q1", Some(&reader)).await;
    assert_allowed(&response);
    assert_eq!(
        identity(&response),
        [
            Some(CLIENT_ID),
            Some(""),
            Some(""),
            Some(""),
            Some("other/x reports/read"),
            Some(CLIENT_ID),
            Some("access"),
            Some("machine"),
            Some("default"),
            Some("reports"),
        ]
    );
    // GET covers HEAD.
    assert_allowed(&ask(&app, "HEAD", "/api/reports/q1", Some(&reader)).await);

    let refused = ask(
        &app,
        "GET",
        "/api/reports/q1",
        Some(&machine_token("reports/write")),
    )
    .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(
        refused.header("www-authenticate"),
        Some(r#"Bearer error="insufficient_scope", scope="reports/read""#)
    );
    // A user is not a machine: 403 on the machines' rule.
    let user = id_token("sub-u", None, &["admin"]);
    let refused = ask(&app, "GET", "/api/reports/q1", Some(&user)).await;
    assert_eq!(refused.status, 403);
    // POST is not the machines' rule: the users' `api` rule refuses the
    // machine, and under COGNITO_TOKEN_USE=id its token is no user token.
    let refused = ask(&app, "POST", "/api/orders/1", Some(&reader)).await;
    assert_invalid_token(&refused, &reader);
}

#[actix_rt::test]
async fn a_machine_on_a_users_rule_is_403_where_access_tokens_are_accepted() {
    let app = app_for("nginx", &[("COGNITO_TOKEN_USE", "any")]).await;
    let reader = machine_token("reports/read");
    let refused = ask(&app, "GET", "/api/things", Some(&reader)).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    // As on the API's user routes: no scope would make a machine a user.
    assert_eq!(refused.header("www-authenticate"), None);
    assert!(refused.detail().contains("machine"), "{}", refused.body);
    // On a rule with terms, the refusal is the terms' (as on admin routes).
    let refused = ask(&app, "GET", "/api/admin/x", Some(&reader)).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(
        refused.header("www-authenticate"),
        Some(r#"Bearer error="insufficient_scope""#)
    );
    // The optional rule reads a machine as no caller.
    let optional = ask(&app, "GET", "/feed", Some(&reader)).await;
    assert_allowed(&optional);
    assert_eq!(identity(&optional), allowed_anonymously("feed"));
}

#[actix_rt::test]
async fn an_optional_rule_passes_a_valid_caller_on_and_reads_an_invalid_one_as_none() {
    let app = nginx_app().await;
    let anonymous = ask(&app, "GET", "/feed/today", None).await;
    assert_allowed(&anonymous);
    assert_eq!(identity(&anonymous), allowed_anonymously("feed"));
    let rogue = sign(&id_claims("sub-r", None, &[]), rogue_key());
    let invalid = ask(&app, "GET", "/feed", Some(&rogue)).await;
    assert_allowed(&invalid);
    assert_eq!(identity(&invalid), allowed_anonymously("feed"));
    let user = id_token("sub-f", Some("f@example.com"), &[]);
    let known = ask(&app, "GET", "/feed/", Some(&user)).await;
    assert_allowed(&known);
    assert_eq!(known.header("x-auth-request-user"), Some("sub-f"));
    assert_eq!(known.header("x-auth-request-caller"), Some("user"));
}

#[actix_rt::test]
async fn no_matching_rule_is_403_whatever_the_token() {
    let app = nginx_app().await;
    let admin = id_token("sub-a", None, &["admin"]);
    for uri in ["/", "/other", "/other/", "/OTHER", "/apix"] {
        let refused = ask(&app, "GET", uri, Some(&admin)).await;
        assert_eq!(refused.status, 403, "{uri}");
        assert!(!refused.detail().is_empty());
        assert!(refused.header("x-auth-request-user").is_none());
    }
}

#[actix_rt::test]
async fn no_signing_key_is_503_with_retry_after() {
    let jwks = JwksServer::start(vec![], JwksMode::Fail(500));
    let file = rules_file("nginx", RULES);
    let app = spawn_app_against(jwks, &[("GUARD_CONFIG", file.to_str().expect("path"))]).await;
    let token = id_token("sub-1", None, &[]);
    let response = ask(&app, "GET", "/api/x", Some(&token)).await;
    assert_eq!(response.status, 503, "{}", response.body);
    assert!(response.header("retry-after").is_some());
    // A public rule needs no key.
    assert_allowed(&ask(&app, "GET", "/healthz", None).await);
    // Readiness is about the keys, as before.
    assert_eq!(app.get("/readyz", None).await.status, 503);
}

#[actix_rt::test]
async fn a_deleted_users_token_is_refused() {
    let app = nginx_app().await;
    let victim_sub = "4f6a2c1e-0000-4000-8000-00000000fa01";
    let victim = id_token(victim_sub, Some("v@example.com"), &[]);
    assert_allowed(&ask(&app, "GET", "/api/x", Some(&victim)).await);
    assert_eq!(
        app.get("/messages/private", Some(&victim)).await.status,
        200
    );
    let admin = id_token("sub-admin", None, &["admin"]);
    let deleted = app
        .request("DELETE", &format!("/users/{victim_sub}"), Some(&admin))
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    assert_invalid_token(&ask(&app, "GET", "/api/x", Some(&victim)).await, &victim);
}

#[actix_rt::test]
async fn each_decision_is_counted_by_rule_and_outcome() {
    let app = nginx_app().await;
    let user = id_token("sub-m", None, &[]);
    ask(&app, "GET", "/api/x", Some(&user)).await;
    ask(&app, "GET", "/api/x", Some(&user)).await;
    ask(&app, "GET", "/api/x", None).await;
    ask(&app, "GET", "/api/admin", Some(&user)).await;
    ask(&app, "GET", "/nowhere", None).await;
    ask(&app, "GET", "/api/%2e%2e/x", None).await;
    ask(&app, "GET", "/api/ADMIN/x", Some(&user)).await;
    ask(&app, "GET", "/Healthz", None).await;
    let text = app.get_text("/metrics").await;
    for line in [
        r#"cognito_guard_forward_auth_decisions_total{rule="api",outcome="allowed"} 2"#,
        r#"cognito_guard_forward_auth_decisions_total{rule="api",outcome="unauthorized"} 1"#,
        r#"cognito_guard_forward_auth_decisions_total{rule="admin",outcome="forbidden"} 1"#,
        r#"cognito_guard_forward_auth_decisions_total{rule="(none)",outcome="forbidden"} 1"#,
        r#"cognito_guard_forward_auth_decisions_total{rule="(none)",outcome="bad_request"} 1"#,
        r#"cognito_guard_forward_auth_decisions_total{rule="api",outcome="ambiguous"} 1"#,
        r#"cognito_guard_forward_auth_decisions_total{rule="(none)",outcome="ambiguous"} 1"#,
        r#"cognito_guard_forward_auth_decisions_total{rule="health",outcome="allowed"} 0"#,
    ] {
        assert!(text.contains(line), "{line} not in\n{text}");
    }
}

/// Express, Koa and ASP.NET Core route case-insensitively, and most
/// frameworks serve `/x/` as `/x`: a path those readings give to another
/// rule is refused, whoever asks; one they give to the same rule is
/// decided as usual.
#[actix_rt::test]
async fn a_path_another_router_would_read_as_another_rules_is_400() {
    let app = nginx_app().await;
    let user = id_token("sub-c", None, &["staff"]);
    let admin = id_token("sub-a", None, &["admin"]);
    let reports = machine_token("reports/read");
    for uri in [
        "/api/ADMIN/x",
        "/api/Admin/x",
        "/api/%41dmin/x",
        "/api/adm%C4%B1n/x",
        "/api/REPORTS/q1",
        "/api/report%C5%BF/q1",
        "/api/reports/q1/",
        "/api/Reports/q1/",
        "/HEALTHZ",
        "/healthz/",
        "/API/x",
    ] {
        for token in [None, Some(&user), Some(&admin), Some(&reports)] {
            let refused = ask(&app, "GET", uri, token.map(String::as_str)).await;
            assert_eq!(refused.status, 400, "{uri}: {}", refused.body);
            assert!(
                refused.detail().contains("another rule"),
                "{uri}: {}",
                refused.body
            );
            assert!(refused.header("x-auth-request-user").is_none());
        }
    }
    // Readings that agree: decided, the case kept for the upstream.
    for uri in ["/api/Orders/7", "/api/orders/", "/api/admin/x/"] {
        let token = if uri.contains("admin") { &admin } else { &user };
        assert_allowed(&ask(&app, "GET", uri, Some(token)).await);
    }
    let allowed = ask(&app, "GET", "/api/admin/USERS", Some(&admin)).await;
    assert_eq!(allowed.header("x-auth-request-rule"), Some("admin"));
}

#[actix_rt::test]
async fn a_deny_rule_refuses_every_caller_with_403() {
    let app = nginx_app().await;
    let reports = machine_token("reports/read");
    let admin = id_token("sub-a", None, &["admin"]);
    // GET is the reports rule's; every other method is closed, not `api`'s.
    let allowed = ask(&app, "GET", "/api/reports/q1", Some(&reports)).await;
    assert_eq!(allowed.header("x-auth-request-rule"), Some("reports"));
    for method in ["POST", "PUT", "DELETE", "PATCH"] {
        for token in [None, Some(&admin), Some(&reports)] {
            let refused = ask(&app, method, "/api/reports/q1", token.map(String::as_str)).await;
            assert_eq!(refused.status, 403, "{method}: {}", refused.body);
            assert!(refused.header("www-authenticate").is_none());
            assert!(!refused.detail().is_empty());
        }
    }
    let text = app.get_text("/metrics").await;
    let line = r#"cognito_guard_forward_auth_decisions_total{rule="reports-closed",outcome="forbidden"} 12"#;
    assert!(text.contains(line), "{line} not in\n{text}");
}
