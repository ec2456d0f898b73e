//! The revocation list as the verifier sees it: held in memory (so checking
//! a token never waits), and, with `REDIS_URL`, shared with every other
//! instance through [`RedisSync`].

use std::sync::Arc;

use crate::revocation::list::{Revocation, RevocationList, RevocationListFull};
use crate::revocation::redis::{RedisSync, SyncStatus};

/// The revocations this instance enforces.
pub struct Revocations {
    list: Arc<RevocationList>,
    sync: Option<RedisSync>,
}

impl Revocations {
    /// This instance's own list.
    pub fn in_memory() -> Self {
        Revocations {
            list: Arc::new(RevocationList::new()),
            sync: None,
        }
    }

    /// `list`, kept in step with other instances by `sync`.
    pub fn shared(list: Arc<RevocationList>, sync: RedisSync) -> Self {
        Revocations {
            list,
            sync: Some(sync),
        }
    }

    /// Enforces `revocation` here at once, and hands it to the other
    /// instances (in the background) when the list is shared.
    pub fn revoke(
        &self,
        sub: &str,
        revocation: Revocation,
        now: u64,
    ) -> Result<(), RevocationListFull> {
        let kept = self.list.revoke(sub, revocation, now);
        if let Some(sync) = &self.sync {
            sync.publish(sub, revocation);
        }
        kept
    }

    /// The revocation that refuses a token of `sub` issued at `iat` at
    /// `now`, if any.
    pub fn refusal(&self, sub: &str, iat: Option<u64>, now: u64) -> Option<Revocation> {
        self.list.refusal(sub, iat, now)
    }

    /// As [`Revocations::refusal`], for the user `key()` names: the key is
    /// only made when some revocation is held, so the common case (none)
    /// costs no allocation for a pool whose keys are composed.
    pub fn refusal_of<'a>(
        &self,
        key: impl FnOnce() -> std::borrow::Cow<'a, str>,
        iat: Option<u64>,
        now: u64,
    ) -> Option<Revocation> {
        self.list.refusal_of(key, iat, now)
    }

    /// Revocations held.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether none is held.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Whether revocations made on other instances are known here: always
    /// for a list of this instance's own; once first in step with Redis for
    /// a shared one.
    pub fn is_ready(&self) -> bool {
        self.sync
            .as_ref()
            .is_none_or(|sync| sync.status().has_synced())
    }

    /// Whether the list is shared with other instances.
    pub fn is_shared(&self) -> bool {
        self.sync.is_some()
    }

    /// The Redis sync's state, when the list is shared.
    pub fn sync_status(&self) -> Option<&SyncStatus> {
        self.sync.as_ref().map(RedisSync::status)
    }
}
