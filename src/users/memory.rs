//! The in-memory user directory of dev mode and the tests: it knows the
//! users whose valid tokens it has seen.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::RwLock;

use crate::auth::verifier::VerifiedHook;
use crate::auth::Claims;
use crate::users::directory::{DirectoryFuture, Outcome, UserDirectory, UserRecord, UserRef};

/// Most users the in-memory directory remembers, so that a stream of valid
/// tokens for ever-new users cannot grow memory without bound.
pub const IN_MEMORY_DIRECTORY_CAPACITY: usize = 100_000;

/// A directory of the users whose valid tokens it has seen (dev mode, tests).
#[derive(Default)]
pub struct InMemoryDirectory {
    users: RwLock<HashMap<String, UserRecord>>,
}

impl InMemoryDirectory {
    /// An empty directory.
    pub fn new() -> Self {
        Self::default()
    }

    /// Remembers the user of a verified token.
    pub fn record_seen(&self, claims: &Claims) {
        // Nearly every call is for a user already known: check under the
        // shared lock and only take the exclusive one for a newcomer.
        if self.users.read().contains_key(&claims.sub) {
            return;
        }
        let mut users = self.users.write();
        if users.len() < IN_MEMORY_DIRECTORY_CAPACITY {
            users.insert(
                claims.sub.clone(),
                UserRecord {
                    sub: claims.sub.clone(),
                    username: claims
                        .username
                        .clone()
                        .unwrap_or_else(|| claims.sub.clone()),
                    email: claims.email.clone(),
                    enabled: true,
                    status: "CONFIRMED".to_owned(),
                    groups: claims.groups.clone(),
                },
            );
        }
    }
}

impl UserDirectory for InMemoryDirectory {
    fn verified_token_hook(self: Arc<Self>) -> Option<VerifiedHook> {
        Some(Box::new(move |claims| self.record_seen(claims)))
    }

    fn find<'a>(&'a self, user_id: &'a str) -> DirectoryFuture<'a, Option<UserRecord>> {
        let found = self.users.read().get(user_id).cloned();
        Box::pin(std::future::ready(Ok(found)))
    }

    fn lookup<'a>(&'a self, user_id: &'a str) -> DirectoryFuture<'a, Option<UserRef>> {
        let found = self.users.read().get(user_id).map(|user| UserRef {
            sub: user.sub.clone(),
            username: user.username.clone(),
        });
        Box::pin(std::future::ready(Ok(found)))
    }

    fn delete<'a>(&'a self, user: &'a UserRef) -> DirectoryFuture<'a, Outcome> {
        let outcome = match self.users.write().remove(&user.sub) {
            Some(_) => Outcome::Done,
            None => Outcome::NotFound,
        };
        Box::pin(std::future::ready(Ok(outcome)))
    }

    fn sign_out<'a>(&'a self, user: &'a UserRef) -> DirectoryFuture<'a, Outcome> {
        // Nothing to sign out of in memory: the verifier's revocation does it.
        let outcome = match self.users.read().contains_key(&user.sub) {
            true => Outcome::Done,
            false => Outcome::NotFound,
        };
        Box::pin(std::future::ready(Ok(outcome)))
    }
}
