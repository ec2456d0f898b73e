//! Revocation: users locked out before their tokens expire (deleted, or
//! signed out). The list lives in memory, shared by all workers.

mod list;

pub use list::{
    Revocation, RevocationList, RevocationListFull, MAX_REVOKED_SUBJECTS, MAX_TOKEN_LIFETIME_SECS,
};
