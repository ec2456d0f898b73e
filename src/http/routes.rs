//! The route table: every path, its method, its handler, and who may call
//! it (the handler's extractor: `Claims` a valid token, `MaybeClaims`
//! anyone, `AdminClaims` the admin guard).

use actix_web::{web, HttpResponse};

use crate::http::errors::ApiError;
use crate::http::{health, messages, metrics, users};

/// Registers every API route on an app (`/metrics` aside: see
/// [`configure_metrics`]).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/messages")
            // anyone
            .route("/public", web::get().to(messages::public_message))
            // a valid token
            .route("/private", web::get().to(messages::private_message))
            // anyone; a valid token personalises
            .route("/feed", web::get().to(messages::feed)),
    )
    .service(
        web::scope("/users")
            // a valid token
            .route("/me", web::get().to(users::me))
            // the admin guard
            .route("/{user_id}", web::get().to(users::get_user))
            .route("/{user_id}", web::delete().to(users::delete_user)),
    )
    .route("/healthz", web::get().to(health::healthz))
    .route("/readyz", web::get().to(health::readyz));
}

/// Registers `/metrics`: on the API port, or alone on `METRICS_ADDR`'s.
pub fn configure_metrics(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(metrics::metrics));
}

/// Unknown paths get the same JSON error shape as everything else.
pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::RouteNotFound)
}
