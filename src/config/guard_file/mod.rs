//! `GUARD_CONFIG`: a TOML file read once at start, parsed strictly (serde
//! with every table closed, `raw`), then checked in one validation pass
//! (`validate`); every error names the file, the line and the key
//! (`position`). It holds the user pools (`[[pool]]`, checked in `pools`)
//! and the gateway rules (`[forward_auth]`, `[[rule]]`; their terms in
//! `terms`).

mod assertion;
mod peers;
mod policies;
mod pools;
mod position;
mod raw;
mod terms;
mod validate;

use std::path::Path;
use std::time::Duration;

use super::error::ConfigError;
use crate::forward_auth::ForwardAuthSettings;
use crate::pools::PoolSettings;

/// What a `[[pool]]` table leaves to the environment.
#[derive(Debug, Clone, Default)]
pub struct PoolDefaults {
    /// `AUTH_LEEWAY_SECS`: every pool's clock-skew allowance.
    pub leeway: Duration,
    /// `COGNITO_IDP_ENDPOINT`, when set: the endpoint of a pool that names
    /// none (else its region's). Parsed only for such a pool, as an unused
    /// value never stopped a start.
    pub idp_endpoint: Option<String>,
}

/// What `GUARD_CONFIG` configures, validated. Empty without the variable.
#[derive(Debug, Clone, Default)]
pub struct GuardFile {
    /// The `[[pool]]` tables in file order; empty: the environment
    /// variables make the one pool.
    pub pools: Vec<PoolSettings>,
    /// Where the first `[[pool]]` table is (`file:line`), for the error
    /// naming a single-pool variable set beside it.
    pub pools_at: Option<String>,
    /// The gateway rules; `None`: no `/auth` endpoint.
    pub forward_auth: Option<ForwardAuthSettings>,
}

impl GuardFile {
    /// Reads and validates the file `GUARD_CONFIG` names.
    pub fn load(path: &Path, defaults: &PoolDefaults) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Invalid {
            var: "GUARD_CONFIG",
            reason: format!("cannot read {}: {e}", path.display()),
        })?;
        Self::parse(&path.display().to_string(), &text, defaults)
    }

    /// Validates `text`, the contents of `file` (named in errors).
    pub fn parse(file: &str, text: &str, defaults: &PoolDefaults) -> Result<Self, ConfigError> {
        let located = position::Locator::new(file, text);
        let raw: raw::RawGuardFile = toml::from_str(text).map_err(|e| located.serde_error(&e))?;
        validate::guard_file(raw, defaults, &located)
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod pool_tests;

#[cfg(test)]
mod gateway_tests;

#[cfg(test)]
mod policies_tests;
