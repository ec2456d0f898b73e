//! The signing-key cache: Cognito's JWKS, fetched asynchronously, shared by
//! every worker, refreshed in the background, refetched (single-flight and
//! rate-limited) when a token names a `kid` it does not know.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lc_rs::signature::{ParsedPublicKey, RsaPublicKeyComponents, RSA_PKCS1_2048_8192_SHA256};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use parking_lot::{Mutex, RwLock};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use serde::Deserialize;
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

/// Label of the JWKS fetch counter.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FetchLabels {
    /// `ok`, or what went wrong (see [`JwksError::label`]).
    pub result: &'static str,
}

/// Largest JWKS body accepted; Cognito's is about 1 KiB, and an endpoint
/// that streams more is broken or hostile.
pub const MAX_JWKS_BYTES: usize = 1024 * 1024;
/// Smallest RSA modulus accepted (RFC 7518 §3.3 requires 2048 bits).
const MIN_RSA_BITS: usize = 2048;
/// Largest RSA modulus accepted, so a hostile JWKS cannot make every
/// verification expensive.
const MAX_RSA_BITS: usize = 8192;
/// Ceiling for the retry delay after failed fetches.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(60);

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

/// A JWKS key, parsed once into aws-lc's own public-key type so that a
/// verification costs one signature check and nothing else.
pub type SigningKey = Arc<ParsedPublicKey>;

/// The keys by `kid`.
pub type KeyMap = HashMap<String, SigningKey>;

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
    /// Bumped after every completed fetch, so requests that queued behind a
    /// fetch can tell it already happened and reuse its result.
    generation: AtomicU64,
    last_kid_refetch: Mutex<Option<Instant>>,
    fetches: AtomicU64,
    fetch_results: Family<FetchLabels, Counter>,
    /// Bumped whenever a refresh drops a kid or changes the key behind one;
    /// anything verified under an older value may rest on a withdrawn key.
    removal_epoch: AtomicU64,
}

impl JwksCache {
    /// Creates an empty cache for `url`; nothing is fetched until asked.
    pub fn new(url: impl Into<String>, policy: JwksPolicy) -> Self {
        // awc's TLS connector needs a process-wide rustls provider; the one we
        // pick is the same aws-lc that verifies signatures. An error only
        // means one is installed already.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        JwksCache {
            url: url.into(),
            policy,
            state: RwLock::new(KeyState::default()),
            fetch_gate: Arc::new(tokio::sync::Mutex::new(())),
            generation: AtomicU64::new(0),
            last_kid_refetch: Mutex::new(None),
            fetches: AtomicU64::new(0),
            fetch_results: Family::default(),
            removal_epoch: AtomicU64::new(0),
        }
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

    /// Number of fetches attempted so far, successful or not.
    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// Fetches by result, for `/metrics`.
    pub fn fetch_results(&self) -> Family<FetchLabels, Counter> {
        self.fetch_results.clone()
    }

    /// When keys were last loaded successfully.
    pub fn last_success(&self) -> Option<Instant> {
        self.state.read().loaded_at
    }

    /// Changes whenever a key leaves the set (see [`JwksCache::cached_key`]).
    pub fn removal_epoch(&self) -> u64 {
        self.removal_epoch.load(Ordering::Acquire)
    }

    /// The key for `kid` if cached; never waits and never fetches.
    pub fn cached_key(&self, kid: &str) -> Option<SigningKey> {
        self.cached(kid)
    }

    fn cached(&self, kid: &str) -> Option<SigningKey> {
        self.state.read().keys.get(kid).cloned()
    }

    fn miss(&self) -> KeyLookupError {
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
        let seen_generation = self.generation.load(Ordering::Acquire);
        if let Some(key) = self.cached(kid) {
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
            return Err(self.miss());
        };
        if self.generation.load(Ordering::Acquire) != seen_generation {
            // Someone fetched while we queued; their answer is ours too.
            return self.cached(kid).ok_or_else(|| self.miss());
        }
        {
            let mut last = self.last_kid_refetch.lock();
            if last.is_some_and(|at| at.elapsed() < self.policy.min_refetch) {
                return Err(self.miss());
            }
            *last = Some(Instant::now());
        }
        log::info!("unknown key id; refetching the JWKS");
        // The fetch runs on its own task, holding the gate: if this request
        // is dropped (client gone, timeout), the fetch still completes and
        // is stored, so the rate limit just set never wastes its window.
        let cache = Arc::clone(self);
        let fetch = actix_rt::spawn(async move {
            let _ = cache.fetch_and_store().await;
            drop(gate);
        });
        let _ = fetch.await;
        self.cached(kid).ok_or_else(|| self.miss())
    }

    /// Fetches the JWKS now (waiting for any fetch in flight first) and
    /// replaces the cached keys on success; on failure the old keys stay.
    pub async fn refresh(&self) -> Result<usize, JwksError> {
        let _gate = self.fetch_gate.lock().await;
        self.fetch_and_store().await
    }

    async fn fetch_and_store(&self) -> Result<usize, JwksError> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let result = match fetch_body(&self.url, &self.policy).await {
            Ok(body) => parse_jwks_with(&body, self.policy.trust_dev_key),
            Err(e) => Err(e),
        };
        let outcome = self.store(result);
        self.generation.fetch_add(1, Ordering::Release);
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
            .get_or_create(&FetchLabels { result: label })
            .inc();
        {
            let mut state = self.state.write();
            match result {
                Ok(keys) => {
                    let count = keys.len();
                    if state.consecutive_failures > 0 || state.loaded_at.is_none() {
                        log::info!("JWKS loaded from {}: {count} signing key(s)", self.url);
                    } else {
                        log::debug!("JWKS refreshed: {count} signing key(s)");
                    }
                    if withdraws_a_key(&state.keys, &keys) {
                        self.removal_epoch.fetch_add(1, Ordering::AcqRel);
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
                            "JWKS fetch from {} failed ({e}); keeping {} cached key(s)",
                            self.url,
                            state.keys.len()
                        );
                    } else {
                        log::debug!("JWKS fetch failed again: {e}");
                    }
                    state.consecutive_failures = state.consecutive_failures.saturating_add(1);
                    Err(e)
                }
            }
        }
    }

    /// Delay before the next background fetch: the refresh interval when
    /// healthy, a capped exponential backoff while failing.
    pub fn next_refresh_delay(&self, interval: Duration) -> Duration {
        let failures = self.state.read().consecutive_failures;
        if failures == 0 {
            return interval;
        }
        let backoff = Duration::from_secs(1u64 << failures.saturating_sub(1).min(6));
        backoff.min(MAX_RETRY_DELAY).min(interval)
    }
}

/// Keeps the cache fresh for as long as the server runs: a key the JWKS drops
/// stops being accepted within `interval`.
pub async fn run_refresh_loop(cache: Arc<JwksCache>, interval: Duration) {
    loop {
        actix_rt::time::sleep(cache.next_refresh_delay(interval)).await;
        let _ = cache.refresh().await;
    }
}

async fn fetch_body(url: &str, policy: &JwksPolicy) -> Result<actix_web::web::Bytes, JwksError> {
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

#[derive(Deserialize)]
struct JwkSetDocument {
    keys: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct RsaJwk {
    kty: String,
    kid: String,
    #[serde(rename = "use")]
    key_use: Option<String>,
    alg: Option<String>,
    n: String,
    e: String,
}

/// Decodes a JWKS document into usable RS256 keys. Keys that are not RSA
/// signing keys, or are malformed, are skipped with a warning rather than
/// failing the whole set; an empty result is an error, so a broken JWKS
/// never replaces a working one.
pub fn parse_jwks(body: &[u8]) -> Result<KeyMap, JwksError> {
    parse_jwks_with(body, false)
}

/// As [`parse_jwks`]; `trust_dev_key` (dev mode only) keeps the committed
/// dev key instead of skipping it.
pub fn parse_jwks_with(body: &[u8], trust_dev_key: bool) -> Result<KeyMap, JwksError> {
    let document: JwkSetDocument =
        serde_json::from_slice(body).map_err(|e| JwksError::NotJwks(e.to_string()))?;
    let mut keys = KeyMap::new();
    // A kid named more than once is ambiguous: none of its keys is used,
    // however many copies follow.
    let mut ambiguous = HashSet::new();
    for (index, raw) in document.keys.into_iter().enumerate() {
        match decode_rsa_jwk(raw, trust_dev_key) {
            Ok((kid, key)) => {
                if ambiguous.contains(&kid) {
                    log::warn!("JWKS key #{index}: kid named again, still dropped");
                } else if keys.remove(&kid).is_some() {
                    log::warn!("JWKS key #{index}: duplicate kid, dropping every copy");
                    ambiguous.insert(kid);
                } else {
                    keys.insert(kid, Arc::new(key));
                }
            }
            Err(reason) => log::warn!("JWKS key #{index} skipped: {reason}"),
        }
    }
    if keys.is_empty() {
        return Err(JwksError::NoUsableKeys);
    }
    Ok(keys)
}

fn decode_rsa_jwk(
    raw: serde_json::Value,
    trust_dev_key: bool,
) -> Result<(String, ParsedPublicKey), String> {
    let jwk: RsaJwk = serde_json::from_value(raw).map_err(|e| format!("not an RSA JWK ({e})"))?;
    if jwk.kty != "RSA" {
        return Err(format!("kty is {:?}, not RSA", jwk.kty));
    }
    if jwk.kid.is_empty() {
        return Err("empty kid".to_owned());
    }
    if jwk.key_use.as_deref().is_some_and(|u| u != "sig") {
        return Err("use is not sig".to_owned());
    }
    if jwk.alg.as_deref().is_some_and(|a| a != "RS256") {
        return Err("alg is not RS256".to_owned());
    }
    let n = URL_SAFE_NO_PAD
        .decode(jwk.n.as_bytes())
        .map_err(|_| "n is not base64url".to_owned())?;
    let e = URL_SAFE_NO_PAD
        .decode(jwk.e.as_bytes())
        .map_err(|_| "e is not base64url".to_owned())?;
    if !trust_dev_key && crate::dev::is_dev_key_modulus(&n) {
        return Err("it is the committed dev key, trusted in dev mode only".to_owned());
    }
    let n_bits = significant_bits(&n);
    if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&n_bits) {
        return Err(format!(
            "modulus of {n_bits} bits is outside {MIN_RSA_BITS}-{MAX_RSA_BITS}"
        ));
    }
    if e.is_empty() || e.len() > 8 {
        return Err("exponent out of range".to_owned());
    }
    // aws-lc wants both integers without leading zero bytes.
    let components = RsaPublicKeyComponents {
        n: strip_leading_zeros(&n),
        e: strip_leading_zeros(&e),
    };
    let key = components
        .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
        .map_err(|e| format!("not a usable RSA public key ({e})"))?;
    Ok((jwk.kid, key))
}

/// Whether `new` lacks a key of `old`: a kid gone, or the same kid now
/// naming different key material (Cognito never reuses a kid, but
/// emulators and operators replacing a compromised key might).
fn withdraws_a_key(old: &KeyMap, new: &KeyMap) -> bool {
    old.iter().any(|(kid, old_key)| {
        new.get(kid).is_none_or(|new_key| {
            AsRef::<[u8]>::as_ref(&**new_key) != AsRef::<[u8]>::as_ref(&**old_key)
        })
    })
}

/// A signing key from a PEM `PUBLIC KEY` (SubjectPublicKeyInfo), for tests,
/// fuzzing and benchmarks that hold the public key rather than a JWKS.
pub fn signing_key_from_pem(pem: &[u8]) -> Result<SigningKey, String> {
    let text = std::str::from_utf8(pem).map_err(|_| "PEM is not text".to_owned())?;
    let body: String = text
        .lines()
        .skip_while(|line| !line.starts_with("-----BEGIN PUBLIC KEY-----"))
        .skip(1)
        .take_while(|line| !line.starts_with("-----END"))
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body.trim())
        .map_err(|_| "PEM body is not base64".to_owned())?;
    ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, der)
        .map(Arc::new)
        .map_err(|e| format!("not an RSA public key ({e})"))
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

fn significant_bits(big_endian: &[u8]) -> usize {
    match big_endian.iter().position(|b| *b != 0) {
        None => 0,
        Some(first) => (big_endian.len() - first) * 8 - big_endian[first].leading_zeros() as usize,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn modulus(bits: usize) -> String {
        let mut n = vec![0xffu8; bits / 8];
        n[0] |= 0x80;
        URL_SAFE_NO_PAD.encode(n)
    }

    fn jwk(kid: &str, extra: serde_json::Value) -> serde_json::Value {
        let mut key =
            serde_json::json!({"kty": "RSA", "kid": kid, "n": modulus(2048), "e": "AQAB"});
        if let (Some(key), Some(extra)) = (key.as_object_mut(), extra.as_object()) {
            for (k, v) in extra {
                key.insert(k.clone(), v.clone());
            }
        }
        key
    }

    fn parse(keys: Vec<serde_json::Value>) -> Result<KeyMap, JwksError> {
        parse_jwks(serde_json::json!({ "keys": keys }).to_string().as_bytes())
    }

    #[test]
    fn unusable_keys_are_skipped_and_good_ones_kept() {
        let keys = parse(vec![
            jwk("good", serde_json::json!({"use": "sig", "alg": "RS256"})),
            jwk("enc", serde_json::json!({"use": "enc"})),
            jwk("ps", serde_json::json!({"alg": "PS256"})),
            jwk("ec", serde_json::json!({"kty": "EC"})),
            jwk("small", serde_json::json!({"n": modulus(1024)})),
            jwk("badn", serde_json::json!({"n": "!!"})),
            serde_json::json!("not an object"),
        ])
        .expect("one usable key");
        assert_eq!(keys.keys().collect::<Vec<_>>(), vec!["good"]);
    }

    #[test]
    fn a_kid_named_more_than_once_is_never_used() {
        for copies in 2..=4 {
            let mut set = vec![jwk("b", serde_json::json!({}))];
            set.extend((0..copies).map(|_| jwk("a", serde_json::json!({}))));
            let keys = parse(set).expect("b is usable");
            assert!(keys.contains_key("b"), "{copies} copies");
            assert!(!keys.contains_key("a"), "{copies} copies of kid a");
        }
    }

    #[test]
    fn a_set_without_usable_keys_is_an_error() {
        assert!(matches!(parse(vec![]), Err(JwksError::NoUsableKeys)));
        assert!(matches!(parse_jwks(b"<html>"), Err(JwksError::NotJwks(_))));
        assert!(matches!(
            parse_jwks(b"{\"keys\": 3}"),
            Err(JwksError::NotJwks(_))
        ));
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let cache = JwksCache::new("http://127.0.0.1:1/jwks", JwksPolicy::default());
        let interval = Duration::from_secs(900);
        assert_eq!(cache.next_refresh_delay(interval), interval);
        let delays: Vec<u64> = (1..=9)
            .map(|failures| {
                cache.state.write().consecutive_failures = failures;
                cache.next_refresh_delay(interval).as_secs()
            })
            .collect();
        assert_eq!(delays, vec![1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }
}
