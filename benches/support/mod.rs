//! What the micro-benchmarks start from: the tests' RSA key, its JWKS, a
//! verifier of the bench pool holding it, and a Cognito ID token it signs.

use std::sync::Arc;

use cognito_guard::auth::Verifier;
use cognito_guard::keys::{JwksCache, JwksPolicy};
use cognito_guard::Settings;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

/// The bench pool's issuer.
pub const ISSUER: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Bench01";

/// The signing key, its RSA modulus and exponent, and its JWKS.
pub struct BenchKey {
    pub key: EncodingKey,
    pub n: String,
    pub e: String,
    pub jwks: Value,
}

/// `tests/fixtures/trusted.pem`, published as `kid` `k1`.
pub fn bench_key() -> BenchKey {
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
    BenchKey {
        n: rsa.n.clone(),
        e: rsa.e.clone(),
        key,
        jwks,
    }
}

/// A verifier of the bench pool with `jwks` loaded and a verified-token
/// cache of `cache_entries`.
pub fn verifier(cache_entries: &str, jwks: &Value) -> Verifier {
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

/// A Cognito ID token of the bench pool, valid for an hour, with `extra`
/// claims added.
pub fn id_token(key: &EncodingKey, extra: Value) -> String {
    let now = jsonwebtoken::get_current_timestamp();
    let mut claims = json!({
        "sub": "4f6a2c1e-0000-4000-8000-000000000001", "email_verified": true, "iss": ISSUER,
        "cognito:username": "bench-user", "origin_jti": "0e4a2c9d-0000-4000-8000-000000000002",
        "aud": "benchclient", "event_id": "5b0d9d4a-0000-4000-8000-000000000003", "token_use": "id",
        "auth_time": now, "exp": now + 3600, "iat": now, "jti": "8f1c7b2e-0000-4000-8000-000000000004",
        "email": "bench@example.com",
    });
    if let (Some(claims), Value::Object(extra)) = (claims.as_object_mut(), extra) {
        claims.extend(extra);
    }
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("k1".into());
    jsonwebtoken::encode(&header, &claims, key).expect("sign")
}
