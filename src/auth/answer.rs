//! How a refusal is answered, in one form for every boundary: a status,
//! `Cache-Control: no-store`, and a `{"detail": ...}` body; for
//! authentication's refusals ([`AuthError`]) also the RFC 6750 challenge
//! or `Retry-After`.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::errors::AuthError;

/// Seconds a client is told to wait when signing keys are unavailable; about
/// the time a failed JWKS fetch takes to be retried.
pub const KEYS_UNAVAILABLE_RETRY_AFTER_SECS: u64 = 5;

/// The body of every error answer.
#[derive(Serialize, ToSchema)]
pub struct Detail<'a> {
    /// A short, human-readable reason; never a token.
    #[schema(example = "the token has expired")]
    pub detail: &'a str,
}

/// The start of every error answer: they are about one request and one
/// credential, so never cached.
pub fn error_response(status: StatusCode) -> actix_web::HttpResponseBuilder {
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
        let mut builder = error_response(self.status_code());
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
