//! The revocation group: where the revocation list is shared (`REDIS_URL`),
//! under which names (`REDIS_KEY_PREFIX`), and where revocations Redis has
//! not stored yet are kept (`REVOCATION_SPOOL`).

use std::fmt;
use std::path::PathBuf;

use super::env::RawEnv;
use super::error::{invalid, ConfigError};
use super::values::non_blank;

/// A Redis URL (`redis://` or `rediss://`, credentials allowed). `Debug` and
/// `Display` show it without credentials, so it can be logged.
#[derive(Clone, PartialEq, Eq)]
pub struct RedisUrl {
    url: String,
    shown: String,
}

impl RedisUrl {
    /// Checks the scheme and that the redis client can use it.
    pub fn parse(url: &str) -> Result<Self, ConfigError> {
        let Some((scheme, rest)) = url.split_once("://") else {
            return Err(invalid(
                "REDIS_URL",
                "expected redis://[user:password@]host[:port][/db] or rediss://...",
            ));
        };
        if scheme != "redis" && scheme != "rediss" {
            return Err(invalid(
                "REDIS_URL",
                "the scheme must be redis:// or rediss:// (TLS)",
            ));
        }
        // The reason never repeats the URL: it may hold a password.
        redis::Client::open(url).map_err(|_| {
            invalid(
                "REDIS_URL",
                "not a usable Redis URL (check host, port and database)",
            )
        })?;
        let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
        Ok(RedisUrl {
            url: url.to_owned(),
            shown: format!("{scheme}://{host}"),
        })
    }

    /// The URL itself, credentials included: for the client only.
    pub fn expose(&self) -> &str {
        &self.url
    }
}

impl fmt::Display for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl fmt::Debug for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RedisUrl({})", self.shown)
    }
}

/// The spool file used when `REVOCATION_SPOOL` is unset: in the working
/// directory, as the contract says.
pub const DEFAULT_REVOCATION_SPOOL: &str = "cognito-guard-revocations.spool";

/// The key prefix used when `REDIS_KEY_PREFIX` is unset.
pub const DEFAULT_REDIS_KEY_PREFIX: &str = "cognito-guard";

/// Longest `REDIS_KEY_PREFIX`: keys stay short, and it is a name, not data.
const MAX_PREFIX_LEN: usize = 64;

/// Where revocations live.
#[derive(Debug, Clone)]
pub struct RevocationSettings {
    /// The shared list on Redis; `None`: this instance's memory only.
    pub redis: Option<RedisUrl>,
    /// Prefix of every Redis key and channel (`REDIS_KEY_PREFIX`).
    pub key_prefix: String,
    /// The file keeping revocations Redis has not stored yet (with `redis`).
    pub spool: PathBuf,
}

impl Default for RevocationSettings {
    fn default() -> Self {
        RevocationSettings {
            redis: None,
            key_prefix: DEFAULT_REDIS_KEY_PREFIX.to_owned(),
            spool: PathBuf::from(DEFAULT_REVOCATION_SPOOL),
        }
    }
}

impl RevocationSettings {
    pub(super) fn from_raw(raw: &RawEnv) -> Result<Self, ConfigError> {
        let redis = match non_blank(raw.redis_url.as_deref()) {
            Some(url) => Some(RedisUrl::parse(&url)?),
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
    fn credentials_never_show() {
        let url = RedisUrl::parse("rediss://cg:s3cr%25t@cache.example:6380/2").expect("valid");
        assert_eq!(url.to_string(), "rediss://cache.example:6380/2");
        assert!(!format!("{url:?}").contains("s3cr"));
        assert_eq!(url.expose(), "rediss://cg:s3cr%25t@cache.example:6380/2");
    }

    #[test]
    fn only_redis_schemes_are_accepted_and_errors_do_not_echo() {
        for bad in [
            "http://cache:6379",
            "cache:6379",
            "redis+sentinel://x",
            "redis://:hunter2@",
        ] {
            let error = RedisUrl::parse(bad).map(|_| ()).expect_err(bad).to_string();
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
