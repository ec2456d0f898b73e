//! The sync's state as the rest of the server sees it (`/metrics`,
//! `/readyz`): lock-free, written by the sync task only.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

/// What the sync task reports.
#[derive(Debug, Default)]
pub struct SyncStatus {
    /// Connected, in step, and every write stored.
    pub(super) up: AtomicBool,
    /// Whether the list has been in step with Redis at least once.
    pub(super) synced_once: AtomicBool,
    /// Milliseconds from a revocation being stored by one instance to this
    /// one hearing of it, last seen.
    pub(super) lag_ms: AtomicU64,
    /// Revocations made here that Redis has not stored yet.
    pub(super) pending: AtomicUsize,
}

impl SyncStatus {
    /// Whether Redis is connected, the list in step with it, and every
    /// revocation made here stored (a write Redis refuses counts as down).
    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Acquire)
    }

    /// Whether the list has been in step with Redis at least once: until
    /// then, revocations made elsewhere may be missing here.
    pub fn has_synced(&self) -> bool {
        self.synced_once.load(Ordering::Acquire)
    }

    /// The last observed propagation delay, in seconds.
    pub fn lag_seconds(&self) -> f64 {
        self.lag_ms.load(Ordering::Relaxed) as f64 / 1000.0
    }

    /// Revocations made here and kept in the spool until Redis stores them.
    pub fn pending(&self) -> usize {
        self.pending.load(Ordering::Acquire)
    }
}
