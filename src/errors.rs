//! Request-time errors and the one place they become HTTP responses.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use strum::{EnumIter, IntoStaticStr};
use thiserror::Error;

/// Seconds a client is told to wait when signing keys are unavailable; about
/// the time a failed JWKS fetch takes to be retried.
pub const KEYS_UNAVAILABLE_RETRY_AFTER_SECS: u64 = 5;
/// Seconds an admin is told to wait when Cognito is throttling or down.
pub const DIRECTORY_RETRY_AFTER_SECS: u64 = 5;

/// Which check a presented token failed. The text is what the client sees in
/// `error_description`, so it never contains any part of the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error, IntoStaticStr, EnumIter)]
#[strum(serialize_all = "snake_case")]
pub enum TokenRejection {
    #[error("more than one Authorization header")]
    MultipleAuthorizationHeaders,
    #[error("the token is too large")]
    TooLarge,
    #[error("the token is not a compact JWS (header.payload.signature)")]
    Malformed,
    #[error("the token header is not valid base64url JSON")]
    BadHeader,
    #[error("the token algorithm is not RS256")]
    BadAlgorithm,
    #[error("the token header has no key id")]
    MissingKid,
    #[error("the token header carries parameters this server refuses (crit, jku, jwk, x5u, x5c)")]
    ForbiddenHeaderParameter,
    #[error("the token key id is not one of the signing keys")]
    UnknownKid,
    #[error("the token signature is invalid")]
    BadSignature,
    #[error("the token payload is not valid base64url JSON object")]
    BadPayload,
    #[error("the token has no exp claim")]
    MissingExp,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet (nbf)")]
    NotYetValid,
    #[error("the token issuer is not accepted")]
    WrongIssuer,
    #[error("the token has no token_use claim")]
    MissingTokenUse,
    #[error("the token kind (token_use) is not accepted")]
    WrongTokenUse,
    #[error("the token was issued to another client")]
    WrongClient,
    #[error("the token has no subject")]
    MissingSubject,
    #[error("a token claim has the wrong JSON type")]
    WrongClaimType,
    #[error("the user of this token has been deleted")]
    UserDeleted,
}

/// Why a request was not authenticated or not authorised.
#[derive(Debug, Error)]
pub enum AuthError {
    /// No `Authorization: Bearer` credentials at all.
    #[error("missing bearer token")]
    MissingCredentials,
    /// Credentials were presented but are not acceptable.
    #[error("invalid token: {0}")]
    InvalidToken(TokenRejection),
    /// Authenticated, but not a member of the group the route needs.
    #[error("this route requires membership of the admin group")]
    Forbidden,
    /// No signing key could be obtained to check the token with.
    #[error("signing keys are unavailable; try again shortly")]
    KeysUnavailable,
    /// The server's clock reads before 1970, so no expiry can be checked.
    #[error("the server cannot tell the time; try again shortly")]
    ClockUnset,
    /// The app was assembled without the authentication state: our bug.
    #[error("authentication is not configured on this route")]
    NotConfigured,
}

impl TokenRejection {
    /// A stable snake_case name, for metric labels.
    pub fn label(self) -> &'static str {
        self.into()
    }
}

impl AuthError {
    /// A stable snake_case name, for metric labels.
    pub fn label(&self) -> &'static str {
        match self {
            AuthError::MissingCredentials => "missing",
            AuthError::InvalidToken(reason) => reason.label(),
            AuthError::Forbidden => "forbidden",
            AuthError::KeysUnavailable => "keys_unavailable",
            AuthError::ClockUnset => "clock_unset",
            AuthError::NotConfigured => "not_configured",
        }
    }
}

impl From<TokenRejection> for AuthError {
    fn from(rejection: TokenRejection) -> Self {
        AuthError::InvalidToken(rejection)
    }
}

/// Errors of the API routes themselves (after authentication).
#[derive(Debug, Error)]
pub enum ApiError {
    #[error("no such user")]
    UserNotFound,
    #[error("not found")]
    RouteNotFound,
    #[error("the user directory is unavailable; try again shortly")]
    DirectoryUnavailable,
    #[error("the user directory refused the request")]
    DirectoryRefused,
    #[error("admin user management is not configured: the server has no AWS credentials")]
    DirectoryNotConfigured,
    #[error("refusing to delete your own user; repeat with ?self=true to do so")]
    SelfDeletion,
}

#[derive(Serialize)]
struct Detail<'a> {
    detail: &'a str,
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
            AuthError::Forbidden => StatusCode::FORBIDDEN,
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
            AuthError::Forbidden => {
                builder.insert_header((
                    header::WWW_AUTHENTICATE,
                    r#"Bearer error="insufficient_scope""#,
                ));
            }
            AuthError::KeysUnavailable | AuthError::ClockUnset => {
                builder.insert_header((header::RETRY_AFTER, KEYS_UNAVAILABLE_RETRY_AFTER_SECS));
            }
            AuthError::NotConfigured => {}
        }
        builder.json(Detail { detail: &detail })
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::UserNotFound | ApiError::RouteNotFound => StatusCode::NOT_FOUND,
            ApiError::DirectoryUnavailable | ApiError::DirectoryNotConfigured => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::DirectoryRefused => StatusCode::BAD_GATEWAY,
            ApiError::SelfDeletion => StatusCode::CONFLICT,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut builder = error_builder(self.status_code());
        if matches!(self, ApiError::DirectoryUnavailable) {
            builder.insert_header((header::RETRY_AFTER, DIRECTORY_RETRY_AFTER_SECS));
        }
        builder.json(Detail {
            detail: &self.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
