//! What the key caches are configured with: where one pool's keys come
//! from ([`JwksSource`]) and how every pool's cache fetches them
//! ([`JwksTuning`]).

use std::path::PathBuf;
use std::time::Duration;

use super::JwksPolicy;

/// Where a pool's signing keys come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwksSource {
    /// A JWKS URL: Cognito's, an emulator's or a test server's.
    Url(String),
    /// The built-in dev issuer (`AUTH_MODE=dev`), signing with this key file;
    /// start-up serves its JWKS on loopback and fetches it from there.
    DevIssuer { signing_key_file: PathBuf },
}

impl JwksSource {
    /// The URL, when it is known before start-up.
    pub fn url(&self) -> Option<&str> {
        match self {
            JwksSource::Url(url) => Some(url),
            JwksSource::DevIssuer { .. } => None,
        }
    }
}

/// How every pool's key cache talks to its JWKS endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwksTuning {
    /// Background refresh interval: a key the JWKS drops is refused within this.
    pub refresh: Duration,
    /// Least time between refetches caused by unknown `kid`s, so made-up kids
    /// cost the JWKS endpoint a bounded number of requests. At least 1 s:
    /// zero would disable the limit.
    pub min_refetch: Duration,
    /// Connect timeout of a JWKS fetch.
    pub connect_timeout: Duration,
    /// Timeout of a whole JWKS fetch; also bounds how long a request with an
    /// unknown kid can wait for one.
    pub fetch_timeout: Duration,
}

impl JwksTuning {
    /// The fetch policy of the cache of keys from `source`: only the dev
    /// issuer's cache may use the committed dev key.
    pub fn policy(&self, source: &JwksSource) -> JwksPolicy {
        JwksPolicy {
            min_refetch: self.min_refetch,
            connect_timeout: self.connect_timeout,
            fetch_timeout: self.fetch_timeout,
            trust_dev_key: matches!(source, JwksSource::DevIssuer { .. }),
        }
    }
}
