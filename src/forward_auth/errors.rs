//! Why `/auth` could not even ask the rules: the gateway's report of the
//! original request is missing or unreadable. Answered `400` with the
//! JSON detail (`http::errors`).

use thiserror::Error;

use super::normalise::PathRefusal;

/// A request to `/auth` that says no usable original request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum ForwardAuthError {
    /// The header giving the original method or path is absent.
    #[error("{0} is missing: the gateway must send it")]
    MissingHeader(&'static str),
    /// It is sent more than once.
    #[error("{0} is sent more than once")]
    RepeatedHeader(&'static str),
    /// It is not visible ASCII, or not a method.
    #[error("{0} is malformed")]
    MalformedHeader(&'static str),
    /// Envoy's convention: nothing after `/auth`.
    #[error("no original path after /auth (set ext_authz's path_prefix to /auth)")]
    NoPathAfterPrefix,
    /// The original path is refused.
    #[error("{0}")]
    Path(#[from] PathRefusal),
}

impl ForwardAuthError {
    /// A stable snake_case name, for logs.
    pub fn label(self) -> &'static str {
        match self {
            ForwardAuthError::MissingHeader(_) => "original_missing",
            ForwardAuthError::RepeatedHeader(_) => "original_repeated",
            ForwardAuthError::MalformedHeader(_) => "original_malformed",
            ForwardAuthError::NoPathAfterPrefix => "original_no_path",
            ForwardAuthError::Path(refusal) => refusal.label(),
        }
    }
}
