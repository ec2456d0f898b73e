//! Every error answer, in one place: how the authentication and API errors
//! become HTTP statuses, RFC 6750 challenges and `{"detail": ...}` bodies.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use thiserror::Error;
use utoipa::ToSchema;

use crate::auth::AuthError;
use crate::forward_auth::ForwardAuthError;

/// Seconds a client is told to wait when signing keys are unavailable; about
/// the time a failed JWKS fetch takes to be retried.
pub const KEYS_UNAVAILABLE_RETRY_AFTER_SECS: u64 = 5;
/// Seconds an admin is told to wait when Cognito is throttling or down.
pub const DIRECTORY_RETRY_AFTER_SECS: u64 = 5;

/// Errors of the API routes themselves (after authentication).
#[derive(Debug, Error)]
pub enum ApiError {
    #[error("no such user")]
    UserNotFound,
    #[error("not found")]
    RouteNotFound,
    /// A known path, another method: the `Allow` value (`GET, HEAD`).
    #[error("method not allowed; this path answers {0}")]
    MethodNotAllowed(std::rc::Rc<str>),
    #[error("the user directory is unavailable; try again shortly")]
    DirectoryUnavailable,
    #[error("the user directory refused the request")]
    DirectoryRefused,
    #[error("admin user management is not configured: the server has no AWS credentials")]
    DirectoryNotConfigured,
    #[error("refusing to delete your own user; repeat with ?self=true to do so")]
    SelfDeletion,
    /// Forward-auth's default deny: no `GUARD_CONFIG` rule matches.
    #[error("no rule admits this request")]
    NoRule,
}

/// The body of every error answer.
#[derive(Serialize, ToSchema)]
pub struct Detail<'a> {
    /// A short, human-readable reason; never a token.
    #[schema(example = "the token has expired")]
    pub detail: &'a str,
}

/// Error answers are about one request and one credential: never cache them.
fn error_builder(status: StatusCode) -> actix_web::HttpResponseBuilder {
    let mut builder = HttpResponse::build(status);
    builder.insert_header((header::CACHE_CONTROL, "no-store"));
    builder
}

impl ResponseError for AuthError {
    fn status_code(&self) -> StatusCode {
        match self {
            AuthError::MissingCredentials | AuthError::InvalidToken(_) => StatusCode::UNAUTHORIZED,
            AuthError::Forbidden(_) | AuthError::MachineNotUser => StatusCode::FORBIDDEN,
            AuthError::KeysUnavailable | AuthError::ClockUnset => StatusCode::SERVICE_UNAVAILABLE,
            AuthError::NotConfigured => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let detail = self.to_string();
        let mut builder = error_builder(self.status_code());
        match self {
            AuthError::MissingCredentials => {
                builder.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            AuthError::InvalidToken(reason) => {
                // RFC 6750 §3: the description is a quoted-string; the reasons
                // are fixed texts without quotes or backslashes.
                let value =
                    format!(r#"Bearer error="invalid_token", error_description="{reason}""#);
                if let Ok(value) = HeaderValue::from_str(&value) {
                    builder.insert_header((header::WWW_AUTHENTICATE, value));
                }
            }
            AuthError::Forbidden(refusal) => {
                // RFC 6750 §3.1: name the scopes that would pass, when the
                // policy has some (validated free of quotes at start).
                let value = match &refusal.scope {
                    Some(scope) => format!(r#"Bearer error="insufficient_scope", scope="{scope}""#),
                    None => r#"Bearer error="insufficient_scope""#.to_owned(),
                };
                if let Ok(value) = HeaderValue::from_str(&value) {
                    builder.insert_header((header::WWW_AUTHENTICATE, value));
                }
            }
            AuthError::KeysUnavailable | AuthError::ClockUnset => {
                builder.insert_header((header::RETRY_AFTER, KEYS_UNAVAILABLE_RETRY_AFTER_SECS));
            }
            // No scope would make a machine a user: no challenge to name.
            AuthError::MachineNotUser | AuthError::NotConfigured => {}
        }
        builder.json(Detail { detail: &detail })
    }
}

/// The gateway's report of the original request is unusable: `400`.
impl ResponseError for ForwardAuthError {
    fn status_code(&self) -> StatusCode {
        StatusCode::BAD_REQUEST
    }

    fn error_response(&self) -> HttpResponse {
        error_builder(self.status_code()).json(Detail {
            detail: &self.to_string(),
        })
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::UserNotFound | ApiError::RouteNotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::DirectoryUnavailable | ApiError::DirectoryNotConfigured => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::DirectoryRefused => StatusCode::BAD_GATEWAY,
            ApiError::SelfDeletion => StatusCode::CONFLICT,
            ApiError::NoRule => StatusCode::FORBIDDEN,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut builder = error_builder(self.status_code());
        match self {
            ApiError::DirectoryUnavailable | ApiError::DirectoryNotConfigured => {
                builder.insert_header((header::RETRY_AFTER, DIRECTORY_RETRY_AFTER_SECS));
            }
            ApiError::MethodNotAllowed(allow) => {
                if let Ok(allow) = HeaderValue::from_str(allow) {
                    builder.insert_header((header::ALLOW, allow));
                }
            }
            _ => {}
        }
        builder.json(Detail {
            detail: &self.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::auth::TokenRejection;
    use strum::IntoEnumIterator;

    #[test]
    fn every_rejection_fits_in_a_quoted_string() {
        for r in TokenRejection::iter() {
            let text = r.to_string();
            assert!(!text.contains('"') && !text.contains('\\'), "{text}");
            let response = AuthError::InvalidToken(r).error_response();
            let challenge = response
                .headers()
                .get(header::WWW_AUTHENTICATE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            assert_eq!(
                challenge,
                format!(r#"Bearer error="invalid_token", error_description="{text}""#)
            );
        }
    }

    #[test]
    fn every_rejection_has_its_own_label() {
        let labels: std::collections::HashSet<_> =
            TokenRejection::iter().map(TokenRejection::label).collect();
        assert_eq!(labels.len(), TokenRejection::iter().count());
        assert_eq!(TokenRejection::UserDeleted.label(), "user_deleted");
    }
}
