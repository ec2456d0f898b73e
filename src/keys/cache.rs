//! The signing-key cache: the pool's keys by `kid`, shared by every worker
//! behind one `parking_lot::RwLock` (never held across an await), loaded at
//! start, refreshed in the background, refetched (single-flight,
//! rate-limited) when a token names a `kid` it does not know.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::RwLock;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;

use crate::keys::backoff::retry_delay;
use crate::keys::fetch::{fetch_body, FetchLabels, JwksError, JwksPolicy};
use crate::keys::jwk::{parse_jwks_with, withdraws_a_key, KeyMap, SigningKey};
use crate::keys::refetch::RefetchLimiter;

/// Why no key could be produced for a token's `kid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyLookupError {
    /// Keys are loaded, but none has this `kid`.
    UnknownKid,
    /// The key is unknown and cannot be checked for: no keys were ever
    /// loaded, or the JWKS endpoint is failing (the kid may be a rotation we
    /// have not seen yet, so the client should retry, not sign out).
    Unavailable,
}

/// What the cache holds, behind one lock.
#[derive(Default)]
struct KeyState {
    keys: KeyMap,
    loaded_at: Option<Instant>,
    consecutive_failures: u32,
}

/// Shared JWKS cache; lives in `web::Data` and is used by all workers.
pub struct JwksCache {
    url: String,
    policy: JwksPolicy,
    state: RwLock<KeyState>,
    /// Held for the duration of a fetch so at most one is in flight; this is
    /// the only lock ever held across an await, and never the key map's.
    fetch_gate: Arc<tokio::sync::Mutex<()>>,
    /// Fetches completed so far: a request that queued behind a fetch sees
    /// it changed and reuses that fetch's answer instead of fetching again.
    fetches_completed: AtomicU64,
    /// The unknown-kid refetch rate limit.
    refetch_limiter: RefetchLimiter,
    fetch_results: Family<FetchLabels, Counter>,
    /// The `pool` label of this cache's fetches.
    pool: Arc<str>,
    /// Keys withdrawn so far (a kid dropped, or naming new key material):
    /// a token verified when this was lower may rest on a withdrawn key.
    key_withdrawals: AtomicU64,
}

impl JwksCache {
    /// Creates an empty cache for `url`; nothing is fetched until asked.
    pub fn new(url: impl Into<String>, policy: JwksPolicy) -> Self {
        JwksCache {
            url: url.into(),
            refetch_limiter: RefetchLimiter::new(policy.min_refetch),
            policy,
            state: RwLock::new(KeyState::default()),
            fetch_gate: Arc::new(tokio::sync::Mutex::new(())),
            fetches_completed: AtomicU64::new(0),
            fetch_results: Family::default(),
            // Unlabelled until `counted_as` names its pool.
            pool: Arc::from("default"),
            key_withdrawals: AtomicU64::new(0),
        }
    }

    /// This cache, counting its fetches in `fetches` (a family the caches
    /// of every pool share, so `/metrics` has one) under `pool`.
    pub fn counted_as(mut self, pool: &str, fetches: Family<FetchLabels, Counter>) -> Self {
        self.pool = Arc::from(pool);
        self.fetch_results = fetches;
        self
    }

    /// The JWKS URL this cache fetches.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Whether a key set has been loaded at least once.
    pub fn is_ready(&self) -> bool {
        self.state.read().loaded_at.is_some()
    }

    /// Number of keys currently cached.
    pub fn key_count(&self) -> usize {
        self.state.read().keys.len()
    }

    /// Fetches by result, for `/metrics`.
    pub fn fetch_results(&self) -> Family<FetchLabels, Counter> {
        self.fetch_results.clone()
    }

    /// When keys were last loaded successfully.
    pub fn last_success(&self) -> Option<Instant> {
        self.state.read().loaded_at
    }

    /// Keys withdrawn so far; changes whenever a kid leaves the set or
    /// comes back naming other key material.
    pub fn key_withdrawals(&self) -> u64 {
        self.key_withdrawals.load(Ordering::Acquire)
    }

    /// The key for `kid` if cached; never waits and never fetches.
    pub fn cached_key(&self, kid: &str) -> Option<SigningKey> {
        self.state.read().keys.get(kid).cloned()
    }

    /// Why `kid` has no key: unknown to a healthy cache, or not knowable now.
    fn why_missing(&self) -> KeyLookupError {
        let state = self.state.read();
        if state.loaded_at.is_some() && state.consecutive_failures == 0 {
            KeyLookupError::UnknownKid
        } else {
            KeyLookupError::Unavailable
        }
    }

    /// The key for `kid`: from the cache when known (no waiting, no I/O),
    /// otherwise after at most one rate-limited, single-flight refetch.
    pub async fn key_for(self: &Arc<Self>, kid: &str) -> Result<SigningKey, KeyLookupError> {
        let seen_fetches = self.fetches_completed.load(Ordering::Acquire);
        if let Some(key) = self.cached_key(kid) {
            return Ok(key);
        }
        // Bounded wait: a fetch cannot outlive its own timeout, so waiting
        // longer than that means something is wrong; give up rather than pile up.
        let gate = actix_rt::time::timeout(
            self.policy.fetch_timeout + Duration::from_secs(1),
            Arc::clone(&self.fetch_gate).lock_owned(),
        )
        .await;
        let Ok(gate) = gate else {
            return Err(self.why_missing());
        };
        if self.fetches_completed.load(Ordering::Acquire) != seen_fetches {
            // Someone fetched while we queued; their answer is ours too.
            return self.cached_key(kid).ok_or_else(|| self.why_missing());
        }
        if !self.refetch_limiter.try_start() {
            return Err(self.why_missing());
        }
        log::info!("pool {}: unknown key id; refetching the JWKS", self.pool);
        // The fetch runs on its own task, holding the gate: if this request
        // is dropped (client gone, timeout), the fetch still completes and
        // is stored, so the rate-limit window just opened is never wasted.
        let cache = Arc::clone(self);
        let fetch = actix_rt::spawn(async move {
            let _ = cache.fetch_and_store().await;
            drop(gate);
        });
        let _ = fetch.await;
        self.cached_key(kid).ok_or_else(|| self.why_missing())
    }

    /// Fetches the JWKS now (waiting for any fetch in flight first) and
    /// replaces the cached keys on success; on failure the old keys stay.
    pub async fn refresh(&self) -> Result<usize, JwksError> {
        let _gate = self.fetch_gate.lock().await;
        self.fetch_and_store().await
    }

    async fn fetch_and_store(&self) -> Result<usize, JwksError> {
        let result = match fetch_body(&self.url, &self.policy).await {
            Ok(body) => parse_jwks_with(&body, self.policy.trust_dev_key),
            Err(e) => Err(e),
        };
        let outcome = self.store(result);
        self.fetches_completed.fetch_add(1, Ordering::Release);
        outcome
    }

    /// Replaces the keys with those of a JWKS document, as a fetch would;
    /// for seeding the cache without an endpoint (benchmarks, tools).
    pub fn store_document(&self, body: &[u8]) -> Result<usize, JwksError> {
        self.store(parse_jwks_with(body, self.policy.trust_dev_key))
    }

    fn store(&self, result: Result<KeyMap, JwksError>) -> Result<usize, JwksError> {
        let label = result.as_ref().map_or_else(JwksError::label, |_| "ok");
        self.fetch_results
            .get_or_create(&FetchLabels {
                pool: Arc::clone(&self.pool),
                result: label,
            })
            .inc();
        {
            let mut state = self.state.write();
            match result {
                Ok(keys) => {
                    let count = keys.len();
                    if state.consecutive_failures > 0 || state.loaded_at.is_none() {
                        log::info!(
                            "pool {}: JWKS loaded from {}: {count} signing key(s)",
                            self.pool,
                            self.url
                        );
                    } else {
                        log::debug!("pool {}: JWKS refreshed: {count} signing key(s)", self.pool);
                    }
                    if withdraws_a_key(&state.keys, &keys) {
                        self.key_withdrawals.fetch_add(1, Ordering::AcqRel);
                    }
                    state.keys = keys;
                    state.loaded_at = Some(Instant::now());
                    state.consecutive_failures = 0;
                    Ok(count)
                }
                Err(e) => {
                    // Logged once per outage, not once per attempt or request.
                    if state.consecutive_failures == 0 {
                        log::warn!(
                            "pool {}: JWKS fetch from {} failed ({e}); keeping {} cached key(s)",
                            self.pool,
                            self.url,
                            state.keys.len()
                        );
                    } else {
                        log::debug!("pool {}: JWKS fetch failed again: {e}", self.pool);
                    }
                    state.consecutive_failures = state.consecutive_failures.saturating_add(1);
                    Err(e)
                }
            }
        }
    }

    /// Delay before the next background fetch (see [`retry_delay`]).
    pub fn next_refresh_delay(&self, interval: Duration) -> Duration {
        retry_delay(self.state.read().consecutive_failures, interval)
    }
}
