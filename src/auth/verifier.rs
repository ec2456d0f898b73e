//! The verifier: one entry point that decides a token from what is cached
//! (verified tokens, signing keys, revocations) or says which key it needs
//! fetched first.

use std::sync::Arc;

use crate::auth::claims::{check_claims, ClaimRules, Claims};
use crate::auth::errors::{AuthError, TokenRejection};
use crate::auth::jose::{parse_payload, verify_signature, TokenParts};
use crate::auth::token_cache::{token_digest, CachedToken, TokenDigest, VerifiedTokenCache};
use crate::auth::verdict::PendingToken;
pub use crate::auth::verdict::Verdict;
use crate::clock::unix_now;
use crate::config::Settings;
use crate::keys::{JwksCache, KeyLookupError, SigningKey};
use crate::revocation::{rules, Revocation, Revocations};

/// Called with the claims of each token that passes a full verification
/// (not on cache hits): lets dev mode's user directory learn who exists.
pub type VerifiedHook = Box<dyn Fn(&Claims) + Send + Sync>;

/// Checks tokens against the configured pool, clients and signing keys.
pub struct Verifier {
    jwks: Arc<JwksCache>,
    rules: ClaimRules,
    tokens: Option<VerifiedTokenCache>,
    revocations: Arc<Revocations>,
    on_verified: Option<VerifiedHook>,
}

impl Verifier {
    /// A verifier enforcing `settings`, with keys from `jwks`.
    pub fn new(settings: &Settings, jwks: Arc<JwksCache>) -> Self {
        Self::from_parts(
            ClaimRules::from_settings(settings),
            jwks,
            VerifiedTokenCache::new(settings.token_cache.entries, settings.token_cache.max_bytes),
        )
    }

    /// A verifier enforcing `rules`, with keys from `jwks` and an optional
    /// verified-token cache.
    pub fn from_parts(
        rules: ClaimRules,
        jwks: Arc<JwksCache>,
        tokens: Option<VerifiedTokenCache>,
    ) -> Self {
        Verifier {
            jwks,
            rules,
            tokens,
            revocations: Arc::new(Revocations::in_memory()),
            on_verified: None,
        }
    }

    /// Enforces (and records) revocations in `revocations`, e.g. a list
    /// shared with other instances, instead of a list of its own.
    pub fn with_revocations(mut self, revocations: Arc<Revocations>) -> Self {
        self.revocations = revocations;
        self
    }

    /// The revocations this verifier enforces.
    pub fn revocations(&self) -> &Revocations {
        &self.revocations
    }

    /// Calls `hook` with the claims of every fully verified token.
    pub fn with_verified_hook(mut self, hook: VerifiedHook) -> Self {
        self.on_verified = Some(hook);
        self
    }

    /// Locks a deleted user out now: every token with this `sub` is refused
    /// until the longest-lived one it could hold has expired. Tokens already
    /// in the verified-token cache are refused on their next hit, so nothing
    /// is scanned here.
    pub fn revoke_deleted(&self, sub: &str) {
        self.revoke(sub, false);
    }

    /// Signs a user out now: their tokens issued up to this second are
    /// refused until the longest-lived one has expired; later ones pass.
    pub fn revoke_signed_out(&self, sub: &str) {
        self.revoke(sub, true);
    }

    fn revoke(&self, sub: &str, signed_out: bool) {
        let Some(now) = unix_now() else {
            // No time to reckon expiry from: refuse every token of the user
            // for good, whatever was asked.
            log::error!("system clock before 1970; revoking sub={sub} without expiry");
            let _ = self
                .revocations
                .revoke(sub, Revocation::deleted(u64::MAX), 0);
            return;
        };
        // The cut-off and expiry rules, and why: `revocation::rules`.
        let leeway = self.rules.leeway_secs;
        let revocation = match signed_out {
            true => rules::sign_out(now, leeway),
            false => rules::deletion(now, leeway),
        };
        if let Err(full) = self.revocations.revoke(sub, revocation, now) {
            log::error!("revoking sub={sub}: {full}");
        }
    }

    /// Refuses the tokens of revoked users, whichever path verified them.
    fn refuse_revoked(&self, claims: Claims, now: u64) -> Result<Claims, AuthError> {
        if let Some(revocation) = self.revocations.refusal(&claims.sub, claims.iat, now) {
            return Err(match revocation.is_deletion() {
                true => TokenRejection::UserDeleted,
                false => TokenRejection::SignedOut,
            }
            .into());
        }
        Ok(claims)
    }

    /// The verified-token cache, when enabled.
    pub fn token_cache(&self) -> Option<&VerifiedTokenCache> {
        self.tokens.as_ref()
    }

    /// The key cache behind this verifier.
    pub fn jwks(&self) -> &JwksCache {
        &self.jwks
    }

    /// Decides a token from what is cached, without waiting; the one entry
    /// point of verification.
    pub fn check(&self, token: &str) -> Verdict {
        self.check_at(token, unix_now())
    }

    /// [`Verifier::check`] with the clock read as `now` (seconds since the
    /// epoch; `None` for a clock before the epoch).
    pub fn check_at(&self, token: &str, now: Option<u64>) -> Verdict {
        let Some(now) = now else {
            // Fail closed: with no time, no expiry can be checked.
            log::error!("system clock before 1970; refusing every token");
            return Verdict::Decided(Err(AuthError::ClockUnset));
        };
        let digest = self.tokens.as_ref().map(|_| token_digest(token));
        if let (Some(cache), Some(digest)) = (&self.tokens, &digest) {
            if let Some(decided) = self.check_cached(cache, digest, now) {
                return Verdict::Decided(decided);
            }
        }
        let parts = match TokenParts::split(token) {
            Ok(parts) => parts,
            Err(rejection) => return Verdict::Decided(Err(rejection.into())),
        };
        // Read before the key, so a withdrawal racing this check is noticed.
        let withdrawals = self.jwks.key_withdrawals();
        match self.jwks.cached_key(&parts.kid) {
            Some(key) => {
                Verdict::Decided(self.verify_and_remember(&parts, &key, now, digest, withdrawals))
            }
            None => Verdict::NeedsKey(PendingToken::new(token, parts, digest)),
        }
    }

    /// A cache hit decided: `None` when the token is not cached, or was
    /// verified under a key that has since been withdrawn.
    fn check_cached(
        &self,
        cache: &VerifiedTokenCache,
        digest: &TokenDigest,
        now: u64,
    ) -> Option<Result<Claims, AuthError>> {
        let hit = cache.get(digest)?;
        if hit.key_withdrawals != self.jwks.key_withdrawals() {
            cache.remove(digest);
            return None;
        }
        // The one claim check that changes with time is redone on every hit.
        if now >= hit.claims.exp.saturating_add(self.rules.leeway_secs) {
            cache.remove(digest);
            return Some(Err(TokenRejection::Expired.into()));
        }
        let admitted = self.refuse_revoked(hit.claims, now);
        if admitted.is_err() {
            // Revocations outlive tokens: this entry is dead.
            cache.remove(digest);
        }
        Some(admitted)
    }

    /// Finishes a [`Verdict::NeedsKey`]: fetches the JWKS (single-flight,
    /// rate-limited) and verifies with the key if it now has one.
    pub async fn check_after_fetch(&self, pending: PendingToken) -> Result<Claims, AuthError> {
        let withdrawals = self.jwks.key_withdrawals();
        let key = self
            .jwks
            .key_for(pending.kid())
            .await
            .map_err(|e| match e {
                KeyLookupError::UnknownKid => AuthError::InvalidToken(TokenRejection::UnknownKid),
                KeyLookupError::Unavailable => AuthError::KeysUnavailable,
            })?;
        let now = unix_now().ok_or(AuthError::ClockUnset)?;
        let parts = pending.parts()?;
        self.verify_and_remember(&parts, &key, now, pending.digest(), withdrawals)
    }

    /// Verifies a token, waiting for a JWKS fetch when its `kid` is unknown.
    pub async fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        match self.check(token) {
            Verdict::Decided(result) => result,
            Verdict::NeedsKey(pending) => self.check_after_fetch(pending).await,
        }
    }

    /// [`verify_with_key`] and the revocation list, then remembers the token.
    fn verify_and_remember(
        &self,
        parts: &TokenParts<'_>,
        key: &SigningKey,
        now: u64,
        digest: Option<TokenDigest>,
        key_withdrawals: u64,
    ) -> Result<Claims, AuthError> {
        let claims = verify_with_key(parts, key, &self.rules, now)?;
        let claims = self.refuse_revoked(claims, now)?;
        if let Some(hook) = &self.on_verified {
            hook(&claims);
        }
        if let (Some(cache), Some(digest)) = (&self.tokens, digest) {
            cache.insert(
                digest,
                CachedToken {
                    claims: claims.clone(),
                    key_withdrawals,
                },
            );
        }
        Ok(claims)
    }
}

/// The rest of a verification once the key named by `parts.kid` is in
/// hand: signature, then payload, then every claim rule. Synchronous and
/// free of I/O, so tests and fuzzing can drive it with a fixed key. `now` is
/// seconds since the epoch.
pub fn verify_with_key(
    parts: &TokenParts<'_>,
    key: &SigningKey,
    rules: &ClaimRules,
    now: u64,
) -> Result<Claims, TokenRejection> {
    verify_signature(parts, key)?;
    // The payload is read only once the signature vouches for it.
    let claims = parse_payload(parts.payload)?;
    check_claims(claims, rules, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::test_fixtures::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use serde_json::{json, Value};

    fn decided(verdict: Verdict) -> Result<Claims, AuthError> {
        match verdict {
            Verdict::Decided(result) => result,
            Verdict::NeedsKey(pending) => panic!("kid {} not cached", pending.kid()),
        }
    }

    /// A token of `claims` signed by the trusted fixture key under kid `k`.
    fn fixture_token(claims: &Value) -> String {
        let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");
        let pem = std::fs::read(format!("{fixtures}trusted.pem")).expect("fixture");
        let signing = jsonwebtoken::EncodingKey::from_rsa_pem(&pem).expect("key");
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = Some("k".to_owned());
        jsonwebtoken::encode(&header, claims, &signing).expect("signs")
    }

    /// A verifier whose key cache holds the trusted fixture key as `k`.
    fn fixture_verifier() -> Verifier {
        let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");
        let pem = std::fs::read(format!("{fixtures}trusted.pem")).expect("fixture");
        let signing = jsonwebtoken::EncodingKey::from_rsa_pem(&pem).expect("key");
        let mut jwk =
            jsonwebtoken::jwk::Jwk::from_encoding_key(&signing, jsonwebtoken::Algorithm::RS256)
                .expect("jwk");
        jwk.common.key_id = Some("k".to_owned());
        let jwks = Arc::new(JwksCache::new("http://127.0.0.1:9/", Default::default()));
        let document = json!({ "keys": [jwk] }).to_string();
        jwks.store_document(document.as_bytes()).expect("key set");
        Verifier::from_parts(rules(), jwks, VerifiedTokenCache::new(100, 1 << 20))
    }

    #[test]
    fn a_clock_before_the_epoch_refuses_even_a_cached_token() {
        let verifier = fixture_verifier();
        let token = fixture_token(&id_claims());
        let at = |now| decided(verifier.check_at(&token, now));
        assert!(at(Some(NOW)).is_ok());
        assert!(at(Some(NOW)).is_ok(), "now from the token cache");
        assert!(matches!(at(None), Err(AuthError::ClockUnset)));
    }

    #[test]
    fn a_revoked_user_is_refused_on_a_cache_hit_and_the_entry_dropped() {
        let verifier = fixture_verifier();
        let now = unix_now().expect("clock");
        let token = fixture_token(&with("exp", json!(now + 600)));
        let cache = verifier.token_cache().expect("enabled");
        assert!(decided(verifier.check_at(&token, Some(now))).is_ok());
        assert_eq!(cache.len(), 1);

        verifier.revoke_deleted("u-1");

        let hits = cache.hits();
        let refused = decided(verifier.check_at(&token, Some(now)));
        assert!(matches!(
            refused,
            Err(AuthError::InvalidToken(TokenRejection::UserDeleted))
        ));
        assert_eq!(cache.hits(), hits + 1, "decided on the cache hit");
        assert_eq!(cache.len(), 0, "the dead entry is dropped");
        let again = decided(verifier.check_at(&token, Some(now)));
        assert!(again.is_err(), "refused after full verification too");
        assert_eq!(cache.len(), 0, "a revoked token is never cached");
    }

    #[test]
    fn verify_with_key_checks_the_signature_before_the_claims() {
        let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");
        let read = |name: &str| std::fs::read(format!("{fixtures}{name}")).expect("fixture");
        let signing = jsonwebtoken::EncodingKey::from_rsa_pem(&read("trusted.pem")).expect("key");
        let rogue = jsonwebtoken::EncodingKey::from_rsa_pem(&read("rogue.pem")).expect("key");
        let key = crate::keys::signing_key_from_pem(&read("trusted.pub.pem")).expect("public key");
        let sign = |claims: &Value, with: &jsonwebtoken::EncodingKey| {
            let message = format!(
                "{}.{}",
                URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","kid":"k"}"#),
                URL_SAFE_NO_PAD.encode(claims.to_string())
            );
            let signature = jsonwebtoken::crypto::sign(
                message.as_bytes(),
                with,
                jsonwebtoken::Algorithm::RS256,
            )
            .expect("signs");
            format!("{message}.{signature}")
        };
        let verify = |token: &str| {
            let parts = TokenParts::split(token)?;
            verify_with_key(&parts, &key, &rules(), NOW)
        };

        let genuine = sign(&id_claims(), &signing);
        assert_eq!(verify(&genuine).expect("genuine").sub, "u-1");
        // The claims are fine; only the key is wrong.
        assert_eq!(
            verify(&sign(&id_claims(), &rogue)).unwrap_err(),
            TokenRejection::BadSignature
        );
        // Signature first: an expired token under a bad signature is
        // refused for its signature, revealing nothing about its claims.
        assert_eq!(
            verify(&sign(&with("exp", json!(1)), &rogue)).unwrap_err(),
            TokenRejection::BadSignature
        );
        assert_eq!(
            verify(&sign(&with("exp", json!(1)), &signing)).unwrap_err(),
            TokenRejection::Expired
        );
        let (message, _) = genuine.rsplit_once('.').expect("three parts");
        assert_eq!(
            verify(&format!("{message}.c2ln")).unwrap_err(),
            TokenRejection::BadSignature
        );
    }
}
