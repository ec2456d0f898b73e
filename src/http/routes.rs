//! The route table: every path, its method, its handler, and who may call
//! it, as the [`Guard`] wrapping it states ([`Policy`]). A guard answers
//! 401/403/503 itself before the handler runs; handlers take the admitted
//! caller (`Claims`, `MaybeClaims`, `Caller`).

use actix_web::{web, HttpResponse};

use crate::auth::{Guard, Policy};
use crate::http::errors::ApiError;
use crate::http::{health, messages, metrics, users};

/// Registers every API route on an app (`/metrics` aside: see
/// [`configure_metrics`]).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/messages")
            .route("/public", web::get().to(messages::public_message))
            .service(
                web::resource("/private")
                    .wrap(Guard(Policy::ValidToken))
                    .get(messages::private_message),
            )
            .service(
                web::resource("/feed")
                    .wrap(Guard(Policy::OptionalToken))
                    .get(messages::feed),
            ),
    )
    .service(
        web::scope("/users")
            .service(
                web::resource("/me")
                    .wrap(Guard(Policy::ValidToken))
                    .get(users::me),
            )
            .service(
                web::resource("/{user_id}")
                    .wrap(Guard(Policy::Admin))
                    .get(users::get_user)
                    .delete(users::delete_user),
            )
            .service(
                web::resource("/{user_id}/sign-out")
                    .wrap(Guard(Policy::Admin))
                    .post(users::sign_out_user),
            ),
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
