//! `[forward_auth.assertion]`: who signs (the issuer and its keys, the
//! first of which signs while all are published), and for how long.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::key::SigningKey;

/// What assertions are minted with.
#[derive(Debug, Clone)]
pub struct AssertionSettings {
    /// The assertions' `iss`.
    pub issuer: String,
    /// Loaded, in the configured order: the first signs, all are
    /// published. Never empty.
    pub keys: Vec<Arc<SigningKey>>,
    /// The files they were read from (watched for a reload).
    pub key_files: Vec<PathBuf>,
    /// How long an assertion is valid, at most (never past the token's
    /// own `exp`).
    pub lifetime: Duration,
}
