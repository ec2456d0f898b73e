//! The user directory behind the admin routes `GET`/`DELETE /users/{user_id}`:
//! the Cognito user pool in `cognito` mode, an in-memory stand-in in dev mode
//! and tests.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use thiserror::Error;

/// What an action on a user (deletion, global sign-out) found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The user existed and the action was carried out.
    Done,
    /// No such user (any more).
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

/// The user of a verified token, as a directory that learns its users
/// from tokens records them.
#[derive(Debug, Clone, Copy)]
pub struct SeenUser<'a> {
    /// Cognito's stable user id.
    pub sub: &'a str,
    /// `cognito:username` or `username`, when the token has one.
    pub username: Option<&'a str>,
    /// `email`, when the token has one.
    pub email: Option<&'a str>,
    /// `cognito:groups`.
    pub groups: &'a [String],
}

/// Called with the user of each newly verified token.
pub type SeenUserHook = Box<dyn Fn(&SeenUser<'_>) + Send + Sync>;

/// Users by Cognito `sub`.
pub trait UserDirectory: Send + Sync {
    /// For a directory that learns its users from verified tokens (dev
    /// mode's), the hook to call with the user of each newly verified token.
    fn verified_token_hook(self: Arc<Self>) -> Option<SeenUserHook> {
        None
    }
    /// The user the directory finds for the `sub` `user_id`, as an admin
    /// sees it.
    fn find<'a>(&'a self, user_id: &'a str) -> DirectoryFuture<'a, Option<UserRecord>>;
    /// The user the directory finds for the `sub` `user_id`: enough to
    /// decide on a deletion and to lock the right `sub` out after it.
    fn lookup<'a>(&'a self, user_id: &'a str) -> DirectoryFuture<'a, Option<UserRef>>;
    /// Deletes `user`, as [`UserDirectory::lookup`] found it.
    fn delete<'a>(&'a self, user: &'a UserRef) -> DirectoryFuture<'a, Outcome>;
    /// Signs `user` out everywhere: their refresh tokens stop working, so no
    /// new tokens come from them (Cognito's `AdminUserGlobalSignOut`).
    fn sign_out<'a>(&'a self, user: &'a UserRef) -> DirectoryFuture<'a, Outcome>;
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
