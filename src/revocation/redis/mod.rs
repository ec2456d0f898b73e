//! The revocation list shared on Redis (`REDIS_URL`). Every instance keeps
//! the whole list in memory, so no request ever waits on Redis; a background
//! task keeps that copy in step:
//!
//! - revocations live in one hash per hour of expiry (see `codec`), merged
//!   by a Lua script (the stricter cut-off, the later expiry); a change is
//!   published on `<prefix>:revocations`, which every instance subscribes to;
//! - a revocation made here is pending (in memory and in the spool file)
//!   until Redis confirms it; a write Redis refuses (`READONLY`, `OOM`,
//!   `NOPERM`, …) or cannot take (down) is retried until stored, and the
//!   store is reported down meanwhile;
//! - on every (re)connect an instance subscribes first, then reads every
//!   bucket and writes back what Redis lacks; every few seconds it compares
//!   the buckets' sizes with its own list, so a loss without a reconnect
//!   (eviction, a flush) is repaired by every instance holding the entries.
//!
//! One WARN per outage; the state is exported for `/metrics` and `/readyz`.

mod buckets;
mod commands;
mod pending;
mod preflight;
mod session;
mod status;
mod store;

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use crate::revocation::codec::RedisNames;
use crate::revocation::list::{Revocation, RevocationList};
use crate::revocation::spool::Spool;
use crate::revocation::RedisUrl;

pub use commands::{acl_rules, RedisCommand, COMMANDS};
pub use preflight::{check as preflight, PreflightError, Unusable};
pub use status::SyncStatus;

/// The handle of the sync task: hands it new revocations, never waiting.
pub struct RedisSync {
    outbox: mpsc::UnboundedSender<(String, Revocation)>,
    status: Arc<SyncStatus>,
}

impl RedisSync {
    /// Starts the sync task for `list` (on the current actix runtime), with
    /// `spooled`, the revocations the spool held at start, still to store.
    /// The receiver fires once the list is first in step with Redis.
    pub fn start(
        url: RedisUrl,
        names: RedisNames,
        list: Arc<RevocationList>,
        spool: Spool,
        spooled: Vec<(String, Revocation)>,
    ) -> (Self, oneshot::Receiver<()>) {
        let (outbox, inbox) = mpsc::unbounded_channel();
        let (synced, first_sync) = oneshot::channel();
        let status = Arc::new(SyncStatus::default());
        let mut pending = HashMap::with_capacity(spooled.len());
        for (sub, revocation) in spooled {
            let merged = pending
                .get(&sub)
                .map_or(revocation, |held: &Revocation| held.merge(revocation));
            pending.insert(sub, merged);
        }
        let task = session::SyncTask {
            url,
            writer: Arc::new(store::Writer::new(names.clone())),
            names,
            list,
            inbox,
            status: Arc::clone(&status),
            first_sync: Some(synced),
            spool: Arc::new(spool),
            pending,
            in_outage: false,
        };
        actix_rt::spawn(task.run());
        (RedisSync { outbox, status }, first_sync)
    }

    /// Stores `revocation` for `sub` in Redis, in the background.
    pub fn publish(&self, sub: &str, revocation: Revocation) {
        if self.outbox.send((sub.to_owned(), revocation)).is_err() {
            log::error!(
                "the Redis sync task has stopped; sub={sub} is revoked on this instance only"
            );
        }
    }

    /// The task's state, for `/metrics`.
    pub fn status(&self) -> &SyncStatus {
        &self.status
    }
}
