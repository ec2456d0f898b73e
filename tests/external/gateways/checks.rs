//! What each gateway must do, in front of the guard: one pass over every
//! rule kind, refusal, header and path spelling of `examples/guard.toml`.

use super::gateway::Gateway;
use super::paths::as_an_upstream_might_read;
use super::stack::*;
use crate::common::helpers::*;
use crate::common::machine::machine_token;

/// The claims of an assertion, verified with `jsonwebtoken` (not the
/// guard's code) against the guard's `/.well-known/jwks.json`, for
/// `audience`.
async fn verify_assertion(jwt: &str, guard_port: u16, audience: &str) -> serde_json::Value {
    use jsonwebtoken::{decode, decode_header, jwk::JwkSet, Algorithm, DecodingKey, Validation};
    assert!(!jwt.is_empty(), "no assertion reached the upstream");
    let mut response = awc::Client::default()
        .get(format!(
            "http://127.0.0.1:{guard_port}/.well-known/jwks.json"
        ))
        .send()
        .await
        .expect("the guard answers");
    let keys: JwkSet = response.json().await.expect("a JWK set");
    let kid = decode_header(jwt).ok().and_then(|h| h.kid).expect("a kid");
    let jwk = keys.find(&kid).expect("the kid is published");
    let mut validation = Validation::new(Algorithm::ES256);
    validation.set_audience(&[audience]);
    validation.set_issuer(&[ASSERTION_ISSUER]);
    let key = DecodingKey::from_jwk(jwk).expect("a key");
    decode::<serde_json::Value>(jwt, &key, &validation)
        .expect("the assertion verifies")
        .claims
}

pub async fn gateway_in_front_of_the_guard(gateway: Gateway) {
    let stack = Stack::start(gateway).await;
    let (alice, admin) = (alice(), admin());
    let forged = sign(&id_claims(ALICE, None, &[]), rogue_key());

    // public: no token looked at, nothing of the client's kept.
    let got = stack.allowed("/healthz", None, &[]).await;
    assert_eq!(got.one("x-auth-request-rule"), "health");
    let got = stack
        .allowed("/api/public/hello?x=1", None, &spoofed())
        .await;
    assert_eq!(got.target, "/api/public/hello?x=1");
    assert_no_spoofed(&got);
    assert_eq!(got.one("x-auth-request-user"), "");
    assert_eq!(got.one("x-auth-request-rule"), "public");

    // Look-alike names (X_Auth_Request_User, X.Auth.Request.User), which
    // CGI-style backends read as the real ones: dropped, or refused, by the
    // gateways whose examples say so.
    for alias in ["X_Auth_Request_User", "X.Auth.Request.User"] {
        stack.upstream.clear();
        let response = stack
            .send("GET", "/api/public/hello", &[(alias, "spoofed".to_owned())])
            .await;
        let reached = stack.upstream.received();
        let dropped = reached.len() == 1 && reached[0].values(alias).is_empty();
        let refused = response.status == 400 && reached.is_empty();
        match (gateway, alias.contains('_')) {
            (Gateway::Nginx | Gateway::Traefik, _) => assert!(dropped, "{alias}: {reached:?}"),
            (Gateway::Envoy, true) => assert!(refused, "{alias}: {response:?} {reached:?}"),
            // Caddy, and Envoy for dotted names, pass them on (docs/gateways).
            _ => {}
        }
    }

    // optional: a valid token's caller passed on, an invalid one is none.
    let got = stack.allowed("/api/feed", Some(&alice), &[]).await;
    assert_eq!(got.one("x-auth-request-user"), ALICE);
    let got = stack.allowed("/api/feed", Some(&forged), &spoofed()).await;
    assert_no_spoofed(&got);
    assert_eq!(got.one("x-auth-request-user"), "");
    assert_eq!(got.one("x-auth-request-rule"), "feed");
    assert!(got.values("authorization").len() == 1, "the token goes on");

    // authenticated: 401 with the guard's challenge, or the identity.
    let response = stack.refused("GET", "/api/orders", None, 401).await;
    assert_eq!(
        response.header("www-authenticate"),
        Some("Bearer"),
        "{response:?}"
    );
    let response = stack
        .refused("GET", "/api/orders", Some(&forged), 401)
        .await;
    let challenge = response.header("www-authenticate").unwrap_or_default();
    assert!(
        challenge.starts_with(r#"Bearer error="invalid_token""#),
        "{response:?}"
    );
    let got = stack
        .allowed("/api/orders/7", Some(&alice), &spoofed())
        .await;
    assert_no_spoofed(&got);
    for (name, value) in [
        ("x-auth-request-user", ALICE),
        (
            "x-auth-request-preferred-username",
            &format!("user-{ALICE}"),
        ),
        ("x-auth-request-email", "alice@example.com"),
        ("x-auth-request-groups", "staff"),
        ("x-auth-request-token-use", "id"),
        ("x-auth-request-caller", "user"),
        ("x-auth-request-pool", "default"),
        ("x-auth-request-rule", "api"),
    ] {
        assert_eq!(got.one(name), value, "{name}: {got:?}");
    }
    // The signed assertion reached the upstream, the client's copy did not,
    // and it verifies against the guard's published keys.
    let jwt = got.one("x-auth-request-assertion");
    let claims = verify_assertion(&jwt, stack.guard.port, "api").await;
    assert_eq!(claims["sub"], ALICE, "{claims}");
    assert_eq!(claims["rule"], "api");

    // Spoofed headers describing another original request changed nothing.
    stack.upstream.clear();
    let mut headers = spoofed();
    headers.extend(bearer(Some(&forged)));
    let response = stack.send("GET", "/api/orders", &headers).await;
    assert_eq!(response.status, 401, "{response:?}");
    assert!(stack.upstream.received().is_empty());

    // group: 403 insufficient_scope for others, the groups for members.
    let response = stack
        .refused("GET", "/api/admin/users", Some(&alice), 403)
        .await;
    let challenge = response.header("www-authenticate").unwrap_or_default();
    assert!(
        challenge.starts_with(r#"Bearer error="insufficient_scope""#),
        "{response:?}"
    );
    stack.refused("GET", "/api/admin/users", None, 401).await;
    let got = stack.allowed("/api/admin/users", Some(&admin), &[]).await;
    assert_eq!(got.one("x-auth-request-groups"), "admin");
    assert_eq!(got.one("x-auth-request-rule"), "admin");

    // machine scope: the machine with the scope, nobody else.
    let reports = machine_token("reports/read other/write");
    let got = stack
        .allowed("/api/reports/daily", Some(&reports), &spoofed())
        .await;
    assert_no_spoofed(&got);
    assert_eq!(got.one("x-auth-request-caller"), "machine");
    assert_eq!(got.one("x-auth-request-scope"), "reports/read other/write");
    assert_eq!(got.one("x-auth-request-client-id"), CLIENT_ID);
    assert_eq!(got.one("x-auth-request-user"), CLIENT_ID);
    assert_eq!(got.one("x-auth-request-rule"), "reports-service");
    let response = stack
        .refused(
            "GET",
            "/api/reports/daily",
            Some(&machine_token("other/read")),
            403,
        )
        .await;
    let challenge = response.header("www-authenticate").unwrap_or_default();
    assert!(
        challenge.contains(r#"scope="reports/read""#),
        "{response:?}"
    );
    stack
        .refused("GET", "/api/reports/daily", Some(&alice), 403)
        .await;

    // default deny: no rule, no entry, whoever asks.
    for token in [None, Some(alice.as_str()), Some(admin.as_str())] {
        stack.refused("GET", "/internal/metrics", token, 403).await;
    }
    // Case matters: /API is no rule's, but `api`'s to a case-insensitive
    // upstream: refused as ambiguous.
    stack.refused("GET", "/API/orders", Some(&alice), 400).await;

    // Path spellings: matched as their decoded form...
    stack
        .refused("GET", "/api/%61dmin/users", Some(&alice), 403)
        .await;
    let got = stack.allowed("/api/%61dmin/users", Some(&admin), &[]).await;
    assert_eq!(got.one("x-auth-request-rule"), "admin");
    // ...or refused, never routed past the stricter rule they hide.
    for target in [
        "/api/public/../admin/users",
        "/api/public/%2e%2e/admin/users",
        "/api/public/%2E%2E/admin/users",
        "/api/public/..%2fadmin/users",
        "/api/public%2f..%2fadmin/users",
        "/api/public/..%5cadmin/users",
        "/api/public/./../admin/users",
        "/api/public//../admin/users",
        "/api/public/%252e%252e/admin/users",
        "/api/public/%2e%2e%2fadmin%2fusers",
        "/api/public/..;/admin/users",
        "/api/public/%00/../admin/users",
        "/api/public/%zz/../admin/users",
    ] {
        for token in [None, Some(alice.as_str())] {
            stack.upstream.clear();
            let response = stack.send("GET", target, &bearer(token)).await;
            let reached = stack.upstream.received();
            // Whatever reached the upstream was a public path however the
            // upstream reads it, and the guard read it as public.
            for r in &reached {
                assert!(
                    as_an_upstream_might_read(&r.target).starts_with("/api/public/"),
                    "{gateway:?} GET {target}: {response:?}; the upstream got {r:?}"
                );
                assert_eq!(r.one("x-auth-request-rule"), "public", "{target}: {r:?}");
            }
            if reached.is_empty() {
                assert_ne!(response.status, 200, "{target}: {response:?}");
            }
        }
    }

    upstreams_that_erase_case_or_a_slash(&stack, gateway).await;

    // A deleted user is refused through the gateway, at once.
    let victim = id_token(VICTIM, Some("victim@example.com"), &[]);
    stack.allowed("/api/orders", Some(&victim), &[]).await;
    let deleted = awc::Client::default()
        .delete(format!(
            "http://127.0.0.1:{}/users/{VICTIM}",
            stack.guard.port
        ))
        .insert_header(("Authorization", format!("Bearer {admin}")))
        .send()
        .await
        .expect("the guard answers")
        .status();
    assert_eq!(deleted, 204, "{}", stack.guard.log());
    let response = stack
        .refused("GET", "/api/orders", Some(&victim), 401)
        .await;
    assert!(
        response.header("www-authenticate").is_some(),
        "{response:?}"
    );
    stack.allowed("/api/orders", Some(&alice), &[]).await;

    tenants_reach_their_own_data_only(&stack).await;

    // No signing key for the token (a kid not cached, the JWKS failing):
    // 503 with Retry-After at the client, nothing upstream.
    stack.jwks.set_mode(JwksMode::Fail(500));
    let unknown = sign(&id_claims(ALICE, None, &[]), rotated_key());
    let response = stack
        .refused("GET", "/api/orders", Some(&unknown), 503)
        .await;
    let retry = response.header("retry-after").unwrap_or_default();
    assert!(retry.parse::<u64>().is_ok_and(|s| s > 0), "{response:?}");
    // The cached key keeps serving.
    stack.allowed("/api/orders", Some(&alice), &[]).await;
}

/// The `tenant-data` rule, decided by `examples/policies/`: a tenant's user
/// reaches their own tenant's paths and no other's, however the path is
/// spelled (the normaliser runs before the captures); a forbid wins.
async fn tenants_reach_their_own_data_only(stack: &Stack) {
    let mut claims = id_claims(ALICE, None, &[]);
    claims["custom:tenant_id"] = serde_json::json!("acme");
    let acme = sign(&claims, trusted_key());
    for target in ["/api/tenants/acme/orders", "/api/tenants/acme/orders/7?x=1"] {
        let got = stack.allowed(target, Some(&acme), &[]).await;
        assert_eq!(got.one("x-auth-request-rule"), "tenant-data", "{target}");
        assert_eq!(got.one("x-auth-request-user"), ALICE);
    }
    let response = stack
        .refused("GET", "/api/tenants/globex/orders", Some(&acme), 403)
        .await;
    let challenge = response.header("www-authenticate").unwrap_or_default();
    assert!(challenge.contains("insufficient_scope"), "{response:?}");
    stack
        .refused("DELETE", "/api/tenants/acme/orders", Some(&acme), 403)
        .await;
    for target in [
        "/api/tenants/ACME/orders",
        "/api/tenants/globex/%2e%2e/acme/orders",
        "/api/tenants/globex%2facme/orders",
        "/api/tenants/acme%2f..%2fglobex/orders",
        "/api/Tenants/globex/orders",
        "/api/tenants//globex/orders",
    ] {
        stack.upstream.clear();
        let response = stack.send("GET", target, &bearer(Some(&acme))).await;
        let reached = stack.upstream.received();
        // A gateway may refuse a spelling itself (400) or serve what it
        // resolves to; globex's data must never be served.
        let leaked = reached
            .iter()
            .any(|r| r.target.to_ascii_lowercase().contains("globex"));
        assert!(
            !leaked && (reached.is_empty() || response.status == 200),
            "{target}: {response:?} {reached:?}\nguard log:\n{}",
            stack.guard.log()
        );
    }
}

/// Express, Koa and the like route case-insensitively and ignore a trailing
/// slash: no spelling of a protected path reaches its handler for a caller
/// the rules refuse, under either router, and the spellings the rules were
/// written for still work.
async fn upstreams_that_erase_case_or_a_slash(stack: &Stack, gateway: Gateway) {
    let alice = alice();
    let refusals = [
        ("GET", "/api/ADMIN/x", 400),
        ("GET", "/api/Admin/x", 400),
        ("GET", "/api/%41dmin/x", 400),
        ("GET", "/api/REPORTS/q1", 400),
        ("GET", "/api/reports/q1/", 400),
        ("GET", "/api/Reports/q1/", 400),
        ("POST", "/api/reports/q1", 403),
        ("DELETE", "/api/reports/q1", 403),
        // Traefik merges `//` before asking, so the guard sees `q1/`; the
        // others pass it on, and the guard refuses the empty segment.
        ("GET", "/api/reports/q1//", 400),
    ];
    for (method, target, status) in refusals {
        let response = stack.refused(method, target, Some(&alice), status).await;
        assert!(
            response.header("x-auth-request-user").is_none(),
            "{gateway:?} {method} {target}: {response:?}"
        );
    }
    // Whatever does reach the upstream for alice is never a protected
    // handler's, however it routes.
    for target in [
        "/api/orders/7",
        "/api/Orders/7",
        "/api/orders/",
        "/api/feed",
    ] {
        let got = stack.allowed(target, Some(&alice), &[]).await;
        assert_eq!(got.served.protected(), None, "{target}: {got:?}");
        assert_eq!(
            got.target, target,
            "the spelling reaches the upstream as sent"
        );
    }
    // The spellings the rules were written for still work.
    let got = stack.allowed("/api/admin/x", Some(&admin()), &[]).await;
    assert_eq!(
        (got.served.lenient, got.served.exact),
        (Some("admin"), Some("admin"))
    );
    let got = stack
        .allowed("/api/reports/q1", Some(&machine_token("reports/read")), &[])
        .await;
    assert_eq!(
        (got.served.lenient, got.served.exact),
        (Some("reports"), Some("reports"))
    );
}
