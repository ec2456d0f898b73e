//! Arbitrary bytes against token verification, from the cheap pre-check to
//! the claim rules. Nothing may panic, and whatever is accepted must satisfy
//! every rule (the oracle re-checks the claims independently).
//!
//! The first byte picks how the rest is used, so each layer gets inputs it
//! can parse instead of base64url noise:
//! - 0: the whole token, as it arrives after `Bearer `;
//! - 1: the decoded header JSON of a token;
//! - 2: the decoded claims JSON, handed to `parse_payload` + `check_claims`.
#![no_main]

use std::sync::OnceLock;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use cognito_guard::auth::claims::{check_claims, ClaimRules, Claims, TokenUse};
use cognito_guard::auth::jose::{parse_payload, TokenParts};
use cognito_guard::auth::verifier::verify_with_key;
use cognito_guard::keys::{signing_key_from_pem, SigningKey};
use cognito_guard::pools::TokenUsePolicy;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// A fixed clock, so a seed's verdict does not change with the date.
const NOW: u64 = 1_800_000_000;
const ISSUER: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool1";
const CLIENT_ID: &str = "testclient123";
/// `{"iss":...,"exp":NOW+60,...}`-shaped claims for mode 1, so a header that
/// passes gets as far as the signature check.
const CLAIMS_B64: &str = "eyJzdWIiOiJ1LTEiLCJleHAiOjE4MDAwMDAwNjB9";

/// The integration tests' pool key (`tests/fixtures/trusted.pub.pem`).
fn key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| {
        signing_key_from_pem(include_bytes!("../../tests/fixtures/trusted.pub.pem"))
            .expect("the fixture is an RSA public key")
    })
}

fn rules() -> &'static ClaimRules {
    static RULES: OnceLock<ClaimRules> = OnceLock::new();
    RULES.get_or_init(|| ClaimRules {
        issuers: vec![ISSUER.to_owned()],
        client_ids: vec![CLIENT_ID.to_owned()],
        token_use: TokenUsePolicy::Id,
        leeway_secs: 0,
        machine_callers: false,
        pool: Default::default(),
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => whole_token(rest),
        1 => header_json(rest),
        _ => claims_json(rest),
    }
});

fn whole_token(data: &[u8]) {
    // The extractor refuses non-UTF-8 before verification sees it.
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(parts) = TokenParts::split(token) else {
        return;
    };
    assert!(token.starts_with(parts.signing_input));
    assert!(!parts.kid.is_empty());
    if let Ok(claims) = verify_with_key(&parts, key(), rules(), NOW) {
        assert_acceptable(&claims);
    }
    // Signatures are almost never valid here, so drive the claim rules on the
    // unverified payload too: they must be safe on any input.
    if let Ok(map) = parse_payload(parts.payload) {
        if let Ok(claims) = check_claims(map, rules(), NOW) {
            assert_acceptable(&claims);
        }
    }
}

fn header_json(data: &[u8]) {
    let token = format!("{}.{CLAIMS_B64}.c2ln", URL_SAFE_NO_PAD.encode(data));
    let Ok(parts) = TokenParts::split(&token) else {
        return;
    };
    // Oracle: a header that passes is an object with alg RS256, a kid, and
    // none of the parameters that bring their own key.
    let header: Value = serde_json::from_slice(data).expect("an accepted header is JSON");
    let object = header.as_object().expect("an accepted header is an object");
    assert_eq!(object.get("alg"), Some(&Value::from("RS256")));
    assert_eq!(object.get("kid"), Some(&Value::from(parts.kid.as_str())));
    for name in ["crit", "jku", "jwk", "x5u", "x5c"] {
        assert!(!object.contains_key(name), "{name} accepted");
    }
    assert!(verify_with_key(&parts, key(), rules(), NOW).is_err());
}

fn claims_json(data: &[u8]) {
    let Ok(map) = parse_payload(&URL_SAFE_NO_PAD.encode(data)) else {
        return;
    };
    if let Ok(claims) = check_claims(map, rules(), NOW) {
        assert_acceptable(&claims);
    }
}

/// Every rule, re-checked on the raw claims of an accepted token.
fn assert_acceptable(claims: &Claims) {
    let raw = &claims.all_claims();
    let exp = raw.get("exp").and_then(Value::as_u64).expect("exp");
    assert!(exp > NOW && claims.exp == exp);
    if let Some(nbf) = raw.get("nbf") {
        assert!(nbf.as_u64().expect("integer nbf") <= NOW);
    }
    assert_eq!(raw.get("iss"), Some(&Value::from(ISSUER)));
    assert_eq!(raw.get("token_use"), Some(&Value::from("id")));
    assert_eq!(claims.token_use, TokenUse::Id);
    assert_eq!(raw.get("aud"), Some(&Value::from(CLIENT_ID)));
    assert!(!claims.sub.is_empty());
    assert_eq!(raw.get("sub"), Some(&Value::from(claims.sub.as_str())));
    let groups: Vec<&str> = match raw.get("cognito:groups") {
        None => Vec::new(),
        Some(v) => v
            .as_array()
            .expect("groups array")
            .iter()
            .map(|g| g.as_str().expect("string group"))
            .collect(),
    };
    assert_eq!(groups, claims.groups);
}
