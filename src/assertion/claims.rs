//! What an assertion says: the issuer, one audience, the caller's identity
//! and the rule, with types that never vary with the caller (an absent
//! value is absent, never `null`; `groups` and `scope` are always arrays).

use serde_json::{Map, Value};

use crate::auth::{Caller, TokenUse};

/// The rule an assertion is minted under.
#[derive(Debug, Clone, Copy)]
pub struct Audience<'a> {
    /// The rule's name (`rule`).
    pub rule: &'a str,
    /// Its audience (`aud`): the rule's `audience`, else its name.
    pub aud: &'a str,
}

/// The claims of one assertion, for `caller` under `audience`, issued at
/// `iat` and expiring at `exp`, with id `jti`.
pub(super) fn assertion_claims(
    issuer: &str,
    caller: &Caller,
    audience: Audience<'_>,
    (iat, exp): (u64, u64),
    jti: &str,
) -> Map<String, Value> {
    let claims = caller.claims();
    let mut out = Map::new();
    let mut put = |name: &str, value: Value| {
        out.insert(name.to_owned(), value);
    };
    put("iss", issuer.into());
    put("aud", audience.aud.into());
    put("sub", claims.sub.as_str().into());
    put("iat", iat.into());
    put("exp", exp.into());
    put("jti", jti.into());
    put("pool", (*claims.pool.name).into());
    put(
        "caller",
        match caller {
            Caller::User(_) => "user",
            Caller::Machine(_) => "machine",
        }
        .into(),
    );
    put(
        "token_use",
        match claims.token_use {
            TokenUse::Id => "id",
            TokenUse::Access => "access",
        }
        .into(),
    );
    put("client_id", claims.client_id.as_str().into());
    if let Some(username) = &claims.username {
        put("username", username.as_str().into());
    }
    if let Some(email) = &claims.email {
        put("email", email.as_str().into());
    }
    put("groups", claims.groups.clone().into());
    let scope: Vec<&str> = claims
        .scope
        .as_deref()
        .map(|s| s.split(' ').filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    put("scope", scope.into());
    // Kept only with the type Cognito gives them, so types never vary.
    let token = claims.all_claims();
    if let Some(origin) = token.get("origin_jti").filter(|v| v.is_string()) {
        put("origin_jti", origin.clone());
    }
    if let Some(auth_time) = token.get("auth_time").filter(|v| v.is_u64()) {
        put("auth_time", auth_time.clone());
    }
    put("rule", audience.rule.into());
    out
}
