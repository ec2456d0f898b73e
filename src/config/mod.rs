//! Settings read once from the environment at start, validated group by
//! group (cognito, keys, token cache, admin API, browsers, server, the
//! `GUARD_CONFIG` file), and
//! final from then on: a bad deployment fails before it listens instead of
//! failing every request, and nothing rewrites the settings afterwards.

mod admin;
mod browser;
mod cognito;
mod env;
mod error;
mod guard_file;
mod keys;
mod pools;
mod revocation;
mod server;
mod token_cache;
mod values;

use std::collections::HashMap;
use std::ffi::OsString;

pub use admin::AdminSettings;
pub use browser::{BrowserSettings, DEV_DEFAULT_ORIGINS};
pub use cognito::{CognitoSettings, TokenUsePolicy};
pub use env::load_env_file;
pub use error::ConfigError;
pub use guard_file::{ForwardAuthSettings, Gateway, GuardFile, RuleSettings};
pub use keys::{JwksSource, KeySettings};
pub use revocation::{RedisUrl, RevocationSettings};
pub use server::{ListenAddr, ServerSettings};
pub use token_cache::TokenCacheSettings;

use env::RawEnv;
use error::invalid;
use values::non_blank;

/// Where tokens come from: a real Cognito user pool or the built-in dev issuer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    Cognito,
    /// The local issuer of [`crate::dev`]; its key is [`JwksSource::DevIssuer`]'s.
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

/// Everything the server needs to run, already validated. Tests build one
/// with [`Settings::from_vars`] and tweak its fields.
#[derive(Debug, Clone)]
pub struct Settings {
    pub mode: AuthMode,
    /// Pool, clients, issuers, token kinds: what the claim rules check.
    pub cognito: CognitoSettings,
    /// Where the signing keys come from and how they are fetched.
    pub keys: KeySettings,
    /// The verified-token cache's bounds.
    pub token_cache: TokenCacheSettings,
    /// The admin routes' group and the Cognito API behind them.
    pub admin: AdminSettings,
    /// Which web origins' pages may call the API (CORS).
    pub browser: BrowserSettings,
    /// The listeners.
    pub server: ServerSettings,
    /// Where the revocation list lives.
    pub revocation: RevocationSettings,
    /// What `GUARD_CONFIG` holds: the user pools and the gateway rules
    /// (forward-auth).
    pub guard: GuardFile,
    /// The name of the pool `cognito`, `keys` and `admin` describe:
    /// [`crate::pools::DEFAULT_POOL`] from the variables, else its
    /// `[[pool]]` table's.
    pub pool_name: String,
    /// Whether that pool comes from a `[[pool]]` table.
    pub pool_from_table: bool,
    /// The `[[pool]]` tables after the first, in file order.
    pub more_pools: Vec<PoolConfig>,
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
            Some(path) => GuardFile::load(std::path::Path::new(&path))?,
        };
        let env = raw;
        let (pooled, pool_name, from_table);
        let raw = match (guard.pools.first(), &guard.pools_at) {
            (Some(first), Some(at)) => {
                pools::refuse_clash(raw, mode, at)?;
                pool_name = first.name.clone();
                from_table = true;
                pooled = pools::as_variables(raw, first);
                &pooled
            }
            _ => {
                pool_name = crate::pools::DEFAULT_POOL.to_owned();
                from_table = false;
                raw
            }
        };
        let cognito = CognitoSettings::from_raw(raw, mode)?;
        let keys = KeySettings::from_raw(raw, mode, &cognito)?;
        let admin = AdminSettings::from_raw(raw, mode, &cognito.region)?;
        // The other tables, each checked and defaulted as the first.
        let more_pools = guard
            .pools
            .iter()
            .skip(1)
            .map(|pool| PoolConfig::from_raw(&pools::as_variables(env, pool), mode, &pool.name))
            .collect::<Result<Vec<_>, _>>()?;
        let token_cache = TokenCacheSettings::from_raw(raw)?;
        let browser = BrowserSettings::from_raw(raw, mode)?;
        let server = ServerSettings::from_raw(raw, mode)?;
        let revocation = RevocationSettings::from_raw(raw)?;
        Ok(Settings {
            mode,
            cognito,
            keys,
            token_cache,
            admin,
            browser,
            server,
            revocation,
            guard,
            pool_name,
            pool_from_table: from_table,
            more_pools,
        })
    }

    /// Every pool to serve, in order: the one `cognito`, `keys` and `admin`
    /// describe, then the other `[[pool]]` tables.
    pub fn pools(&self) -> Vec<PoolConfig> {
        let first = PoolConfig {
            name: self.pool_name.clone(),
            from_table: self.pool_from_table,
            cognito: self.cognito.clone(),
            keys: self.keys.clone(),
            admin: self.admin.clone(),
        };
        std::iter::once(first)
            .chain(self.more_pools.iter().cloned())
            .collect()
    }
}

/// One pool's settings, as the server builds it: what the single-pool
/// variables say, under a name.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// `default` from the variables, else its `[[pool]]` table's.
    pub name: String,
    /// Whether it comes from a `[[pool]]` table.
    pub from_table: bool,
    /// Issuers, clients, token kinds.
    pub cognito: CognitoSettings,
    /// Its key source, and the shared tuning.
    pub keys: KeySettings,
    /// Its admin terms and IdP endpoint (credentials are shared).
    pub admin: AdminSettings,
}

impl PoolConfig {
    /// A `[[pool]]` table's settings, from the variables it stands for.
    fn from_raw(raw: &RawEnv, mode: AuthMode, name: &str) -> Result<Self, ConfigError> {
        let cognito = CognitoSettings::from_raw(raw, mode)?;
        let keys = KeySettings::from_raw(raw, mode, &cognito)?;
        let admin = AdminSettings::from_raw(raw, mode, &cognito.region)?;
        Ok(PoolConfig {
            name: name.to_owned(),
            from_table: true,
            cognito,
            keys,
            admin,
        })
    }
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

    #[test]
    fn defaults_follow_the_contract() {
        let s = with(&[]).expect("valid settings");
        assert_eq!(s.mode, AuthMode::Cognito);
        assert_eq!(
            s.cognito.issuers,
            vec![
                "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123",
                "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123",
            ]
        );
        assert_eq!(
            s.keys.source,
            JwksSource::Url(
                "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123/.well-known/jwks.json"
                    .to_owned()
            )
        );
        assert_eq!(s.cognito.token_use, TokenUsePolicy::Id);
        assert_eq!(s.cognito.leeway, Duration::ZERO);
        assert_eq!(s.keys.refresh, Duration::from_secs(900));
        assert_eq!(s.keys.min_refetch, Duration::from_secs(10));
        assert_eq!(s.keys.connect_timeout, Duration::from_secs(2));
        assert_eq!(s.keys.fetch_timeout, Duration::from_secs(5));
        assert_eq!(
            (s.token_cache.entries, s.token_cache.max_bytes),
            (10_000, 16 << 20)
        );
        assert_eq!(s.admin.group, "admin");
        assert_eq!(
            s.admin.idp_endpoint.to_string(),
            "https://cognito-idp.eu-west-1.amazonaws.com/"
        );
        assert!(s.admin.aws_credentials.is_none());
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
        assert_eq!(s.cognito.issuers, vec![crate::dev::DEV_ISSUER]);
        assert_eq!(s.cognito.client_ids, vec![crate::dev::DEV_CLIENT_ID]);
        assert_eq!(s.cognito.user_pool_id, crate::dev::DEV_USER_POOL_ID);
        assert_eq!(
            s.keys.source,
            JwksSource::DevIssuer {
                signing_key_file: crate::dev::DEFAULT_DEV_SIGNING_KEY_FILE.into()
            }
        );
        assert!(s.keys.policy().trust_dev_key, "its own key, in dev mode");
        assert!(!with(&[]).expect("valid").keys.policy().trust_dev_key);
    }

    #[test]
    fn dev_mode_ignores_aws_credentials() {
        let s = dev(&[("AWS_ACCESS_KEY_ID", "a"), ("AWS_SECRET_ACCESS_KEY", "b")]).expect("valid");
        assert!(s.admin.aws_credentials.is_none());
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
