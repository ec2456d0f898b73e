//! The signed identity assertion (`[forward_auth.assertion]`): verified
//! here with `jsonwebtoken`, a JOSE implementation independent of the
//! server's own signer, against the JWKS the server publishes: signature,
//! `iss`, `aud` per rule (an assertion for one rule is refused where
//! another's audience is expected), lifetime capped by the token's `exp`,
//! claim types that never vary with the caller; reuse (one signature for
//! many requests), the 8 KiB bound, a revoked user, and no assertion
//! without the table.

use std::path::{Path, PathBuf};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde_json::{json, Value};

use crate::common::binary::temp_dir;
use crate::common::guard_process::write_signing_key;
use crate::common::helpers::*;
use crate::common::machine::machine_token;
use crate::common::pools::metric;

const ISSUER: &str = "https://guard.internal.example";

/// Writes a fresh P-256 key (PKCS#8 PEM) as `name` in `dir`.
fn write_key(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    write_signing_key(&path);
    path
}

/// The rules, with assertions signed by `keys` (relative to the file).
fn rules(keys: &[&str], lifetime: u64) -> String {
    let keys: Vec<String> = keys.iter().map(|k| format!("\"{k}\"")).collect();
    format!(
        "[forward_auth]\ngateway = \"nginx\"\n\n\
         [forward_auth.assertion]\nissuer = \"{ISSUER}\"\nsigning_keys = [{}]\nlifetime_secs = {lifetime}\n\n\
         [[rule]]\nname = \"orders\"\npath = \"/orders/**\"\naudience = \"orders-service\"\n\n\
         [[rule]]\nname = \"machines\"\npath = \"/m/**\"\ncallers = \"any\"\n\n\
         [[rule]]\nname = \"open\"\npath = \"/open\"\nallow = \"public\"\n\n\
         [[rule]]\nname = \"api\"\npath = \"/api/**\"\n",
        keys.join(", ")
    )
}

/// A server whose rules file (and keys) are in a folder of their own.
struct Signing {
    app: TestApp,
    dir: PathBuf,
}

async fn signing(lifetime: u64) -> Signing {
    signing_with(lifetime, &[]).await
}

async fn signing_with(lifetime: u64, vars: &[(&str, &str)]) -> Signing {
    let dir = temp_dir("assertion");
    write_key(&dir, "first.pem");
    write_key(&dir, "second.pem");
    let file = dir.join("guard.toml");
    std::fs::write(&file, rules(&["first.pem", "second.pem"], lifetime)).expect("rules");
    let mut all = vec![("GUARD_CONFIG", file.to_str().expect("path"))];
    all.extend_from_slice(vars);
    let app = spawn_app_with(&all).await;
    Signing { app, dir }
}

async fn ask(app: &TestApp, method: &str, path: &str, token: Option<&str>) -> TestResponse {
    let mut headers = vec![
        ("X-Original-Method", method.to_owned()),
        ("X-Original-URI", path.to_owned()),
    ];
    if let Some(token) = token {
        headers.push(("Authorization", format!("Bearer {token}")));
    }
    app.request_with_headers("GET", "/auth", &headers).await
}

async fn assertion(app: &TestApp, path: &str, token: &str) -> String {
    let response = ask(app, "GET", path, Some(token)).await;
    assert_eq!(response.status, 200, "{path}: {}", response.body);
    response
        .header("x-auth-request-assertion")
        .expect("an assertion")
        .to_owned()
}

async fn key_set(app: &TestApp) -> JwkSet {
    let response = app.get("/.well-known/jwks.json", None).await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("cache-control"),
        Some("public, max-age=300")
    );
    assert_eq!(
        response.header("content-type"),
        Some("application/jwk-set+json")
    );
    serde_json::from_value(response.body).expect("a JWK set")
}

/// Verifies `jwt` as an upstream expecting `audience` would, with the
/// published keys: its claims, or why not.
fn verify(jwt: &str, keys: &JwkSet, audience: &str) -> Result<Value, String> {
    let header = decode_header(jwt).map_err(|e| e.to_string())?;
    assert_eq!(header.alg, Algorithm::ES256);
    assert_eq!(header.typ.as_deref(), Some("JWT"));
    let kid = header.kid.ok_or("no kid")?;
    let jwk = keys.find(&kid).ok_or("kid not published")?;
    let key = DecodingKey::from_jwk(jwk).map_err(|e| e.to_string())?;
    let mut validation = Validation::new(Algorithm::ES256);
    validation.set_audience(&[audience]);
    validation.set_issuer(&[ISSUER]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    decode::<Value>(jwt, &key, &validation)
        .map(|data| data.claims)
        .map_err(|e| e.to_string())
}

#[actix_rt::test]
async fn an_allowed_caller_gets_an_assertion_an_independent_jose_library_verifies() {
    let Signing { app, .. } = signing(60).await;
    let keys = key_set(&app).await;
    assert_eq!(keys.keys.len(), 2, "every configured key is published");
    let alice = id_token("sub-alice", Some("alice@example.com"), &["staff", "a,b"]);
    let jwt = assertion(&app, "/orders/7", &alice).await;
    let claims = verify(&jwt, &keys, "orders-service").expect("verifies");
    let first = keys.keys[0].common.key_id.clone();
    assert_eq!(
        decode_header(&jwt).ok().and_then(|h| h.kid),
        first,
        "the first key signs"
    );
    let now = claims["iat"].as_u64().expect("iat");
    let exp = claims["exp"].as_u64().expect("exp");
    assert!(exp > now && exp - now <= 60, "{claims}");
    for (name, value) in [
        ("iss", json!(ISSUER)),
        ("aud", json!("orders-service")),
        ("sub", json!("sub-alice")),
        ("pool", json!("default")),
        ("caller", json!("user")),
        ("token_use", json!("id")),
        ("client_id", json!(CLIENT_ID)),
        ("username", json!("user-sub-alice")),
        ("email", json!("alice@example.com")),
        ("groups", json!(["staff", "a,b"])),
        ("scope", json!([])),
        ("origin_jti", json!("8f1c7b2e-0000-4000-8000-000000000001")),
        ("rule", json!("orders")),
    ] {
        assert_eq!(claims[name], value, "{name}: {claims}");
    }
    assert!(claims["jti"].as_str().is_some_and(|j| j.len() >= 16));
    assert!(claims["auth_time"].is_u64());
    // Another rule: its name is the audience, and one rule's assertion is
    // refused by an upstream expecting another's.
    let api = assertion(&app, "/api/x", &alice).await;
    assert_eq!(verify(&api, &keys, "api").expect("verifies")["aud"], "api");
    let replayed = verify(&jwt, &keys, "api").expect_err("another audience");
    assert!(replayed.contains("InvalidAudience"), "{replayed}");
}

#[actix_rt::test]
async fn claim_types_never_vary_with_the_caller() {
    let Signing { app, .. } = signing(60).await;
    let keys = key_set(&app).await;
    // No groups, no email: an empty array, and no key at all.
    let bare = id_token("sub-bare", None, &[]);
    let claims = verify(&assertion(&app, "/api/x", &bare).await, &keys, "api").expect("verifies");
    assert_eq!(claims["groups"], json!([]));
    assert!(claims.get("email").is_none(), "{claims}");
    assert!(claims
        .as_object()
        .is_some_and(|c| c.values().all(|v| !v.is_null())));
    // A machine: its scopes as an array, no user names.
    let machine = machine_token("reports/read other/write");
    let claims =
        verify(&assertion(&app, "/m/x", &machine).await, &keys, "machines").expect("verifies");
    assert_eq!(claims["caller"], "machine");
    assert_eq!(claims["token_use"], "access");
    assert_eq!(claims["scope"], json!(["reports/read", "other/write"]));
    assert_eq!(claims["groups"], json!([]));
    assert!(claims.get("username").is_none() && claims.get("email").is_none());
    // A federated user (signed in through Google): the username as Cognito
    // gives it.
    let mut federated = id_claims("sub-fed", Some("fed@example.com"), &["staff"]);
    federated["cognito:username"] = json!("google_1234567890");
    federated["identities"] = json!([{"providerName": "Google", "userId": "1234567890"}]);
    let token = sign(&federated, trusted_key());
    let claims = verify(&assertion(&app, "/api/x", &token).await, &keys, "api").expect("verifies");
    assert_eq!(claims["username"], "google_1234567890");
    // Never past the token's own expiry.
    let mut short = id_claims("sub-short", None, &[]);
    let token_exp = short["iat"].as_u64().unwrap_or_default() + 25;
    short["exp"] = json!(token_exp);
    let token = sign(&short, trusted_key());
    let claims = verify(&assertion(&app, "/api/x", &token).await, &keys, "api").expect("verifies");
    assert!(
        claims["exp"].as_u64().is_some_and(|exp| exp <= token_exp),
        "{claims}"
    );
}

#[actix_rt::test]
async fn one_signature_serves_many_requests_of_one_token_and_rule() {
    let Signing { app, .. } = signing(60).await;
    let alice = id_token("sub-reuse", None, &[]);
    let first = assertion(&app, "/api/a", &alice).await;
    for i in 0..19 {
        let again = assertion(&app, &format!("/api/{i}"), &alice).await;
        assert_eq!(again, first, "reused");
    }
    let other_rule = assertion(&app, "/orders/1", &alice).await;
    assert_ne!(other_rule, first, "another rule, another assertion");
    let metrics = app.get_text("/metrics").await;
    let count = |how: &str| metric(&metrics, "cognito_guard_assertions_total", &[("how", how)]);
    assert_eq!(count("signed"), Some(2.0), "{metrics}");
    assert_eq!(count("reused"), Some(19.0), "{metrics}");
}

#[actix_rt::test]
async fn a_revoked_user_gets_no_reused_assertion() {
    let Signing { app, .. } = signing(60).await;
    let sub = "4f6a2c1e-0000-4000-8000-00000000a5e7";
    let victim = id_token(sub, None, &[]);
    assertion(&app, "/api/x", &victim).await;
    let admin = id_token("sub-admin", None, &["admin"]);
    let deleted = app
        .request("DELETE", &format!("/users/{sub}"), Some(&admin))
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    let refused = ask(&app, "GET", "/api/x", Some(&victim)).await;
    assert_eq!(refused.status, 401);
    assert!(refused.header("x-auth-request-assertion").is_none());
}

#[actix_rt::test]
async fn an_assertion_over_8_kib_is_a_403_never_a_truncated_identity() {
    let Signing { app, .. } = signing(60).await;
    let groups: Vec<String> = (0..500).map(|i| format!("group-number-{i:04}")).collect();
    let groups: Vec<&str> = groups.iter().map(String::as_str).collect();
    let crowded = id_token("sub-crowded", None, &groups);
    let refused = ask(&app, "GET", "/api/x", Some(&crowded)).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.detail().contains("8 KiB"), "{}", refused.body);
    assert!(refused.header("x-auth-request-assertion").is_none());
    let metrics = app.get_text("/metrics").await;
    let too_large = metric(
        &metrics,
        "cognito_guard_assertions_total",
        &[("how", "too_large")],
    );
    assert_eq!(too_large, Some(1.0), "{metrics}");
}

#[actix_rt::test]
async fn without_the_table_the_header_is_sent_empty_and_no_keys_are_published() {
    let dir = temp_dir("no-assertion");
    let file = dir.join("guard.toml");
    std::fs::write(
        &file,
        "[forward_auth]\ngateway = \"nginx\"\n[[rule]]\npath = \"/api/**\"\n",
    )
    .expect("rules");
    let app = spawn_app_with(&[("GUARD_CONFIG", file.to_str().expect("path"))]).await;
    let alice = id_token("sub-alice", None, &[]);
    let response = ask(&app, "GET", "/api/x", Some(&alice)).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.header("x-auth-request-assertion"), Some(""));
    assert_eq!(app.get("/.well-known/jwks.json", None).await.status, 404);
    // A public answer has no caller to assert, with the table too.
    let Signing { app, .. } = signing(60).await;
    let open = ask(&app, "GET", "/open", None).await;
    assert_eq!(open.header("x-auth-request-assertion"), Some(""));
}

#[actix_rt::test]
async fn a_key_rotation_never_leaves_an_upstream_unable_to_verify() {
    let Signing { app, dir } = signing(60).await;
    let file = dir.join("guard.toml");
    let alice = id_token("sub-rotate", None, &[]);
    std::fs::write(&file, rules(&["first.pem"], 60)).expect("rules");
    let cached = wait_for_keys(&app, 1).await;
    // Step 1: the new key added second; the old one still signs.
    write_key(&dir, "third.pem");
    std::fs::write(&file, rules(&["first.pem", "third.pem"], 60)).expect("rules");
    let both = wait_for_keys(&app, 2).await;
    let jwt = assertion(&app, "/api/a", &id_token("sub-r1", None, &[])).await;
    verify(&jwt, &cached, "api").expect("an upstream's cached set still verifies");
    // Step 2, a cache period later: the new key first, and signing.
    std::fs::write(&file, rules(&["third.pem", "first.pem"], 60)).expect("rules");
    let mut signed_by_new = false;
    for _ in 0..400 {
        let jwt = assertion(&app, "/api/b", &alice).await;
        if verify(&jwt, &cached, "api").is_err() {
            verify(&jwt, &both, "api").expect("the set fetched after step 1 verifies");
            signed_by_new = true;
            break;
        }
        actix_rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(signed_by_new, "the new key never signed");
    // Step 3: the old key dropped.
    std::fs::write(&file, rules(&["third.pem"], 60)).expect("rules");
    let last = wait_for_keys(&app, 1).await;
    assert_ne!(last.keys[0].common.key_id, cached.keys[0].common.key_id);
}

/// Waits until the server publishes `count` keys; the set.
async fn wait_for_keys(app: &TestApp, count: usize) -> JwkSet {
    for _ in 0..400 {
        let set = key_set(app).await;
        if set.keys.len() == count {
            return set;
        }
        actix_rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the server never published {count} key(s)");
}

#[actix_rt::test]
async fn a_token_past_its_exp_within_the_leeway_gets_a_401_not_an_expired_assertion() {
    let Signing { app, .. } = signing_with(60, &[("AUTH_LEEWAY_SECS", "60")]).await;
    let mut late = id_claims("sub-late", None, &[]);
    // Expired 30 s ago (the claims were issued 5 s ago).
    let exp = late["iat"].as_u64().unwrap_or_default() - 25;
    late["exp"] = json!(exp);
    late["iat"] = json!(exp - 60);
    let token = sign(&late, trusted_key());
    // The API takes it (within the allowance); no assertion can be valid.
    assert_eq!(app.get("/messages/private", Some(&token)).await.status, 200);
    let refused = ask(&app, "GET", "/api/x", Some(&token)).await;
    assert_invalid_token(&refused, &token);
    assert!(refused.header("x-auth-request-assertion").is_none());
}
