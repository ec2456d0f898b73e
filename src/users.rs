//! The user directory behind `DELETE /users/{user_id}`: a small trait so the
//! in-memory store used today and a Cognito-backed one can be swapped.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use parking_lot::RwLock;
use thiserror::Error;

use crate::verify::Claims;

/// What a deletion did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deletion {
    Deleted,
    NotFound,
}

/// Why the directory could not answer.
#[derive(Debug, Error)]
pub enum DirectoryError {
    #[error("user directory unavailable: {0}")]
    Unavailable(String),
}

/// A boxed future, since the Cognito-backed directory deletes over the network.
pub type DirectoryFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, DirectoryError>> + 'a>>;

/// Users the server knows of, by Cognito `sub`.
pub trait UserDirectory: Send + Sync {
    /// Called for every successfully authenticated request.
    fn record_seen(&self, claims: &Claims);
    /// Deletes the user whose `sub` is `user_id`.
    fn delete<'a>(&'a self, user_id: &'a str) -> DirectoryFuture<'a, Deletion>;
}

/// Most users the in-memory directory remembers, so that a stream of valid
/// tokens for ever-new users cannot grow memory without bound.
pub const IN_MEMORY_DIRECTORY_CAPACITY: usize = 100_000;

/// A directory that knows the users whose valid tokens it has seen.
#[derive(Default)]
pub struct InMemoryDirectory {
    users: RwLock<HashMap<String, Option<String>>>,
}

impl InMemoryDirectory {
    /// An empty directory.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether a user with this `sub` is known.
    pub fn contains(&self, user_id: &str) -> bool {
        self.users.read().contains_key(user_id)
    }
}

impl UserDirectory for InMemoryDirectory {
    fn record_seen(&self, claims: &Claims) {
        // Nearly every call is for a user already known: check under the
        // shared lock and only take the exclusive one for a newcomer.
        if self.users.read().contains_key(&claims.sub) {
            return;
        }
        let mut users = self.users.write();
        if users.len() < IN_MEMORY_DIRECTORY_CAPACITY {
            users.insert(claims.sub.clone(), claims.username.clone());
        }
    }

    fn delete<'a>(&'a self, user_id: &'a str) -> DirectoryFuture<'a, Deletion> {
        let outcome = match self.users.write().remove(user_id) {
            Some(_) => Deletion::Deleted,
            None => Deletion::NotFound,
        };
        Box::pin(std::future::ready(Ok(outcome)))
    }
}
