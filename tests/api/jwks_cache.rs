//! The signing-key cache as an operator sees it: start-up, outages,
//! rotation, and what floods of unknown kids cost the JWKS endpoint.

use std::time::Duration;

use crate::helpers::*;
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
    assert!(refetches <= 1, "{refetches} refetches for 200 made-up kids");
    // And the valid path still works afterwards.
    assert_eq!(
        app.get(PRIVATE, Some(&id_token("sub-a", None, &[])))
            .await
            .status,
        200
    );
}

#[actix_rt::test]
async fn a_burst_with_one_new_kid_shares_a_single_fetch() {
    let app = spawn_app().await;
    app.jwks
        .set_keys(vec![trusted_key().jwk(), rotated_key().jwk()]);
    let before = app.jwks.fetches();
    let token = sign(&id_claims("sub-r", None, &[]), rotated_key());

    let responses = join_all((0..100).map(|_| app.get(PRIVATE, Some(&token)))).await;

    assert!(
        responses.iter().all(|r| r.status == 200),
        "every request waits for the one fetch"
    );
    assert_eq!(app.jwks.fetches() - before, 1);
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
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
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
    let app = spawn_app_with(&[("JWKS_MIN_REFETCH_SECS", "0")]).await;
    let token = id_token("sub-a", None, &[]);

    for (i, mode) in [JwksMode::Fail(500), JwksMode::Garbage, JwksMode::Fail(404)]
        .into_iter()
        .enumerate()
    {
        app.jwks.set_mode(mode);
        let before = app.jwks.fetches();
        assert_eq!(
            app.get(PRIVATE, Some(&token_with_kid(&format!("new-{i}"))))
                .await
                .status,
            401
        );
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
    let app = spawn_app_with(&[("JWKS_MIN_REFETCH_SECS", "0")]).await;
    app.jwks.set_keys(vec![
        json!({"kty": "EC", "kid": "ec-1", "crv": "P-256", "x": "AA", "y": "AA"}),
    ]);
    assert_eq!(
        app.get(PRIVATE, Some(&token_with_kid("ec-1"))).await.status,
        401
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
