//! The revocation group: where the revocation list is shared (`REDIS_URL`),
//! under which names (`REDIS_KEY_PREFIX`), and where revocations Redis has
//! not stored yet are kept (`REVOCATION_SPOOL`).

use std::path::PathBuf;

use super::env::RawEnv;
use super::error::{invalid, ConfigError};
use super::values::non_blank;
use crate::revocation::{
    RedisUrl, RevocationSettings, DEFAULT_REDIS_KEY_PREFIX, DEFAULT_REVOCATION_SPOOL,
};

/// Longest `REDIS_KEY_PREFIX`: keys stay short, and it is a name, not data.
const MAX_PREFIX_LEN: usize = 64;

/// `REDIS_URL`, `REDIS_KEY_PREFIX`, `REVOCATION_SPOOL`.
pub(super) fn revocation_settings(raw: &RawEnv) -> Result<RevocationSettings, ConfigError> {
    let redis = match non_blank(raw.redis_url.as_deref()) {
        Some(url) => Some(RedisUrl::parse(&url).map_err(|reason| invalid("REDIS_URL", reason))?),
        None => None,
    };
    let key_prefix = match non_blank(raw.redis_key_prefix.as_deref()) {
        Some(prefix) => key_prefix(&prefix)?,
        None => DEFAULT_REDIS_KEY_PREFIX.to_owned(),
    };
    let spool = non_blank(raw.revocation_spool.as_deref())
        .map_or_else(|| PathBuf::from(DEFAULT_REVOCATION_SPOOL), PathBuf::from);
    if spool.as_os_str().to_string_lossy().ends_with('/') {
        return Err(invalid(
            "REVOCATION_SPOOL",
            "names a directory; give the path of a file",
        ));
    }
    Ok(RevocationSettings {
        redis,
        key_prefix,
        spool,
    })
}

/// A prefix is a plain name: letters, digits, `-`, `_`, `.`, `:`. No glob
/// characters (the ACL patterns and key scans would read them as
/// wildcards, so one deployment could match another's keys), no braces
/// (hash tags), no spaces.
fn key_prefix(prefix: &str) -> Result<String, ConfigError> {
    let plain = prefix
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    if !plain || prefix.len() > MAX_PREFIX_LEN {
        return Err(invalid(
            "REDIS_KEY_PREFIX",
            format!(
                "expected 1 to {MAX_PREFIX_LEN} letters, digits, `-`, `_`, `.` or `:`, \
                 e.g. `cognito-guard-staging`"
            ),
        ));
    }
    Ok(prefix.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_redis_schemes_are_accepted_and_errors_do_not_echo() {
        for bad in [
            "http://cache:6379",
            "cache:6379",
            "redis+sentinel://x",
            "redis://:hunter2@",
        ] {
            let error = revocation_settings(&RawEnv {
                redis_url: Some(bad.to_owned()),
                ..RawEnv::default()
            })
            .map(|_| ())
            .expect_err(bad)
            .to_string();
            assert!(error.starts_with("REDIS_URL is invalid"), "{error}");
            assert!(!error.contains("hunter2"), "{error}");
        }
    }

    #[test]
    fn key_prefixes_are_plain_names() {
        for good in ["cognito-guard", "prod", "team.a:cg_1"] {
            assert_eq!(key_prefix(good).as_deref(), Ok(good));
        }
        for bad in ["a*", "a?", "[ab]", "{tag}", "a b", "a\\b", &"x".repeat(65)] {
            let error = key_prefix(bad).expect_err(bad).to_string();
            assert!(error.starts_with("REDIS_KEY_PREFIX is invalid"), "{error}");
        }
    }
}
