//! The admin API group: the environment pool's admin scope and IdP
//! endpoint, and the credentials the server reaches the Cognito Identity
//! Provider API with.

use super::env::RawEnv;
use super::error::invalid;
use super::error::ConfigError;
use super::values::{non_blank, refuse_in_dev_mode};
use super::AuthMode;
use crate::pools::cognito_idp_endpoint;
use crate::users::idp::{AwsCredentials, IdpEndpoint};

/// The environment pool's IdP endpoint: `COGNITO_IDP_ENDPOINT`, else the
/// region's; parsed here so a bad one stops the process at start, exit 2.
pub(super) fn idp_endpoint(
    raw: &RawEnv,
    mode: AuthMode,
    region: &str,
) -> Result<IdpEndpoint, ConfigError> {
    if mode == AuthMode::Dev {
        refuse_in_dev_mode(&[("COGNITO_IDP_ENDPOINT", raw.cognito_idp_endpoint.as_deref())])?;
    }
    let endpoint = non_blank(raw.cognito_idp_endpoint.as_deref())
        .unwrap_or_else(|| cognito_idp_endpoint(region));
    IdpEndpoint::parse(&endpoint).map_err(|e| invalid("COGNITO_IDP_ENDPOINT", e.reason()))
}

/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`: what
/// the admin user routes manage every pool's users with; without them
/// those routes answer 503. Always none in dev mode: it manages its own
/// in-memory users, and credentials that happen to be in a developer's
/// shell are not used.
pub(super) fn aws_credentials(
    raw: &RawEnv,
    mode: AuthMode,
) -> Result<Option<AwsCredentials>, ConfigError> {
    match mode {
        AuthMode::Dev => Ok(None),
        AuthMode::Cognito => credentials(raw),
    }
}

/// Both keys or neither: half a credential is a mistake worth stopping for.
fn credentials(raw: &RawEnv) -> Result<Option<AwsCredentials>, ConfigError> {
    match (
        non_blank(raw.aws_access_key_id.as_deref()),
        non_blank(raw.aws_secret_access_key.as_deref()),
    ) {
        (None, None) => Ok(None),
        (Some(_), None) => Err(ConfigError::Missing("AWS_SECRET_ACCESS_KEY")),
        (None, Some(_)) => Err(ConfigError::Missing("AWS_ACCESS_KEY_ID")),
        (Some(access_key_id), Some(secret_access_key)) => Ok(Some(AwsCredentials {
            access_key_id,
            secret_access_key,
            session_token: non_blank(raw.aws_session_token.as_deref()),
        })),
    }
}

/// `ADMIN_SCOPE`: one OAuth scope token (RFC 6749 §3.3), printable ASCII
/// without spaces, quotes or backslashes, since it is matched exactly
/// against a space-separated `scope` claim and quoted in `WWW-Authenticate`.
pub(super) fn admin_scope(value: Option<&str>) -> Result<Option<String>, ConfigError> {
    let Some(scope) = non_blank(value) else {
        return Ok(None);
    };
    let printable = |c: char| c.is_ascii_graphic() && c != '"' && c != '\\';
    if !scope.chars().all(printable) {
        return Err(invalid(
            "ADMIN_SCOPE",
            "one scope, e.g. cognito-guard/admin: printable ASCII without spaces, quotes or backslashes",
        ));
    }
    Ok(Some(scope))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_admin_scope_is_one_exact_scope_token() {
        assert_eq!(admin_scope(None), Ok(None));
        assert_eq!(admin_scope(Some("  ")), Ok(None));
        assert_eq!(
            admin_scope(Some("cognito-guard/admin")),
            Ok(Some("cognito-guard/admin".to_owned()))
        );
        for bad in ["a b", "a\"b", "a\\b", "é", "a,b c"] {
            assert!(admin_scope(Some(bad)).is_err(), "{bad}");
        }
    }
}
