//! Liveness and readiness probes for load balancers and orchestrators.

use actix_web::{web, HttpResponse, Responder};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::errors::{Detail, KEYS_UNAVAILABLE_RETRY_AFTER_SECS};
use crate::keys::JwksCache;

/// The process serves.
#[derive(Serialize, ToSchema)]
pub struct Alive {
    #[schema(example = "ok")]
    status: &'static str,
}

/// Signing keys are loaded.
#[derive(Serialize, ToSchema)]
pub struct Ready {
    #[schema(example = "ready")]
    status: &'static str,
    /// Signing keys in the cache.
    keys: usize,
}

/// Liveness: 200 while the process serves.
#[utoipa::path(
    get,
    path = "/healthz",
    responses((status = 200, description = "Serving", body = Alive)),
)]
pub async fn healthz() -> impl Responder {
    HttpResponse::Ok().json(Alive { status: "ok" })
}

/// Readiness: 200 once signing keys are loaded, 503 before.
#[utoipa::path(
    get,
    path = "/readyz",
    responses(
        (status = 200, description = "Signing keys loaded", body = Ready),
        (status = 503, description = "Signing keys not loaded yet", body = Detail,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ),
)]
pub async fn readyz(jwks: web::Data<JwksCache>) -> impl Responder {
    if jwks.is_ready() {
        HttpResponse::Ok().json(Ready {
            status: "ready",
            keys: jwks.key_count(),
        })
    } else {
        HttpResponse::ServiceUnavailable()
            .insert_header(("Retry-After", KEYS_UNAVAILABLE_RETRY_AFTER_SECS))
            .json(Detail {
                detail: "signing keys not loaded yet",
            })
    }
}
