//! The verified-token cache: real clients send the same token many times
//! until it expires, so a token that passed every check once is remembered
//! (by its SHA-256, so a collision cannot authenticate another token) and
//! later requests skip the signature check and the claims parse. The
//! tokens hit lately are also found by their exact bytes
//! (`recent_tokens`), which spares a hot token the digest.

use aws_lc_rs::digest::{digest, SHA256};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use quick_cache::sync::Cache;
use quick_cache::Weighter;

use crate::auth::recent_tokens::RecentTokens;
use crate::auth::Claims;

/// The verified-token cache's bounds; `entries == 0` disables it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenCacheSettings {
    /// Verified tokens remembered (0 disables the cache).
    pub entries: usize,
    /// Byte budget of the cache.
    pub max_bytes: u64,
}

/// SHA-256 of a whole token.
pub type TokenDigest = [u8; 32];

/// Hashes a token for lookup.
pub fn token_digest(token: &str) -> TokenDigest {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest(&SHA256, token.as_bytes()).as_ref());
    out
}

/// A verified token's claims, and how many keys had been withdrawn when it
/// was verified (see `JwksCache::key_withdrawals`).
#[derive(Clone)]
pub struct CachedToken {
    /// The claims, as verified.
    pub claims: Claims,
    /// The key cache's withdrawal count at verification time.
    pub key_withdrawals: u64,
}

/// Charges each entry at least `min_weight`, so that the byte budget also
/// caps the number of entries.
#[derive(Clone)]
struct EntryWeighter {
    min_weight: u64,
}

/// Fixed per-entry overhead (digest, Arc, typed fields, map slot) added to
/// the claim bytes, so the weight tracks real memory.
const ENTRY_OVERHEAD_BYTES: u64 = 256;

impl Weighter<TokenDigest, CachedToken> for EntryWeighter {
    fn weight(&self, _: &TokenDigest, entry: &CachedToken) -> u64 {
        (entry.claims.approximate_bytes() as u64 + ENTRY_OVERHEAD_BYTES).max(self.min_weight)
    }
}

/// What the cache holds for a token.
pub enum Lookup {
    /// Held: the entry, and the token's digest.
    Hit {
        /// The entry, as verified.
        entry: CachedToken,
        /// The token's key.
        digest: TokenDigest,
        /// Found among the recent tokens (else by its digest).
        recent: bool,
    },
    /// Not held: the token's digest, to remember it under once verified.
    Miss(TokenDigest),
}

/// Bounded by entries and by bytes; shared by all workers.
pub struct VerifiedTokenCache {
    cache: Cache<TokenDigest, CachedToken, EntryWeighter>,
    recent: RecentTokens,
    lookups: Family<LookupLabels, Counter>,
    hits: Counter,
    misses: Counter,
}

/// Label of the cache-lookup counter.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LookupLabels {
    /// `hit` or `miss`.
    pub result: &'static str,
}

impl VerifiedTokenCache {
    /// A cache of at most `max_entries` entries and about `max_bytes` bytes;
    /// `None` when either is zero (caching disabled).
    pub fn new(max_entries: usize, max_bytes: u64) -> Option<Self> {
        if max_entries == 0 || max_bytes == 0 {
            return None;
        }
        let min_weight = (max_bytes / max_entries as u64).max(1);
        let lookups = Family::<LookupLabels, Counter>::default();
        // Resolved once, so a lookup costs one atomic add and no map access.
        let hits = lookups
            .get_or_create(&LookupLabels { result: "hit" })
            .clone();
        let misses = lookups
            .get_or_create(&LookupLabels { result: "miss" })
            .clone();
        Some(VerifiedTokenCache {
            cache: Cache::with_weighter(max_entries, max_bytes, EntryWeighter { min_weight }),
            recent: RecentTokens::new(),
            lookups,
            hits,
            misses,
        })
    }

    /// What the cache holds for `token`: among the recent tokens first,
    /// then by its digest. Counted once, as a hit or a miss.
    pub fn lookup(&self, token: &str) -> Lookup {
        if let Some((entry, digest)) = self.recent.get(token) {
            self.hits.inc();
            return Lookup::Hit {
                entry,
                digest,
                recent: true,
            };
        }
        let digest = token_digest(token);
        match self.get(&digest) {
            Some(entry) => Lookup::Hit {
                entry,
                digest,
                recent: false,
            },
            None => Lookup::Miss(digest),
        }
    }

    /// Offers a token just found by its digest, and still admitted, to the
    /// recent tokens.
    pub fn keep_recent(
        &self,
        token: &str,
        digest: TokenDigest,
        entry: impl FnOnce() -> CachedToken,
    ) {
        self.recent.offer(token, digest, entry);
    }

    /// Forgets a token found by [`Self::lookup`] (expired, verified under a
    /// withdrawn key, revoked), wherever it was held.
    pub fn forget(&self, token: &str, digest: &TokenDigest) {
        self.cache.remove(digest);
        self.recent.forget(token);
    }

    /// The entry for a token's digest, if cached.
    pub fn get(&self, digest: &TokenDigest) -> Option<CachedToken> {
        let entry = self.cache.get(digest);
        let counter = if entry.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.inc();
        entry
    }

    /// Lookups that found an entry (whatever was then decided).
    pub fn hits(&self) -> u64 {
        self.hits.get()
    }

    /// Lookups by result, for `/metrics`.
    pub fn lookups(&self) -> Family<LookupLabels, Counter> {
        self.lookups.clone()
    }

    /// Lookups that found nothing.
    pub fn misses(&self) -> u64 {
        self.misses.get()
    }

    /// Remembers a verified token.
    pub fn insert(&self, digest: TokenDigest, entry: CachedToken) {
        self.cache.insert(digest, entry);
    }

    /// Entries held now.
    pub fn len(&self) -> usize {
        self.cache.len()
    }

    /// Entries held among the recent tokens now.
    #[cfg(test)]
    pub fn recent_len(&self) -> usize {
        self.recent.len()
    }

    /// Whether the cache holds nothing.
    pub fn is_empty(&self) -> bool {
        self.cache.len() == 0
    }

    /// Total weight (about bytes) held now.
    pub fn weight(&self) -> u64 {
        self.cache.weight()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::claims::{check_claims, ClaimRules};
    use crate::auth::jose::ClaimSet;
    use crate::pools::TokenUsePolicy;
    use serde_json::json;

    fn claims(sub: &str, padding: usize) -> Claims {
        let value = json!({
            "sub": sub, "iss": "iss", "aud": "c", "token_use": "id", "exp": 2_000_000_000u64,
            "pad": "x".repeat(padding),
        });
        let json = value.to_string();
        let serde_json::Value::Object(claims) = value else {
            panic!("object")
        };
        let rules = ClaimRules {
            issuers: vec!["iss".into()],
            client_ids: vec!["c".into()],
            token_use: TokenUsePolicy::Id,
            leeway_secs: 0,
            machine_callers: false,
            pool: Default::default(),
        };
        check_claims(ClaimSet { claims, json }, &rules, 1_000).expect("valid claims")
    }

    fn fill(cache: &VerifiedTokenCache, n: usize, padding: usize) {
        for i in 0..n {
            let key = token_digest(&format!("token-{i}"));
            let entry = CachedToken {
                claims: claims(&format!("s{i}"), padding),
                key_withdrawals: 0,
            };
            cache.insert(key, entry);
        }
    }

    #[test]
    fn disabled_by_zero() {
        assert!(VerifiedTokenCache::new(0, 1 << 20).is_none());
        assert!(VerifiedTokenCache::new(10, 0).is_none());
    }

    #[test]
    fn bounded_by_entries() {
        let cache = VerifiedTokenCache::new(100, 1 << 30).expect("enabled");
        fill(&cache, 1_000, 10);
        assert!(cache.len() <= 100, "{} entries", cache.len());
        assert!(
            cache.len() >= 50,
            "{} entries: the cache still caches",
            cache.len()
        );
    }

    #[test]
    fn bounded_by_bytes() {
        let cache = VerifiedTokenCache::new(10_000, 100_000).expect("enabled");
        fill(&cache, 1_000, 2_000);
        assert!(cache.weight() <= 100_000, "weight {}", cache.weight());
        assert!(cache.len() <= 100_000 / 2_000, "{} entries", cache.len());
    }

    #[test]
    fn lookups_are_by_whole_token_digest() {
        let cache = VerifiedTokenCache::new(10, 1 << 20).expect("enabled");
        cache.insert(
            token_digest("a.b.c"),
            CachedToken {
                claims: claims("s", 0),
                key_withdrawals: 0,
            },
        );
        assert!(cache.get(&token_digest("a.b.c")).is_some());
        assert!(cache.get(&token_digest("a.b.C")).is_none());
        assert!(cache.get(&token_digest("a.b.c ")).is_none());
    }

    #[test]
    fn hits_and_misses_are_counted() {
        let cache = VerifiedTokenCache::new(10, 1 << 20).expect("enabled");
        fill(&cache, 1, 0);
        assert!(cache.get(&token_digest("token-0")).is_some());
        assert!(cache.get(&token_digest("token-0")).is_some());
        assert!(cache.get(&token_digest("token-9")).is_none());
        assert_eq!((cache.hits(), cache.misses()), (2, 1));
    }
}
