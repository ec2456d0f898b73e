//! One token verification, in isolation: a verified-token-cache hit, a miss
//! (signature check and claims parse), and `jsonwebtoken::decode` on the
//! same token as the baseline the issue measured (~23 µs).

use std::sync::Arc;

use cognito_guard::auth::{Verdict, Verifier};
use cognito_guard::keys::{JwksCache, JwksPolicy};
use cognito_guard::Settings;
use criterion::{criterion_group, criterion_main, Criterion};
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::json;

const ISSUER: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Bench01";

fn verifier(cache_entries: &str, jwks: &serde_json::Value) -> Verifier {
    let settings = Settings::from_vars([
        ("AWS_REGION", "us-east-1"),
        ("COGNITO_USER_POOL_ID", "us-east-1_Bench01"),
        ("COGNITO_CLIENT_ID", "benchclient"),
        ("COGNITO_JWKS_URL", "http://127.0.0.1:9/jwks.json"),
        ("VERIFIED_TOKEN_CACHE_ENTRIES", cache_entries),
    ])
    .expect("bench settings");
    let url = settings.pools[0].jwks.url().expect("a JWKS URL");
    let cache = Arc::new(JwksCache::new(url, JwksPolicy::default()));
    cache
        .store_document(jwks.to_string().as_bytes())
        .expect("bench JWKS");
    Verifier::for_pools(&settings.pools, vec![cache], &settings.token_cache, false)
}

fn bench(c: &mut Criterion) {
    let pem = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/trusted.pem"
    ))
    .expect("test key");
    let key = EncodingKey::from_rsa_pem(&pem).expect("pem");
    let jwk = Jwk::from_encoding_key(&key, Algorithm::RS256).expect("jwk");
    let AlgorithmParameters::RSA(rsa) = &jwk.algorithm else {
        panic!("rsa")
    };
    let jwks = json!({"keys": [{"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig", "n": rsa.n, "e": rsa.e}]});
    let now = jsonwebtoken::get_current_timestamp();
    let claims = json!({
        "sub": "4f6a2c1e-0000-4000-8000-000000000001", "email_verified": true, "iss": ISSUER,
        "cognito:username": "bench-user", "origin_jti": "0e4a2c9d-0000-4000-8000-000000000002",
        "aud": "benchclient", "event_id": "5b0d9d4a-0000-4000-8000-000000000003", "token_use": "id",
        "auth_time": now, "exp": now + 3600, "iat": now, "jti": "8f1c7b2e-0000-4000-8000-000000000004",
        "email": "bench@example.com", "cognito:groups": ["staff"],
    });
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("k1".into());
    let token = jsonwebtoken::encode(&header, &claims, &key).expect("sign");

    let cached = verifier("10000", &jwks);
    let uncached = verifier("0", &jwks);
    assert!(matches!(cached.check(&token), Verdict::Decided(Ok(_))));
    assert!(matches!(uncached.check(&token), Verdict::Decided(Ok(_))));

    c.bench_function("verify/hit (verified-token cache)", |b| {
        b.iter(|| cached.check(std::hint::black_box(&token)))
    });
    c.bench_function("verify/miss (signature + claims)", |b| {
        b.iter(|| uncached.check(std::hint::black_box(&token)))
    });
    let parsed_key = cognito_guard::keys::signing_key_from_pem(
        &std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/trusted.pub.pem"
        ))
        .expect("public key"),
    )
    .expect("key");
    let parts = cognito_guard::auth::jose::TokenParts::split(&token).expect("well-formed");
    c.bench_function("verify/RSA signature check alone (the floor)", |b| {
        b.iter(|| {
            cognito_guard::auth::jose::verify_signature(std::hint::black_box(&parts), &parsed_key)
        })
    });
    let decoding = DecodingKey::from_rsa_components(&rsa.n, &rsa.e).expect("key");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&["benchclient"]);
    c.bench_function("verify/jsonwebtoken::decode baseline", |b| {
        b.iter(|| {
            jsonwebtoken::decode::<serde_json::Value>(
                std::hint::black_box(&token),
                &decoding,
                &validation,
            )
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
