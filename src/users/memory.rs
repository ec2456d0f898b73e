//! The in-memory user directory of dev mode and the tests: it knows the
//! users whose valid tokens it has seen.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::RwLock;

use crate::users::directory::{
    DirectoryFuture, Outcome, SeenUser, SeenUserHook, UserDirectory, UserRecord, UserRef,
};

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
    pub fn record_seen(&self, user: &SeenUser<'_>) {
        // Nearly every call is for a user already known: check under the
        // shared lock and only take the exclusive one for a newcomer.
        if self.users.read().contains_key(user.sub) {
            return;
        }
        let mut users = self.users.write();
        if users.len() < IN_MEMORY_DIRECTORY_CAPACITY {
            users.insert(
                user.sub.to_owned(),
                UserRecord {
                    sub: user.sub.to_owned(),
                    username: user.username.unwrap_or(user.sub).to_owned(),
                    email: user.email.map(str::to_owned),
                    enabled: true,
                    status: "CONFIRMED".to_owned(),
                    groups: user.groups.to_vec(),
                },
            );
        }
    }
}

impl UserDirectory for InMemoryDirectory {
    fn verified_token_hook(self: Arc<Self>) -> Option<SeenUserHook> {
        Some(Box::new(move |user| self.record_seen(user)))
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
