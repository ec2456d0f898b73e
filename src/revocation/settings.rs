//! What the revocation list is configured with: where it is shared
//! (`REDIS_URL`), under which names (`REDIS_KEY_PREFIX`), and where
//! revocations Redis has not stored yet are kept (`REVOCATION_SPOOL`).

use std::fmt;
use std::path::PathBuf;

/// A Redis URL (`redis://` or `rediss://`, credentials allowed). `Debug` and
/// `Display` show it without credentials, so it can be logged.
#[derive(Clone, PartialEq, Eq)]
pub struct RedisUrl {
    url: String,
    shown: String,
}

impl RedisUrl {
    /// Checks the scheme and that the redis client can use it.
    /// The reason it cannot be used never repeats the URL: it may hold a
    /// password.
    pub fn parse(url: &str) -> Result<Self, &'static str> {
        let Some((scheme, rest)) = url.split_once("://") else {
            return Err("expected redis://[user:password@]host[:port][/db] or rediss://...");
        };
        if scheme != "redis" && scheme != "rediss" {
            return Err("the scheme must be redis:// or rediss:// (TLS)");
        }
        redis::Client::open(url)
            .map_err(|_| "not a usable Redis URL (check host, port and database)")?;
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
}
