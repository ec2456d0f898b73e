//! The signing-key cache as an operator sees it: start-up, outages,
//! rotation, and what floods of unknown kids cost the JWKS endpoint.

use std::sync::Arc;
use std::time::Duration;

use cognito_guard::keys::{JwksCache, JwksPolicy};

use crate::common::helpers::*;
use futures_util::future::join_all;
use jsonwebtoken::Algorithm;
use serde_json::json;

const PRIVATE: &str = "/messages/private";

fn token_with_kid(kid: &str) -> String {
    let header = json!({"kid": kid, "alg": "RS256"});
    sign_raw(
        &header,
        &id_claims("sub-f", None, &[]),
        &trusted_key().encoding,
        Algorithm::RS256,
    )
}

#[actix_rt::test]
async fn keys_are_loaded_once_at_start() {
    let app = spawn_app().await;
    assert_eq!(app.jwks.fetches(), 1);
    let token = id_token("sub-a", None, &[]);
    for _ in 0..20 {
        assert_eq!(app.get(PRIVATE, Some(&token)).await.status, 200);
    }
    assert_eq!(
        app.jwks.fetches(),
        1,
        "cached keys are reused across requests"
    );
}

#[actix_rt::test]
async fn a_flood_of_made_up_kids_causes_at_most_one_refetch() {
    let app = spawn_app().await;
    let before = app.jwks.fetches();
    let tokens: Vec<String> = (0..200)
        .map(|i| token_with_kid(&format!("made-up-{i}")))
        .collect();

    let responses = join_all(tokens.iter().map(|t| app.get(PRIVATE, Some(t)))).await;

    assert!(responses.iter().all(|r| r.status == 401));
    let refetches = app.jwks.fetches() - before;
    assert_eq!(refetches, 1, "refetches for 200 made-up kids");
    // And the valid path still works afterwards.
    assert_eq!(
        app.get(PRIVATE, Some(&id_token("sub-a", None, &[])))
            .await
            .status,
        200
    );
}

#[actix_rt::test]
async fn jwks_down_at_start_gives_503_then_recovers() {
    let jwks = JwksServer::start(vec![trusted_key().jwk()], JwksMode::Fail(503));
    let app = spawn_app_against(jwks, &[]).await;
    let token = id_token("sub-a", None, &[]);

    assert_eq!(app.get("/readyz", None).await.status, 503);
    let refused = app.get(PRIVATE, Some(&token)).await;
    assert_eq!(refused.status, 503);
    assert!(refused.header("retry-after").is_some());
    assert!(!refused.detail().is_empty());
    assert_eq!(app.get("/messages/public", None).await.status, 200);
    assert_eq!(
        app.get("/messages/feed", Some(&token)).await.body["feed"],
        "generic"
    );

    app.jwks.set_mode(JwksMode::Serve);

    assert!(
        app.wait_for_status("/readyz", None, 200, Duration::from_secs(15))
            .await
    );
    assert_eq!(app.get(PRIVATE, Some(&token)).await.status, 200);
}

#[actix_rt::test]
async fn unreachable_jwks_at_start_is_503_not_500() {
    // Bound but never listening: connections are refused, and no other
    // test's port-0 bind can be handed this port while we hold it (a port
    // picked free and dropped could become another test's server).
    let closed = crate::common::ports::closed_port();
    let closed_port = closed.port;
    let url = format!("http://127.0.0.1:{closed_port}/.well-known/jwks.json");
    let jwks = JwksServer::start(vec![], JwksMode::Serve);
    let app = spawn_app_against(jwks, &[("COGNITO_JWKS_URL", url.as_str())]).await;

    assert_eq!(app.get("/readyz", None).await.status, 503);
    let response = app.get(PRIVATE, Some(&id_token("sub-a", None, &[]))).await;
    assert_eq!(response.status, 503);
    assert!(response.header("retry-after").is_some());
}

#[actix_rt::test]
async fn cached_keys_keep_serving_through_failures_and_garbage() {
    let app = spawn_app_tweaked(no_refetch_limit).await;
    let token = id_token("sub-a", None, &[]);

    for (i, mode) in [JwksMode::Fail(500), JwksMode::Garbage, JwksMode::Fail(404)]
        .into_iter()
        .enumerate()
    {
        app.jwks.set_mode(mode);
        let before = app.jwks.fetches();
        // The unknown kid cannot be checked while the JWKS fails: it may be
        // a rotation not seen yet, so the client is told to retry.
        let unknown = app
            .get(PRIVATE, Some(&token_with_kid(&format!("new-{i}"))))
            .await;
        assert_eq!(unknown.status, 503, "{mode:?}");
        assert!(unknown.header("retry-after").is_some());
        assert_eq!(
            app.jwks.fetches(),
            before + 1,
            "{mode:?}: the unknown kid did refetch"
        );
        assert_eq!(app.get(PRIVATE, Some(&token)).await.status, 200, "{mode:?}");
        assert_eq!(app.get("/readyz", None).await.status, 200);
    }
}

#[actix_rt::test]
async fn a_jwks_without_usable_keys_does_not_replace_good_keys() {
    let app = spawn_app_tweaked(no_refetch_limit).await;
    app.jwks.set_keys(vec![
        json!({"kty": "EC", "kid": "ec-1", "crv": "P-256", "x": "AA", "y": "AA"}),
    ]);
    assert_eq!(
        app.get(PRIVATE, Some(&token_with_kid("ec-1"))).await.status,
        503
    );
    assert_eq!(
        app.get(PRIVATE, Some(&id_token("sub-a", None, &[])))
            .await
            .status,
        200
    );
}

#[actix_rt::test]
async fn rotation_accepts_the_new_key_and_drops_the_old_within_a_refresh() {
    let app = spawn_app_with(&[("JWKS_REFRESH_SECS", "1")]).await;
    let old = id_token("sub-a", None, &[]);
    let new = sign(&id_claims("sub-a", None, &[]), rotated_key());
    assert_eq!(app.get(PRIVATE, Some(&old)).await.status, 200);

    app.jwks.set_keys(vec![rotated_key().jwk()]);

    assert_eq!(app.get(PRIVATE, Some(&new)).await.status, 200);
    assert!(
        app.wait_for_status(PRIVATE, Some(&old), 401, Duration::from_secs(5))
            .await
    );
}

#[actix_rt::test]
async fn unknown_kid_refetches_are_rate_limited() {
    let app = spawn_app_with(&[("JWKS_MIN_REFETCH_SECS", "3600")]).await;
    let before = app.jwks.fetches();
    for i in 0..5 {
        assert_eq!(
            app.get(PRIVATE, Some(&token_with_kid(&format!("k{i}"))))
                .await
                .status,
            401
        );
    }
    assert_eq!(app.jwks.fetches() - before, 1);
    // A key published after the one allowed refetch is not fetched for early.
    app.jwks
        .set_keys(vec![trusted_key().jwk(), rotated_key().jwk()]);
    let new = sign(&id_claims("sub-a", None, &[]), rotated_key());
    assert_eq!(app.get(PRIVATE, Some(&new)).await.status, 401);
    assert_eq!(app.jwks.fetches() - before, 1);
}

#[actix_rt::test]
async fn valid_tokens_get_200_throughout_an_outage_with_a_warm_cache() {
    let app = spawn_app_with(&[("JWKS_REFRESH_SECS", "1")]).await;
    let token = id_token("sub-a", None, &[]);
    app.jwks.set_mode(JwksMode::Fail(502));
    let before = app.jwks.fetches();

    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    while std::time::Instant::now() < deadline {
        assert_eq!(app.get(PRIVATE, Some(&token)).await.status, 200);
        assert_eq!(app.get("/readyz", None).await.status, 200);
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }

    assert!(
        app.jwks.fetches() > before,
        "background refreshes were attempted and failed"
    );
}

/// A request whose kid is cached is answered while another request's
/// fetch is held at the JWKS server: ordered by the test, not timed (were
/// it to wait on the fetch, it could only finish after the release, which
/// comes after its answer, or after the 60 s fetch timeout).
#[actix_rt::test]
async fn a_slow_jwks_does_not_slow_requests_whose_kid_is_cached() {
    let app = spawn_app_with_tweaked(&[("JWKS_FETCH_TIMEOUT_SECS", "60")], no_refetch_limit).await;
    app.jwks.set_mode(JwksMode::Held);
    let cached = id_token("sub-a", None, &[]);
    let unknown = token_with_kid("rotated-but-slow");

    let before = app.jwks.fetches();
    let slow = app.get(PRIVATE, Some(&unknown));
    let fast = async {
        // Once the unknown-kid request's fetch is held at the JWKS server.
        assert!(wait_until(Duration::from_secs(30), || app.jwks.fetches() > before).await);
        let response =
            actix_rt::time::timeout(Duration::from_secs(30), app.get(PRIVATE, Some(&cached)))
                .await
                .expect("the cached kid waited for the held fetch");
        let fetches_during = app.jwks.fetches();
        app.jwks.release();
        (response.status, fetches_during)
    };
    let (slow_response, (fast_status, fetches_during)) =
        futures_util::future::join(slow, fast).await;

    assert_eq!(fast_status, 200);
    assert_eq!(fetches_during, 2, "the held fetch was in flight meanwhile");
    assert_eq!(
        slow_response.status, 401,
        "the fetch completed; the kid is still unknown"
    );
}

#[actix_rt::test]
async fn a_jwks_slower_than_the_fetch_timeout_counts_as_down() {
    let app = spawn_app_with_tweaked(&[("JWKS_FETCH_TIMEOUT_SECS", "1")], no_refetch_limit).await;
    app.jwks.set_mode(JwksMode::Slow(Duration::from_secs(10)));
    let started = std::time::Instant::now();

    let response = app.get(PRIVATE, Some(&token_with_kid("new-kid"))).await;

    assert_eq!(response.status, 503);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    let valid = id_token("sub-a", None, &[]);
    assert_eq!(app.get(PRIVATE, Some(&valid)).await.status, 200);
    let metrics = app.get_text("/metrics").await;
    let timeout_line = r#"cognito_guard_jwks_fetches_total{pool="default",result="timeout"} 1"#;
    assert!(metrics.contains(timeout_line), "{metrics}");
}

#[actix_rt::test]
async fn a_burst_of_500_requests_with_one_new_kid_causes_exactly_one_fetch() {
    let app = spawn_app().await;
    app.jwks
        .set_keys(vec![trusted_key().jwk(), rotated_key().jwk()]);
    let before = app.jwks.fetches();
    let token = sign(&id_claims("sub-r", None, &[]), rotated_key());

    let responses = join_all((0..500).map(|_| app.get(PRIVATE, Some(&token)))).await;

    assert_eq!(responses.iter().filter(|r| r.status == 200).count(), 500);
    assert_eq!(app.jwks.fetches() - before, 1);
}

/// The window reopens: with a 1 s limit, a made-up kid right after a
/// refetch costs nothing, and one tried again later refetches once more,
/// never sooner than the window (a lower bound only, so a slow machine
/// cannot make it fail; the window's arithmetic has its own unit test on
/// an injected clock, `keys::refetch`).
#[actix_rt::test]
async fn the_refetch_window_reopens_after_the_limit() {
    let app = spawn_app_with(&[("JWKS_MIN_REFETCH_SECS", "1")]).await;
    let before = app.jwks.fetches();
    let started = std::time::Instant::now();
    assert_eq!(
        app.get(PRIVATE, Some(&token_with_kid("first")))
            .await
            .status,
        401
    );
    assert_eq!(app.jwks.fetches() - before, 1);
    // Judged only while surely inside the window (it opened after
    // `started`), so a stalled machine skips the check, never fails it.
    assert_eq!(
        app.get(PRIVATE, Some(&token_with_kid("second")))
            .await
            .status,
        401
    );
    if started.elapsed() < Duration::from_secs(1) {
        assert_eq!(
            app.jwks.fetches() - before,
            1,
            "refetched inside the window"
        );
    }
    let mut tries = 0;
    while app.jwks.fetches() - before == 1 {
        assert!(tries < 100, "the window never reopened");
        tries += 1;
        actix_rt::time::sleep(Duration::from_millis(100)).await;
        let kid = format!("later-{tries}");
        assert_eq!(
            app.get(PRIVATE, Some(&token_with_kid(&kid))).await.status,
            401
        );
    }
    assert_eq!(app.jwks.fetches() - before, 2);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "refetched again after {:?}",
        started.elapsed()
    );
}

#[actix_rt::test]
async fn metrics_count_what_happened() {
    let app = spawn_app().await;
    let valid = id_token("sub-m", None, &[]);
    let mut expired = id_claims("sub-m", None, &[]);
    expired["exp"] = json!(now() - 10);
    let forged = sign(&id_claims("sub-m", None, &[]), rogue_key());
    app.get(PRIVATE, Some(&valid)).await;
    app.get(PRIVATE, Some(&valid)).await;
    app.get(PRIVATE, None).await;
    app.get(PRIVATE, Some(&sign(&expired, trusted_key()))).await;
    app.get(PRIVATE, Some(&forged)).await;
    app.request("DELETE", "/users/x", Some(&valid)).await;

    let text = app.get_text("/metrics").await;

    for line in [
        r#"cognito_guard_auth_requests_total{outcome="ok",pool="default"} 3"#,
        r#"cognito_guard_auth_requests_total{outcome="missing"} 1"#,
        r#"cognito_guard_auth_requests_total{outcome="expired",pool="default"} 1"#,
        r#"cognito_guard_auth_requests_total{outcome="bad_signature",pool="default"} 1"#,
        r#"cognito_guard_admin_denied_total{missing="group"} 1"#,
        r#"cognito_guard_jwks_fetches_total{pool="default",result="ok"} 1"#,
        r#"cognito_guard_jwks_keys_cached{pool="default"} 1"#,
    ] {
        assert!(text.contains(line), "missing `{line}` in:\n{text}");
    }
    assert!(text.contains(r#"cognito_guard_jwks_seconds_since_refresh{pool="default"} "#));
}

/// A refetch whose caller is dropped (client gone, timeout) still completes
/// and is stored: the rate-limit window it opened is not wasted. Driven on
/// the cache itself, because actix keeps polling a handler whose client left.
#[actix_rt::test]
async fn an_abandoned_refetch_still_completes() {
    let jwks = JwksServer::start(vec![trusted_key().jwk()], JwksMode::Serve);
    let cache = Arc::new(JwksCache::new(jwks.url(), JwksPolicy::default()));
    cache.refresh().await.expect("keys load");
    jwks.set_keys(vec![trusted_key().jwk(), rotated_key().jwk()]);
    jwks.set_mode(JwksMode::Slow(Duration::from_millis(800)));

    let abandoned = actix_rt::time::timeout(
        Duration::from_millis(200),
        cache.key_for(&rotated_key().kid),
    )
    .await;

    assert!(abandoned.is_err(), "the caller gave up first");
    assert_eq!(jwks.fetches(), 2);
    assert!(
        wait_until(Duration::from_secs(5), || cache
            .cached_key(&rotated_key().kid)
            .is_some())
        .await,
        "the abandoned fetch was stored"
    );
    assert_eq!(jwks.fetches(), 2);
}
