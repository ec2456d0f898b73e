//! The user directory behind the admin routes `GET`/`DELETE /users/{user_id}`:
//! the Cognito user pool in `cognito` mode, an in-memory stand-in in dev mode
//! and tests.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use parking_lot::RwLock;
use thiserror::Error;

use crate::cognito_idp::{CognitoIdpClient, IdpError};
use crate::verify::Claims;

/// What a deletion did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deletion {
    Deleted,
    NotFound,
}

/// A user as an admin sees it before deciding to delete it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub sub: String,
    pub username: String,
    pub email: Option<String>,
    pub enabled: bool,
    pub status: String,
    pub groups: Vec<String>,
}

/// A user the directory found: the `sub` the directory holds (which need
/// not be spelled like the id that found it) and the name it deletes by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRef {
    pub sub: String,
    pub username: String,
}

/// Why the directory could not answer.
#[derive(Debug, Error)]
pub enum DirectoryError {
    /// Temporarily unavailable (network, timeout, throttling, 5xx).
    #[error("user directory unavailable: {0}")]
    Unavailable(String),
    /// The directory refused the request for another reason.
    #[error("user directory refused the request: {0}")]
    Refused(String),
    /// No credentials to manage users with.
    #[error("user directory not configured")]
    NotConfigured,
}

/// A boxed future, since the Cognito-backed directory works over the network.
pub type DirectoryFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, DirectoryError>> + 'a>>;

/// Users by Cognito `sub`.
pub trait UserDirectory: Send + Sync {
    /// Called for every successfully authenticated request.
    fn record_seen(&self, _claims: &Claims) {}
    /// The user the directory finds for the `sub` `user_id`, as an admin
    /// sees it.
    fn find<'a>(&'a self, user_id: &'a str) -> DirectoryFuture<'a, Option<UserRecord>>;
    /// The user the directory finds for the `sub` `user_id`: enough to
    /// decide on a deletion and to lock the right `sub` out after it.
    fn lookup<'a>(&'a self, user_id: &'a str) -> DirectoryFuture<'a, Option<UserRef>>;
    /// Deletes `user`, as [`UserDirectory::lookup`] found it.
    fn delete<'a>(&'a self, user: &'a UserRef) -> DirectoryFuture<'a, Deletion>;
}

/// Whether `user_id` can be a Cognito `sub` (a UUID in practice). Anything
/// else is answered "no such user" without asking the directory, so no
/// client text ever reaches a Cognito filter expression.
pub fn is_plausible_user_id(user_id: &str) -> bool {
    (1..=128).contains(&user_id.len())
        && user_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

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

    fn delete<'a>(&'a self, user: &'a UserRef) -> DirectoryFuture<'a, Deletion> {
        let outcome = match self.users.write().remove(&user.sub) {
            Some(_) => Deletion::Deleted,
            None => Deletion::NotFound,
        };
        Box::pin(std::future::ready(Ok(outcome)))
    }
}

/// The Cognito user pool, through the Identity Provider API. Without AWS
/// credentials every call answers [`DirectoryError::NotConfigured`].
pub struct CognitoDirectory {
    client: Option<CognitoIdpClient>,
}

impl CognitoDirectory {
    /// A directory calling Cognito with `client`, or refusing without one.
    pub fn new(client: Option<CognitoIdpClient>) -> Self {
        CognitoDirectory { client }
    }

    fn client(&self) -> Result<&CognitoIdpClient, DirectoryError> {
        self.client.as_ref().ok_or(DirectoryError::NotConfigured)
    }
}

impl From<IdpError> for DirectoryError {
    fn from(e: IdpError) -> Self {
        match e {
            IdpError::Unavailable(why) => DirectoryError::Unavailable(why),
            IdpError::Refused(why) => DirectoryError::Refused(why),
            IdpError::UserNotFound => DirectoryError::Refused("user not found".to_owned()),
        }
    }
}

impl UserDirectory for CognitoDirectory {
    fn find<'a>(&'a self, user_id: &'a str) -> DirectoryFuture<'a, Option<UserRecord>> {
        Box::pin(async move {
            let client = self.client()?;
            let Some(user) = client.find_by_sub(user_id).await? else {
                return Ok(None);
            };
            let groups = match client.groups_of(&user.username).await {
                Err(IdpError::UserNotFound) => return Ok(None),
                other => other?,
            };
            Ok(Some(UserRecord {
                sub: user.sub,
                username: user.username,
                email: user.email,
                enabled: user.enabled,
                status: user.status,
                groups,
            }))
        })
    }

    fn lookup<'a>(&'a self, user_id: &'a str) -> DirectoryFuture<'a, Option<UserRef>> {
        Box::pin(async move {
            let user = self.client()?.find_by_sub(user_id).await?;
            Ok(user.map(|user| UserRef {
                sub: user.sub,
                username: user.username,
            }))
        })
    }

    fn delete<'a>(&'a self, user: &'a UserRef) -> DirectoryFuture<'a, Deletion> {
        Box::pin(async move {
            match self.client()?.delete_user(&user.username).await {
                Ok(()) => Ok(Deletion::Deleted),
                // Deleted by someone else between the two calls.
                Err(IdpError::UserNotFound) => Ok(Deletion::NotFound),
                Err(e) => Err(e.into()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sub_shaped_ids_are_plausible() {
        for ok in ["4f6a2c1e-0000-4000-8000-000000000001", "abc_DEF-123"] {
            assert!(is_plausible_user_id(ok), "{ok}");
        }
        let long = "a".repeat(129);
        for bad in ["", "a\"b", "a b", "x\\y", "sub = \"x\"", "é", long.as_str()] {
            assert!(!is_plausible_user_id(bad), "{bad}");
        }
    }
}
