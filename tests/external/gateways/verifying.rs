//! `examples/verifying_upstream.py`, the example API that verifies the
//! identity assertion with PyJWT (an implementation that shares nothing
//! with the guard): a valid assertion for its audience passes; one minted
//! for another rule's audience (a replay), a tampered one, or none at all
//! is `401`.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use super::client::raw_request;
use super::files::ScratchDir;
use crate::common::guard_process::{test_pool_vars, write_signing_key, GuardProcess};
use crate::common::helpers::*;

const ISSUER: &str = "https://guard.verifying.test";

/// The example upstream on a port it picked, stopped when dropped.
struct VerifyingUpstream {
    child: Child,
    port: u16,
}

impl VerifyingUpstream {
    fn start(jwks: &str, audience: &str) -> VerifyingUpstream {
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/verifying_upstream.py"
        );
        let mut child = Command::new("python3")
            .args([script, "0", "--jwks", jwks, "--issuer", ISSUER])
            .args(["--audience", audience, "--public", "/open"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the upstream says where it listens");
        let port = line
            .trim()
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {line:?} (is PyJWT installed? make test-deps)"));
        VerifyingUpstream { child, port }
    }
}

impl Drop for VerifyingUpstream {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The assertion `/auth` answers for `path` with `token`.
fn assertion(guard: u16, path: &str, token: &str) -> String {
    let response = raw_request(
        guard,
        "GET",
        "/auth",
        &[
            ("X-Original-Method", "GET".to_owned()),
            ("X-Original-URI", path.to_owned()),
            ("Authorization", format!("Bearer {token}")),
        ],
    );
    assert_eq!(response.status, 200, "{response:?}");
    response
        .header("x-auth-request-assertion")
        .expect("an assertion")
        .to_owned()
}

/// What the upstream answers `path` with `assertion`.
fn upstream(port: u16, path: &str, assertion: Option<&str>) -> (u16, String) {
    let headers: Vec<(&str, String)> = assertion
        .map(|a| vec![("X-Auth-Request-Assertion", a.to_owned())])
        .unwrap_or_default();
    let response = raw_request(port, "GET", path, &headers);
    (response.status, response.body)
}

#[actix_rt::test]
async fn the_example_upstream_takes_its_own_audience_only() {
    let dir = ScratchDir::new("verifying");
    write_signing_key(&dir.0.join("assert.pem"));
    let rules = dir.0.join("guard.toml");
    std::fs::write(
        &rules,
        format!(
            "[forward_auth]\ngateway = \"nginx\"\n[forward_auth.assertion]\nissuer = \"{ISSUER}\"\n\
             signing_keys = [\"assert.pem\"]\n\
             [[rule]]\nname = \"orders\"\npath = \"/orders/**\"\naudience = \"orders-service\"\n\
             [[rule]]\nname = \"api\"\npath = \"/api/**\"\n"
        ),
    )
    .expect("rules");
    let jwks = JwksServer::start(vec![trusted_key().jwk()], JwksMode::Serve);
    let vars = test_pool_vars(jwks.url());
    let checks = actix_rt::task::spawn_blocking(move || {
        let guard = GuardProcess::start(&rules, &vars);
        let keys = format!("http://127.0.0.1:{}/.well-known/jwks.json", guard.port);
        let api = VerifyingUpstream::start(&keys, "api");
        let alice = id_token("sub-verified", Some("v@example.com"), &["staff"]);
        let for_api = assertion(guard.port, "/api/x", &alice);
        let (status, body) = upstream(api.port, "/api/x", Some(&for_api));
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("\"sub\": \"sub-verified\""), "{body}");
        // Minted for the orders service: replayed here, refused.
        let for_orders = assertion(guard.port, "/orders/1", &alice);
        let (status, body) = upstream(api.port, "/api/x", Some(&for_orders));
        assert_eq!(status, 401, "{body}");
        assert!(body.contains("Audience doesn't match"), "{body}");
        // A claim changed on the way: the signature no longer holds.
        let mut parts: Vec<String> = for_api.split('.').map(str::to_owned).collect();
        let payload = URL_SAFE_NO_PAD.decode(&parts[1]).expect("payload");
        let forged = String::from_utf8_lossy(&payload).replace("sub-verified", "sub-attacker");
        parts[1] = URL_SAFE_NO_PAD.encode(forged);
        let (status, body) = upstream(api.port, "/api/x", Some(&parts.join(".")));
        assert_eq!(status, 401, "{body}");
        // Past the gateway, with only the plain headers: nothing.
        assert_eq!(upstream(api.port, "/api/x", None).0, 401);
        assert_eq!(upstream(api.port, "/open", None).0, 200);
    });
    checks.await.expect("the checks passed");
}
