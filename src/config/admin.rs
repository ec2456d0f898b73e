//! The admin API group: who may use the admin routes, and how the server
//! reaches the Cognito Identity Provider API behind them.

use super::env::RawEnv;
use super::error::invalid;
use super::error::ConfigError;
use super::values::{non_blank, refuse_in_dev_mode};
use super::AuthMode;
use crate::users::idp::{AwsCredentials, IdpEndpoint};

/// The admin routes: the group that may use them and the user pool's API.
#[derive(Debug, Clone)]
pub struct AdminSettings {
    /// Cognito group whose members may use the admin routes.
    pub group: String,
    /// OAuth scope that lets machine callers (client-credentials access
    /// tokens) use the admin routes; `None`: no machine admins.
    pub scope: Option<String>,
    /// Cognito Identity Provider API endpoint, for the admin user routes;
    /// parsed here so a bad one stops the process at start, exit 2.
    pub idp_endpoint: IdpEndpoint,
    /// Credentials for that API; without them the admin user routes answer
    /// 503. Always `None` in dev mode.
    pub aws_credentials: Option<AwsCredentials>,
}

impl AdminSettings {
    pub(super) fn from_raw(
        raw: &RawEnv,
        mode: AuthMode,
        region: &str,
    ) -> Result<Self, ConfigError> {
        if mode == AuthMode::Dev {
            refuse_in_dev_mode(&[("COGNITO_IDP_ENDPOINT", raw.cognito_idp_endpoint.as_deref())])?;
        }
        let idp_endpoint = non_blank(raw.cognito_idp_endpoint.as_deref())
            .unwrap_or_else(|| format!("https://cognito-idp.{region}.amazonaws.com/"));
        let idp_endpoint = IdpEndpoint::parse(&idp_endpoint)
            .map_err(|e| invalid("COGNITO_IDP_ENDPOINT", e.reason()))?;
        // Dev mode manages its own in-memory users; AWS credentials that
        // happen to be in a developer's shell are not used.
        let aws_credentials = match mode {
            AuthMode::Dev => None,
            AuthMode::Cognito => credentials(raw)?,
        };
        Ok(AdminSettings {
            group: non_blank(raw.admin_group.as_deref()).unwrap_or_else(|| "admin".to_owned()),
            scope: admin_scope(raw.admin_scope.as_deref())?,
            idp_endpoint,
            aws_credentials,
        })
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
fn admin_scope(value: Option<&str>) -> Result<Option<String>, ConfigError> {
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
