//! The pool the environment variables make (`default`), in one function
//! ([`env_pool`]), and the checks of a pool's values that the `[[pool]]`
//! tables share (region, pool id, client ids, issuer).

use std::time::Duration;

use super::admin::{admin_scope, idp_endpoint};
use super::env::RawEnv;
use super::error::{invalid, ConfigError};
use super::keys::jwks_source;
use super::values::{non_blank, refuse_in_dev_mode, required, seconds};
use super::AuthMode;
use crate::dev;
use crate::pools::{
    cognito_issuers, PoolSettings, TokenUsePolicy, DEFAULT_ADMIN_GROUP, DEFAULT_POOL,
};

/// Largest `AUTH_LEEWAY_SECS`: ten minutes covers any sane clock skew; more
/// would quietly extend every token's life.
const MAX_LEEWAY_SECS: u64 = 600;

/// The pool the environment variables make, [`DEFAULT_POOL`]: its
/// issuers, clients and token kinds, clock skew, key source, admin terms
/// and IdP endpoint (dev mode's are the dev issuer's fixed ones).
pub(super) fn env_pool(raw: &RawEnv, mode: AuthMode) -> Result<PoolSettings, ConfigError> {
    let (region, user_pool_id, client_ids, issuers) = match mode {
        AuthMode::Dev => {
            refuse_in_dev_mode(&[
                ("AWS_REGION", raw.aws_region.as_deref()),
                ("COGNITO_USER_POOL_ID", raw.cognito_user_pool_id.as_deref()),
                ("COGNITO_CLIENT_ID", raw.cognito_client_id.as_deref()),
                ("COGNITO_ISSUER", raw.cognito_issuer.as_deref()),
            ])?;
            (
                dev::DEV_REGION.to_owned(),
                dev::DEV_USER_POOL_ID.to_owned(),
                vec![dev::DEV_CLIENT_ID.to_owned()],
                vec![dev::DEV_ISSUER.to_owned()],
            )
        }
        AuthMode::Cognito => pool(raw)?,
    };
    let token_use = match non_blank(raw.cognito_token_use.as_deref()).as_deref() {
        None | Some("id") => TokenUsePolicy::Id,
        Some("access") => TokenUsePolicy::Access,
        Some("any") => TokenUsePolicy::Any,
        Some(other) => {
            return Err(invalid(
                "COGNITO_TOKEN_USE",
                format!("expected `id`, `access` or `any`, got `{other}`"),
            ))
        }
    };
    let leeway = leeway(raw)?;
    let jwks = jwks_source(raw, mode, &issuers)?;
    let idp_endpoint = idp_endpoint(raw, mode, &region)?;
    Ok(PoolSettings {
        name: DEFAULT_POOL.to_owned(),
        revocations_by_name: false,
        region,
        user_pool_id,
        client_ids,
        issuers,
        token_use,
        leeway,
        jwks,
        admin_group: non_blank(raw.admin_group.as_deref())
            .unwrap_or_else(|| DEFAULT_ADMIN_GROUP.to_owned()),
        admin_scope: admin_scope(raw.admin_scope.as_deref())?,
        idp_endpoint,
    })
}

/// `AUTH_LEEWAY_SECS`: every pool's clock-skew allowance.
pub(super) fn leeway(raw: &RawEnv) -> Result<Duration, ConfigError> {
    seconds(
        "AUTH_LEEWAY_SECS",
        raw.auth_leeway_secs.as_deref(),
        0,
        0..=MAX_LEEWAY_SECS,
    )
}

/// Region, pool id, clients and issuers of a real pool (or an emulator's).
fn pool(raw: &RawEnv) -> Result<(String, String, Vec<String>, Vec<String>), ConfigError> {
    let region = required("AWS_REGION", raw.aws_region.as_deref())?;
    if !is_region(&region) {
        return Err(invalid(
            "AWS_REGION",
            "expected a region such as `us-east-1`",
        ));
    }
    let user_pool_id = required("COGNITO_USER_POOL_ID", raw.cognito_user_pool_id.as_deref())?;
    let client_ids = parse_client_ids(&required(
        "COGNITO_CLIENT_ID",
        raw.cognito_client_id.as_deref(),
    )?)?;
    let issuers = match non_blank(raw.cognito_issuer.as_deref()) {
        // With the issuer set, the pool id goes into no URL: emulators' ids
        // such as `local_5X9BWQyC` are fine.
        Some(issuer) => vec![check_issuer(issuer)?],
        None => {
            check_pool_id(&region, &user_pool_id)?;
            cognito_issuers(&region, &user_pool_id)
        }
    };
    Ok((region, user_pool_id, client_ids, issuers))
}

/// A pool id that the default issuers and JWKS URL are built from:
/// `{region}_<letters and digits>`, as Cognito's are.
fn check_pool_id(region: &str, user_pool_id: &str) -> Result<(), ConfigError> {
    match pool_id_fits(region, user_pool_id) {
        true => Ok(()),
        false => Err(invalid(
            "COGNITO_USER_POOL_ID",
            format!("expected `{region}_<id>` (the pool id starts with AWS_REGION)"),
        )),
    }
}

/// Whether `user_pool_id` is `{region}_<letters and digits>`.
pub(super) fn pool_id_fits(region: &str, user_pool_id: &str) -> bool {
    matches!(user_pool_id.split_once('_'), Some((prefix, id))
        if prefix == region && !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// Why `issuer` cannot be a configured issuer, if it cannot: the checks of
/// `COGNITO_ISSUER`, for a `[[pool]]`'s `issuer`.
pub(super) fn issuer_problem(issuer: &str) -> Option<&'static str> {
    if super::values::check_url("COGNITO_ISSUER", issuer.to_owned()).is_err() {
        return Some("expected an absolute http:// or https:// URL");
    }
    if issuer.ends_with('/') {
        return Some("must not end with `/`: tokens' `iss` is compared exactly, and Cognito's never ends with one");
    }
    if issuer.eq_ignore_ascii_case(dev::DEV_ISSUER) {
        return Some("is the built-in dev issuer, which only AUTH_MODE=dev trusts");
    }
    None
}

/// An app client id: letters, digits, `-`, `_`.
pub(super) fn is_client_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// `iss` is compared byte for byte, and Cognito's never ends in `/`; an
/// issuer configured with one would match no token, so it is refused rather
/// than quietly trimmed: the operator sees the value that will be compared.
/// The dev issuer is refused: anyone can sign for it with the committed key.
fn check_issuer(issuer: String) -> Result<String, ConfigError> {
    let issuer = super::values::check_url("COGNITO_ISSUER", issuer)?;
    if issuer.ends_with('/') {
        return Err(invalid(
            "COGNITO_ISSUER",
            "must not end with `/`: tokens' `iss` is compared exactly, and Cognito's never ends with one",
        ));
    }
    if issuer.eq_ignore_ascii_case(dev::DEV_ISSUER) {
        return Err(invalid(
            "COGNITO_ISSUER",
            "is the built-in dev issuer, which only AUTH_MODE=dev trusts",
        ));
    }
    Ok(issuer)
}

pub(super) fn is_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    let Some((number, words)) = parts.split_last() else {
        return false;
    };
    words.len() >= 2
        && words
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit())
}

fn parse_client_ids(value: &str) -> Result<Vec<String>, ConfigError> {
    let ids: Vec<String> = value.split(',').map(|s| s.trim().to_owned()).collect();
    if ids.iter().any(|id| id.is_empty()) {
        return Err(invalid(
            "COGNITO_CLIENT_ID",
            "empty entry in the comma-separated list",
        ));
    }
    if let Some(bad) = ids.iter().find(|id| !is_client_id(id)) {
        return Err(invalid(
            "COGNITO_CLIENT_ID",
            format!("`{bad}` is not an app client id (letters, digits, `-`, `_`)"),
        ));
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{invalid_var, with};

    #[test]
    fn client_ids_are_a_comma_separated_list() {
        let s = with(&[("COGNITO_CLIENT_ID", "a1, b2 ,c3")]).expect("valid");
        assert_eq!(s.pools[0].client_ids, vec!["a1", "b2", "c3"]);
        for bad in ["a1,,b2", "a1,*", "a1 b2"] {
            assert_eq!(
                invalid_var(with(&[("COGNITO_CLIENT_ID", bad)])),
                Some("COGNITO_CLIENT_ID"),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_configured_issuer_replaces_both_cognito_forms() {
        let s = with(&[("COGNITO_ISSUER", "http://127.0.0.1:9229/pool")]).expect("valid");
        assert_eq!(s.pools[0].issuers, vec!["http://127.0.0.1:9229/pool"]);
    }

    #[test]
    fn an_issuer_ending_in_a_slash_is_refused_as_it_would_match_no_token() {
        assert_eq!(
            invalid_var(with(&[("COGNITO_ISSUER", "http://127.0.0.1:9229/pool/")])),
            Some("COGNITO_ISSUER")
        );
    }

    #[test]
    fn cognito_mode_refuses_the_dev_issuer() {
        assert_eq!(
            invalid_var(with(&[("COGNITO_ISSUER", crate::dev::DEV_ISSUER)])),
            Some("COGNITO_ISSUER")
        );
    }

    #[test]
    fn with_an_issuer_set_any_pool_id_is_accepted() {
        let s = with(&[
            ("COGNITO_USER_POOL_ID", "local_5X9BWQyC"),
            ("COGNITO_ISSUER", "http://localhost:9229/local_5X9BWQyC"),
        ])
        .expect("cognito-local's pool ids are accepted with an issuer");
        assert_eq!(s.pools[0].user_pool_id, "local_5X9BWQyC");
        assert_eq!(
            invalid_var(with(&[("COGNITO_USER_POOL_ID", "local_5X9BWQyC")])),
            Some("COGNITO_USER_POOL_ID"),
            "without an issuer the pool id must start with the region"
        );
    }

    #[test]
    fn regions_look_like_aws_regions() {
        for good in ["us-east-1", "ap-southeast-2", "us-gov-west-1"] {
            assert!(super::is_region(good), "{good}");
        }
        for bad in [
            "mars",
            "us-east",
            "US-EAST-1",
            "us--1",
            "us-east-x",
            "-east-1",
        ] {
            assert!(!super::is_region(bad), "{bad}");
        }
    }
}
