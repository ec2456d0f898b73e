//! Unit tests of the verifier with a fixed key.

use super::*;
use crate::auth::test_fixtures::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};

fn decided(verdict: Verdict) -> Result<Claims, AuthError> {
    match verdict {
        Verdict::Decided(result) => result,
        Verdict::NeedsKey(pending) => panic!("kid {} not cached", pending.kid()),
    }
}

/// A token of `claims` signed by the trusted fixture key under kid `k`.
fn fixture_token(claims: &Value) -> String {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");
    let pem = std::fs::read(format!("{fixtures}trusted.pem")).expect("fixture");
    let signing = jsonwebtoken::EncodingKey::from_rsa_pem(&pem).expect("key");
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some("k".to_owned());
    jsonwebtoken::encode(&header, claims, &signing).expect("signs")
}

/// A JWKS document holding the public half of fixture `pem` as `kid`.
fn key_set(pem: &str, kid: &str) -> String {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");
    let pem = std::fs::read(format!("{fixtures}{pem}")).expect("fixture");
    let signing = jsonwebtoken::EncodingKey::from_rsa_pem(&pem).expect("key");
    let mut jwk =
        jsonwebtoken::jwk::Jwk::from_encoding_key(&signing, jsonwebtoken::Algorithm::RS256)
            .expect("jwk");
    jwk.common.key_id = Some(kid.to_owned());
    json!({ "keys": [jwk] }).to_string()
}

/// A verifier whose key cache holds the trusted fixture key as `k`.
fn fixture_verifier() -> Verifier {
    let jwks = Arc::new(JwksCache::new("http://127.0.0.1:9/", Default::default()));
    jwks.store_document(key_set("trusted.pem", "k").as_bytes())
        .expect("key set");
    Verifier::from_parts(rules(), jwks, VerifiedTokenCache::new(100, 1 << 20))
}

#[test]
fn a_clock_before_the_epoch_refuses_even_a_cached_token() {
    let verifier = fixture_verifier();
    let token = fixture_token(&id_claims());
    let at = |now| decided(verifier.check_at(&token, now));
    assert!(at(Some(NOW)).is_ok());
    assert!(at(Some(NOW)).is_ok(), "now from the token cache");
    assert!(matches!(at(None), Err(AuthError::ClockUnset)));
}

#[test]
fn a_revoked_user_is_refused_on_a_cache_hit_and_the_entry_dropped() {
    let verifier = fixture_verifier();
    let now = unix_now().expect("clock");
    let token = fixture_token(&with("exp", json!(now + 600)));
    let cache = verifier.token_cache().expect("enabled");
    assert!(decided(verifier.check_at(&token, Some(now))).is_ok());
    assert_eq!(cache.len(), 1);

    verifier.revoke_deleted(&PoolTag::default(), "u-1");

    let hits = cache.hits();
    let refused = decided(verifier.check_at(&token, Some(now)));
    assert!(matches!(
        refused,
        Err(AuthError::InvalidToken(TokenRejection::UserDeleted))
    ));
    assert_eq!(cache.hits(), hits + 1, "decided on the cache hit");
    assert_eq!(cache.len(), 0, "the dead entry is dropped");
    let again = decided(verifier.check_at(&token, Some(now)));
    assert!(again.is_err(), "refused after full verification too");
    assert_eq!(cache.len(), 0, "a revoked token is never cached");
}

#[test]
fn verify_with_key_checks_the_signature_before_the_claims() {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");
    let read = |name: &str| std::fs::read(format!("{fixtures}{name}")).expect("fixture");
    let signing = jsonwebtoken::EncodingKey::from_rsa_pem(&read("trusted.pem")).expect("key");
    let rogue = jsonwebtoken::EncodingKey::from_rsa_pem(&read("rogue.pem")).expect("key");
    let key = crate::keys::signing_key_from_pem(&read("trusted.pub.pem")).expect("public key");
    let sign = |claims: &Value, with: &jsonwebtoken::EncodingKey| {
        let message = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","kid":"k"}"#),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature =
            jsonwebtoken::crypto::sign(message.as_bytes(), with, jsonwebtoken::Algorithm::RS256)
                .expect("signs");
        format!("{message}.{signature}")
    };
    let verify = |token: &str| {
        let parts = TokenParts::split(token)?;
        verify_with_key(&parts, &key, &rules(), NOW)
    };

    let genuine = sign(&id_claims(), &signing);
    assert_eq!(verify(&genuine).expect("genuine").sub, "u-1");
    // The claims are fine; only the key is wrong.
    assert_eq!(
        verify(&sign(&id_claims(), &rogue)).unwrap_err(),
        TokenRejection::BadSignature
    );
    // Signature first: an expired token under a bad signature is
    // refused for its signature, revealing nothing about its claims.
    assert_eq!(
        verify(&sign(&with("exp", json!(1)), &rogue)).unwrap_err(),
        TokenRejection::BadSignature
    );
    assert_eq!(
        verify(&sign(&with("exp", json!(1)), &signing)).unwrap_err(),
        TokenRejection::Expired
    );
    let (message, _) = genuine.rsplit_once('.').expect("three parts");
    assert_eq!(
        verify(&format!("{message}.c2ln")).unwrap_err(),
        TokenRejection::BadSignature
    );
}

/// A verifier, and a token of it (valid for ten minutes from `now`)
/// checked until it is found among the recent tokens: a full
/// verification, two hits by its digest (each offers it; the second places
/// it), then a hit there.
fn recent_token() -> (Verifier, String, u64) {
    let verifier = fixture_verifier();
    let now = unix_now().expect("clock");
    let token = fixture_token(&with("exp", json!(now + 600)));
    let cache = verifier.token_cache().expect("enabled");
    for expected in [0, 0, 1, 1] {
        assert!(decided(verifier.check_at(&token, Some(now))).is_ok());
        assert_eq!(cache.recent_len(), expected);
    }
    (verifier, token, now)
}

/// Asserts `verdict` refuses the token for `reason`, and that it is held
/// nowhere any more.
fn assert_refused_and_forgotten(verifier: &Verifier, verdict: Verdict, reason: TokenRejection) {
    match decided(verdict) {
        Err(AuthError::InvalidToken(refused)) => assert_eq!(refused, reason),
        other => panic!("expected {reason:?}, got {other:?}"),
    }
    assert_forgotten(verifier);
}

/// Asserts the token is held nowhere any more.
fn assert_forgotten(verifier: &Verifier) {
    let cache = verifier.token_cache().expect("enabled");
    assert_eq!((cache.recent_len(), cache.len()), (0, 0));
}

#[test]
fn a_recent_token_is_a_cache_hit_counted_once() {
    let (verifier, token, now) = recent_token();
    let cache = verifier.token_cache().expect("enabled");
    assert_eq!((cache.hits(), cache.misses()), (3, 1));
    let claims = decided(verifier.check_at(&token, Some(now))).expect("admitted");
    assert_eq!(claims.sub, "u-1");
    assert_eq!((cache.hits(), cache.misses()), (4, 1));
}

#[test]
fn a_recent_token_that_expired_is_refused_and_forgotten() {
    let (verifier, token, now) = recent_token();
    let later = verifier.check_at(&token, Some(now + 600));
    assert_refused_and_forgotten(&verifier, later, TokenRejection::Expired);
}

#[test]
fn a_recent_token_of_a_revoked_user_is_refused_and_forgotten() {
    let (verifier, token, now) = recent_token();
    verifier.revoke_deleted(&PoolTag::default(), "u-1");
    let refused = verifier.check_at(&token, Some(now));
    assert_refused_and_forgotten(&verifier, refused, TokenRejection::UserDeleted);
}

#[test]
fn a_recent_token_whose_key_was_withdrawn_is_verified_again() {
    let (verifier, token, now) = recent_token();
    // The key set now holds another key only: `k` is withdrawn.
    let jwks = &verifier.pools().get(0).expect("one pool").jwks;
    jwks.store_document(key_set("rotated.pem", "r").as_bytes())
        .expect("key set");
    match verifier.check_at(&token, Some(now)) {
        Verdict::NeedsKey(pending) => assert_eq!(pending.kid(), "k"),
        Verdict::Decided(result) => panic!("decided without its key: {result:?}"),
    }
    assert_forgotten(&verifier);
}
