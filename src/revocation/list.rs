//! Users locked out before their tokens expire. Cognito tokens stay
//! cryptographically valid for up to a day, so the verifier refuses the
//! tokens of a deleted user (all of them) or a signed-out user (those issued
//! up to the sign-out) until the longest-lived one has expired.
//!
//! The list never lifts a revocation early: only expired entries are evicted.
//! When it is full of live ones it fails closed (see [`RevocationList::revoke`]),
//! for one pool only: each pool (the part of a key before its first `:`,
//! see `PoolTag::revocation_key`) has its own bound and backstop, so an
//! admin of one pool filling the list never locks out another's users.

use std::collections::hash_map::{Entry, RandomState};
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use parking_lot::RwLock;
use thiserror::Error;

/// The longest a Cognito ID or access token can live (1 day): a revoked
/// user's tokens are refused for this long after the revocation.
pub const MAX_TOKEN_LIFETIME_SECS: u64 = 86_400;

/// Most revocations held of one pool. An entry costs about 100 bytes, so
/// the bound is about 10 MiB a pool; reaching it takes 100 000 deletions in
/// one pool within one day.
pub const MAX_REVOKED_SUBJECTS: usize = 100_000;

/// Shards of the list: a request checks one shard under a read lock, so
/// workers do not all contend on one lock, and pruning holds one shard's
/// lock at a time.
const SHARDS: usize = 64;

/// What is refused of one user's tokens, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Revocation {
    /// Tokens issued (`iat`) at or before this instant are refused;
    /// `u64::MAX` for a deleted user, whose every token is refused.
    pub issued_up_to: u64,
    /// Seconds since the epoch until which the entry is in force.
    pub until: u64,
}

impl Revocation {
    /// A deleted user: every token refused until `until`.
    pub fn deleted(until: u64) -> Self {
        Revocation {
            issued_up_to: u64::MAX,
            until,
        }
    }

    /// A signed-out user: tokens issued at or before `at` refused until `until`.
    pub fn signed_out(at: u64, until: u64) -> Self {
        Revocation {
            issued_up_to: at,
            until,
        }
    }

    /// Whether a token issued at `iat` is refused at `now`. A token without
    /// `iat` cannot show it is newer, so it is refused.
    pub fn refuses(&self, iat: Option<u64>, now: u64) -> bool {
        now < self.until && iat.is_none_or(|iat| iat <= self.issued_up_to)
    }

    /// Whether this is a deleted user's (every token refused).
    pub fn is_deletion(&self) -> bool {
        self.issued_up_to == u64::MAX
    }

    /// Whether this refuses at least what `other` does, for at least as
    /// long (so storing this one stores `other` too).
    pub fn covers(&self, other: Revocation) -> bool {
        self.issued_up_to >= other.issued_up_to && self.until >= other.until
    }

    /// Both revocations at once: the stricter cut-off, the later expiry.
    pub fn merge(self, other: Revocation) -> Revocation {
        Revocation {
            issued_up_to: self.issued_up_to.max(other.issued_up_to),
            until: self.until.max(other.until),
        }
    }
}

/// A revocation could not be stored because its pool's part of the list is
/// full of live ones; the list then refuses every token of that pool issued
/// so far (fail closed).
#[derive(Debug, Error, PartialEq, Eq)]
#[error("the revocation list is full of this pool's live revocations; every token of the pool issued so far is refused")]
pub struct RevocationListFull;

/// The pool a revocation key is of: what precedes its first `:` (a
/// `[[pool]]` pool's name, which holds none), or `""` for a bare `sub` (the
/// environment's one pool; admin routes take no `sub` holding `:`).
fn pool_of(key: &str) -> &str {
    key.split_once(':').map_or("", |(pool, _)| pool)
}

/// One pool's share of the list: its entries, and its fail-closed
/// backstop (tokens issued up to `all_issued_up_to` refused until
/// `all_until`; 0: none), set only when its share is full.
#[derive(Debug, Default, Clone, Copy)]
struct PoolShare {
    len: usize,
    all_issued_up_to: u64,
    all_until: u64,
}

/// Revoked users by `sub`; shared by all workers.
pub struct RevocationList {
    shards: Box<[RwLock<HashMap<String, Revocation>>]>,
    /// Picks a sub's shard with keys chosen at random per process, so
    /// nobody can aim many subs at one shard.
    hasher: RandomState,
    /// Most entries of one pool.
    capacity: usize,
    /// Entries held, so the common case (nobody revoked) takes no lock.
    len: AtomicUsize,
    /// The latest `all_until` of any pool's backstop (0: none), so the
    /// common case (no backstop) takes no lock.
    any_all_until: AtomicU64,
    /// Each pool's entries and backstop; locked after a shard, never before.
    pools: RwLock<HashMap<Box<str>, PoolShare>>,
}

impl Default for RevocationList {
    fn default() -> Self {
        Self::with_capacity(MAX_REVOKED_SUBJECTS)
    }
}

impl RevocationList {
    /// An empty list of [`MAX_REVOKED_SUBJECTS`] entries at most.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty list of about `capacity` entries at most.
    pub fn with_capacity(capacity: usize) -> Self {
        RevocationList {
            shards: (0..SHARDS).map(|_| RwLock::default()).collect(),
            hasher: RandomState::new(),
            capacity: capacity.max(1),
            len: AtomicUsize::new(0),
            any_all_until: AtomicU64::new(0),
            pools: RwLock::default(),
        }
    }

    fn shard(&self, sub: &str) -> &RwLock<HashMap<String, Revocation>> {
        &self.shards[(self.hasher.hash_one(sub) as usize) % SHARDS]
    }

    /// Drops every expired entry, one shard at a time.
    fn prune(&self, now: u64) {
        for shard in self.shards.iter() {
            let mut shard = shard.write();
            let before = shard.len();
            let mut pools = self.pools.write();
            shard.retain(|key, held| {
                let live = held.until > now;
                if !live {
                    if let Some(share) = pools.get_mut(pool_of(key)) {
                        share.len = share.len.saturating_sub(1);
                    }
                }
                live
            });
            self.len.fetch_sub(before - shard.len(), Ordering::AcqRel);
        }
    }

    /// Entries held of the pool of `key`.
    fn pool_len(&self, key: &str) -> usize {
        self.pools
            .read()
            .get(pool_of(key))
            .map_or(0, |share| share.len)
    }

    /// The backstop of the pool of `key`, if one is set.
    fn backstop(&self, key: &str) -> Option<Revocation> {
        let pools = self.pools.read();
        let share = pools
            .get(pool_of(key))
            .filter(|share| share.all_until != 0)?;
        Some(Revocation::signed_out(
            share.all_issued_up_to,
            share.all_until,
        ))
    }

    /// Records `revocation` for `sub` (merged with any it already has).
    /// Expired entries make room; when the list holds as many live entries
    /// of `sub`'s pool as it may, the entry cannot be kept, so the list
    /// instead refuses every token of that pool issued up to the
    /// revocation's cut-off (or up to `now` for a deletion) until it
    /// expires, and says so: a revocation is never silently lost.
    pub fn revoke(
        &self,
        sub: &str,
        revocation: Revocation,
        now: u64,
    ) -> Result<(), RevocationListFull> {
        if self.pool_len(sub) >= self.capacity {
            self.prune(now);
        }
        let mut shard = self.shard(sub).write();
        // Workers racing here may overshoot the bound by a few entries.
        let room = self.pool_len(sub) < self.capacity;
        match shard.entry(sub.to_owned()) {
            Entry::Occupied(mut held) => {
                let merged = held.get().merge(revocation);
                held.insert(merged);
                Ok(())
            }
            Entry::Vacant(slot) if room => {
                slot.insert(revocation);
                self.len.fetch_add(1, Ordering::AcqRel);
                self.pools
                    .write()
                    .entry(pool_of(sub).into())
                    .or_default()
                    .len += 1;
                Ok(())
            }
            Entry::Vacant(_) => {
                let cut_off = revocation.issued_up_to.min(now);
                let mut pools = self.pools.write();
                let share = pools.entry(pool_of(sub).into()).or_default();
                share.all_issued_up_to = share.all_issued_up_to.max(cut_off);
                share.all_until = share.all_until.max(revocation.until);
                self.any_all_until
                    .fetch_max(revocation.until, Ordering::AcqRel);
                Err(RevocationListFull)
            }
        }
    }

    /// Whether a token of `sub` issued at `iat` is refused at `now`.
    pub fn refuses(&self, sub: &str, iat: Option<u64>, now: u64) -> bool {
        self.refusal(sub, iat, now).is_some()
    }

    /// The revocation that refuses a token of `sub` issued at `iat` at
    /// `now`, if any.
    pub fn refusal(&self, sub: &str, iat: Option<u64>, now: u64) -> Option<Revocation> {
        self.refusal_of(|| sub.into(), iat, now)
    }

    /// [`RevocationList::refusal`] of the key `key()` makes, made only when
    /// some entry is held.
    pub fn refusal_of<'a>(
        &self,
        key: impl FnOnce() -> std::borrow::Cow<'a, str>,
        iat: Option<u64>,
        now: u64,
    ) -> Option<Revocation> {
        let any_backstop = self.any_all_until.load(Ordering::Acquire) > now;
        if !any_backstop && self.len.load(Ordering::Acquire) == 0 {
            return None;
        }
        let sub = key();
        if any_backstop {
            if let Some(all) = self.backstop(&sub).filter(|all| all.refuses(iat, now)) {
                return Some(all);
            }
        }
        self.shard(&sub)
            .read()
            .get(&*sub)
            .copied()
            .filter(|held| held.refuses(iat, now))
    }

    /// Every revocation still in force at `now`, for writing the list back
    /// to a shared store. One shard is locked at a time.
    pub fn live_entries(&self, now: u64) -> Vec<(String, Revocation)> {
        self.live_entries_where(now, |_| true)
    }

    /// The live revocations at `now` that `wanted` picks, for writing part
    /// of the list back. One shard is locked at a time.
    pub fn live_entries_where(
        &self,
        now: u64,
        wanted: impl Fn(&Revocation) -> bool,
    ) -> Vec<(String, Revocation)> {
        let mut entries = Vec::new();
        for shard in self.shards.iter() {
            let shard = shard.read();
            entries.extend(
                shard
                    .iter()
                    .filter(|(_, held)| held.until > now && wanted(held))
                    .map(|(sub, held)| (sub.clone(), *held)),
            );
        }
        entries
    }

    /// How many live revocations at `now` fall in each group `group` puts
    /// them in (for comparing with what a shared store holds).
    pub fn count_live_by(
        &self,
        now: u64,
        group: impl Fn(&Revocation) -> u64,
    ) -> HashMap<u64, usize> {
        let mut counts = HashMap::new();
        for shard in self.shards.iter() {
            for held in shard.read().values().filter(|held| held.until > now) {
                *counts.entry(group(held)).or_insert(0) += 1;
            }
        }
        counts
    }

    /// The revocation held for `sub`, live or not yet pruned.
    pub fn get(&self, sub: &str) -> Option<Revocation> {
        self.shard(sub).read().get(sub).copied()
    }

    /// Entries held (expired ones included until pruned).
    pub fn len(&self) -> usize {
        self.len.load(Ordering::Acquire)
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
#[path = "list_tests.rs"]
mod tests;
