//! Users deleted through this instance, locked out at once: their tokens
//! stay cryptographically valid until they expire (up to a day), so the
//! verifier refuses every token of a revoked `sub` until then.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use parking_lot::RwLock;

/// The longest a Cognito ID or access token can live (1 day): a deleted
/// user's tokens are refused for this long after the deletion.
pub const MAX_TOKEN_LIFETIME_SECS: u64 = 86_400;

/// Most revocations held; a full set first forgets expired ones, then the
/// one closest to expiry, so memory stays bounded.
pub const MAX_REVOKED_SUBJECTS: usize = 100_000;

/// Revoked subjects and until when (seconds since the epoch).
#[derive(Default)]
pub struct RevokedSubjects {
    until: RwLock<HashMap<String, u64>>,
    /// Lets the common case (nobody revoked) skip the lock entirely.
    len: AtomicUsize,
}

impl RevokedSubjects {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Refuses `sub` until `until`.
    pub fn revoke(&self, sub: &str, until: u64, now: u64) {
        let mut map = self.until.write();
        if map.len() >= MAX_REVOKED_SUBJECTS && !map.contains_key(sub) {
            map.retain(|_, expiry| *expiry > now);
            if map.len() >= MAX_REVOKED_SUBJECTS {
                if let Some(soonest) = map.iter().min_by_key(|(_, e)| **e).map(|(k, _)| k.clone()) {
                    map.remove(&soonest);
                }
            }
        }
        let entry = map.entry(sub.to_owned()).or_insert(until);
        *entry = (*entry).max(until);
        self.len.store(map.len(), Ordering::Release);
    }

    /// Whether tokens of `sub` are refused at `now`.
    pub fn is_revoked(&self, sub: &str, now: u64) -> bool {
        if self.len.load(Ordering::Acquire) == 0 {
            return false;
        }
        self.until.read().get(sub).is_some_and(|until| now < *until)
    }

    /// Revocations held (expired ones included until pruned).
    pub fn len(&self) -> usize {
        self.len.load(Ordering::Acquire)
    }

    /// Whether nothing is revoked.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_revocation_lasts_until_its_expiry() {
        let revoked = RevokedSubjects::new();
        assert!(!revoked.is_revoked("a", 100));
        revoked.revoke("a", 200, 100);
        assert!(revoked.is_revoked("a", 199));
        assert!(!revoked.is_revoked("a", 200));
        assert!(!revoked.is_revoked("b", 150));
    }

    #[test]
    fn the_set_is_bounded() {
        let revoked = RevokedSubjects::new();
        for i in 0..(MAX_REVOKED_SUBJECTS + 10) {
            revoked.revoke(&format!("s{i}"), 1_000 + i as u64, 10);
        }
        assert_eq!(revoked.len(), MAX_REVOKED_SUBJECTS);
        // The newest stay; the ones closest to expiry went.
        assert!(revoked.is_revoked(&format!("s{}", MAX_REVOKED_SUBJECTS + 9), 10));
        assert!(!revoked.is_revoked("s0", 10));
    }
}
