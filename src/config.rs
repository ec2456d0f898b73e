//! Settings read once from the environment at start and validated, so a bad
//! deployment fails before it listens instead of failing every request.

use std::collections::HashMap;
use std::ffi::OsString;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use thiserror::Error;

use crate::cognito_idp::AwsCredentials;

/// Why the process refused to start; every variant names the variable at fault.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    /// A variable the chosen mode needs was not set (or set to blank).
    #[error("{0} is required but not set")]
    Missing(&'static str),
    /// A variable was set to something unusable.
    #[error("{var} is invalid: {reason}")]
    Invalid { var: &'static str, reason: String },
    /// The environment itself could not be read (e.g. a non-UTF-8 value).
    #[error("could not read the environment: {0}")]
    Environment(String),
}

fn invalid(var: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        var,
        reason: reason.into(),
    }
}

/// Where tokens come from: a real Cognito user pool or the built-in dev issuer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthMode {
    Cognito,
    /// The local issuer of [`crate::dev`], signing with this key file.
    Dev {
        signing_key_file: PathBuf,
    },
}

/// Which Cognito token kinds the server accepts (`COGNITO_TOKEN_USE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenUsePolicy {
    Id,
    Access,
    Any,
}

/// Everything the server needs to run, already validated.
#[derive(Debug, Clone)]
pub struct Settings {
    pub auth_mode: AuthMode,
    pub region: String,
    pub user_pool_id: String,
    /// App client ids whose tokens are accepted.
    pub client_ids: Vec<String>,
    /// Accepted `iss` values; Cognito uses two forms, so the default holds both.
    pub issuers: Vec<String>,
    /// In dev mode, filled in by `Application::build` once the dev issuer's
    /// JWKS endpoint has bound its port.
    pub jwks_url: String,
    pub token_use: TokenUsePolicy,
    /// Clock-skew allowance on `exp` and `nbf`.
    pub leeway: Duration,
    /// Background refresh interval: a key the JWKS drops is refused within this.
    pub jwks_refresh: Duration,
    /// Least time between refetches caused by unknown `kid`s, so made-up kids
    /// cost the JWKS endpoint a bounded number of requests. At least 1 s:
    /// zero would switch the rate limit off.
    pub jwks_min_refetch: Duration,
    /// Connect timeout of a JWKS fetch.
    pub jwks_connect_timeout: Duration,
    /// Timeout of a whole JWKS fetch; also bounds how long a request with an
    /// unknown kid can wait for one.
    pub jwks_fetch_timeout: Duration,
    /// Verified tokens remembered (0 disables the cache).
    pub token_cache_entries: usize,
    /// Byte budget of the verified-token cache.
    pub token_cache_max_bytes: u64,
    pub admin_group: String,
    /// Cognito Identity Provider API endpoint, for the admin user routes.
    pub cognito_idp_endpoint: String,
    /// Credentials for that API; without them the admin user routes answer 503.
    pub aws_credentials: Option<AwsCredentials>,
    pub host: String,
    pub port: u16,
    /// Where `/metrics` is served instead of the API port (`METRICS_ADDR`),
    /// so it need not be exposed with the API.
    pub metrics_addr: Option<ListenAddr>,
}

/// A `host:port` to listen on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenAddr {
    /// A name or an IP address; an IPv6 one without its brackets.
    pub host: String,
    pub port: u16,
}

impl std::fmt::Display for ListenAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// The raw environment as `envy` reads it (it lower-cases the names);
/// everything optional so that each
/// problem can be reported with the variable's name rather than a serde error.
// No `Debug`: it holds the AWS secret key.
#[derive(Default, Deserialize)]
struct RawEnv {
    aws_region: Option<String>,
    cognito_user_pool_id: Option<String>,
    cognito_client_id: Option<String>,
    cognito_issuer: Option<String>,
    cognito_jwks_url: Option<String>,
    cognito_token_use: Option<String>,
    auth_leeway_secs: Option<String>,
    jwks_refresh_secs: Option<String>,
    jwks_min_refetch_secs: Option<String>,
    jwks_connect_timeout_secs: Option<String>,
    jwks_fetch_timeout_secs: Option<String>,
    verified_token_cache_entries: Option<String>,
    verified_token_cache_max_bytes: Option<String>,
    admin_group: Option<String>,
    cognito_idp_endpoint: Option<String>,
    aws_access_key_id: Option<String>,
    aws_secret_access_key: Option<String>,
    aws_session_token: Option<String>,
    auth_mode: Option<String>,
    dev_signing_key_file: Option<String>,
    host: Option<String>,
    port: Option<String>,
    metrics_addr: Option<String>,
}

/// The variables [`RawEnv`] reads, as operators write them (`envy` matches
/// them case-insensitively); a unit test keeps the two lists in step.
const VARIABLES: &[&str] = &[
    "AWS_REGION",
    "COGNITO_USER_POOL_ID",
    "COGNITO_CLIENT_ID",
    "COGNITO_ISSUER",
    "COGNITO_JWKS_URL",
    "COGNITO_TOKEN_USE",
    "AUTH_LEEWAY_SECS",
    "JWKS_REFRESH_SECS",
    "JWKS_MIN_REFETCH_SECS",
    "JWKS_CONNECT_TIMEOUT_SECS",
    "JWKS_FETCH_TIMEOUT_SECS",
    "VERIFIED_TOKEN_CACHE_ENTRIES",
    "VERIFIED_TOKEN_CACHE_MAX_BYTES",
    "ADMIN_GROUP",
    "COGNITO_IDP_ENDPOINT",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AUTH_MODE",
    "DEV_SIGNING_KEY_FILE",
    "HOST",
    "PORT",
    "METRICS_ADDR",
];

impl Settings {
    /// Reads the process environment (call after loading any `.env`).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_os_vars(std::env::vars_os())
    }

    /// As [`Settings::from_vars`], from raw OS strings: a variable of ours
    /// whose value is not UTF-8 is reported as invalid, by name, rather than
    /// skipped (which would report it as missing, or silently use a default).
    /// Other variables that are not UTF-8 are none of our business.
    pub fn from_os_vars<I>(vars: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = (OsString, OsString)>,
    {
        let mut utf8 = Vec::new();
        for (key, value) in vars {
            let Ok(key) = key.into_string() else { continue };
            match value.into_string() {
                Ok(value) => utf8.push((key, value)),
                Err(_) => {
                    if let Some(var) = VARIABLES.iter().find(|v| v.eq_ignore_ascii_case(&key)) {
                        return Err(invalid(var, "is not valid UTF-8"));
                    }
                }
            }
        }
        Self::from_vars(utf8)
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
        let raw: RawEnv =
            envy::from_iter(map).map_err(|e| ConfigError::Environment(e.to_string()))?;
        Self::validate(raw)
    }

    /// How the signing-key cache talks to the JWKS endpoint.
    pub fn jwks_policy(&self) -> crate::jwks::JwksPolicy {
        crate::jwks::JwksPolicy {
            min_refetch: self.jwks_min_refetch,
            connect_timeout: self.jwks_connect_timeout,
            fetch_timeout: self.jwks_fetch_timeout,
            trust_dev_key: matches!(self.auth_mode, AuthMode::Dev { .. }),
        }
    }

    /// Dev mode's pool, client and issuer are fixed values; a pool setting
    /// next to `AUTH_MODE=dev` is a mix-up, refused rather than half-honoured.
    fn apply_dev_identity(raw: &mut RawEnv) -> Result<(), ConfigError> {
        for (var, value) in [
            ("AWS_REGION", &raw.aws_region),
            ("COGNITO_USER_POOL_ID", &raw.cognito_user_pool_id),
            ("COGNITO_CLIENT_ID", &raw.cognito_client_id),
            ("COGNITO_ISSUER", &raw.cognito_issuer),
            ("COGNITO_JWKS_URL", &raw.cognito_jwks_url),
            ("COGNITO_IDP_ENDPOINT", &raw.cognito_idp_endpoint),
        ] {
            if value.as_deref().is_some_and(|v| !v.trim().is_empty()) {
                return Err(invalid(
                    var,
                    "must not be set with AUTH_MODE=dev (the dev issuer's values are fixed)",
                ));
            }
        }
        raw.aws_region = Some(crate::dev::DEV_REGION.to_owned());
        raw.cognito_user_pool_id = Some(crate::dev::DEV_USER_POOL_ID.to_owned());
        raw.cognito_client_id = Some(crate::dev::DEV_CLIENT_ID.to_owned());
        raw.cognito_issuer = Some(crate::dev::DEV_ISSUER.to_owned());
        // Replaced by the dev issuer's own address at start.
        raw.cognito_jwks_url = Some("http://127.0.0.1/unbound".to_owned());
        Ok(())
    }

    fn validate(mut raw: RawEnv) -> Result<Self, ConfigError> {
        let auth_mode = match non_blank(raw.auth_mode.take()).as_deref() {
            None | Some("cognito") => AuthMode::Cognito,
            Some("dev") => AuthMode::Dev {
                signing_key_file: non_blank(raw.dev_signing_key_file.take())
                    .unwrap_or_else(|| crate::dev::DEFAULT_DEV_SIGNING_KEY_FILE.to_owned())
                    .into(),
            },
            Some(other) => {
                return Err(invalid(
                    "AUTH_MODE",
                    format!("expected `cognito` or `dev`, got `{other}`"),
                ))
            }
        };
        if matches!(auth_mode, AuthMode::Dev { .. }) {
            Self::apply_dev_identity(&mut raw)?;
        }

        let region = required("AWS_REGION", raw.aws_region)?;
        if !is_region(&region) {
            return Err(invalid(
                "AWS_REGION",
                "expected a region such as `us-east-1`",
            ));
        }
        let user_pool_id = required("COGNITO_USER_POOL_ID", raw.cognito_user_pool_id)?;
        let client_ids = parse_client_ids(&required("COGNITO_CLIENT_ID", raw.cognito_client_id)?)?;

        let configured_issuer = non_blank(raw.cognito_issuer)
            .map(check_issuer)
            .transpose()?;
        // Anyone can sign for the dev issuer with the committed dev key.
        if auth_mode == AuthMode::Cognito
            && configured_issuer
                .as_deref()
                .is_some_and(|iss| iss.eq_ignore_ascii_case(crate::dev::DEV_ISSUER))
        {
            return Err(invalid(
                "COGNITO_ISSUER",
                "is the built-in dev issuer, which only AUTH_MODE=dev trusts",
            ));
        }
        // The pool id goes into the issuer and JWKS URL only when they are
        // derived from it; with COGNITO_ISSUER set, emulators' ids such as
        // `local_5X9BWQyC` are fine.
        if configured_issuer.is_none() {
            match user_pool_id.split_once('_') {
                Some((prefix, id))
                    if prefix == region
                        && !id.is_empty()
                        && id.chars().all(|c| c.is_ascii_alphanumeric()) => {}
                _ => {
                    return Err(invalid(
                        "COGNITO_USER_POOL_ID",
                        format!("expected `{region}_<id>` (the pool id starts with AWS_REGION)"),
                    ))
                }
            }
        }
        let issuers = match &configured_issuer {
            Some(iss) => vec![iss.clone()],
            None => vec![
                format!("https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"),
                format!("https://issuer-cognito-idp.{region}.amazonaws.com/{user_pool_id}"),
            ],
        };
        let jwks_url = match non_blank(raw.cognito_jwks_url) {
            Some(url) => check_url("COGNITO_JWKS_URL", url)?,
            None => match &configured_issuer {
                Some(iss) => format!("{iss}/.well-known/jwks.json"),
                None => format!(
                    "https://cognito-idp.{region}.amazonaws.com/{user_pool_id}/.well-known/jwks.json"
                ),
            },
        };

        let token_use = match non_blank(raw.cognito_token_use).as_deref() {
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

        let leeway = seconds("AUTH_LEEWAY_SECS", raw.auth_leeway_secs, 0, 0..=600)?;
        let jwks_refresh = seconds("JWKS_REFRESH_SECS", raw.jwks_refresh_secs, 900, 1..=86_400)?;
        let jwks_min_refetch = seconds(
            "JWKS_MIN_REFETCH_SECS",
            raw.jwks_min_refetch_secs,
            10,
            1..=86_400,
        )?;

        let jwks_connect_timeout = seconds(
            "JWKS_CONNECT_TIMEOUT_SECS",
            raw.jwks_connect_timeout_secs,
            2,
            1..=60,
        )?;
        let jwks_fetch_timeout = seconds(
            "JWKS_FETCH_TIMEOUT_SECS",
            raw.jwks_fetch_timeout_secs,
            5,
            1..=60,
        )?;
        let token_cache_entries = number(
            "VERIFIED_TOKEN_CACHE_ENTRIES",
            raw.verified_token_cache_entries,
            10_000,
            0..=10_000_000,
        )? as usize;
        let token_cache_max_bytes = number(
            "VERIFIED_TOKEN_CACHE_MAX_BYTES",
            raw.verified_token_cache_max_bytes,
            16 * 1024 * 1024,
            0..=(16 << 30),
        )?;
        let cognito_idp_endpoint = match non_blank(raw.cognito_idp_endpoint) {
            Some(url) => check_url("COGNITO_IDP_ENDPOINT", url)?,
            None => format!("https://cognito-idp.{region}.amazonaws.com/"),
        };
        // Dev mode manages its own in-memory users; AWS credentials that
        // happen to be in a developer's shell are not used.
        let aws_credentials = if matches!(auth_mode, AuthMode::Dev { .. }) {
            None
        } else {
            match (
                non_blank(raw.aws_access_key_id),
                non_blank(raw.aws_secret_access_key),
            ) {
                (None, None) => None,
                (Some(_), None) => return Err(ConfigError::Missing("AWS_SECRET_ACCESS_KEY")),
                (None, Some(_)) => return Err(ConfigError::Missing("AWS_ACCESS_KEY_ID")),
                (Some(access_key_id), Some(secret_access_key)) => Some(AwsCredentials {
                    access_key_id,
                    secret_access_key,
                    session_token: non_blank(raw.aws_session_token),
                }),
            }
        };
        let admin_group = non_blank(raw.admin_group).unwrap_or_else(|| "admin".to_owned());
        let host = non_blank(raw.host).unwrap_or_else(|| "127.0.0.1".to_owned());
        if matches!(auth_mode, AuthMode::Dev { .. }) && !is_loopback(&host) {
            return Err(invalid(
                "HOST",
                format!("dev mode self-issues tokens, so it listens on loopback only (127.0.0.1, ::1, localhost), not `{host}`"),
            ));
        }
        let port = match non_blank(raw.port) {
            None => 6969,
            Some(p) => p.parse::<u16>().map_err(|_| {
                invalid("PORT", format!("expected a port number 0-65535, got `{p}`"))
            })?,
        };

        let metrics_addr = non_blank(raw.metrics_addr)
            .map(|addr| listen_addr("METRICS_ADDR", &addr))
            .transpose()?;

        Ok(Settings {
            auth_mode,
            region,
            user_pool_id,
            client_ids,
            issuers,
            jwks_url,
            token_use,
            leeway,
            jwks_refresh,
            jwks_min_refetch,
            jwks_connect_timeout,
            jwks_fetch_timeout,
            token_cache_entries,
            token_cache_max_bytes,
            admin_group,
            cognito_idp_endpoint,
            aws_credentials,
            host,
            port,
            metrics_addr,
        })
    }
}

/// A value that is only white space counts as unset: `FOO=` in a `.env` file
/// means "not configured", not "configured to the empty string".
fn non_blank(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn required(var: &'static str, value: Option<String>) -> Result<String, ConfigError> {
    non_blank(value).ok_or(ConfigError::Missing(var))
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn is_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

fn parse_client_ids(value: &str) -> Result<Vec<String>, ConfigError> {
    let ids: Vec<String> = value.split(',').map(|s| s.trim().to_owned()).collect();
    if ids.iter().any(|id| id.is_empty()) {
        return Err(invalid(
            "COGNITO_CLIENT_ID",
            "empty entry in the comma-separated list",
        ));
    }
    if let Some(bad) = ids.iter().find(|id| {
        !id.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    }) {
        return Err(invalid(
            "COGNITO_CLIENT_ID",
            format!("`{bad}` is not an app client id (letters, digits, `-`, `_`)"),
        ));
    }
    Ok(ids)
}

fn check_url(var: &'static str, url: String) -> Result<String, ConfigError> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(rest)
            if !rest.is_empty() && !rest.starts_with('/') && !url.contains(char::is_whitespace) =>
        {
            Ok(url)
        }
        _ => Err(invalid(var, "expected an absolute http:// or https:// URL")),
    }
}

/// `iss` is compared byte for byte, and Cognito's never ends in `/`; an
/// issuer configured with one would match no token, so it is refused rather
/// than quietly trimmed: the operator sees the value that will be compared.
fn check_issuer(iss: String) -> Result<String, ConfigError> {
    let iss = check_url("COGNITO_ISSUER", iss)?;
    if iss.ends_with('/') {
        return Err(invalid(
            "COGNITO_ISSUER",
            "must not end with `/`: tokens' `iss` is compared exactly, and Cognito's never ends with one",
        ));
    }
    Ok(iss)
}

/// `host:port`, `[ipv6]:port`; names are resolved when binding.
fn listen_addr(var: &'static str, value: &str) -> Result<ListenAddr, ConfigError> {
    let error = || {
        invalid(
            var,
            format!("expected host:port, such as 127.0.0.1:9090 or [::1]:9090, got `{value}`"),
        )
    };
    let (host, port) = value.rsplit_once(':').ok_or_else(error)?;
    let port = port.parse::<u16>().map_err(|_| error())?;
    let host = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(v6) => {
            v6.parse::<std::net::Ipv6Addr>().map_err(|_| error())?;
            v6
        }
        None if !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-') =>
        {
            host
        }
        None => return Err(error()),
    };
    Ok(ListenAddr {
        host: host.to_owned(),
        port,
    })
}

fn number(
    var: &'static str,
    value: Option<String>,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64, ConfigError> {
    let n = match non_blank(value) {
        None => default,
        Some(v) => v
            .parse::<u64>()
            .map_err(|_| invalid(var, format!("expected a whole number, got `{v}`")))?,
    };
    if !range.contains(&n) {
        return Err(invalid(
            var,
            format!("must be between {} and {}", range.start(), range.end()),
        ));
    }
    Ok(n)
}

/// A duration in whole seconds.
fn seconds(
    var: &'static str,
    value: Option<String>,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> Result<Duration, ConfigError> {
    number(var, value, default, range).map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Vec<(&'static str, &'static str)> {
        vec![
            ("AWS_REGION", "eu-west-1"),
            ("COGNITO_USER_POOL_ID", "eu-west-1_AbCdEf123"),
            ("COGNITO_CLIENT_ID", "client1"),
        ]
    }

    fn with(extra: &[(&'static str, &'static str)]) -> Result<Settings, ConfigError> {
        let mut vars = base();
        vars.retain(|(k, _)| !extra.iter().any(|(ek, _)| ek == k));
        vars.extend_from_slice(extra);
        Settings::from_vars(vars)
    }

    #[test]
    fn defaults_follow_the_contract() {
        let s = with(&[]).expect("valid settings");
        assert_eq!(s.auth_mode, AuthMode::Cognito);
        assert_eq!(
            s.issuers,
            vec![
                "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123",
                "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123",
            ]
        );
        assert_eq!(
            s.jwks_url,
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123/.well-known/jwks.json"
        );
        assert_eq!(s.token_use, TokenUsePolicy::Id);
        assert_eq!(s.leeway, Duration::ZERO);
        assert_eq!(s.jwks_refresh, Duration::from_secs(900));
        assert_eq!(s.jwks_min_refetch, Duration::from_secs(10));
        assert_eq!(s.admin_group, "admin");
        assert_eq!((s.host.as_str(), s.port), ("127.0.0.1", 6969));
    }

    #[test]
    fn configured_issuer_replaces_both_forms_and_moves_the_jwks_url() {
        let s = with(&[("COGNITO_ISSUER", "http://127.0.0.1:9229/pool")]).expect("valid");
        assert_eq!(s.issuers, vec!["http://127.0.0.1:9229/pool"]);
        assert_eq!(
            s.jwks_url,
            "http://127.0.0.1:9229/pool/.well-known/jwks.json"
        );
    }

    #[test]
    fn client_ids_are_a_comma_separated_list() {
        let s = with(&[("COGNITO_CLIENT_ID", "a1, b2 ,c3")]).expect("valid");
        assert_eq!(s.client_ids, vec!["a1", "b2", "c3"]);
        assert!(matches!(
            with(&[("COGNITO_CLIENT_ID", "a1,,b2")]),
            Err(ConfigError::Invalid {
                var: "COGNITO_CLIENT_ID",
                ..
            })
        ));
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
    }

    #[test]
    fn malformed_values_are_named() {
        let cases = [
            ("AWS_REGION", "mars"),
            ("COGNITO_USER_POOL_ID", "us-east-1_AbC"),
            ("COGNITO_TOKEN_USE", "refresh"),
            ("AUTH_LEEWAY_SECS", "-1"),
            ("AUTH_LEEWAY_SECS", "ten"),
            ("JWKS_REFRESH_SECS", "0"),
            ("PORT", "70000"),
            ("COGNITO_ISSUER", "cognito-idp.example"),
            ("COGNITO_JWKS_URL", "ftp://example.com/jwks"),
            ("AUTH_MODE", "bypass"),
        ];
        for (var, value) in cases {
            match with(&[(var, value)]) {
                Err(ConfigError::Invalid { var: named, .. }) => assert_eq!(named, var, "{value}"),
                other => panic!("{var}={value}: expected Invalid, got {other:?}"),
            }
        }
    }

    #[test]
    fn a_min_refetch_of_zero_is_refused_because_it_disables_the_rate_limit() {
        assert!(matches!(
            with(&[("JWKS_MIN_REFETCH_SECS", "0")]),
            Err(ConfigError::Invalid {
                var: "JWKS_MIN_REFETCH_SECS",
                ..
            })
        ));
        let s = with(&[("JWKS_MIN_REFETCH_SECS", "1")]).expect("1 second is allowed");
        assert_eq!(s.jwks_min_refetch, Duration::from_secs(1));
    }

    #[test]
    fn an_issuer_ending_in_a_slash_is_refused_as_it_would_match_no_token() {
        assert!(matches!(
            with(&[("COGNITO_ISSUER", "http://127.0.0.1:9229/pool/")]),
            Err(ConfigError::Invalid {
                var: "COGNITO_ISSUER",
                ..
            })
        ));
    }

    #[test]
    fn with_an_issuer_set_any_pool_id_is_accepted() {
        let s = with(&[
            ("COGNITO_USER_POOL_ID", "local_5X9BWQyC"),
            ("COGNITO_ISSUER", "http://localhost:9229/local_5X9BWQyC"),
        ])
        .expect("cognito-local's pool ids are accepted with an issuer");
        assert_eq!(s.user_pool_id, "local_5X9BWQyC");
        assert_eq!(s.issuers, vec!["http://localhost:9229/local_5X9BWQyC"]);
        assert!(
            matches!(
                with(&[("COGNITO_USER_POOL_ID", "local_5X9BWQyC")]),
                Err(ConfigError::Invalid {
                    var: "COGNITO_USER_POOL_ID",
                    ..
                })
            ),
            "without an issuer the pool id must start with the region"
        );
    }

    #[test]
    fn cognito_mode_refuses_the_dev_issuer() {
        assert!(matches!(
            with(&[("COGNITO_ISSUER", crate::dev::DEV_ISSUER)]),
            Err(ConfigError::Invalid {
                var: "COGNITO_ISSUER",
                ..
            })
        ));
    }

    #[test]
    fn a_non_utf8_value_of_ours_is_invalid_and_others_are_ignored() {
        use std::os::unix::ffi::OsStringExt as _;
        let os = |vars: Vec<(&str, Vec<u8>)>| {
            let mut all: Vec<(OsString, OsString)> = base()
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect();
            all.extend(
                vars.into_iter()
                    .map(|(k, v)| (OsString::from(k), OsString::from_vec(v))),
            );
            Settings::from_os_vars(all)
        };
        assert_eq!(
            os(vec![("ADMIN_GROUP", b"adm\xffin".to_vec())]).unwrap_err(),
            invalid("ADMIN_GROUP", "is not valid UTF-8")
        );
        assert!(os(vec![("SOME_OTHER_TOOL", b"\xff".to_vec())]).is_ok());
    }

    /// Captures the field names serde's derive hands to `deserialize_struct`.
    struct FieldNames(&'static [&'static str]);

    impl<'de> serde::Deserializer<'de> for &mut FieldNames {
        type Error = serde::de::value::Error;
        fn deserialize_any<V: serde::de::Visitor<'de>>(
            self,
            _: V,
        ) -> Result<V::Value, Self::Error> {
            Err(serde::de::Error::custom("only structs"))
        }
        fn deserialize_struct<V: serde::de::Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            self.0 = fields;
            Err(serde::de::Error::custom("names captured"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct map enum identifier ignored_any
        }
    }

    #[test]
    fn the_variable_list_names_every_field_of_the_raw_environment() {
        let mut names = FieldNames(&[]);
        let _ = RawEnv::deserialize(&mut names);
        let listed: Vec<String> = VARIABLES.iter().map(|v| v.to_ascii_lowercase()).collect();
        assert_eq!(listed, names.0);
    }

    #[test]
    fn metrics_addr_is_a_host_and_port() {
        assert_eq!(with(&[]).expect("valid").metrics_addr, None);
        for (value, host, port) in [
            ("127.0.0.1:9090", "127.0.0.1", 9090),
            ("[::1]:0", "::1", 0),
            ("metrics.internal:9100", "metrics.internal", 9100),
        ] {
            let addr = with(&[("METRICS_ADDR", value)])
                .expect(value)
                .metrics_addr
                .expect("set");
            assert_eq!((addr.host.as_str(), addr.port), (host, port));
            assert_eq!(addr.to_string(), value);
        }
        for value in [
            "9090",
            "127.0.0.1",
            "host:99999",
            ":9090",
            "::1:9090",
            "[nope]:1",
            "a b:1",
        ] {
            assert!(
                matches!(
                    with(&[("METRICS_ADDR", value)]),
                    Err(ConfigError::Invalid {
                        var: "METRICS_ADDR",
                        ..
                    })
                ),
                "{value}"
            );
        }
    }

    fn dev(extra: &[(&'static str, &'static str)]) -> Result<Settings, ConfigError> {
        let mut vars = vec![("AUTH_MODE", "dev")];
        vars.extend_from_slice(extra);
        Settings::from_vars(vars)
    }

    #[test]
    fn dev_mode_needs_no_pool_settings_and_uses_the_fixed_dev_identity() {
        let s = dev(&[]).expect("valid");
        assert!(matches!(s.auth_mode, AuthMode::Dev { .. }));
        assert_eq!(s.issuers, vec![crate::dev::DEV_ISSUER]);
        assert_eq!(s.client_ids, vec![crate::dev::DEV_CLIENT_ID]);
    }

    #[test]
    fn dev_mode_listens_on_loopback_only() {
        for host in ["127.0.0.1", "::1", "[::1]", "localhost", "127.1.2.3"] {
            assert!(dev(&[("HOST", host)]).is_ok(), "{host}");
        }
        for host in ["0.0.0.0", "::", "192.168.1.10", "example.com"] {
            assert!(
                matches!(
                    dev(&[("HOST", host)]),
                    Err(ConfigError::Invalid { var: "HOST", .. })
                ),
                "{host}"
            );
        }
        assert!(
            with(&[("HOST", "0.0.0.0")]).is_ok(),
            "cognito mode may listen anywhere"
        );
    }

    #[test]
    fn dev_mode_refuses_pool_settings() {
        assert!(matches!(
            dev(&[("COGNITO_ISSUER", "https://example.com")]),
            Err(ConfigError::Invalid {
                var: "COGNITO_ISSUER",
                ..
            })
        ));
    }
}
