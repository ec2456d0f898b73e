//! The raw environment: the optional `.env` file, then every variable we
//! read, as `envy` sees it, before any validation.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::Path;

use serde::Deserialize;

use super::error::{invalid, ConfigError};

/// Loads a `.env` file into the process environment (variables already set
/// win): `explicit` (from `--env-file`) must exist; `./.env` may be absent.
pub fn load_env_file(explicit: Option<&Path>) -> Result<(), ConfigError> {
    let loaded = match explicit {
        Some(path) => dotenvy::from_path(path).map(|_| ()),
        None => dotenvy::dotenv().map(|_| ()),
    };
    match loaded {
        Err(e) if explicit.is_some() || !e.not_found() => Err(ConfigError::EnvFile {
            file: explicit.map_or_else(|| ".env".to_owned(), |p| p.display().to_string()),
            reason: e.to_string(),
        }),
        _ => Ok(()),
    }
}

/// The raw environment as `envy` reads it (it lower-cases the names);
/// everything optional so that each problem can be reported with the
/// variable's name rather than a serde error.
// No `Debug`: it holds the AWS secret key.
#[derive(Default, Clone, Deserialize)]
pub(super) struct RawEnv {
    pub aws_region: Option<String>,
    pub cognito_user_pool_id: Option<String>,
    pub cognito_client_id: Option<String>,
    pub cognito_issuer: Option<String>,
    pub cognito_jwks_url: Option<String>,
    pub cognito_token_use: Option<String>,
    pub auth_leeway_secs: Option<String>,
    pub jwks_refresh_secs: Option<String>,
    pub jwks_min_refetch_secs: Option<String>,
    pub jwks_connect_timeout_secs: Option<String>,
    pub jwks_fetch_timeout_secs: Option<String>,
    pub verified_token_cache_entries: Option<String>,
    pub verified_token_cache_max_bytes: Option<String>,
    pub admin_group: Option<String>,
    pub admin_scope: Option<String>,
    pub cors_allowed_origins: Option<String>,
    pub cognito_idp_endpoint: Option<String>,
    pub aws_access_key_id: Option<String>,
    pub aws_secret_access_key: Option<String>,
    pub aws_session_token: Option<String>,
    pub auth_mode: Option<String>,
    pub dev_signing_key_file: Option<String>,
    pub host: Option<String>,
    pub port: Option<String>,
    pub metrics_addr: Option<String>,
    pub http_workers: Option<String>,
    pub redis_url: Option<String>,
    pub guard_config: Option<String>,
    pub revocation_spool: Option<String>,
    pub redis_key_prefix: Option<String>,
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
    "ADMIN_SCOPE",
    "CORS_ALLOWED_ORIGINS",
    "COGNITO_IDP_ENDPOINT",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AUTH_MODE",
    "DEV_SIGNING_KEY_FILE",
    "HOST",
    "PORT",
    "METRICS_ADDR",
    "HTTP_WORKERS",
    "REDIS_URL",
    "GUARD_CONFIG",
    "REVOCATION_SPOOL",
    "REDIS_KEY_PREFIX",
];

impl RawEnv {
    /// From raw OS strings: a variable of ours whose value is not UTF-8 is
    /// reported as invalid, by name, rather than skipped (which would report
    /// it as missing, or silently use a default). Other variables that are
    /// not UTF-8 are none of our business.
    pub fn from_os_vars<I>(vars: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = (OsString, OsString)>,
    {
        let mut utf8 = HashMap::new();
        for (key, value) in vars {
            let Ok(key) = key.into_string() else { continue };
            match value.into_string() {
                Ok(value) => {
                    utf8.insert(key, value);
                }
                Err(_) => {
                    if let Some(var) = VARIABLES.iter().find(|v| v.eq_ignore_ascii_case(&key)) {
                        return Err(invalid(var, "is not valid UTF-8"));
                    }
                }
            }
        }
        Self::from_map(utf8)
    }

    /// From variables already known to be text.
    pub fn from_map(vars: HashMap<String, String>) -> Result<Self, ConfigError> {
        envy::from_iter(vars).map_err(|e| ConfigError::Environment(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a_non_utf8_value_of_ours_is_invalid_and_others_are_ignored() {
        use std::os::unix::ffi::OsStringExt as _;
        let read = |key: &str, value: &[u8]| {
            RawEnv::from_os_vars([(OsString::from(key), OsString::from_vec(value.to_vec()))])
        };
        assert!(matches!(
            read("ADMIN_GROUP", b"adm\xffin"),
            Err(ConfigError::Invalid {
                var: "ADMIN_GROUP",
                ..
            })
        ));
        assert!(matches!(
            read("admin_group", b"\xff"),
            Err(ConfigError::Invalid {
                var: "ADMIN_GROUP",
                ..
            })
        ));
        assert!(read("SOME_OTHER_TOOL", b"\xff").is_ok());
    }
}
