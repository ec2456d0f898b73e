//! The top floor: reads the environment and the `GUARD_CONFIG` file once at
//! start and builds, group by group (the environment's pool, keys, token
//! cache, admin API, browsers, server, revocations, the file's pools and
//! rules), the settings types each component owns. Only start-up (and the
//! binary) imports it. A bad deployment fails before it listens instead of
//! failing every request, and nothing rewrites the settings afterwards.

mod admin;
mod browser;
mod env;
mod error;
mod guard_file;
mod keys;
mod pool_env;
mod pools;
mod revocation;
mod server;
mod token_cache;
mod values;

use std::collections::HashMap;
use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

pub use env::load_env_file;
pub use error::ConfigError;
pub use guard_file::{GuardFile, PoolDefaults};

use crate::auth::TokenCacheSettings;
use crate::forward_auth::ForwardAuthSettings;
use crate::http::{CorsSettings, ServerSettings};
use crate::keys::JwksTuning;
use crate::pools::PoolSettings;
use crate::revocation::RevocationSettings;
use crate::users::idp::AwsCredentials;
use env::RawEnv;
use error::invalid;
use values::non_blank;

/// Where tokens come from: a real Cognito user pool or the built-in dev issuer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    Cognito,
    /// The local issuer of [`crate::dev`]; its key is
    /// [`crate::keys::JwksSource::DevIssuer`]'s.
    Dev,
}

impl AuthMode {
    fn from_raw(raw: &RawEnv) -> Result<Self, ConfigError> {
        match non_blank(raw.auth_mode.as_deref()).as_deref() {
            None | Some("cognito") => Ok(AuthMode::Cognito),
            Some("dev") => Ok(AuthMode::Dev),
            Some(other) => Err(invalid(
                "AUTH_MODE",
                format!("expected `cognito` or `dev`, got `{other}`"),
            )),
        }
    }
}

/// Everything the server needs to run, already validated, as the values
/// each component is built from. Tests build one with
/// [`Settings::from_vars`] and tweak its fields.
#[derive(Debug, Clone)]
pub struct Settings {
    pub mode: AuthMode,
    /// The user pools, never empty: the environment's one, named
    /// `default`, or the `[[pool]]` tables of `GUARD_CONFIG` in file order.
    pub pools: Vec<PoolSettings>,
    /// How every pool's key cache fetches its keys.
    pub jwks: JwksTuning,
    /// The verified-token cache's bounds.
    pub token_cache: TokenCacheSettings,
    /// What the admin user routes manage users with; `None`: they answer
    /// 503. Always `None` in dev mode.
    pub aws_credentials: Option<AwsCredentials>,
    /// Which web origins' pages may call the API.
    pub cors: CorsSettings,
    /// The listeners.
    pub server: ServerSettings,
    /// Where the revocation list lives.
    pub revocation: RevocationSettings,
    /// The gateway rules of `GUARD_CONFIG`; `None`: no `/auth` endpoint.
    pub forward_auth: Option<ForwardAuthSettings>,
    /// What these settings were read from, to read them again on a reload.
    pub source: SettingsSource,
}

/// What settings were read from: the environment as it was at start (a
/// process's own cannot change) and the `GUARD_CONFIG` file it names,
/// which a reload reads anew.
#[derive(Clone, Default)]
pub struct SettingsSource(Arc<RawEnv>);

impl SettingsSource {
    /// The settings read and checked again, exactly as at start, from the
    /// same environment and the file as it is now.
    pub fn reread(&self) -> Result<Settings, ConfigError> {
        Settings::validate(&self.0)
    }

    /// The `GUARD_CONFIG` file, when one is named.
    pub fn guard_config(&self) -> Option<PathBuf> {
        non_blank(self.0.guard_config.as_deref()).map(PathBuf::from)
    }

    /// The files the `GUARD_CONFIG` file names as it is now (its signing
    /// keys, its policy files and schema), read leniently: a file that
    /// fails its checks still says which files to watch, so that the
    /// missing file arriving reloads it.
    pub fn named_files(&self) -> Vec<PathBuf> {
        let Some(file) = self.guard_config() else {
            return Vec::new();
        };
        let Some(table) = std::fs::read_to_string(&file)
            .ok()
            .and_then(|text| text.parse::<toml::Table>().ok())
        else {
            return Vec::new();
        };
        let folder = file.parent().map(PathBuf::from).unwrap_or_default();
        let strings = |value: Option<&toml::Value>| -> Vec<PathBuf> {
            match value {
                Some(toml::Value::String(one)) => vec![folder.join(one)],
                Some(toml::Value::Array(many)) => many
                    .iter()
                    .filter_map(toml::Value::as_str)
                    .map(|path| folder.join(path))
                    .collect(),
                _ => Vec::new(),
            }
        };
        let keys = strings(
            table
                .get("forward_auth")
                .and_then(|f| f.get("assertion"))
                .and_then(|a| a.get("signing_keys")),
        );
        let policies = table.get("policies");
        let schema = strings(policies.and_then(|p| p.get("schema")));
        let files = strings(policies.and_then(|p| p.get("files")))
            .into_iter()
            .flat_map(|path| {
                // A glob names the files it matches now.
                match path.to_str().and_then(|text| glob::glob(text).ok()) {
                    Some(found) if path.to_string_lossy().contains(['*', '?', '[']) => {
                        found.filter_map(Result::ok).collect()
                    }
                    _ => vec![path],
                }
            });
        keys.into_iter().chain(schema).chain(files).collect()
    }
}

// The environment holds secrets: only the file is shown.
impl fmt::Debug for SettingsSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SettingsSource")
            .field("guard_config", &self.guard_config())
            .finish()
    }
}

impl Settings {
    /// Reads the process environment (call after [`load_env_file`]).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_os_vars(std::env::vars_os())
    }

    /// As [`Settings::from_vars`], from raw OS strings: a variable of ours
    /// that is not UTF-8 is reported as invalid, by name.
    pub fn from_os_vars<I>(vars: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = (OsString, OsString)>,
    {
        Self::validate(&RawEnv::from_os_vars(vars)?)
    }

    /// Parses settings from explicit variables; tests use this instead of
    /// mutating the process environment.
    pub fn from_vars<I, K, V>(vars: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let map: HashMap<String, String> = vars
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        Self::validate(&RawEnv::from_map(map)?)
    }

    fn validate(raw: &RawEnv) -> Result<Self, ConfigError> {
        let mode = AuthMode::from_raw(raw)?;
        let guard = match non_blank(raw.guard_config.as_deref()) {
            None => GuardFile::default(),
            Some(path) => GuardFile::load(std::path::Path::new(&path), &pool_defaults(raw, mode)?)?,
        };
        let pools = match (guard.pools.is_empty(), &guard.pools_at) {
            (false, Some(at)) => {
                pools::refuse_clash(raw, mode, at)?;
                guard.pools
            }
            _ => vec![pool_env::env_pool(raw, mode)?],
        };
        Ok(Settings {
            mode,
            pools,
            jwks: keys::jwks_tuning(raw)?,
            aws_credentials: admin::aws_credentials(raw, mode)?,
            token_cache: token_cache::token_cache_settings(raw)?,
            cors: browser::cors_settings(raw, mode)?,
            server: server::server_settings(raw, mode)?,
            revocation: revocation::revocation_settings(raw)?,
            forward_auth: guard.forward_auth,
            source: SettingsSource(Arc::new(raw.clone())),
        })
    }
}

/// What the `[[pool]]` tables take from the environment. Dev mode gives
/// them nothing: it refuses the tables themselves, with its own reason.
fn pool_defaults(raw: &RawEnv, mode: AuthMode) -> Result<PoolDefaults, ConfigError> {
    Ok(PoolDefaults {
        leeway: pool_env::leeway(raw)?,
        idp_endpoint: match mode {
            AuthMode::Dev => None,
            AuthMode::Cognito => non_blank(raw.cognito_idp_endpoint.as_deref()),
        },
    })
}

/// Settings from a few variables, for the unit tests of every group.
#[cfg(test)]
mod test_support {
    use super::{ConfigError, Settings};

    /// A valid cognito-mode pool.
    pub(super) fn base() -> Vec<(&'static str, &'static str)> {
        vec![
            ("AWS_REGION", "eu-west-1"),
            ("COGNITO_USER_POOL_ID", "eu-west-1_AbCdEf123"),
            ("COGNITO_CLIENT_ID", "client1"),
        ]
    }

    /// [`base`] with some variables replaced or added.
    pub(super) fn with(extra: &[(&'static str, &'static str)]) -> Result<Settings, ConfigError> {
        let mut vars = base();
        vars.retain(|(k, _)| !extra.iter().any(|(ek, _)| ek == k));
        vars.extend_from_slice(extra);
        Settings::from_vars(vars)
    }

    /// Dev mode with these variables.
    pub(super) fn dev(extra: &[(&'static str, &'static str)]) -> Result<Settings, ConfigError> {
        let mut vars = vec![("AUTH_MODE", "dev")];
        vars.extend_from_slice(extra);
        Settings::from_vars(vars)
    }

    /// The variable an `Invalid` error names.
    pub(super) fn invalid_var(result: Result<Settings, ConfigError>) -> Option<&'static str> {
        match result {
            Err(ConfigError::Invalid { var, .. }) => Some(var),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::test_support::{base, dev, invalid_var, with};
    use super::*;
    use crate::keys::JwksSource;
    use crate::pools::TokenUsePolicy;

    #[test]
    fn defaults_follow_the_contract() {
        let s = with(&[]).expect("valid settings");
        assert_eq!(s.mode, AuthMode::Cognito);
        assert_eq!(
            s.pools[0].issuers,
            vec![
                "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123",
                "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123",
            ]
        );
        assert_eq!(
            s.pools[0].jwks,
            JwksSource::Url(
                "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123/.well-known/jwks.json"
                    .to_owned()
            )
        );
        assert_eq!(s.pools[0].token_use, TokenUsePolicy::Id);
        assert_eq!(s.pools[0].leeway, Duration::ZERO);
        assert_eq!(s.jwks.refresh, Duration::from_secs(900));
        assert_eq!(s.jwks.min_refetch, Duration::from_secs(10));
        assert_eq!(s.jwks.connect_timeout, Duration::from_secs(2));
        assert_eq!(s.jwks.fetch_timeout, Duration::from_secs(5));
        assert_eq!(
            (s.token_cache.entries, s.token_cache.max_bytes),
            (10_000, 16 << 20)
        );
        assert_eq!(s.pools[0].admin_group, "admin");
        assert_eq!(
            s.pools[0].idp_endpoint.to_string(),
            "https://cognito-idp.eu-west-1.amazonaws.com/"
        );
        assert!(s.aws_credentials.is_none());
        assert_eq!(s.server.api.to_string(), "127.0.0.1:6969");
        assert_eq!(s.server.metrics, None);
    }

    #[test]
    fn each_missing_required_variable_is_named() {
        for var in ["AWS_REGION", "COGNITO_USER_POOL_ID", "COGNITO_CLIENT_ID"] {
            let vars: Vec<_> = base().into_iter().filter(|(k, _)| *k != var).collect();
            assert_eq!(
                Settings::from_vars(vars).unwrap_err(),
                ConfigError::Missing(var)
            );
        }
        for (var, other) in [
            ("AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID"),
            ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"),
        ] {
            assert_eq!(
                with(&[(other, "x")]).unwrap_err(),
                ConfigError::Missing(var),
                "half a credential"
            );
        }
    }

    #[test]
    fn malformed_values_are_named() {
        let cases = [
            ("AWS_REGION", "mars"),
            ("COGNITO_USER_POOL_ID", "us-east-1_AbC"),
            ("COGNITO_TOKEN_USE", "refresh"),
            ("AUTH_LEEWAY_SECS", "-1"),
            ("AUTH_LEEWAY_SECS", "ten"),
            ("AUTH_LEEWAY_SECS", "601"),
            ("JWKS_REFRESH_SECS", "0"),
            ("JWKS_CONNECT_TIMEOUT_SECS", "61"),
            ("JWKS_FETCH_TIMEOUT_SECS", "0"),
            ("VERIFIED_TOKEN_CACHE_ENTRIES", "10000001"),
            ("PORT", "70000"),
            ("COGNITO_ISSUER", "cognito-idp.example"),
            ("COGNITO_JWKS_URL", "ftp://example.com/jwks"),
            ("COGNITO_IDP_ENDPOINT", "localhost:9229"),
            ("AUTH_MODE", "bypass"),
        ];
        for (var, value) in cases {
            assert_eq!(invalid_var(with(&[(var, value)])), Some(var), "{value}");
        }
    }

    #[test]
    fn dev_mode_needs_no_pool_settings_and_uses_the_fixed_dev_identity() {
        let s = dev(&[]).expect("valid");
        assert_eq!(s.mode, AuthMode::Dev);
        assert_eq!(s.pools[0].issuers, vec![crate::dev::DEV_ISSUER]);
        assert_eq!(s.pools[0].client_ids, vec![crate::dev::DEV_CLIENT_ID]);
        assert_eq!(s.pools[0].user_pool_id, crate::dev::DEV_USER_POOL_ID);
        assert_eq!(
            s.pools[0].jwks,
            JwksSource::DevIssuer {
                signing_key_file: crate::dev::DEFAULT_DEV_SIGNING_KEY_FILE.into()
            }
        );
        assert!(
            s.jwks.policy(&s.pools[0].jwks).trust_dev_key,
            "its own key, in dev mode"
        );
        let cognito = with(&[]).expect("valid");
        assert!(!cognito.jwks.policy(&cognito.pools[0].jwks).trust_dev_key);
    }

    #[test]
    fn dev_mode_ignores_aws_credentials() {
        let s = dev(&[("AWS_ACCESS_KEY_ID", "a"), ("AWS_SECRET_ACCESS_KEY", "b")]).expect("valid");
        assert!(s.aws_credentials.is_none());
    }

    #[test]
    fn dev_mode_refuses_pool_settings() {
        for var in [
            "AWS_REGION",
            "COGNITO_USER_POOL_ID",
            "COGNITO_CLIENT_ID",
            "COGNITO_ISSUER",
            "COGNITO_JWKS_URL",
            "COGNITO_IDP_ENDPOINT",
        ] {
            assert_eq!(invalid_var(dev(&[(var, "https://example.com")])), Some(var));
        }
    }
}
