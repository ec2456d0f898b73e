//! Minting: the claims signed with the first key, as a compact JWS. An
//! assertion is reused for the same verified token and rule until less
//! than a tenth of its life is left, so signing is not on every request.
//! The reuse cache belongs to one rule set: a reload builds a new one, so
//! an assertion of the old configuration is never served under the new.
//! A revoked token never reaches here (it is refused first).

use std::sync::Weak;

use actix_web::http::header::HeaderValue;
use aws_lc_rs::rand::{SecureRandom as _, SystemRandom};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use quick_cache::sync::Cache;
use serde_json::json;
use thiserror::Error;

use super::claims::{assertion_claims, Audience};
use super::metrics::AssertionMetrics;
use super::settings::AssertionSettings;
use crate::auth::claims::ClaimsInner;
use crate::auth::Caller;

/// The largest assertion sent: gateways and upstreams refuse larger
/// headers, and a truncated identity must never be sent.
pub const MAX_ASSERTION_BYTES: usize = 8 * 1024;

/// Assertions remembered for reuse (token and rule pairs).
const REUSED: usize = 4096;

/// Why no assertion could be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum AssertionError {
    /// Over [`MAX_ASSERTION_BYTES`] (thousands of groups).
    #[error("the identity assertion would exceed 8 KiB (too many groups or claims)")]
    TooLarge,
    /// The signature failed (should not happen with a valid key).
    #[error("the identity assertion could not be signed")]
    Signing,
    /// The token is past its `exp` (accepted within the clock-skew
    /// allowance): an assertion may not outlive it, so none can be valid.
    #[error("the token has expired: no identity assertion can outlive it")]
    TokenExpired,
}

impl AssertionError {
    /// A stable snake_case name, for logs.
    pub fn label(self) -> &'static str {
        match self {
            AssertionError::TooLarge => "assertion_too_large",
            AssertionError::Signing => "assertion_signing",
            AssertionError::TokenExpired => "expired",
        }
    }
}

/// A minted assertion, kept for reuse.
#[derive(Clone)]
struct Minted {
    /// The verified token it was minted for: its claims, held weakly so
    /// that their address, the cache key, is not reused while this lives.
    claims: Weak<ClaimsInner>,
    value: HeaderValue,
    /// Reused until then: when less than a tenth of its life is left.
    renew_at: u64,
}

/// Mints the assertions of one rule set.
pub struct Minter {
    settings: AssertionSettings,
    reused: Cache<(usize, usize), Minted>,
    metrics: AssertionMetrics,
}

impl std::fmt::Debug for Minter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Minter")
            .field("settings", &self.settings)
            .finish()
    }
}

impl Minter {
    /// A minter of `settings`, counting in `metrics`.
    pub fn new(settings: AssertionSettings, metrics: AssertionMetrics) -> Self {
        Minter {
            settings,
            reused: Cache::new(REUSED),
            metrics,
        }
    }

    /// The public keys, as `/.well-known/jwks.json` serves them.
    pub fn jwks(&self) -> serde_json::Value {
        let keys: Vec<_> = self.settings.keys.iter().map(|k| k.jwk().clone()).collect();
        json!({ "keys": keys })
    }

    /// The assertion for `caller` under the rule `rule_index` (`audience`)
    /// at `now` (seconds since the epoch): reused, or signed.
    pub fn assertion(
        &self,
        caller: &Caller,
        rule_index: usize,
        audience: Audience<'_>,
        now: u64,
    ) -> Result<HeaderValue, AssertionError> {
        let claims = caller.claims();
        let key = (claims.identity_address(), rule_index);
        if let Some(minted) = self.reused.get(&key) {
            let same_token = minted.claims.upgrade().is_some_and(|held| claims.is(&held));
            if same_token && now < minted.renew_at {
                self.metrics.count("reused");
                return Ok(minted.value);
            }
        }
        if claims.exp <= now {
            return Err(AssertionError::TokenExpired);
        }
        let exp = (now + self.settings.lifetime.as_secs()).min(claims.exp);
        let value = self.sign(caller, audience, now, exp).inspect_err(|e| {
            if *e == AssertionError::TooLarge {
                self.metrics.count("too_large");
            }
        })?;
        self.metrics.count("signed");
        let life = exp.saturating_sub(now);
        self.reused.insert(
            key,
            Minted {
                claims: claims.downgrade(),
                value: value.clone(),
                renew_at: exp - life.div_ceil(10),
            },
        );
        Ok(value)
    }

    fn sign(
        &self,
        caller: &Caller,
        audience: Audience<'_>,
        iat: u64,
        exp: u64,
    ) -> Result<HeaderValue, AssertionError> {
        let key = self.settings.keys.first().ok_or(AssertionError::Signing)?;
        let mut jti = [0u8; 16];
        SystemRandom::new()
            .fill(&mut jti)
            .map_err(|_| AssertionError::Signing)?;
        let claims = assertion_claims(
            &self.settings.issuer,
            caller,
            audience,
            (iat, exp),
            &URL_SAFE_NO_PAD.encode(jti),
        );
        let header = json!({ "alg": "ES256", "typ": "JWT", "kid": key.kid() });
        let mut jwt = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(serde_json::Value::Object(claims).to_string())
        );
        // The signature adds 87 characters; refuse before signing.
        if jwt.len() + 87 > MAX_ASSERTION_BYTES {
            return Err(AssertionError::TooLarge);
        }
        let signature = key.sign(jwt.as_bytes()).ok_or(AssertionError::Signing)?;
        jwt.push('.');
        jwt.push_str(&URL_SAFE_NO_PAD.encode(signature));
        HeaderValue::from_str(&jwt).map_err(|_| AssertionError::Signing)
    }
}
