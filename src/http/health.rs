//! Liveness and readiness probes for load balancers and orchestrators.

use actix_web::{web, HttpResponse, Responder};
use serde_json::json;

use crate::http::errors::KEYS_UNAVAILABLE_RETRY_AFTER_SECS;
use crate::keys::JwksCache;

/// `GET /healthz`: 200 while the process serves.
pub async fn healthz() -> impl Responder {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// `GET /readyz`: 200 once signing keys are loaded, 503 before.
pub async fn readyz(jwks: web::Data<JwksCache>) -> impl Responder {
    if jwks.is_ready() {
        HttpResponse::Ok().json(json!({ "status": "ready", "keys": jwks.key_count() }))
    } else {
        HttpResponse::ServiceUnavailable()
            .insert_header(("Retry-After", KEYS_UNAVAILABLE_RETRY_AFTER_SECS))
            .json(json!({ "detail": "signing keys not loaded yet" }))
    }
}
