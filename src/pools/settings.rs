//! One `[[pool]]` table, validated: the same settings the single-pool
//! environment variables give, under a name.

use crate::config::TokenUsePolicy;

/// The name of the one pool the environment variables make.
pub const DEFAULT_POOL: &str = "default";

/// Longest pool name: it is a JSON field, a header value and a metric
/// label.
pub const MAX_POOL_NAME_LEN: usize = 32;

/// A `[[pool]]` table as validated; every URL already checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolSettings {
    /// `[a-z0-9-]`, 1 to 32 characters, unique in the file.
    pub name: String,
    /// The pool's AWS region (`eu-west-1`).
    pub region: String,
    /// `{region}_<id>`, or any non-empty id when `issuer` is set.
    pub user_pool_id: String,
    /// App client ids whose tokens are accepted; never empty.
    pub client_ids: Vec<String>,
    /// `issuer`, when set: replaces both Cognito forms.
    pub issuer: Option<String>,
    /// `jwks_url`, when set: else derived as for `COGNITO_JWKS_URL`.
    pub jwks_url: Option<String>,
    /// Which token kinds this pool's callers may present.
    pub token_use: TokenUsePolicy,
    /// `admin_group`, when set (default `admin`, as `ADMIN_GROUP`).
    pub admin_group: Option<String>,
    /// `admin_scope`, when set: this pool's machine admins.
    pub admin_scope: Option<String>,
    /// `idp_endpoint`, when set: else `COGNITO_IDP_ENDPOINT`, else the
    /// region's.
    pub idp_endpoint: Option<String>,
}

impl PoolSettings {
    /// The `iss` values this pool accepts, compared exactly: the configured
    /// issuer, or both Cognito forms.
    pub fn issuers(&self) -> Vec<String> {
        match &self.issuer {
            Some(issuer) => vec![issuer.clone()],
            None => vec![
                format!(
                    "https://cognito-idp.{}.amazonaws.com/{}",
                    self.region, self.user_pool_id
                ),
                format!(
                    "https://issuer-cognito-idp.{}.amazonaws.com/{}",
                    self.region, self.user_pool_id
                ),
            ],
        }
    }
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
