//! Revocation: users locked out before their tokens expire (deleted, or
//! signed out). The list (`list`) lives in memory, shared by all workers;
//! `shared` is what the verifier uses, and `redis` keeps it in step with
//! other instances when `REDIS_URL` is set.

mod codec;
mod list;
mod redis;
mod shared;

pub use list::{
    Revocation, RevocationList, RevocationListFull, MAX_REVOKED_SUBJECTS, MAX_TOKEN_LIFETIME_SECS,
};
pub use redis::{RedisSync, SyncStatus};
pub use shared::Revocations;
