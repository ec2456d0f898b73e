//! The revocation group: where the revocation list is shared (`REDIS_URL`).

use std::fmt;

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

/// Where revocations live.
#[derive(Debug, Clone, Default)]
pub struct RevocationSettings {
    /// The shared list on Redis; `None`: this instance's memory only.
    pub redis: Option<RedisUrl>,
}

impl RevocationSettings {
    pub(super) fn from_raw(raw: &RawEnv) -> Result<Self, ConfigError> {
        let redis = match non_blank(raw.redis_url.as_deref()) {
            Some(url) => Some(RedisUrl::parse(&url)?),
            None => None,
        };
        Ok(RevocationSettings { redis })
    }
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
}
