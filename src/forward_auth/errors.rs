//! Why `/auth` could not even ask the rules: the gateway's report of the
//! original request is missing, unreadable or ambiguous (`400`); or why no
//! rule admitted it (`403`: none matched, or a closing rule did). Answered in the form every refusal has
//! (`auth::answer`).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use thiserror::Error;

use crate::auth::{error_response, Detail};

use super::normalise::PathRefusal;
use crate::assertion::AssertionError;

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
    /// Readings of the path that upstreams differ on (case, a trailing
    /// `/`) find different rules.
    #[error("the original path reads as another rule's path to a case-insensitive or non-strict router (its case, or its trailing /): spell it as the rules do")]
    AmbiguousPath,
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
            ForwardAuthError::AmbiguousPath => "path_ambiguous",
        }
    }
}

/// The gateway's report of the original request is unusable: `400`.
impl ResponseError for ForwardAuthError {
    fn status_code(&self) -> StatusCode {
        StatusCode::BAD_REQUEST
    }

    fn error_response(&self) -> HttpResponse {
        error_response(self.status_code()).json(Detail {
            detail: &self.to_string(),
        })
    }
}

/// Default deny: no `GUARD_CONFIG` rule matches the request, whatever the
/// token: `403`.
pub fn no_rule() -> HttpResponse {
    error_response(StatusCode::FORBIDDEN).json(Detail {
        detail: "no rule admits this request",
    })
}

/// The peer is not in `trusted_peers`: `403`, and nothing decided.
pub fn untrusted_peer() -> HttpResponse {
    error_response(StatusCode::FORBIDDEN).json(Detail {
        detail: "this address may not ask for decisions (trusted_peers)",
    })
}

/// No identity assertion could be made for an allowed caller (one larger
/// than 8 KiB): `403`, never a truncated identity.
pub fn assertion_refused(refused: AssertionError) -> HttpResponse {
    error_response(StatusCode::FORBIDDEN).json(Detail {
        detail: &refused.to_string(),
    })
}

/// A rule with `allow = "deny"` matched: `403`, whatever the token.
pub fn closed() -> HttpResponse {
    error_response(StatusCode::FORBIDDEN).json(Detail {
        detail: "this request is closed by a rule",
    })
}
