//! Fetching the JWKS document over HTTP(S): the configured URL only, with
//! timeouts, no redirects and a size cap.

use std::sync::Arc;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use thiserror::Error;

/// How the cache talks to the JWKS endpoint.
#[derive(Debug, Clone)]
pub struct JwksPolicy {
    /// Least time between refetches caused by unknown `kid`s.
    pub min_refetch: Duration,
    /// Connecting may take this long; Cognito answers in milliseconds, so
    /// anything slower is an outage, not latency.
    pub connect_timeout: Duration,
    /// A whole fetch, body included, may take this long.
    pub fetch_timeout: Duration,
    /// Whether the committed dev key may be used: in dev mode only. Otherwise
    /// a JWKS key with its modulus is skipped (with a warning), as anyone can
    /// sign with it.
    pub trust_dev_key: bool,
}

impl Default for JwksPolicy {
    fn default() -> Self {
        JwksPolicy {
            min_refetch: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(2),
            fetch_timeout: Duration::from_secs(5),
            trust_dev_key: false,
        }
    }
}

/// Labels of the JWKS fetch counter.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FetchLabels {
    /// The pool whose keys were fetched.
    pub pool: Arc<str>,
    /// `ok`, or what went wrong (see [`JwksError::label`]).
    pub result: &'static str,
}

/// Largest JWKS body accepted; Cognito's is about 1 KiB, and an endpoint
/// that streams more is broken or hostile.
pub const MAX_JWKS_BYTES: usize = 1024 * 1024;

/// Why a JWKS fetch did not produce a usable key set.
#[derive(Debug, Error)]
pub enum JwksError {
    #[error("request failed: {0}")]
    Request(String),
    #[error("endpoint answered HTTP {0}")]
    Status(u16),
    #[error("reading the body failed: {0}")]
    Body(String),
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error("body is not a JWKS document: {0}")]
    NotJwks(String),
    #[error("the JWKS holds no usable RS256 signing key")]
    NoUsableKeys,
}

impl JwksError {
    /// The metric label for this failure.
    pub fn label(&self) -> &'static str {
        match self {
            JwksError::Request(_) => "request_failed",
            JwksError::Status(_) => "bad_status",
            JwksError::Body(_) => "body_failed",
            JwksError::Timeout(_) => "timeout",
            JwksError::NotJwks(_) => "not_jwks",
            JwksError::NoUsableKeys => "no_usable_keys",
        }
    }
}

/// The JWKS document's bytes, or why not.
pub(crate) async fn fetch_body(
    url: &str,
    policy: &JwksPolicy,
) -> Result<actix_web::web::Bytes, JwksError> {
    let fetch = async {
        let client = awc::Client::builder()
            .connector(awc::Connector::new().timeout(policy.connect_timeout))
            .timeout(policy.fetch_timeout)
            // Keys come from the configured URL and nowhere else.
            .disable_redirects()
            .finish();
        let mut response = client
            .get(url)
            .insert_header(("Accept", "application/json"))
            .send()
            .await
            .map_err(|e| match e {
                awc::error::SendRequestError::Timeout
                | awc::error::SendRequestError::Connect(awc::error::ConnectError::Timeout) => {
                    JwksError::Timeout(policy.fetch_timeout)
                }
                other => JwksError::Request(other.to_string()),
            })?;
        if !response.status().is_success() {
            return Err(JwksError::Status(response.status().as_u16()));
        }
        response
            .body()
            .limit(MAX_JWKS_BYTES)
            .await
            .map_err(|e| JwksError::Body(e.to_string()))
    };
    actix_rt::time::timeout(policy.fetch_timeout, fetch)
        .await
        .unwrap_or(Err(JwksError::Timeout(policy.fetch_timeout)))
}
