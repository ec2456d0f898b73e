//! The verified-token cache's front row: a few tokens hit lately, found by
//! their exact bytes. Hashing a whole Cognito token with SHA-256 is most of
//! a cache hit's cost; a token found here costs one comparison instead.
//!
//! Sound because the comparison is of every byte: a token is found only if
//! it is exactly one that the cache behind (keyed by SHA-256) already held.
//! The slot is picked from the token's last bytes (its signature): a
//! client choosing them can only make its own lookups miss, since only a
//! token the cache already held is ever placed here. An entry gets the same
//! checks on every hit as one of the cache behind (expiry, withdrawn keys,
//! revocations), so it is never more trusted than that one.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use arc_swap::ArcSwapOption;

use crate::auth::token_cache::{CachedToken, TokenDigest};

/// Slots: at most this many tokens (about 1 KiB each for Cognito's) are
/// held besides the cache behind, so a busy instance's hottest callers
/// skip the digest in a few hundred KiB.
pub const RECENT_SLOTS: usize = 256;

/// A token hit lately, with what the cache behind holds for it.
struct Recent {
    token: Box<[u8]>,
    /// The token's key in the cache behind.
    digest: TokenDigest,
    /// The cached entry, as verified.
    entry: CachedToken,
    /// Hit since it was placed or last spared: a newcomer then does not
    /// take its place.
    hit: AtomicBool,
}

/// One token's place, and who asked for it last.
struct Slot {
    held: ArcSwapOption<Recent>,
    /// The fingerprint of the token offered last and not placed. A token
    /// is placed only when offered twice in a row: with many callers
    /// sharing a slot, each found once in a while, none is copied in (a
    /// kilobyte, and a swap) only to be pushed out by the next.
    knocked: AtomicU64,
}

/// Direct-mapped slots, each swapped whole: a lookup takes no lock and
/// writes no shared cache line.
pub struct RecentTokens {
    slots: Box<[Slot]>,
}

/// A token's fingerprint: its last eight bytes, the end of its signature
/// (as good as random for a signed token), mixed by Fibonacci hashing so
/// that the top bits depend on every byte.
fn fingerprint(token: &[u8]) -> u64 {
    let tail = &token[token.len().saturating_sub(8)..];
    let mut bytes = [0u8; 8];
    bytes[..tail.len()].copy_from_slice(tail);
    u64::from_le_bytes(bytes).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

impl RecentTokens {
    /// Empty slots, [`RECENT_SLOTS`] of them.
    pub fn new() -> Self {
        let slot = |_| Slot {
            held: ArcSwapOption::empty(),
            knocked: AtomicU64::new(0),
        };
        RecentTokens {
            slots: (0..RECENT_SLOTS).map(slot).collect(),
        }
    }

    /// The slot for a token of fingerprint `print`.
    fn slot(&self, print: u64) -> &Slot {
        let index = usize::try_from(print >> 56).unwrap_or(0) % self.slots.len();
        &self.slots[index]
    }

    /// The entry for exactly `token`, and its key in the cache behind, if
    /// its slot holds it.
    pub fn get(&self, token: &str) -> Option<(CachedToken, TokenDigest)> {
        let token = token.as_bytes();
        // A guard, not a clone of the Arc: no count shared by the workers
        // is written.
        let held = self.slot(fingerprint(token)).held.load();
        let recent = held.as_ref().filter(|recent| *recent.token == *token)?;
        // Read first: once set, hits write nothing shared.
        if !recent.hit.load(Ordering::Relaxed) {
            recent.hit.store(true, Ordering::Relaxed);
        }
        Some((recent.entry.clone(), recent.digest))
    }

    /// Offers a token the cache behind just found. It is placed in its
    /// slot when it was also the last token offered there, and the slot
    /// is empty or its holder was not hit since it was placed or last
    /// spared (a holder hit since is spared, once).
    pub fn offer(&self, token: &str, digest: TokenDigest, entry: impl FnOnce() -> CachedToken) {
        let print = fingerprint(token.as_bytes());
        let slot = self.slot(print);
        let spared = slot
            .held
            .load()
            .as_ref()
            .is_some_and(|holder| holder.hit.swap(false, Ordering::Relaxed));
        let knocked_before = slot.knocked.swap(print, Ordering::Relaxed) == print;
        if spared || !knocked_before {
            return;
        }
        slot.held.store(Some(Arc::new(Recent {
            token: token.as_bytes().into(),
            digest,
            entry: entry(),
            hit: AtomicBool::new(false),
        })));
    }

    /// Empties `token`'s slot if it holds that token (which failed a
    /// check on a hit: expired, key withdrawn, revoked).
    pub fn forget(&self, token: &str) {
        let slot = self.slot(fingerprint(token.as_bytes()));
        let current = slot.held.load();
        if current
            .as_ref()
            .is_some_and(|held| *held.token == *token.as_bytes())
        {
            slot.held.compare_and_swap(&current, None);
        }
    }

    /// Tokens held now.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.slots
            .iter()
            .filter(|slot| slot.held.load().is_some())
            .count()
    }
}

impl Default for RecentTokens {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::test_fixtures::{id_claims, rules, NOW};

    fn entry(sub: &str) -> CachedToken {
        let mut claims = id_claims();
        claims["sub"] = sub.into();
        let json = claims.to_string();
        let serde_json::Value::Object(claims) = claims else {
            panic!("object")
        };
        let set = crate::auth::jose::ClaimSet { claims, json };
        CachedToken {
            claims: crate::auth::claims::check_claims(set, &rules(), NOW).expect("valid"),
            key_withdrawals: 0,
        }
    }

    /// Who `token` is found as, if it is found.
    fn found(recent: &RecentTokens, token: &str) -> Option<String> {
        recent.get(token).map(|(entry, _)| entry.claims.sub.clone())
    }

    // Two tokens with the same last eight bytes share a slot (and a
    // fingerprint).
    const A: &str = "header.alice.SIGNATURE";
    const B: &str = "header.bob.SIGNATURE";

    /// A token in `token`'s slot with another fingerprint.
    fn same_slot_other_print(token: &str) -> String {
        let print = fingerprint(token.as_bytes());
        (0..100_000)
            .map(|n| format!("header.carol.{n:08}"))
            .find(|other| {
                let other = fingerprint(other.as_bytes());
                other >> 56 == print >> 56 && other != print
            })
            .expect("one in 256 shares the slot")
    }

    /// Offers `token` twice in a row, as two lookups by digest would.
    fn place(recent: &RecentTokens, token: &str, digest: u8, sub: &str) {
        for _ in 0..2 {
            recent.offer(token, [digest; 32], || entry(sub));
        }
    }

    #[test]
    fn a_token_is_found_only_by_its_every_byte() {
        let recent = RecentTokens::new();
        place(&recent, A, 1, "alice");
        assert_eq!(found(&recent, A).as_deref(), Some("alice"));
        assert_eq!(recent.get(A).map(|(_, digest)| digest), Some([1; 32]));
        for other in [
            B,
            "header.alice.SIGNATURe",
            "Header.alice.SIGNATURE",
            "SIGNATURE",
        ] {
            assert_eq!(found(&recent, other), None, "{other}");
        }
        // Shorter than the eight bytes a slot is picked by.
        place(&recent, "a.b", 2, "short");
        assert_eq!(found(&recent, "a.b").as_deref(), Some("short"));
        assert_eq!(found(&recent, "a.c"), None);
    }

    #[test]
    fn a_token_is_placed_when_offered_twice_in_a_row() {
        let recent = RecentTokens::new();
        recent.offer(A, [1; 32], || entry("alice"));
        assert_eq!(recent.len(), 0, "offered once");
        // Another token's offer in between: each has knocked once.
        let carol = same_slot_other_print(A);
        recent.offer(&carol, [3; 32], || entry("carol"));
        recent.offer(A, [1; 32], || entry("alice"));
        assert_eq!(recent.len(), 0);
        recent.offer(A, [1; 32], || entry("alice"));
        assert_eq!(found(&recent, A).as_deref(), Some("alice"));
    }

    #[test]
    fn a_holder_not_hit_gives_its_slot_up() {
        let recent = RecentTokens::new();
        place(&recent, A, 1, "alice");
        place(&recent, B, 2, "bob");
        assert_eq!(found(&recent, A), None);
        assert_eq!(found(&recent, B).as_deref(), Some("bob"));
        assert_eq!(recent.len(), 1);
    }

    #[test]
    fn a_holder_hit_since_is_spared_once() {
        let recent = RecentTokens::new();
        place(&recent, A, 1, "alice");
        assert!(found(&recent, A).is_some());
        let mut built = false;
        recent.offer(B, [2; 32], || {
            built = true;
            entry("bob")
        });
        assert!(!built, "spared: the newcomer is not even copied");
        assert_eq!(found(&recent, B), None);
        // Not hit since it was spared: the newcomer's next offer (its
        // second in a row) takes its place.
        recent.offer(B, [2; 32], || entry("bob"));
        assert_eq!(found(&recent, A), None);
        assert_eq!(found(&recent, B).as_deref(), Some("bob"));
    }

    #[test]
    fn forget_empties_the_slot_only_of_that_token() {
        let recent = RecentTokens::new();
        place(&recent, A, 1, "alice");
        recent.forget(B);
        assert_eq!(found(&recent, A).as_deref(), Some("alice"));
        recent.forget(A);
        assert_eq!(found(&recent, A), None);
        assert_eq!(recent.len(), 0);
    }
}
