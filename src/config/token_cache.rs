//! The verified-token cache group: how many tokens, and how many bytes, are
//! remembered after passing every check.

use super::env::RawEnv;
use super::error::ConfigError;
use super::values::number;
use crate::auth::token_cache::TokenCacheSettings;

/// Default entries: the tokens in use at once on a busy instance, at a peak
/// RSS under 20 MiB (docs/performance.md).
const DEFAULT_ENTRIES: u64 = 10_000;
/// Default byte budget (16 MiB): a memory bound whatever the tokens' size;
/// each entry is charged at least budget / entries (about 1.6 KiB).
const DEFAULT_MAX_BYTES: u64 = 16 * 1024 * 1024;
/// Most entries allowed, a guard against typos (an extra zero or two).
const MAX_ENTRIES: u64 = 10_000_000;
/// Largest byte budget allowed (16 GiB), a guard against typos.
const MAX_BYTES: u64 = 16 << 30;

/// `VERIFIED_TOKEN_CACHE_ENTRIES`, `VERIFIED_TOKEN_CACHE_MAX_BYTES`.
pub(super) fn token_cache_settings(raw: &RawEnv) -> Result<TokenCacheSettings, ConfigError> {
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
