//! The verified-token cache, from a client's side: hits are exactly as
//! strict as misses.

use std::time::Duration;

use crate::common::helpers::*;
use serde_json::json;

const PRIVATE: &str = "/messages/private";

/// The cache's lookup counter from `/metrics`: `result` is `hit` or `miss`.
async fn cache_lookups(app: &TestApp, result: &str) -> u64 {
    let text = app.get_text("/metrics").await;
    let name = format!(r#"cognito_guard_verified_token_cache_lookups_total{{result="{result}"}} "#);
    text.lines()
        .find_map(|line| line.strip_prefix(name.as_str()))
        .and_then(|count| count.trim().parse().ok())
        .unwrap_or(0)
}

#[actix_rt::test]
async fn a_cached_token_is_refused_once_it_expires() {
    // Whole-second claims: a token living 1 s can expire before a loaded
    // machine has served it twice. Each try that was too slow to see the
    // token alive twice starts over with a longer life; only a served,
    // then expired, token is judged.
    for lifetime in [2, 5, 15, 45] {
        let app = spawn_app().await;
        let mut claims = id_claims("sub-c", None, &[]);
        let exp = now() + lifetime;
        claims["exp"] = json!(exp);
        let token = sign(&claims, trusted_key());
        let first = app.get(PRIVATE, Some(&token)).await.status;
        let hits_after_first = cache_lookups(&app, "hit").await;
        let second = app.get(PRIVATE, Some(&token)).await.status;
        let hits_after_second = cache_lookups(&app, "hit").await;
        if now() >= exp {
            continue;
        }
        assert_eq!((first, second), (200, 200));
        assert_eq!(hits_after_first, 0);
        assert_eq!(hits_after_second, 1, "served from the cache");

        assert!(wait_until(Duration::from_secs(lifetime + 5), || now() >= exp).await);

        let response = app.get(PRIVATE, Some(&token)).await;
        assert_invalid_token(&response, &token);
        assert!(
            response.detail().contains("expired"),
            "{}",
            response.detail()
        );
        assert_eq!(
            cache_lookups(&app, "hit").await,
            2,
            "refused on the cache hit, not after a full verification"
        );
        return;
    }
    panic!("no token lived long enough to be served twice, even for 45 s");
}

#[actix_rt::test]
async fn a_warm_cache_does_not_admit_a_near_copy_of_a_cached_token() {
    let app = spawn_app().await;
    let token = id_token("sub-c", None, &["admin"]);
    assert_eq!(app.get(PRIVATE, Some(&token)).await.status, 200);

    let last = token.chars().last().unwrap_or('A');
    let flipped = format!(
        "{}{}",
        &token[..token.len() - 1],
        if last == 'A' { 'B' } else { 'A' }
    );
    let (message, _) = token.rsplit_once('.').unwrap_or((&token, ""));
    let truncated = format!("{message}.{}", &token[token.len() - 10..]);

    for near_copy in [flipped, truncated, format!("{token}A")] {
        let response = app.get(PRIVATE, Some(&near_copy)).await;
        assert_invalid_token(&response, &near_copy);
    }
    assert_eq!(app.get(PRIVATE, Some(&token)).await.status, 200);
}

#[actix_rt::test]
async fn cached_tokens_are_dropped_when_their_key_leaves_the_jwks() {
    let app = spawn_app_tweaked(no_refetch_limit).await;
    let old = id_token("sub-c", None, &[]);
    assert_eq!(app.get(PRIVATE, Some(&old)).await.status, 200);
    assert_eq!(app.get(PRIVATE, Some(&old)).await.status, 200, "cached");

    // Rotation: the pool drops the old key; a token under the new kid makes
    // the server refetch and learn of the removal.
    app.jwks.set_keys(vec![rotated_key().jwk()]);
    let new = sign(&id_claims("sub-c", None, &[]), rotated_key());
    assert_eq!(app.get(PRIVATE, Some(&new)).await.status, 200);

    let response = app.get(PRIVATE, Some(&old)).await;
    assert_invalid_token(&response, &old);
}

#[actix_rt::test]
async fn the_cache_can_be_disabled() {
    let app = spawn_app_with(&[("VERIFIED_TOKEN_CACHE_ENTRIES", "0")]).await;
    let token = id_token("sub-c", Some("c@example.com"), &[]);
    for _ in 0..3 {
        assert_eq!(app.get(PRIVATE, Some(&token)).await.status, 200);
    }
    let metrics = app.get_text("/metrics").await;
    assert!(
        !metrics.contains("verified_token_cache_lookups"),
        "no lookups without a cache: {metrics}"
    );
    let mut expired = id_claims("sub-c", None, &[]);
    expired["exp"] = json!(now() - 1);
    assert_eq!(
        app.get(PRIVATE, Some(&sign(&expired, trusted_key())))
            .await
            .status,
        401
    );
}

#[actix_rt::test]
async fn cached_tokens_are_dropped_when_their_kid_names_a_new_key() {
    let app = spawn_app_tweaked(no_refetch_limit).await;
    let old = id_token("sub-c", None, &[]);
    assert_eq!(app.get(PRIVATE, Some(&old)).await.status, 200);
    assert_eq!(app.get(PRIVATE, Some(&old)).await.status, 200, "cached");

    // The same kid now names another key (a compromised key replaced in
    // place); an unknown kid makes the server refetch and see it.
    let mut replaced = rotated_key().jwk();
    replaced["kid"] = json!(trusted_key().kid);
    app.jwks.set_keys(vec![replaced]);
    let header = json!({"kid": "not-there-yet", "alg": "RS256"});
    let probe = sign_raw(
        &header,
        &id_claims("sub-c", None, &[]),
        &trusted_key().encoding,
        jsonwebtoken::Algorithm::RS256,
    );
    assert_eq!(app.get(PRIVATE, Some(&probe)).await.status, 401);

    let response = app.get(PRIVATE, Some(&old)).await;
    assert_invalid_token(&response, &old);
}
