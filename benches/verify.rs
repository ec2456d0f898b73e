//! One token verification, in isolation: a verified-token-cache hit, a miss
//! (signature check and claims parse), and `jsonwebtoken::decode` on the
//! same token as the baseline the issue measured (~23 µs).

mod support;

use cognito_guard::auth::Verdict;
use criterion::{criterion_group, criterion_main, Criterion};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::json;
use support::{bench_key, id_token, verifier, ISSUER};

fn bench(c: &mut Criterion) {
    let key = bench_key();
    let jwks = key.jwks.clone();
    let token = id_token(&key.key, json!({"cognito:groups": ["staff"]}));

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
    let decoding = DecodingKey::from_rsa_components(&key.n, &key.e).expect("key");
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
