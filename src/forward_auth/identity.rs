//! The identity headers of an allowing answer: always all of them, empty
//! when the caller has no such value, so that the gateway overwrites
//! whatever a client sent under these names (Envoy forwards only the
//! headers the answer carries). oauth2-proxy's names where they exist. The
//! values are the caller's, encoded once per verified token
//! (`auth::HeaderIdentity`); an answer only copies their handles.

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};

use super::rules::Rule;
use crate::auth::{Caller, TokenUse};

/// Every identity header, in the order they are written; names built at
/// compile time, so an answer parses none.
pub const HEADERS: [HeaderName; 10] = [
    HeaderName::from_static("x-auth-request-user"),
    HeaderName::from_static("x-auth-request-preferred-username"),
    HeaderName::from_static("x-auth-request-email"),
    HeaderName::from_static("x-auth-request-groups"),
    HeaderName::from_static("x-auth-request-scope"),
    HeaderName::from_static("x-auth-request-client-id"),
    HeaderName::from_static("x-auth-request-token-use"),
    HeaderName::from_static("x-auth-request-caller"),
    HeaderName::from_static("x-auth-request-pool"),
    HeaderName::from_static("x-auth-request-rule"),
];

/// The signed identity assertion, with `[forward_auth.assertion]`.
pub const ASSERTION: HeaderName = HeaderName::from_static("x-auth-request-assertion");

/// Sets every identity header in `headers` for `caller` under `rule`.
pub(super) fn identity_headers(headers: &mut HeaderMap, caller: Option<&Caller>, rule: &Rule) {
    let empty = || HeaderValue::from_static("");
    let Some(caller) = caller else {
        let [names @ .., rule_name] = HEADERS;
        for name in names {
            headers.insert(name, empty());
        }
        headers.insert(rule_name, rule.header.clone());
        return;
    };
    let claims = caller.claims();
    let identity = claims.header_identity();
    let kind = match caller {
        Caller::User(_) => "user",
        Caller::Machine(_) => "machine",
    };
    let token_use = match claims.token_use {
        TokenUse::Id => "id",
        TokenUse::Access => "access",
    };
    let values = [
        identity.user.clone(),
        identity.username.clone(),
        identity.email.clone(),
        identity.groups.clone(),
        identity.scope.clone(),
        identity.client_id.clone(),
        HeaderValue::from_static(token_use),
        HeaderValue::from_static(kind),
        claims.pool.header.clone(),
        rule.header.clone(),
    ];
    for (name, value) in HEADERS.into_iter().zip(values) {
        headers.insert(name, value);
    }
}
