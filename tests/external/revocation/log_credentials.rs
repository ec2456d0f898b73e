//! Finding 10 of issue #18: no credential reaches the log at any level.
//! The binary runs with `RUST_LOG=trace` against the SigV4 stand-in and
//! Redis, makes signed Cognito calls (with a session token), serves a
//! bearer token, and its whole log holds none of them.

use serde_json::json;

use super::redis_server::RedisServer;
use super::support::*;
use crate::idp::standin::{IdpStandIn, ACCESS_KEY, SECRET_KEY};

const VICTIM: &str = "4f6a2c1e-0000-4000-8000-0000000fa001";
const SESSION_TOKEN: &str = "standin-session-token-FQoGZXIvYXdzE";
const REDIS_PASSWORD: &str = "trace-redis-pw";

#[actix_rt::test]
async fn no_credential_reaches_the_log_even_at_trace() {
    let idp = IdpStandIn::start(&json!([
        {"username": "victim", "sub": VICTIM, "email": "v@example.com", "groups": []}
    ]));
    let redis = RedisServer::start_with_password(Some(REDIS_PASSWORD));
    let (url, endpoint, spool) = (redis.url(), idp.endpoint("/"), spool_path());
    let binary = Binary::start(&[
        ("RUST_LOG", "trace"),
        ("REDIS_URL", url.as_str()),
        ("REVOCATION_SPOOL", spool.as_str()),
        ("COGNITO_IDP_ENDPOINT", endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
        ("AWS_SESSION_TOKEN", SESSION_TOKEN),
    ])
    .await;
    let victim = token_of(VICTIM);
    let admin = admin();
    assert_eq!(status(binary.app(), &victim).await, 200);
    let found = binary
        .app()
        .request("GET", &format!("/users/{VICTIM}"), Some(&admin))
        .await;
    assert_eq!(found.status, 200, "{}", found.body);
    delete(binary.app(), VICTIM, 204).await;
    assert_eq!(status(binary.app(), &victim).await, 401);

    let log = binary.log();
    assert!(
        log.contains("TRACE") || log.contains("DEBUG"),
        "at trace:\n{log}"
    );
    assert!(log.contains(&format!("deleted user sub={VICTIM}")), "{log}");
    let signature = |token: &str| token.rsplit('.').next().unwrap_or(token).to_owned();
    for secret in [
        SECRET_KEY.to_owned(),
        SESSION_TOKEN.to_owned(),
        REDIS_PASSWORD.to_owned(),
        "Signature=".to_owned(),
        "AWS4-HMAC-SHA256 Credential".to_owned(),
        signature(&victim),
        signature(&admin),
    ] {
        assert!(!log.contains(&secret), "{secret} logged");
    }
}
