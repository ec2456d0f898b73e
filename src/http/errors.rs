//! The API routes' own error answers ([`ApiError`]): statuses and
//! `{"detail": ...}` bodies, in the form every refusal has
//! (`auth::answer`).

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use thiserror::Error;

pub use crate::auth::answer::{Detail, KEYS_UNAVAILABLE_RETRY_AFTER_SECS};
use crate::auth::error_response;
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
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut builder = error_response(self.status_code());
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
