//! The gateways of `examples/` in front of a recording upstream, asking the
//! real cognito-guard binary (cognito mode, the test JWKS, the rules of
//! `examples/guard.toml`): what the client gets, what the upstream gets,
//! and that a refusal never reaches it.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::gateway_process::*;
use crate::helpers::*;
use crate::idp_standin::{IdpStandIn, ACCESS_KEY, SECRET_KEY};
use crate::machine::machine_token;

const ALICE: &str = "6b1f3c2a-0000-4000-8000-00000000a11c";
const ADMIN: &str = "6b1f3c2a-0000-4000-8000-0000000ad010";
const VICTIM: &str = "6b1f3c2a-0000-4000-8000-00000000dead";

/// Every identity header the guard sends on a 200.
const IDENTITY: [&str; 10] = [
    "x-auth-request-user",
    "x-auth-request-preferred-username",
    "x-auth-request-email",
    "x-auth-request-groups",
    "x-auth-request-scope",
    "x-auth-request-client-id",
    "x-auth-request-token-use",
    "x-auth-request-caller",
    "x-auth-request-pool",
    "x-auth-request-rule",
];

/// A guard, a gateway in front of an upstream, and the guard's JWKS.
struct Stack {
    upstream: RecordingUpstream,
    gateway: GatewayProcess,
    guard: GuardProcess,
    jwks: JwksServer,
    _idp: IdpStandIn,
    _dir: ScratchDir,
}

impl Stack {
    async fn start(gateway: Gateway) -> Stack {
        let jwks = JwksServer::start(vec![trusted_key().jwk()], JwksMode::Serve);
        let idp = IdpStandIn::start(&json!([
            {"username": "victim", "sub": VICTIM, "email": "victim@example.com", "groups": []}
        ]));
        let dir = ScratchDir::new("rules");
        let rules = [(
            r#"gateway = "nginx""#.to_owned(),
            format!(r#"gateway = "{}""#, gateway.name()),
        )];
        assert_replaceable(&["guard.toml"], &rules);
        let rules = copy_example("guard.toml", &dir.0, "guard.toml", &rules);
        let vars = [
            ("AWS_REGION", REGION.to_owned()),
            ("COGNITO_USER_POOL_ID", POOL_ID.to_owned()),
            ("COGNITO_CLIENT_ID", CLIENT_ID.to_owned()),
            ("COGNITO_JWKS_URL", jwks.url()),
            ("JWKS_MIN_REFETCH_SECS", "1".to_owned()),
            ("COGNITO_IDP_ENDPOINT", idp.endpoint("/")),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY.to_owned()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.to_owned()),
        ];
        let guard = actix_rt::task::spawn_blocking(move || GuardProcess::start(&rules, &vars))
            .await
            .expect("guard started");
        let upstream = RecordingUpstream::start();
        let (guard_port, upstream_port) = (guard.port, upstream.port);
        let gateway_process = actix_rt::task::spawn_blocking(move || {
            GatewayProcess::start(gateway, guard_port, upstream_port)
        })
        .await
        .expect("gateway started");
        let stack = Stack {
            upstream,
            gateway: gateway_process,
            guard,
            jwks,
            _idp: idp,
            _dir: dir,
        };
        stack.wait_until_routing().await;
        stack
    }

    /// Traefik and Envoy listen before their routes are loaded: wait for
    /// the public rule to reach the upstream.
    async fn wait_until_routing(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if self.send("GET", "/healthz", &[]).await.status == 200 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{:?} never routed /healthz; gateway log:\n{}\nguard log:\n{}",
                self.gateway.gateway,
                self.gateway.log(),
                self.guard.log()
            );
            actix_rt::time::sleep(Duration::from_millis(50)).await;
        }
        self.upstream.clear();
    }

    async fn send(&self, method: &str, target: &str, headers: &[(&str, String)]) -> RawResponse {
        let port = self.gateway.port();
        let (method, target) = (method.to_owned(), target.to_owned());
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), v.clone()))
            .collect();
        actix_rt::task::spawn_blocking(move || {
            let headers: Vec<(&str, String)> = headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.clone()))
                .collect();
            raw_request(port, &method, &target, &headers)
        })
        .await
        .expect("request sent")
    }

    /// Sends a request the gateway must let through: the upstream gets
    /// exactly it, once; returns what the upstream received.
    async fn allowed(
        &self,
        target: &str,
        token: Option<&str>,
        extra: &[(&str, String)],
    ) -> Received {
        self.upstream.clear();
        let mut headers = bearer(token);
        headers.extend(extra.iter().cloned());
        let response = self.send("GET", target, &headers).await;
        assert_eq!(
            response.status,
            200,
            "{:?} GET {target}: {response:?}\nguard log:\n{}",
            self.gateway.gateway,
            self.guard.log()
        );
        assert_eq!(response.body, "upstream", "{target}: the upstream's answer");
        let received = self.upstream.received();
        assert_eq!(received.len(), 1, "{target}: {received:?}");
        assert_eq!(received[0].method, "GET");
        received[0].clone()
    }

    /// Sends a request the gateway must refuse with `status`; the upstream
    /// gets nothing.
    async fn refused(
        &self,
        method: &str,
        target: &str,
        token: Option<&str>,
        status: u16,
    ) -> RawResponse {
        self.upstream.clear();
        let response = self.send(method, target, &bearer(token)).await;
        assert_eq!(
            response.status,
            status,
            "{:?} {method} {target}: {response:?}\nguard log:\n{}",
            self.gateway.gateway,
            self.guard.log()
        );
        assert_eq!(
            self.upstream.received().len(),
            0,
            "{method} {target}: a refusal reached the upstream"
        );
        response
    }
}

fn bearer(token: Option<&str>) -> Vec<(&'static str, String)> {
    token
        .map(|t| vec![("Authorization", format!("Bearer {t}"))])
        .unwrap_or_default()
}

/// Client copies of every identity header (and the headers that describe
/// the original request to the guard), all lying.
fn spoofed() -> Vec<(&'static str, String)> {
    let mut headers: Vec<(&'static str, String)> = IDENTITY
        .iter()
        .map(|name| (*name, "spoofed".to_owned()))
        .collect();
    headers.extend([
        ("X-Original-URI", "/api/public/x".to_owned()),
        ("X-Original-Method", "GET".to_owned()),
        ("X-Forwarded-Uri", "/api/public/x".to_owned()),
        ("X-Forwarded-Method", "GET".to_owned()),
    ]);
    headers
}

fn assert_no_spoofed(received: &Received) {
    for (name, value) in &received.headers {
        assert!(
            !value.contains("spoofed"),
            "the client's {name}: {value} reached the upstream: {received:?}"
        );
    }
}

/// The path an upstream might read from `target`, leniently: decoded,
/// `\\` as `/`, `;` parameters dropped, dot segments resolved. (Decoded
/// once: `%252e` is a literal `%2e` to the guard and to a sane upstream.)
fn as_an_upstream_might_read(target: &str) -> String {
    let path = target.split('?').next().unwrap_or_default();
    let decoded = percent_decode(path).replace('\\', "/");
    let mut segments: Vec<&str> = Vec::new();
    for segment in decoded.split('/') {
        match segment.split(';').next().unwrap_or_default() {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let trailing = if decoded.ends_with('/') { "/" } else { "" };
    format!("/{}{trailing}", segments.join("/"))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn alice() -> String {
    id_token(ALICE, Some("alice@example.com"), &["staff"])
}

fn admin() -> String {
    id_token(ADMIN, Some("admin@example.com"), &["admin"])
}

async fn gateway_in_front_of_the_guard(gateway: Gateway) {
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
            // Caddy, and Envoy for dotted names, pass them on (README).
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
    // Case matters: /API is no rule's.
    stack.refused("GET", "/API/orders", Some(&alice), 403).await;

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

#[actix_rt::test]
async fn nginx_auth_request_in_front_of_the_guard() {
    gateway_in_front_of_the_guard(Gateway::Nginx).await;
}

#[actix_rt::test]
async fn caddy_forward_auth_in_front_of_the_guard() {
    gateway_in_front_of_the_guard(Gateway::Caddy).await;
}

#[actix_rt::test]
async fn traefik_forward_auth_in_front_of_the_guard() {
    gateway_in_front_of_the_guard(Gateway::Traefik).await;
}

#[actix_rt::test]
async fn envoy_ext_authz_in_front_of_the_guard() {
    gateway_in_front_of_the_guard(Gateway::Envoy).await;
}

#[test]
fn the_readme_shows_every_example_file_as_it_is() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    for file in [
        "guard.toml",
        "nginx/nginx.conf",
        "caddy/Caddyfile",
        "traefik/traefik.yml",
        "traefik/dynamic.yml",
        "envoy/envoy.yaml",
    ] {
        let text = std::fs::read_to_string(root.join("examples").join(file)).expect("example");
        assert!(
            readme.contains(&format!("\n{}\n```\n", text.trim_end())),
            "README.md does not show examples/{file} as it is"
        );
    }
}
