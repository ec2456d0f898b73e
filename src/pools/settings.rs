//! One user pool's settings, as one value: what its tokens are checked
//! against (issuers, clients, token kinds, clock skew), where its signing
//! keys come from, who administers its users and through which endpoint.
//! The environment variables make the pool [`DEFAULT_POOL`]; each
//! `[[pool]]` table of `GUARD_CONFIG` makes one of its own name.

use std::time::Duration;

use crate::keys::JwksSource;
use crate::users::idp::IdpEndpoint;

/// The name of the one pool the environment variables make.
pub const DEFAULT_POOL: &str = "default";

/// Longest pool name: it is a JSON field, a header value and a metric
/// label.
pub const MAX_POOL_NAME_LEN: usize = 32;

/// The group whose members administer a pool's users unless it names one.
pub const DEFAULT_ADMIN_GROUP: &str = "admin";

/// Which Cognito token kinds a pool's users may present
/// (`COGNITO_TOKEN_USE`, a table's `token_use`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenUsePolicy {
    Id,
    Access,
    Any,
}

/// One user pool, validated; every URL already checked and every default
/// filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolSettings {
    /// `[a-z0-9-]`, 1 to 32 characters, unique among the pools.
    pub name: String,
    /// Whether its revocations are keyed by name (`{name}:{sub}`): a
    /// `[[pool]]` table's are, so the same `sub` in two pools is two users;
    /// the environment's pool keys them by bare `sub`, as before several
    /// pools existed, so that entries already in Redis or a spool apply.
    pub revocations_by_name: bool,
    /// The pool's AWS region (`eu-west-1`).
    pub region: String,
    /// `{region}_<id>`, or any non-empty id when the issuer is configured.
    pub user_pool_id: String,
    /// App client ids whose tokens are accepted; never empty.
    pub client_ids: Vec<String>,
    /// Accepted `iss` values, compared exactly: both Cognito forms, or the
    /// one configured.
    pub issuers: Vec<String>,
    /// Which token kinds its users may present.
    pub token_use: TokenUsePolicy,
    /// Clock-skew allowance on `exp` and `nbf`.
    pub leeway: Duration,
    /// Where its signing keys come from.
    pub jwks: JwksSource,
    /// The Cognito group whose members administer its users.
    pub admin_group: String,
    /// The scope that makes one of its machines an admin, if any.
    pub admin_scope: Option<String>,
    /// The Cognito Identity Provider API managing its users.
    pub idp_endpoint: IdpEndpoint,
}

/// Both `iss` forms Cognito uses for a pool.
pub fn cognito_issuers(region: &str, user_pool_id: &str) -> Vec<String> {
    vec![
        format!("https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"),
        format!("https://issuer-cognito-idp.{region}.amazonaws.com/{user_pool_id}"),
    ]
}

/// Where Cognito publishes a pool's keys: under its issuer, in the first
/// (`cognito-idp.`) form when derived from the pool.
pub fn cognito_jwks_url(issuer: &str) -> String {
    format!("{issuer}/.well-known/jwks.json")
}

/// The region's Cognito Identity Provider API.
pub fn cognito_idp_endpoint(region: &str) -> String {
    format!("https://cognito-idp.{region}.amazonaws.com/")
}

/// A pool name: 1 to 32 of `a-z 0-9 -`, since it goes as is into a JSON
/// field, a response header and a metric label.
pub fn check_pool_name(name: &str) -> Result<(), &'static str> {
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    if name.is_empty() || name.len() > MAX_POOL_NAME_LEN || !name.chars().all(allowed) {
        return Err("1 to 32 of a-z 0-9 -");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_names_are_short_lower_case_words() {
        for good in ["a", "customers", "staff-2", &"x".repeat(32)] {
            assert!(check_pool_name(good).is_ok(), "{good}");
        }
        for bad in ["", "Staff", "a_b", "a.b", "a b", "é", &"x".repeat(33)] {
            assert!(check_pool_name(bad).is_err(), "{bad}");
        }
    }
}
