//! The users behind the admin routes: the directory trait (`directory`), the
//! Cognito user pool through the Identity Provider API (`cognito`, `idp`),
//! and the in-memory stand-in of dev mode and tests (`memory`); one of
//! them per pool (`by_pool`).

mod by_pool;
mod cognito;
pub mod directory;
pub mod idp;
mod memory;

pub use by_pool::PoolDirectories;
pub use cognito::CognitoDirectory;
pub use directory::{
    is_plausible_user_id, DirectoryError, DirectoryFuture, Outcome, SeenUser, SeenUserHook,
    UserDirectory, UserRecord, UserRef,
};
pub use memory::{InMemoryDirectory, IN_MEMORY_DIRECTORY_CAPACITY};
