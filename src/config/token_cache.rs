//! The verified-token cache group: how many tokens, and how many bytes, are
//! remembered after passing every check.

use super::env::RawEnv;
use super::error::ConfigError;
use super::values::number;

/// Default entries: the tokens in use at once on a busy instance, at a peak
/// RSS under 20 MiB (README, Performance).
const DEFAULT_ENTRIES: u64 = 10_000;
/// Default byte budget (16 MiB): a memory bound whatever the tokens' size;
/// each entry is charged at least budget / entries (about 1.6 KiB).
const DEFAULT_MAX_BYTES: u64 = 16 * 1024 * 1024;
/// Most entries allowed, a guard against typos (an extra zero or two).
const MAX_ENTRIES: u64 = 10_000_000;
/// Largest byte budget allowed (16 GiB), a guard against typos.
const MAX_BYTES: u64 = 16 << 30;

/// The verified-token cache's bounds; `entries == 0` disables it.
#[derive(Debug, Clone)]
pub struct TokenCacheSettings {
    /// Verified tokens remembered (0 disables the cache).
    pub entries: usize,
    /// Byte budget of the cache.
    pub max_bytes: u64,
}

impl TokenCacheSettings {
    pub(super) fn from_raw(raw: &RawEnv) -> Result<Self, ConfigError> {
        let entries = number(
            "VERIFIED_TOKEN_CACHE_ENTRIES",
            raw.verified_token_cache_entries.as_deref(),
            DEFAULT_ENTRIES,
            0..=MAX_ENTRIES,
        )?;
        Ok(TokenCacheSettings {
            // At most MAX_ENTRIES, which fits any usize of 32 bits or more.
            entries: usize::try_from(entries).unwrap_or(usize::MAX),
            max_bytes: number(
                "VERIFIED_TOKEN_CACHE_MAX_BYTES",
                raw.verified_token_cache_max_bytes.as_deref(),
                DEFAULT_MAX_BYTES,
                0..=MAX_BYTES,
            )?,
        })
    }
}
