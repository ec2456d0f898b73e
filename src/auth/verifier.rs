//! The verifier: one entry point that decides a token from what is cached
//! (verified tokens, signing keys, revocations) or says which key it needs
//! fetched first.

use std::sync::Arc;

use crate::auth::claims::{check_claims, ClaimRules, Claims};
use crate::auth::errors::{AuthError, TokenRejection};
use crate::auth::jose::{parse_payload, verify_signature, TokenParts};
use crate::auth::pool_registry::{Pool, Pools};
use crate::auth::token_cache::TokenCacheSettings;
use crate::auth::token_cache::{CachedToken, Lookup, TokenDigest, VerifiedTokenCache};
use crate::auth::verdict::PendingToken;
pub use crate::auth::verdict::Verdict;
use crate::clock::unix_now;
use crate::keys::{JwksCache, KeyLookupError, SigningKey};
use crate::pools::{PoolSettings, PoolTag};
use crate::revocation::{rules, Revocation, Revocations};

/// Called with the claims of each token that passes a full verification
/// (not on cache hits): lets dev mode's user directory learn who exists.
pub type VerifiedHook = Box<dyn Fn(&Claims) + Send + Sync>;

/// Checks tokens against the pool their issuer names: its clients, its
/// token kinds, its signing keys.
pub struct Verifier {
    pools: Pools,
    tokens: Option<VerifiedTokenCache>,
    revocations: Arc<Revocations>,
    on_verified: Option<VerifiedHook>,
}

impl Verifier {
    /// A verifier enforcing each of `pools`, with the key cache of the
    /// same place in `keys` and a verified-token cache of `token_cache`'s
    /// bounds; `gateway_machines` when some gateway rule admits machine
    /// callers (their access tokens are then checked whatever a pool's
    /// token kinds say).
    pub fn for_pools(
        pools: &[PoolSettings],
        keys: Vec<Arc<JwksCache>>,
        token_cache: &TokenCacheSettings,
        gateway_machines: bool,
    ) -> Self {
        let pools = pools
            .iter()
            .zip(keys)
            .enumerate()
            .map(|(index, (pool, jwks))| {
                Pool::new(ClaimRules::for_pool(pool, index, gateway_machines), jwks)
            })
            .collect();
        Self::with_pools(
            Pools::new(pools),
            VerifiedTokenCache::new(token_cache.entries, token_cache.max_bytes),
        )
    }

    /// A verifier enforcing `rules`, with keys from `jwks` and an optional
    /// verified-token cache: one pool.
    pub fn from_parts(
        rules: ClaimRules,
        jwks: Arc<JwksCache>,
        tokens: Option<VerifiedTokenCache>,
    ) -> Self {
        Self::with_pools(Pools::new(vec![Pool::new(rules, jwks)]), tokens)
    }

    /// A verifier of `pools`, sharing one verified-token cache.
    pub fn with_pools(pools: Pools, tokens: Option<VerifiedTokenCache>) -> Self {
        Verifier {
            pools,
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

    /// The pools, with their key caches.
    pub fn pools(&self) -> &Pools {
        &self.pools
    }

    /// Locks a deleted user of `pool` out now: every token with this `sub`
    /// from that pool is refused until the longest-lived one it could hold
    /// has expired. Tokens already in the verified-token cache are refused
    /// on their next hit, so nothing is scanned here.
    pub fn revoke_deleted(&self, pool: &PoolTag, sub: &str) {
        self.revoke(pool, sub, false);
    }

    /// Signs a user of `pool` out now: their tokens issued up to this
    /// second are refused until the longest-lived one has expired; later
    /// ones pass.
    pub fn revoke_signed_out(&self, pool: &PoolTag, sub: &str) {
        self.revoke(pool, sub, true);
    }

    fn revoke(&self, pool: &PoolTag, sub: &str, signed_out: bool) {
        let key = pool.revocation_key(sub);
        let Some(now) = unix_now() else {
            // No time to reckon expiry from: refuse every token of the user
            // for good, whatever was asked.
            log::error!("system clock before 1970; revoking sub={sub} without expiry");
            let _ = self
                .revocations
                .revoke(&key, Revocation::deleted(u64::MAX), 0);
            return;
        };
        // The cut-off and expiry rules, and why: `revocation::rules`.
        let leeway = self
            .pools
            .get(pool.index)
            .map_or(0, |p| p.rules.leeway_secs);
        let revocation = match signed_out {
            true => rules::sign_out(now, leeway),
            false => rules::deletion(now, leeway),
        };
        if let Err(full) = self.revocations.revoke(&key, revocation, now) {
            log::error!("revoking sub={sub} of pool {}: {full}", pool.name);
        }
    }

    /// Refuses the tokens of revoked users, whichever path verified them.
    fn refuse_revoked(&self, claims: Claims, now: u64) -> Result<Claims, AuthError> {
        let refusal = self.revocations.refusal_of(
            || claims.pool.revocation_key(&claims.sub),
            claims.iat,
            now,
        );
        if let Some(revocation) = refusal {
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
        let digest = match &self.tokens {
            None => None,
            Some(cache) => match self.check_cached(cache, token, now) {
                Ok(decided) => return Verdict::Decided(decided),
                Err(digest) => Some(digest),
            },
        };
        let parts = match TokenParts::split(token) {
            Ok(parts) => parts,
            Err(rejection) => return Verdict::Decided(Err(rejection.into())),
        };
        // The pool first, by `iss` (issue #20): only its keys are looked at,
        // so a key of one pool never verifies a token claiming another's
        // issuer, and an issuer of no pool costs no fetch.
        let pool = match self.pools.for_payload(parts.payload) {
            Ok(pool) => pool,
            Err(rejection) => return Verdict::Decided(Err(rejection.into())),
        };
        // Read before the key, so a withdrawal racing this check is noticed.
        let withdrawals = pool.jwks.key_withdrawals();
        match pool.jwks.cached_key(&parts.kid) {
            Some(key) => Verdict::Decided(self.verify_and_remember(
                pool,
                &parts,
                &key,
                now,
                digest,
                withdrawals,
            )),
            // Before any fetch: a token naming an issuer this server does not
            // accept costs the JWKS endpoint nothing, whatever `kid` it makes
            // up (with several pools, `for_payload` read it already). Keys
            // are only ever fetched from the pool's configured URL, never
            // from one the token names.
            None => match self.refuse_unknown_issuer(pool, parts.payload) {
                Err(rejection) => Verdict::Decided(Err(rejection.into())),
                Ok(()) => {
                    Verdict::NeedsKey(PendingToken::new(token, parts, digest, pool.tag().index))
                }
            },
        }
    }

    /// With one pool, whose `iss` was not read yet: it is the pool's.
    fn refuse_unknown_issuer(&self, pool: &Pool, payload: &str) -> Result<(), TokenRejection> {
        match self.pools.len() {
            1 => Pools::claimed_issuer_is_known(pool, payload),
            _ => Ok(()),
        }
    }

    /// A cache hit decided; else (the token is not cached, or was verified
    /// under a key that has since been withdrawn) its digest, to remember
    /// it under once verified.
    fn check_cached(
        &self,
        cache: &VerifiedTokenCache,
        token: &str,
        now: u64,
    ) -> Result<Result<Claims, AuthError>, TokenDigest> {
        let (hit, digest, recent) = match cache.lookup(token) {
            Lookup::Hit {
                entry,
                digest,
                recent,
            } => (entry, digest, recent),
            Lookup::Miss(digest) => return Err(digest),
        };
        let Some(pool) = self.pools.get(hit.claims.pool.index) else {
            return Err(digest);
        };
        let key_withdrawals = hit.key_withdrawals;
        if key_withdrawals != pool.jwks.key_withdrawals() {
            cache.forget(token, &digest);
            return Err(digest);
        }
        // The one claim check that changes with time is redone on every hit.
        if now >= hit.claims.exp.saturating_add(pool.rules.leeway_secs) {
            cache.forget(token, &digest);
            return Ok(Err(TokenRejection::Expired.into()));
        }
        let admitted = self.refuse_revoked(hit.claims, now);
        match &admitted {
            // Revocations outlive tokens: this entry is dead.
            Err(_) => cache.forget(token, &digest),
            Ok(claims) if !recent => cache.keep_recent(token, digest, || CachedToken {
                claims: claims.clone(),
                key_withdrawals,
            }),
            Ok(_) => {}
        }
        Ok(admitted)
    }

    /// Finishes a [`Verdict::NeedsKey`]: fetches the pool's JWKS
    /// (single-flight, rate-limited per pool) and verifies with the key if
    /// it now has one.
    pub async fn check_after_fetch(&self, pending: PendingToken) -> Result<Claims, AuthError> {
        let pool = self
            .pools
            .get(pending.pool())
            .ok_or(AuthError::NotConfigured)?;
        let withdrawals = pool.jwks.key_withdrawals();
        let key = pool
            .jwks
            .key_for(pending.kid())
            .await
            .map_err(|e| match e {
                KeyLookupError::UnknownKid => AuthError::InvalidToken(TokenRejection::UnknownKid),
                KeyLookupError::Unavailable => AuthError::KeysUnavailable,
            })?;
        let now = unix_now().ok_or(AuthError::ClockUnset)?;
        let parts = pending.parts()?;
        self.verify_and_remember(pool, &parts, &key, now, pending.digest(), withdrawals)
    }

    /// Verifies a token, waiting for a JWKS fetch when its `kid` is unknown.
    pub async fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        match self.check(token) {
            Verdict::Decided(result) => result,
            Verdict::NeedsKey(pending) => self.check_after_fetch(pending).await,
        }
    }

    /// [`verify_with_key`] under `pool`'s rules and the revocation list,
    /// then remembers the token.
    fn verify_and_remember(
        &self,
        pool: &Pool,
        parts: &TokenParts<'_>,
        key: &SigningKey,
        now: u64,
        digest: Option<TokenDigest>,
        key_withdrawals: u64,
    ) -> Result<Claims, AuthError> {
        let claims = verify_with_key(parts, key, &pool.rules, now)?;
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
#[path = "verifier_tests.rs"]
mod tests;
