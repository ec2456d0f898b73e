//! Several user pools (issue #20) as an operator sees them: `/readyz` names
//! each pool and is 200 only once every pool has keys; the key and token
//! metrics carry a `pool` label (none where the token's pool is unknown).

use std::time::Duration;

use serde_json::json;

use crate::common::helpers::*;
use crate::common::pools::*;

#[actix_rt::test]
async fn readyz_names_each_pool_once_both_have_keys() {
    let pools = two_pools().await;
    let ready = pools.app.get("/readyz", None).await;
    assert_eq!(ready.status, 200, "{}", ready.body);
    assert_eq!(ready.body["status"], "ready");
    assert_eq!(ready.body["keys"], 2, "the total over the pools");
    assert_eq!(
        ready.body["pools"],
        json!({"a": {"ready": true, "keys": 1}, "b": {"ready": true, "keys": 1}})
    );
}

#[actix_rt::test]
async fn readyz_is_503_until_every_pool_has_keys_whichever_pool_lacks_them() {
    for (lacking, other) in [(Pool::B, Pool::A), (Pool::A, Pool::B)] {
        let (a, b) = match lacking {
            Pool::A => (JwksMode::Fail(503), JwksMode::Serve),
            Pool::B => (JwksMode::Serve, JwksMode::Fail(503)),
        };
        let pools = Setup::with_modes(a, b).start().await;

        let not_ready = pools.app.get("/readyz", None).await;
        assert_eq!(not_ready.status, 503, "{lacking:?}: {}", not_ready.body);
        assert!(not_ready.header("retry-after").is_some());
        assert!(!not_ready.detail().is_empty(), "{}", not_ready.body);
        let mut expected = json!({});
        expected[other.name()] = json!({"ready": true, "keys": 1});
        expected[lacking.name()] = json!({"ready": false, "keys": 0});
        assert_eq!(not_ready.body["pools"], expected, "{lacking:?}");

        // Meanwhile the pool with keys serves; the other says retry.
        assert_eq!(pools.status(&user_token(other, "sub-1", &[])).await, 200);
        let waiting = pools
            .app
            .get(PRIVATE, Some(&user_token(lacking, "sub-1", &[])))
            .await;
        assert_eq!(waiting.status, 503, "{lacking:?}: {}", waiting.body);
        assert!(waiting.header("retry-after").is_some());

        pools.jwks(lacking).set_mode(JwksMode::Serve);
        assert!(
            pools
                .app
                .wait_for_status("/readyz", None, 200, Duration::from_secs(30))
                .await,
            "{lacking:?}: ready once its JWKS answers"
        );
        let ready = pools.app.get("/readyz", None).await;
        assert_eq!(
            ready.body["pools"],
            json!({"a": {"ready": true, "keys": 1}, "b": {"ready": true, "keys": 1}})
        );
        assert_eq!(pools.status(&user_token(lacking, "sub-1", &[])).await, 200);
    }
}

/// Requests `/messages/private` with: a's valid token twice, b's once,
/// a's expired one, one of no pool's issuer, a malformed one and none.
async fn mixed_requests(pools: &TwoPools) {
    let a = user_token(Pool::A, "sub-m", &[]);
    let b = user_token(Pool::B, "sub-m", &[]);
    let mut expired = user_claims(Pool::A, "sub-m", &[]);
    expired["exp"] = json!(now() - 10);
    let expired = sign(&expired, Pool::A.key());
    let mut foreign = user_claims(Pool::A, "sub-m", &[]);
    foreign["iss"] = json!("https://idp.example.test/pool-c");
    let foreign = sign(&foreign, Pool::A.key());
    for token in [&a, &a, &b, &expired, &foreign, &"not-a-token".to_owned()] {
        pools.app.get(PRIVATE, Some(token)).await;
    }
    pools.app.get(PRIVATE, None).await;
}

const AUTH: &str = "cognito_guard_auth_requests_total";

#[actix_rt::test]
async fn key_and_token_metrics_carry_the_pool() {
    let pools = two_pools().await;
    mixed_requests(&pools).await;

    let text = pools.app.get_text("/metrics").await;
    assert_eq!(
        metric(&text, AUTH, &[("pool", "a"), ("outcome", "ok")]),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        metric(&text, AUTH, &[("pool", "b"), ("outcome", "ok")]),
        Some(1.0)
    );
    for outcome in ["wrong_issuer", "malformed", "missing"] {
        assert_eq!(
            metric(&text, AUTH, &[("outcome", outcome)]),
            Some(1.0),
            "{outcome}: no pool to name: {text}"
        );
    }
    assert!(
        samples(&text, AUTH).iter().all(|(labels, _)| labels
            .iter()
            .all(|(k, v)| k != "pool" || v == "a" || v == "b")),
        "{text}"
    );

    let fetches = "cognito_guard_jwks_fetches_total";
    for pool in ["a", "b"] {
        assert_eq!(
            metric(&text, fetches, &[("pool", pool), ("result", "ok")]),
            Some(1.0),
            "{pool}: {text}"
        );
        assert_eq!(
            metric(&text, "cognito_guard_jwks_keys_cached", &[("pool", pool)]),
            Some(1.0),
            "{pool}"
        );
        let since = metric(
            &text,
            "cognito_guard_jwks_seconds_since_refresh",
            &[("pool", pool)],
        );
        assert!(since.is_some_and(|s| s >= 0.0), "{pool}: {since:?}");
    }
    assert_eq!(
        sum_for_pool(&text, fetches, None),
        0.0,
        "every fetch is some pool's: {text}"
    );
}

/// `auth_requests_total` carries the pool when the token's pool is known,
/// and no pool label otherwise (missing token, unknown iss, malformed), as
/// the metrics table of `docs/operations.md` says. An expired token of pool
/// a is a's.
#[actix_rt::test]
async fn a_refused_token_of_a_known_pool_is_counted_under_that_pool() {
    let pools = two_pools().await;
    mixed_requests(&pools).await;
    let text = pools.app.get_text("/metrics").await;
    assert_eq!(
        metric(&text, AUTH, &[("pool", "a"), ("outcome", "expired")]),
        Some(1.0),
        "{text}"
    );
    assert_eq!(sum_for_pool(&text, AUTH, Some("a")), 3.0, "{text}");
    assert_eq!(sum_for_pool(&text, AUTH, Some("b")), 1.0, "{text}");
    assert_eq!(
        sum_for_pool(&text, AUTH, None),
        3.0,
        "no pool label: the unknown iss, the malformed token, the missing one"
    );
}

#[actix_rt::test]
async fn a_failing_pools_fetches_are_counted_under_its_name() {
    let pools = Setup::with_modes(JwksMode::Serve, JwksMode::Fail(500))
        .start()
        .await;
    let text = pools.app.get_text("/metrics").await;
    let fetches = "cognito_guard_jwks_fetches_total";
    // At least the start-up fetch (the refresh loop may have retried).
    assert!(sum_for_pool(&text, fetches, Some("b")) >= 1.0, "{text}");
    assert_eq!(
        metric(&text, fetches, &[("pool", "b"), ("result", "ok")]).unwrap_or(0.0),
        0.0
    );
    assert_eq!(
        metric(&text, fetches, &[("pool", "a"), ("result", "ok")]),
        Some(1.0)
    );
    assert_eq!(
        metric(&text, "cognito_guard_jwks_keys_cached", &[("pool", "b")]),
        Some(0.0)
    );
}
