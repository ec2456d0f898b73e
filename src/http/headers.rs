//! Headers of the HTTP edge: `X-Content-Type-Options: nosniff` on every
//! answer (set once, outside everything, so errors, 404s and CORS refusals
//! carry it too), and the cache rules of answers that depend on the caller.

use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::DefaultHeaders;

/// The layer for `App::wrap`, outermost: every answer, whoever made it,
/// tells browsers not to sniff a type other than the one declared. A header
/// insert per answer, in a future that is not boxed.
pub fn every_answer() -> DefaultHeaders {
    DefaultHeaders::new().add((
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    ))
}

/// For an answer that depends on the caller's token: no cache, private or
/// shared, may keep it (someone else's greeting or profile must never be
/// served from one).
pub const fn no_store() -> (HeaderName, HeaderValue) {
    (header::CACHE_CONTROL, HeaderValue::from_static("no-store"))
}

/// For an answer whose content varies with the `Authorization` header (the
/// feed): a cache that keeps it must key it on the token.
pub const fn vary_on_authorization() -> (HeaderName, HeaderValue) {
    (header::VARY, HeaderValue::from_static("Authorization"))
}
