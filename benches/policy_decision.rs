//! One Cedar decision of an `allow = "policy"` rule, in isolation: the
//! bench's 10-policy set (`bench/policies/ten.cedar`) on a verified ID
//! token: the decision kept (the same token asking the same request
//! again), the principal kept from an earlier request (a new request of a
//! token seen before), and everything built anew (a token's first).

use std::sync::Arc;

use actix_web::http::Method;
use cognito_guard::auth::{Verdict, Verifier};
use cognito_guard::keys::{JwksCache, JwksPolicy};
use cognito_guard::policies::{CedarNames, PolicyEngine, PolicySources, RequestFacts, SourceFile};
use cognito_guard::Settings;
use criterion::{criterion_group, criterion_main, Criterion};
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

const ISSUER: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Bench01";

fn bench(c: &mut Criterion) {
    let root = env!("CARGO_MANIFEST_DIR");
    let pem = std::fs::read(format!("{root}/tests/fixtures/trusted.pem")).expect("test key");
    let key = EncodingKey::from_rsa_pem(&pem).expect("pem");
    let jwk = Jwk::from_encoding_key(&key, Algorithm::RS256).expect("jwk");
    let AlgorithmParameters::RSA(rsa) = &jwk.algorithm else {
        panic!("rsa")
    };
    let jwks = json!({"keys": [{"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig", "n": rsa.n, "e": rsa.e}]});
    let settings = Settings::from_vars([
        ("AWS_REGION", "us-east-1"),
        ("COGNITO_USER_POOL_ID", "us-east-1_Bench01"),
        ("COGNITO_CLIENT_ID", "benchclient"),
        ("COGNITO_JWKS_URL", "http://127.0.0.1:9/jwks.json"),
    ])
    .expect("bench settings");
    let url = settings.pools[0].jwks.url().expect("a JWKS URL");
    let cache = Arc::new(JwksCache::new(url, JwksPolicy::default()));
    cache
        .store_document(jwks.to_string().as_bytes())
        .expect("bench JWKS");
    let verifier = Verifier::for_pools(&settings.pools, vec![cache], &settings.token_cache, false);

    let now = jsonwebtoken::get_current_timestamp();
    let claims = json!({
        "sub": "4f6a2c1e-0000-4000-8000-000000000001", "email_verified": true, "iss": ISSUER,
        "cognito:username": "bench-user", "origin_jti": "0e4a2c9d-0000-4000-8000-000000000002",
        "aud": "benchclient", "event_id": "5b0d9d4a-0000-4000-8000-000000000003", "token_use": "id",
        "auth_time": now, "exp": now + 3600, "iat": now, "jti": "8f1c7b2e-0000-4000-8000-000000000004",
        "email": "bench@example.com", "cognito:groups": ["staff", "auditor"], "custom:tenant_id": "acme",
    });
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("k1".into());
    let token = jsonwebtoken::encode(&header, &claims, &key).expect("sign");
    let Verdict::Decided(Ok(claims)) = verifier.check(&token) else {
        panic!("the bench token verifies")
    };

    let text =
        std::fs::read_to_string(format!("{root}/bench/policies/ten.cedar")).expect("policies");
    let engine = PolicyEngine::load(&PolicySources {
        files: vec![SourceFile {
            name: "ten.cedar".to_owned(),
            text,
        }],
        schema: None,
        names: CedarNames::avp("Bench"),
    })
    .expect("the bench policies load");
    assert_eq!(engine.policy_count(), 10);
    let action = engine.rule_action("/cedar/{tenant}/**", None);
    let captures = [("tenant", "acme")];
    let facts = RequestFacts {
        method: &Method::GET,
        path: "/cedar/acme/orders/42",
        rule: "cedar",
        captures: &captures,
    };
    assert!(engine.decide(&claims, &action, facts).allowed);
    assert!(engine.decide_first_time(&claims, &action, facts).allowed);

    c.bench_function(
        "policy/decide, 10 policies, decision kept (same token and request)",
        |b| b.iter(|| engine.decide(std::hint::black_box(&claims), &action, facts)),
    );
    c.bench_function(
        "policy/decide, 10 policies, principal kept (a new request)",
        |b| b.iter(|| engine.decide_new_request(std::hint::black_box(&claims), &action, facts)),
    );
    c.bench_function(
        "policy/decide, 10 policies, principal built (entity build included)",
        |b| b.iter(|| engine.decide_first_time(std::hint::black_box(&claims), &action, facts)),
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
