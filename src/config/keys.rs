//! The keys group: where the environment pool's signing keys come from,
//! and how every key cache fetches them (refresh interval, unknown-`kid`
//! rate limit, timeouts).

use super::env::RawEnv;
use super::error::ConfigError;
use super::values::{check_url, non_blank, refuse_in_dev_mode, seconds};
use super::AuthMode;
use crate::keys::{JwksSource, JwksTuning};
use crate::pools::cognito_jwks_url;

/// Default background refresh: Cognito rotates keys rarely, and a key it
/// withdraws stops being accepted within this (15 minutes).
const DEFAULT_REFRESH_SECS: u64 = 900;
/// Default least time between unknown-`kid` refetches: a real rotation is
/// picked up within seconds, while made-up kids cost the JWKS endpoint at
/// most one request per this.
const DEFAULT_MIN_REFETCH_SECS: u64 = 10;
/// Default connect timeout: Cognito answers in milliseconds, so anything
/// slower is an outage, not latency.
const DEFAULT_CONNECT_TIMEOUT_SECS: u64 = 2;
/// Default timeout of a whole fetch; it also bounds how long a request with
/// an unknown kid can wait.
const DEFAULT_FETCH_TIMEOUT_SECS: u64 = 5;
/// Longest refresh interval and refetch spacing: a day; anything longer
/// would keep a withdrawn key trusted for longer than any Cognito token lives.
const MAX_INTERVAL_SECS: u64 = 86_400;
/// Longest fetch timeout: beyond a minute a request would rather fail.
const MAX_TIMEOUT_SECS: u64 = 60;

/// The environment pool's key source: the dev issuer's key in dev mode;
/// else `COGNITO_JWKS_URL`, or the JWKS under the pool's first issuer.
pub(super) fn jwks_source(
    raw: &RawEnv,
    mode: AuthMode,
    issuers: &[String],
) -> Result<JwksSource, ConfigError> {
    match mode {
        AuthMode::Dev => {
            refuse_in_dev_mode(&[("COGNITO_JWKS_URL", raw.cognito_jwks_url.as_deref())])?;
            Ok(JwksSource::DevIssuer {
                signing_key_file: non_blank(raw.dev_signing_key_file.as_deref())
                    .unwrap_or_else(|| crate::dev::DEFAULT_DEV_SIGNING_KEY_FILE.to_owned())
                    .into(),
            })
        }
        AuthMode::Cognito => Ok(JwksSource::Url(
            match non_blank(raw.cognito_jwks_url.as_deref()) {
                Some(url) => check_url("COGNITO_JWKS_URL", url)?,
                // Cognito publishes the keys under the issuer, in its first
                // (`cognito-idp.`) form when derived from the pool.
                None => cognito_jwks_url(issuers.first().map_or("", String::as_str)),
            },
        )),
    }
}

/// `JWKS_REFRESH_SECS`, `JWKS_MIN_REFETCH_SECS`, `JWKS_CONNECT_TIMEOUT_SECS`,
/// `JWKS_FETCH_TIMEOUT_SECS`: how every pool's key cache fetches.
pub(super) fn jwks_tuning(raw: &RawEnv) -> Result<JwksTuning, ConfigError> {
    Ok(JwksTuning {
        refresh: seconds(
            "JWKS_REFRESH_SECS",
            raw.jwks_refresh_secs.as_deref(),
            DEFAULT_REFRESH_SECS,
            1..=MAX_INTERVAL_SECS,
        )?,
        min_refetch: seconds(
            "JWKS_MIN_REFETCH_SECS",
            raw.jwks_min_refetch_secs.as_deref(),
            DEFAULT_MIN_REFETCH_SECS,
            1..=MAX_INTERVAL_SECS,
        )?,
        connect_timeout: seconds(
            "JWKS_CONNECT_TIMEOUT_SECS",
            raw.jwks_connect_timeout_secs.as_deref(),
            DEFAULT_CONNECT_TIMEOUT_SECS,
            1..=MAX_TIMEOUT_SECS,
        )?,
        fetch_timeout: seconds(
            "JWKS_FETCH_TIMEOUT_SECS",
            raw.jwks_fetch_timeout_secs.as_deref(),
            DEFAULT_FETCH_TIMEOUT_SECS,
            1..=MAX_TIMEOUT_SECS,
        )?,
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::test_support::{invalid_var, with};
    use crate::keys::JwksSource;

    #[test]
    fn the_jwks_url_follows_a_configured_issuer_unless_set() {
        let s = with(&[("COGNITO_ISSUER", "http://127.0.0.1:9229/pool")]).expect("valid");
        assert_eq!(
            s.pools[0].jwks.url(),
            Some("http://127.0.0.1:9229/pool/.well-known/jwks.json")
        );
        let s = with(&[
            ("COGNITO_ISSUER", "http://127.0.0.1:9229/pool"),
            ("COGNITO_JWKS_URL", "http://127.0.0.1:1/keys"),
        ])
        .expect("valid");
        assert_eq!(
            s.pools[0].jwks,
            JwksSource::Url("http://127.0.0.1:1/keys".to_owned())
        );
    }

    #[test]
    fn a_min_refetch_of_zero_is_refused_because_it_disables_the_rate_limit() {
        assert_eq!(
            invalid_var(with(&[("JWKS_MIN_REFETCH_SECS", "0")])),
            Some("JWKS_MIN_REFETCH_SECS")
        );
        let s = with(&[("JWKS_MIN_REFETCH_SECS", "1")]).expect("1 second is allowed");
        assert_eq!(s.jwks.min_refetch, Duration::from_secs(1));
        assert_eq!(
            s.jwks.policy(&s.pools[0].jwks).min_refetch,
            Duration::from_secs(1)
        );
    }
}
