//! One stack per test: the test JWKS, the Cognito stand-in (for deletions),
//! the guard binary with `examples/guard.toml`, the recording upstream and
//! the gateway in front; and how a test talks to it.

use std::time::{Duration, Instant};

use serde_json::json;

use super::client::{raw_request, RawResponse};
use super::files::{assert_replaceable, copy_example, copy_example_policies, ScratchDir};
use super::gateway::{Gateway, GatewayProcess};
use super::upstream::{Received, RecordingUpstream};
use crate::common::guard_process::{write_signing_key, GuardProcess};
use crate::common::helpers::*;
use crate::idp::standin::{IdpStandIn, ACCESS_KEY, SECRET_KEY};

pub const ALICE: &str = "6b1f3c2a-0000-4000-8000-00000000a11c";
pub const ADMIN: &str = "6b1f3c2a-0000-4000-8000-0000000ad010";
pub const VICTIM: &str = "6b1f3c2a-0000-4000-8000-00000000dead";

/// The assertion header the guard sends on every 200 beside the identity
/// headers (empty when there is no caller).
pub const ASSERTION: &str = "x-auth-request-assertion";

/// A guard, a gateway in front of an upstream, and the guard's JWKS.
pub struct Stack {
    pub upstream: RecordingUpstream,
    pub gateway: GatewayProcess,
    pub guard: GuardProcess,
    pub jwks: JwksServer,
    _idp: IdpStandIn,
    _dir: ScratchDir,
}

impl Stack {
    pub async fn start(gateway: Gateway) -> Stack {
        // A missing gateway fails here, on the test's thread, in one line.
        gateway.binary();
        let jwks = JwksServer::start(vec![trusted_key().jwk()], JwksMode::Serve);
        let idp = IdpStandIn::start(&json!([
            {"username": "victim", "sub": VICTIM, "email": "victim@example.com", "groups": []}
        ]));
        let dir = ScratchDir::new("rules");
        write_signing_key(&dir.0.join("assert.pem"));
        // The example's rules, for this gateway, with identity assertions.
        let rules = [(
            r#"gateway = "nginx""#.to_owned(),
            format!(
                "gateway = \"{}\"\n\n[forward_auth.assertion]\nissuer = \"{ASSERTION_ISSUER}\"\nsigning_keys = [\"assert.pem\"]\n",
                gateway.name()
            ),
        )];
        assert_replaceable(&["guard.toml"], &rules);
        let rules = copy_example("guard.toml", &dir.0, "guard.toml", &rules);
        copy_example_policies(&dir.0);
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

    pub async fn send(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, String)],
    ) -> RawResponse {
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
    pub async fn allowed(
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
    pub async fn refused(
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

/// The `iss` of the stack's identity assertions.
pub const ASSERTION_ISSUER: &str = "https://guard.test";

pub fn bearer(token: Option<&str>) -> Vec<(&'static str, String)> {
    token
        .map(|t| vec![("Authorization", format!("Bearer {t}"))])
        .unwrap_or_default()
}

/// Client copies of every identity header (and the headers that describe
/// the original request to the guard), all lying.
pub fn spoofed() -> Vec<(&'static str, String)> {
    let mut headers: Vec<(&'static str, String)> = IDENTITY_HEADERS
        .iter()
        .chain([&ASSERTION])
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

pub fn assert_no_spoofed(received: &Received) {
    for (name, value) in &received.headers {
        assert!(
            !value.contains("spoofed"),
            "the client's {name}: {value} reached the upstream: {received:?}"
        );
    }
}

pub fn alice() -> String {
    id_token(ALICE, Some("alice@example.com"), &["staff"])
}

pub fn admin() -> String {
    id_token(ADMIN, Some("admin@example.com"), &["admin"])
}
