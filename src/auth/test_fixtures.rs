//! Claims and rules shared by the unit tests of `auth`.

use serde_json::{json, Value};

use crate::auth::claims::{check_claims, ClaimRules, Claims};
use crate::auth::errors::TokenRejection;
use crate::auth::jose::ClaimSet;
use crate::pools::TokenUsePolicy;

/// The tests' clock, seconds since the epoch.
pub const NOW: u64 = 1_800_000_000;
/// The tests' pool issuer.
pub const ISS: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool";

/// The rules of a pool with one client, `client1`, accepting ID tokens.
pub fn rules() -> ClaimRules {
    ClaimRules {
        issuers: vec![ISS.to_owned()],
        client_ids: vec!["client1".to_owned()],
        token_use: TokenUsePolicy::Id,
        leeway_secs: 0,
        machine_callers: false,
        pool: Default::default(),
    }
}

/// A valid Cognito ID token's claims at [`NOW`].
pub fn id_claims() -> Value {
    json!({
        "sub": "u-1", "iss": ISS, "aud": "client1", "token_use": "id",
        "exp": NOW + 60, "iat": NOW - 10, "email": "a@example.com",
        "cognito:username": "alice", "cognito:groups": ["admin"]
    })
}

/// [`check_claims`] on a JSON object at [`NOW`].
pub fn check(claims: Value, rules: &ClaimRules) -> Result<Claims, TokenRejection> {
    let json = claims.to_string();
    let Value::Object(claims) = claims else {
        panic!("object expected")
    };
    check_claims(ClaimSet { claims, json }, rules, NOW)
}

/// [`id_claims`] with one claim set to `value`.
pub fn with(field: &str, value: Value) -> Value {
    let mut claims = id_claims();
    claims[field] = value;
    claims
}

/// [`id_claims`] without one claim.
pub fn without(field: &str) -> Value {
    let mut claims = id_claims();
    claims.as_object_mut().map(|m| m.remove(field));
    claims
}
