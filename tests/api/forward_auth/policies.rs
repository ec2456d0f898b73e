//! `allow = "policy"` rules through `/auth`, like a gateway asks: tenant
//! isolation whatever the path's spelling, revocation before the
//! policies, machine callers only where `callers` admits them, and bad
//! input (claims of the wrong type, an erring policy, a huge group list)
//! answered 403 or 401, never 500 and never allowed.

use serde_json::json;

use crate::common::binary::temp_dir;
use crate::common::helpers::*;
use crate::common::machine::machine_token;
use crate::common::pools::metric;

const POLICIES: &str = r#"
@id("own-tenant")
permit (principal, action, resource)
when { principal has "custom:tenant_id" && principal["custom:tenant_id"] == context.pathParameters.tenant };

@id("support-reads")
permit (principal in Api::UserGroup::"us-east-1_TestPool1|support",
        action == Api::Action::"get /tenants/{tenant}/**", resource);

@id("no-deletes")
forbid (principal, action == Api::Action::"delete /tenants/{tenant}/**", resource);

@id("machines-read-reports")
permit (principal, action == Api::Action::"get /reports/{report}", resource)
when { context has token && context.token has scope && context.token.scope.contains("reports/read") };

@id("by-level")
permit (principal, action == Api::Action::"get /levels/**", resource)
when { principal["custom:level"] > 3 };
"#;

const RULES: &str = r#"
[policies]
files = ["policies/*.cedar"]
namespace = "Api"

[forward_auth]
gateway = "nginx"

[[rule]]
name = "tenants"
path = "/tenants/{tenant}/**"
allow = "policy"

[[rule]]
name = "reports"
path = "/reports/{report}"
allow = "policy"
callers = "machines"

[[rule]]
name = "levels"
path = "/levels/**"
allow = "policy"

[[rule]]
name = "api"
path = "/api/**"
"#;

/// A server with `RULES` and `POLICIES` in a folder of their own.
async fn server(tag: &str, rules: &str, policies: &str, vars: &[(&str, &str)]) -> TestApp {
    let dir = temp_dir(tag);
    std::fs::create_dir_all(dir.join("policies")).expect("dir");
    std::fs::write(dir.join("policies/main.cedar"), policies).expect("policies");
    let file = dir.join("guard.toml");
    std::fs::write(&file, rules).expect("rules");
    let mut all = vec![("GUARD_CONFIG", file.to_str().expect("path"))];
    all.extend_from_slice(vars);
    spawn_app_with(&all).await
}

async fn ask(app: &TestApp, method: &str, path: &str, token: &str) -> TestResponse {
    let headers = [
        ("X-Original-Method", method.to_owned()),
        ("X-Original-URI", path.to_owned()),
        ("Authorization", format!("Bearer {token}")),
    ];
    app.request_with_headers("GET", "/auth", &headers).await
}

fn tenant_user(sub: &str, tenant: &str, groups: &[&str]) -> String {
    let mut claims = id_claims(sub, None, groups);
    claims["custom:tenant_id"] = json!(tenant);
    sign(&claims, trusted_key())
}

#[actix_rt::test]
async fn a_tenant_s_user_reaches_their_tenant_only_whatever_the_spelling() {
    let app = server("tenants", RULES, POLICIES, &[]).await;
    let acme = tenant_user("sub-acme", "acme", &[]);
    for path in [
        "/tenants/acme/orders",
        "/tenants/acme/",
        "/tenants/%61cme/x?y=1",
        "/tenants/acme",
    ] {
        let response = ask(&app, "GET", path, &acme).await;
        assert_eq!(response.status, 200, "{path}: {}", response.body);
        assert_eq!(response.header("x-auth-request-rule"), Some("tenants"));
    }
    for path in [
        "/tenants/globex/orders",
        "/tenants/ACME/orders",
        "/tenants/globex/%2e%2e/acme/x",
        "/tenants/acme/../globex/x",
        "/tenants/globex%2facme/x",
        "/Tenants/globex/x",
        "/tenants//acme/x",
    ] {
        let response = ask(&app, "GET", path, &acme).await;
        assert!(
            matches!(response.status, 400 | 403),
            "{path}: {} {}",
            response.status,
            response.body
        );
    }
    let refused = ask(&app, "GET", "/tenants/globex/orders", &acme).await;
    assert_eq!(refused.status, 403);
    let challenge = refused.header("www-authenticate").unwrap_or_default();
    assert!(challenge.contains("insufficient_scope"), "{challenge}");
    // A forbid wins over the tenant's own permit.
    assert_eq!(
        ask(&app, "DELETE", "/tenants/acme/x", &acme).await.status,
        403
    );
    assert_eq!(ask(&app, "PUT", "/tenants/acme/x", &acme).await.status, 200);
    // The support group reads every tenant, and writes none.
    let support = tenant_user("sub-support", "none", &["support"]);
    assert_eq!(
        ask(&app, "GET", "/tenants/globex/x", &support).await.status,
        200
    );
    assert_eq!(
        ask(&app, "POST", "/tenants/globex/x", &support)
            .await
            .status,
        403
    );
    // A user without the attribute, an access token (no attributes).
    let plain = id_token("sub-plain", None, &[]);
    assert_eq!(
        ask(&app, "GET", "/tenants/acme/x", &plain).await.status,
        403
    );
    let metrics = app.get_text("/metrics").await;
    let count = |outcome: &str| {
        metric(
            &metrics,
            "cognito_guard_forward_auth_decisions_total",
            &[("rule", "tenants"), ("outcome", outcome)],
        )
    };
    assert_eq!(count("allowed"), Some(6.0), "{metrics}");
    assert_eq!(count("forbidden"), Some(6.0), "{metrics}");
}

#[actix_rt::test]
async fn a_deleted_user_is_401_where_a_policy_would_allow() {
    let app = server("revoked", RULES, POLICIES, &[]).await;
    let sub = "4f6a2c1e-0000-4000-8000-00000000b0b0";
    let acme = tenant_user(sub, "acme", &[]);
    assert_eq!(ask(&app, "GET", "/tenants/acme/x", &acme).await.status, 200);
    let admin = id_token("sub-admin", None, &["admin"]);
    let deleted = app
        .request("DELETE", &format!("/users/{sub}"), Some(&admin))
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    let refused = ask(&app, "GET", "/tenants/acme/x", &acme).await;
    assert_eq!(refused.status, 401, "{}", refused.body);
}

#[actix_rt::test]
async fn machines_reach_the_policies_only_where_callers_admits_them() {
    let app = server("machines", RULES, POLICIES, &[]).await;
    let reader = machine_token("reports/read");
    assert_eq!(ask(&app, "GET", "/reports/q1", &reader).await.status, 200);
    let other = machine_token("reports/write");
    assert_eq!(ask(&app, "GET", "/reports/q1", &other).await.status, 403);
    // The tenants rule admits users only, and this pool takes ID tokens
    // from users: the machine's token is not valid there at all.
    let response = ask(&app, "GET", "/tenants/client/x", &reader).await;
    assert_eq!(response.status, 401, "{}", response.body);
    // A user on the machines' rule: refused before the policies too.
    let user = tenant_user("sub-r", "acme", &[]);
    assert_eq!(ask(&app, "GET", "/reports/q1", &user).await.status, 403);
}

#[actix_rt::test]
async fn claims_of_the_wrong_type_and_erring_policies_are_403_never_500() {
    let app = server("errors", RULES, POLICIES, &[]).await;
    let with = |name: &str, value: serde_json::Value| {
        let mut claims = id_claims("sub-odd", None, &[]);
        claims[name] = value;
        sign(&claims, trusted_key())
    };
    // `custom:level` as a string: `>` errs, so the permit is not satisfied.
    assert_eq!(
        ask(&app, "GET", "/levels/x", &with("custom:level", json!("9")))
            .await
            .status,
        403
    );
    assert_eq!(
        ask(&app, "GET", "/levels/x", &with("custom:level", json!(9)))
            .await
            .status,
        200
    );
    // A claim Cedar cannot hold (a fraction): denied, with its reason.
    assert_eq!(
        ask(&app, "GET", "/levels/x", &with("custom:level", json!(9.5)))
            .await
            .status,
        403
    );
    // A tenant id that is a number, a list, an object.
    for odd in [json!(1), json!(["acme"]), json!({"id": "acme"})] {
        let response = ask(
            &app,
            "GET",
            "/tenants/acme/x",
            &with("custom:tenant_id", odd.clone()),
        )
        .await;
        assert_eq!(response.status, 403, "{odd}: {}", response.body);
    }
    // Thousands of groups: decided, not crashed.
    let groups: Vec<String> = (0..500).map(|i| format!("g{i}")).collect();
    let groups: Vec<&str> = groups.iter().map(String::as_str).collect();
    let mut claims = id_claims("sub-crowd", None, &groups);
    claims["custom:tenant_id"] = json!("acme");
    let crowded = sign(&claims, trusted_key());
    assert_eq!(
        ask(&app, "GET", "/tenants/acme/x", &crowded).await.status,
        200
    );
    assert_eq!(
        ask(&app, "GET", "/tenants/globex/x", &crowded).await.status,
        403
    );
}

#[actix_rt::test]
async fn with_a_schema_a_claim_of_another_type_is_denied() {
    let schema = r#"namespace Api {
      entity UserGroup;
      entity User in [UserGroup] { "custom:tenant_id"?: String };
      entity Application;
      action "get /tenants/{tenant}/**" appliesTo {
        principal: [User], resource: [Application],
        context: { pathParameters: { tenant: String } }
      };
    }"#;
    let policy = r#"permit (principal, action, resource) when { principal has "custom:tenant_id" && principal["custom:tenant_id"] == context.pathParameters.tenant };"#;
    let dir = temp_dir("schema");
    std::fs::create_dir_all(dir.join("policies")).expect("dir");
    std::fs::write(dir.join("policies/a.cedar"), policy).expect("policy");
    std::fs::write(dir.join("policies/api.cedarschema"), schema).expect("schema");
    let rules = "[policies]\nfiles = [\"policies/a.cedar\"]\nschema = \"policies/api.cedarschema\"\nnamespace = \"Api\"\n\
                 [forward_auth]\ngateway = \"nginx\"\n[[rule]]\nname = \"tenants\"\npath = \"/tenants/{tenant}/**\"\nmethods = [\"GET\"]\nallow = \"policy\"\n";
    let file = dir.join("guard.toml");
    std::fs::write(&file, rules).expect("rules");
    let app = spawn_app_with(&[("GUARD_CONFIG", file.to_str().expect("path"))]).await;
    assert_eq!(
        ask(
            &app,
            "GET",
            "/tenants/acme/x",
            &tenant_user("s1", "acme", &[])
        )
        .await
        .status,
        200
    );
    let mut claims = id_claims("s2", None, &[]);
    claims["custom:tenant_id"] = json!(42);
    let number = sign(&claims, trusted_key());
    assert_eq!(
        ask(&app, "GET", "/tenants/acme/x", &number).await.status,
        403
    );
    // HEAD, which the schema does not declare: denied, not an error.
    assert_eq!(
        ask(
            &app,
            "HEAD",
            "/tenants/acme/x",
            &tenant_user("s1", "acme", &[])
        )
        .await
        .status,
        403
    );
}
