//! Liveness and readiness probes for load balancers and orchestrators.

use actix_web::{web, HttpResponse, Responder};
use serde_json::json;

use crate::auth::Verifier;
use crate::http::errors::KEYS_UNAVAILABLE_RETRY_AFTER_SECS;
use crate::keys::JwksCache;

/// `GET /healthz`: 200 while the process serves.
pub async fn healthz() -> impl Responder {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// `GET /readyz`: 200 once signing keys are loaded and, with `REDIS_URL`,
/// the revocation list has been in step with Redis once (an instance that
/// started during a Redis outage does not know the revocations made
/// elsewhere, so it takes no traffic yet); 503 before.
pub async fn readyz(jwks: web::Data<JwksCache>, verifier: web::Data<Verifier>) -> impl Responder {
    let not_ready = if !jwks.is_ready() {
        "signing keys not loaded yet"
    } else if !verifier.revocations().is_ready() {
        "revocation list not yet in step with Redis"
    } else {
        return HttpResponse::Ok().json(json!({ "status": "ready", "keys": jwks.key_count() }));
    };
    HttpResponse::ServiceUnavailable()
        .insert_header(("Retry-After", KEYS_UNAVAILABLE_RETRY_AFTER_SECS))
        .json(json!({ "detail": not_ready }))
}
