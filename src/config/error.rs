//! Why the process refused to start: [`ConfigError`], naming the variable.

use thiserror::Error;

/// Why the process refused to start; every variant names the variable at fault.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    /// A variable the chosen mode needs was not set (or set to blank).
    #[error("{0} is required but not set")]
    Missing(&'static str),
    /// A variable was set to something unusable.
    #[error("{var} is invalid: {reason}")]
    Invalid { var: &'static str, reason: String },
    /// The environment itself could not be read.
    #[error("could not read the environment: {0}")]
    Environment(String),
    /// The `GUARD_CONFIG` file holds something unusable, at this line and key.
    #[error("{file}:{line}: {key}: {reason} (GUARD_CONFIG)")]
    GuardFile {
        file: String,
        line: usize,
        key: String,
        reason: String,
    },
    /// The `.env` file (or the one `--env-file` named) could not be read.
    #[error("cannot read {file}: {reason}")]
    EnvFile { file: String, reason: String },
}

/// A [`ConfigError::Invalid`] for `var`.
pub(super) fn invalid(var: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        var,
        reason: reason.into(),
    }
}
