//! The sync task's pending set: revocations made here that Redis has not
//! confirmed yet, kept in memory and in the spool until it does.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::session::SyncTask;
use crate::revocation::list::Revocation;

impl SyncTask {
    /// Keeps a revocation made here until Redis confirms it: in memory and
    /// in the spool.
    pub(super) async fn add_pending(&mut self, sub: String, revocation: Revocation) {
        let merged = self
            .pending
            .get(&sub)
            .map_or(revocation, |held| held.merge(revocation));
        self.pending.insert(sub, merged);
        self.save_spool().await;
    }

    /// Drops from the pending set what Redis now holds at least as strictly.
    pub(super) async fn confirm(&mut self, stored: &[(String, Revocation)]) {
        let before = self.pending.len();
        for (sub, revocation) in stored {
            if self
                .pending
                .get(sub)
                .is_some_and(|pending| revocation.covers(*pending))
            {
                self.pending.remove(sub);
            }
        }
        if self.pending.len() != before {
            self.save_spool().await;
        }
    }

    /// Writes the pending set to the spool, and its size to the status.
    pub(super) async fn save_spool(&self) {
        self.status
            .pending
            .store(self.pending.len(), Ordering::Release);
        let entries: Vec<(String, Revocation)> = self
            .pending
            .iter()
            .map(|(sub, revocation)| (sub.clone(), *revocation))
            .collect();
        let spool = Arc::clone(&self.spool);
        let saved = actix_rt::task::spawn_blocking(move || spool.save(&entries)).await;
        match saved {
            Ok(Ok(())) => {}
            Ok(Err(e)) => log::error!(
                "cannot write {}: {e}; revocations not yet in Redis are kept in memory only",
                self.spool.path().display()
            ),
            Err(_) => log::error!("writing {} failed", self.spool.path().display()),
        }
    }
}
