//! Several user pools (issue #20) behind a gateway: `/auth` names the
//! caller's pool in `X-Auth-Request-Pool`, a rule's `pools` admits only the
//! pools it names, and a rule naming no configured pool stops start-up.

use std::process::Command;

use crate::common::helpers::*;
use crate::common::pools::*;

const RULES: &str = r#"
[forward_auth]
gateway = "nginx"

[[rule]]
name = "staff"
path = "/staff/**"
pools = ["b"]

[[rule]]
name = "both"
path = "/both/**"
pools = ["a", "b"]

[[rule]]
name = "api"
path = "/api/**"
"#;

async fn app() -> TwoPools {
    Setup::new().toml(RULES).start().await
}

/// Asks `/auth` about `GET uri` the nginx way.
async fn ask(pools: &TwoPools, uri: &str, token: Option<&str>) -> TestResponse {
    let mut headers = vec![
        ("X-Original-Method", "GET".to_owned()),
        ("X-Original-URI", uri.to_owned()),
    ];
    if let Some(token) = token {
        headers.push(("Authorization", format!("Bearer {token}")));
    }
    pools
        .app
        .request_with_headers("GET", "/auth", &headers)
        .await
}

fn assert_allowed(response: &TestResponse, rule: &str, pool: Pool) {
    assert_eq!(response.status, 200, "{rule}: {}", response.body);
    assert_eq!(response.header("x-auth-request-rule"), Some(rule));
    assert_eq!(response.header("x-auth-request-pool"), Some(pool.name()));
}

#[actix_rt::test]
async fn every_allowing_answer_names_the_callers_pool() {
    let pools = app().await;
    let a = user_token(Pool::A, "sub-fa", &[]);
    let b = user_token(Pool::B, "sub-fb", &[]);
    let answer = ask(&pools, "/api/x", Some(&a)).await;
    assert_allowed(&answer, "api", Pool::A);
    assert_eq!(answer.header("x-auth-request-user"), Some("sub-fa"));
    assert_eq!(
        answer.header("x-auth-request-client-id"),
        Some(Pool::A.client())
    );
    assert_eq!(answer.header("x-auth-request-token-use"), Some("id"));
    let answer = ask(&pools, "/api/x", Some(&b)).await;
    assert_allowed(&answer, "api", Pool::B);
    assert_eq!(answer.header("x-auth-request-user"), Some("sub-fb"));
    assert_eq!(
        answer.header("x-auth-request-client-id"),
        Some(Pool::B.client())
    );
    assert_eq!(answer.header("x-auth-request-token-use"), Some("access"));
    assert_allowed(&ask(&pools, "/both/y", Some(&a)).await, "both", Pool::A);
    assert_allowed(&ask(&pools, "/both/y", Some(&b)).await, "both", Pool::B);
}

#[actix_rt::test]
async fn a_rules_pools_refuse_a_valid_caller_of_another_pool_with_403() {
    let pools = app().await;
    let a = user_token(Pool::A, "sub-fa", &["admin", "ops"]);
    let refused = ask(&pools, "/staff/x", Some(&a)).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(
        refused.header("www-authenticate"),
        Some(r#"Bearer error="insufficient_scope""#)
    );
    assert!(!refused.detail().is_empty());
    assert!(refused.header("x-auth-request-user").is_none());
    assert!(refused.header("x-auth-request-pool").is_none());

    let b = user_token(Pool::B, "sub-fb", &[]);
    assert_allowed(&ask(&pools, "/staff/x", Some(&b)).await, "staff", Pool::B);

    // An invalid token is still 401 there, whichever pool it claims.
    let mut expired = user_claims(Pool::B, "sub-fb", &[]);
    expired["exp"] = serde_json::json!(now() - 10);
    let expired = sign(&expired, Pool::B.key());
    assert_invalid_token(&ask(&pools, "/staff/x", Some(&expired)).await, &expired);
    let forged = sign_with_kid(
        &user_claims(Pool::B, "sub-fb", &[]),
        Pool::A.key(),
        &Pool::A.key().kid,
    );
    assert_invalid_token(&ask(&pools, "/staff/x", Some(&forged)).await, &forged);
    let missing = ask(&pools, "/staff/x", None).await;
    assert_eq!(missing.status, 401);
}

#[actix_rt::test]
async fn a_rule_naming_no_configured_pool_stops_start_up_with_its_line() {
    let setup = Setup::new().toml(&RULES.replace(r#"pools = ["a", "b"]"#, r#"pools = ["a", "c"]"#));
    let text = setup.file_text();
    let line = 1 + text
        .lines()
        .position(|l| l.contains(r#""c""#))
        .expect("the pools line");
    let file = config_file(&text);
    let path = file.to_str().expect("utf-8 path");
    let mut command = Command::new(env!("CARGO_BIN_EXE_cognito-guard"));
    command
        .current_dir(file.parent().expect("dir"))
        .env_clear()
        .envs([("GUARD_CONFIG", path), ("HOST", "127.0.0.1"), ("PORT", "0")]);
    let (code, stderr) = crate::common::binary::run_briefly(command);
    assert_eq!(code, 2, "{stderr}");
    let prefix = format!("{path}:{line}: rule.pools: ");
    let Some((_, reason)) = stderr.split_once(&prefix) else {
        panic!("no {prefix:?} in {stderr}");
    };
    let words = reason.split(|c: char| !c.is_ascii_alphanumeric());
    assert!(
        words.into_iter().any(|w| w == "c"),
        "names the pool: {stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "one clear line: {stderr}");
}
