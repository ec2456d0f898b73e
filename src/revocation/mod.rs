//! Revocation: users locked out before their tokens expire (deleted, or
//! signed out). The list (`list`) lives in memory, shared by all workers;
//! `shared` is what the verifier uses, and `redis` keeps it in step with
//! other instances when `REDIS_URL` is set, with `spool` keeping what Redis
//! has not stored yet across restarts. `codec` is the Redis layout.

mod codec;
mod list;
mod redis;
pub mod rules;
mod settings;
mod shared;
mod spool;

pub use codec::RedisNames;
pub use list::{
    Revocation, RevocationList, RevocationListFull, MAX_REVOKED_SUBJECTS, MAX_TOKEN_LIFETIME_SECS,
};
pub use redis::{
    acl_rules, preflight, PreflightError, RedisCommand, RedisSync, SyncStatus, Unusable, COMMANDS,
};
pub use settings::{
    RedisUrl, RevocationSettings, DEFAULT_REDIS_KEY_PREFIX, DEFAULT_REVOCATION_SPOOL,
};
pub use shared::Revocations;
pub use spool::{Spool, SpoolError};
