//! The AVP mapping case by case, the denials that must never be errors,
//! and the load errors at their file and line.

use actix_web::http::Method;
use serde_json::{json, Value};

use super::*;
use crate::auth::test_fixtures::{check, id_claims, rules, ISS};
use crate::auth::{ClaimRules, Claims};
use crate::pools::TokenUsePolicy;

const POOL_ID: &str = "us-east-1_Pool";

pub(super) fn sources(policies: &str, schema: Option<&str>) -> PolicySources {
    PolicySources {
        files: vec![SourceFile {
            name: "policies/a.cedar".to_owned(),
            text: policies.to_owned(),
        }],
        schema: schema.map(|text| SourceFile {
            name: "policies/api.cedarschema".to_owned(),
            text: text.to_owned(),
        }),
        names: CedarNames::avp("Api"),
    }
}

pub(super) fn engine(policies: &str) -> PolicyEngine {
    PolicyEngine::load(&sources(policies, None)).expect("policies load")
}

fn access_rules() -> ClaimRules {
    ClaimRules {
        token_use: TokenUsePolicy::Any,
        machine_callers: true,
        ..rules()
    }
}

pub(super) fn id_token(extra: Value) -> Claims {
    let mut claims = id_claims();
    for (k, v) in extra.as_object().expect("object") {
        claims[k] = v.clone();
    }
    check(claims, &rules()).expect("valid claims")
}

fn access_token(scope: &str) -> Claims {
    let claims = json!({
        "sub": "u-1", "iss": ISS, "client_id": "client1", "token_use": "access",
        "exp": crate::auth::test_fixtures::NOW + 60, "username": "alice",
        "scope": scope, "cognito:groups": ["admin"]
    });
    check(claims, &access_rules()).expect("valid claims")
}

fn machine_token(scope: &str) -> Claims {
    let claims = json!({
        "sub": "client1", "iss": ISS, "client_id": "client1", "token_use": "access",
        "exp": crate::auth::test_fixtures::NOW + 60, "scope": scope
    });
    check(claims, &access_rules()).expect("valid claims")
}

/// Whether `claims` may `method` `path` under a rule `/tenants/{tenant}/**`.
pub(super) fn allowed(
    engine: &PolicyEngine,
    claims: &Claims,
    method: Method,
    path: &str,
) -> PolicyDecision {
    let template = "/tenants/{tenant}/**";
    let action = engine.rule_action(template, None);
    let tenant = path.split('/').nth(2).unwrap_or_default();
    let captures = [("tenant", tenant)];
    let decision = engine.decide(
        claims,
        &action,
        RequestFacts {
            method: &method,
            path,
            rule: "tenants",
            captures: &captures,
        },
    );
    (*decision).clone()
}

#[test]
fn the_principal_is_pool_id_and_sub_for_id_and_access_tokens() {
    let policy = format!(r#"permit (principal == Api::User::"{POOL_ID}|u-1", action, resource);"#);
    let engine = engine(&policy);
    assert!(allowed(&engine, &id_token(json!({})), Method::GET, "/tenants/a/x").allowed);
    assert!(allowed(&engine, &access_token("a"), Method::GET, "/tenants/a/x").allowed);
    let other = id_token(json!({"sub": "u-2"}));
    assert!(!allowed(&engine, &other, Method::GET, "/tenants/a/x").allowed);
}

#[test]
fn a_machine_is_its_client_id() {
    let policy = format!(
        r#"permit (principal == Api::User::"{POOL_ID}|client1", action, resource) when {{ context.guard.callerKind == "machine" }};"#
    );
    let engine = engine(&policy);
    assert!(allowed(&engine, &machine_token("r"), Method::GET, "/tenants/a/x").allowed);
    assert!(!allowed(&engine, &id_token(json!({})), Method::GET, "/tenants/a/x").allowed);
}

#[test]
fn groups_are_parents_prefixed_by_the_pool_id() {
    let engine = engine(&format!(
        r#"permit (principal in Api::UserGroup::"{POOL_ID}|admin", action, resource);"#
    ));
    assert!(allowed(&engine, &id_token(json!({})), Method::GET, "/tenants/a/x").allowed);
    assert!(allowed(&engine, &access_token("s"), Method::GET, "/tenants/a/x").allowed);
    let no_group = id_token(json!({"cognito:groups": ["staff"]}));
    assert!(!allowed(&engine, &no_group, Method::GET, "/tenants/a/x").allowed);
    // The bare group name, without the pool, is another group.
    let bare = engine_of(r#"permit (principal in Api::UserGroup::"admin", action, resource);"#);
    assert!(!allowed(&bare, &id_token(json!({})), Method::GET, "/tenants/a/x").allowed);
}

fn engine_of(policy: &str) -> PolicyEngine {
    engine(policy)
}

#[test]
fn id_token_claims_are_attributes_under_their_literal_names() {
    let engine = engine(
        r#"permit (principal, action, resource) when {
            principal["custom:tenant_id"] == context.pathParameters.tenant &&
            principal.email == "a@example.com" &&
            !(principal has "cognito:groups")
        };"#,
    );
    let acme = id_token(json!({"custom:tenant_id": "acme"}));
    assert!(allowed(&engine, &acme, Method::GET, "/tenants/acme/x").allowed);
    let decision = allowed(&engine, &acme, Method::GET, "/tenants/globex/x");
    assert!(!decision.allowed);
    assert_eq!(decision.explanation(), "no policy permits");
}

#[test]
fn access_token_claims_are_in_context_token_with_scope_a_set() {
    let engine = engine(
        r#"permit (principal, action, resource) when {
            context has token && context.token.scope.contains("reports/read") &&
            context.token.client_id == "client1" && !(context.token has "cognito:groups") &&
            !(principal has username)
        };"#,
    );
    assert!(
        allowed(
            &engine,
            &access_token("openid reports/read"),
            Method::GET,
            "/tenants/a/x"
        )
        .allowed
    );
    assert!(
        !allowed(
            &engine,
            &access_token("reports/readx"),
            Method::GET,
            "/tenants/a/x"
        )
        .allowed
    );
    // An ID token has no context.token.
    assert!(!allowed(&engine, &id_token(json!({})), Method::GET, "/tenants/a/x").allowed);
}

#[test]
fn the_action_is_the_method_lower_case_and_the_template() {
    let engine = engine(
        r#"permit (principal, action == Api::Action::"get /tenants/{tenant}/**", resource == Api::Application::"Api");"#,
    );
    let claims = id_token(json!({}));
    assert!(allowed(&engine, &claims, Method::GET, "/tenants/a/x").allowed);
    assert!(!allowed(&engine, &claims, Method::POST, "/tenants/a/x").allowed);
    // A method the rule set made no action for at start.
    let odd = Method::from_bytes(b"PROPFIND").expect("method");
    assert!(!allowed(&engine, &claims, odd, "/tenants/a/x").allowed);
    let fixed = engine_of(r#"permit (principal, action == Api::Action::"ReadTenant", resource);"#);
    let action = fixed.rule_action("/tenants/{tenant}/**", Some("ReadTenant"));
    let facts = RequestFacts {
        method: &Method::DELETE,
        path: "/tenants/a/x",
        rule: "tenants",
        captures: &[("tenant", "a")],
    };
    assert!(fixed.decide(&claims, &action, facts).allowed);
    assert!(fixed.decide_first_time(&claims, &action, facts).allowed);
}

#[test]
fn context_guard_says_method_path_rule_pool_caller_and_token_use() {
    let engine = engine(
        r#"permit (principal, action, resource) when {
            context.guard.method == "GET" && context.guard.path == "/tenants/a/x" &&
            context.guard.rule == "tenants" && context.guard.pool == "default" &&
            context.guard.callerKind == "user" && context.guard.tokenUse == "id"
        };"#,
    );
    assert!(allowed(&engine, &id_token(json!({})), Method::GET, "/tenants/a/x").allowed);
    assert!(!allowed(&engine, &access_token("s"), Method::GET, "/tenants/a/x").allowed);
}

#[test]
fn a_policy_that_errs_is_not_satisfied_and_reported() {
    // `custom:level` is a string: `>` errs, so the permit does not apply.
    let engine = engine(
        r#"@id("by-level") permit (principal, action, resource) when { principal["custom:level"] > 3 };"#,
    );
    let claims = id_token(json!({"custom:level": "9"}));
    let decision = allowed(&engine, &claims, Method::GET, "/tenants/a/x");
    assert!(!decision.allowed);
    assert!(
        decision.explanation().contains("erred"),
        "{}",
        decision.explanation()
    );
    assert!(
        decision.errors[0].contains("by-level"),
        "{:?}",
        decision.errors
    );
}

#[test]
fn an_erring_forbid_does_not_apply_but_a_satisfied_one_wins() {
    let engine = engine(
        r#"@id("all") permit (principal, action, resource);
           @id("no-locked") forbid (principal, action, resource) when { principal["custom:locked"] == true };"#,
    );
    let locked = id_token(json!({"custom:locked": true}));
    let decision = allowed(&engine, &locked, Method::GET, "/tenants/a/x");
    assert_eq!(decision.explanation(), "forbidden by no-locked");
    assert!(allowed(&engine, &id_token(json!({})), Method::GET, "/tenants/a/x").allowed);
}

#[test]
fn claims_cedar_cannot_hold_deny_with_a_reason() {
    let engine = engine("permit (principal, action, resource);");
    let claims = id_token(json!({"custom:ratio": 0.5}));
    let decision = allowed(&engine, &claims, Method::GET, "/tenants/a/x");
    assert!(!decision.allowed);
    assert!(
        decision.explanation().contains("custom:ratio"),
        "{}",
        decision.explanation()
    );
}

pub(super) const SCHEMA: &str = r#"namespace Api {
  entity UserGroup;
  entity User in [UserGroup] { "custom:tenant_id": String, email?: String };
  entity Application;
  action "get /tenants/{tenant}/**" appliesTo {
    principal: [User], resource: [Application],
    context: { pathParameters: { tenant: String }, guard: { method: String, path: String, rule: String, pool: String, callerKind: String, tokenUse: String } }
  };
}"#;

#[test]
fn with_a_schema_undeclared_claims_are_left_out_and_wrong_types_deny() {
    let policy = r#"permit (principal, action, resource) when { principal["custom:tenant_id"] == context.pathParameters.tenant };"#;
    let engine = PolicyEngine::load(&sources(policy, Some(SCHEMA))).expect("validates");
    // Undeclared claims (cognito:username, aud, ...) do not break the entity.
    let acme = id_token(json!({"custom:tenant_id": "acme"}));
    assert!(allowed(&engine, &acme, Method::GET, "/tenants/acme/x").allowed);
    // A declared claim of another type: denied, with the reason.
    let number = id_token(json!({"custom:tenant_id": 7}));
    let decision = allowed(&engine, &number, Method::GET, "/tenants/acme/x");
    assert!(!decision.allowed);
    assert!(decision.refused.is_some(), "{decision:?}");
    // A required claim missing: denied.
    let missing = id_token(json!({}));
    assert!(!allowed(&engine, &missing, Method::GET, "/tenants/acme/x").allowed);
    // An action the schema does not declare: the request does not fit.
    assert!(!allowed(&engine, &acme, Method::POST, "/tenants/acme/x").allowed);
    assert!(engine.declares_action("get /tenants/{tenant}/**"));
    assert!(!engine.declares_action("post /tenants/{tenant}/**"));
}

#[test]
fn huge_group_lists_are_decided_not_crashed() {
    let groups: Vec<String> = (0..5000).map(|i| format!("g{i}")).collect();
    let engine = engine(&format!(
        r#"permit (principal in Api::UserGroup::"{POOL_ID}|g4999", action, resource);"#
    ));
    let claims = id_token(json!({"cognito:groups": groups}));
    assert!(allowed(&engine, &claims, Method::GET, "/tenants/a/x").allowed);
}

#[test]
fn a_decision_is_kept_per_token_and_request_only() {
    let engine = engine(
        r#"permit (principal, action, resource) when { principal["custom:tenant_id"] == context.pathParameters.tenant };"#,
    );
    let acme = id_token(json!({"custom:tenant_id": "acme"}));
    let action = engine.rule_action("/tenants/{tenant}/**", None);
    let ask = |claims: &Claims, method: &Method, path: &'static str, rule: &'static str| {
        let tenant = path.split('/').nth(2).unwrap_or_default();
        let captures = [("tenant", tenant)];
        let facts = RequestFacts {
            method,
            path,
            rule,
            captures: &captures,
        };
        engine.decide(claims, &action, facts)
    };
    let first = ask(&acme, &Method::GET, "/tenants/acme/x", "tenants");
    assert!(first.allowed);
    assert!(std::sync::Arc::ptr_eq(
        &first,
        &ask(&acme.clone(), &Method::GET, "/tenants/acme/x", "tenants")
    ));
    // Another path, method, rule or token is decided anew.
    assert!(!ask(&acme, &Method::GET, "/tenants/globex/x", "tenants").allowed);
    assert!(!std::sync::Arc::ptr_eq(
        &first,
        &ask(&acme, &Method::POST, "/tenants/acme/x", "tenants")
    ));
    assert!(!std::sync::Arc::ptr_eq(
        &first,
        &ask(&acme, &Method::GET, "/tenants/acme/x", "other")
    ));
    let globex = id_token(json!({"custom:tenant_id": "globex"}));
    assert!(!ask(&globex, &Method::GET, "/tenants/acme/x", "tenants").allowed);
    // A long path is decided every time, not kept.
    let long: &'static str =
        Box::leak(format!("/tenants/acme/{}", "x".repeat(300)).into_boxed_str());
    let once = ask(&acme, &Method::GET, long, "tenants");
    assert!(once.allowed);
    assert!(!std::sync::Arc::ptr_eq(
        &once,
        &ask(&acme, &Method::GET, long, "tenants")
    ));
}

#[test]
fn the_principal_is_built_once_per_verified_token() {
    let engine = engine("permit (principal, action, resource);");
    let claims = id_token(json!({}));
    let first = engine.principal_for_tests(&claims);
    let again = engine.principal_for_tests(&claims.clone());
    assert!(std::sync::Arc::ptr_eq(&first, &again));
    // Equal claims of another verified token are another principal.
    let other = id_token(json!({}));
    assert!(!std::sync::Arc::ptr_eq(
        &first,
        &engine.principal_for_tests(&other)
    ));
}

#[test]
fn with_several_pools_the_principal_and_groups_carry_the_token_s_pool_id() {
    const OTHER: &str = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other";
    let other_rules = ClaimRules {
        issuers: vec![OTHER.to_owned()],
        pool: std::sync::Arc::new(crate::pools::PoolTag::new(1, "other", "admin", None, true)),
        ..rules()
    };
    let mut claims = id_claims();
    claims["iss"] = json!(OTHER);
    let from_other = check(claims, &other_rules).expect("valid claims");
    let engine = engine(
        r#"permit (principal == Api::User::"eu-west-1_Other|u-1", action, resource) when { context.guard.pool == "other" };
           permit (principal in Api::UserGroup::"us-east-1_Pool|admin", action, resource);"#,
    );
    // The same sub and group name in the other pool: another principal,
    // another group.
    assert!(allowed(&engine, &from_other, Method::GET, "/tenants/a/x").allowed);
    let only_group = engine_of(
        r#"permit (principal in Api::UserGroup::"us-east-1_Pool|admin", action, resource);"#,
    );
    assert!(!allowed(&only_group, &from_other, Method::GET, "/tenants/a/x").allowed);
    assert!(
        allowed(
            &only_group,
            &id_token(json!({})),
            Method::GET,
            "/tenants/a/x"
        )
        .allowed
    );
}
