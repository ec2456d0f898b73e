//! Machine callers: what Cognito's token endpoint issues to a service
//! (client credentials), for the admin routes and forward-auth rules.

use serde_json::{json, Value};

use super::helpers::{now, sign, trusted_key, CLIENT_ID, ISSUER};

/// What Cognito's token endpoint issues to a service: `sub` is the app
/// client, no user claims.
pub fn machine_claims(client: &str, scope: Value) -> Value {
    let now = now();
    json!({
        "sub": client,
        "token_use": "access",
        "scope": scope,
        "auth_time": now - 5,
        "iss": ISSUER,
        "exp": now + 3600,
        "iat": now - 5,
        "version": 2,
        "jti": "5b0d9d4a-0000-4000-8000-0000000000m1",
        "client_id": client,
    })
}

/// An access token of the test client holding `scope`.
pub fn machine_token(scope: &str) -> String {
    sign(&machine_claims(CLIENT_ID, json!(scope)), trusted_key())
}
