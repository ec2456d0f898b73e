//! Liveness and readiness probes for load balancers and orchestrators.

use actix_web::{web, HttpResponse, Responder};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Verifier;
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
    /// With `REDIS_URL`: `up`, or `down` while Redis is unreachable or
    /// refuses writes (revocations are then enforced from memory and kept
    /// in the spool until stored; the instance still serves).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "up")]
    revocation_store: Option<&'static str>,
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

/// Readiness: 200 once signing keys are loaded and, with `REDIS_URL`, the
/// revocation list has been in step with Redis once (an instance started
/// during a Redis outage does not know the revocations made elsewhere, so it
/// takes no traffic yet); 503 before.
#[utoipa::path(
    get,
    path = "/readyz",
    responses(
        (status = 200, description = "Signing keys loaded (and, with REDIS_URL, revocations in step)", body = Ready),
        (status = 503, description = "Signing keys not loaded yet, or revocations not yet in step with Redis", body = Detail,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ),
)]
pub async fn readyz(jwks: web::Data<JwksCache>, verifier: web::Data<Verifier>) -> impl Responder {
    let not_ready = if !jwks.is_ready() {
        "signing keys not loaded yet"
    } else if !verifier.revocations().is_ready() {
        "revocation list not yet in step with Redis"
    } else {
        let store = verifier.revocations().sync_status();
        return HttpResponse::Ok().json(Ready {
            status: "ready",
            keys: jwks.key_count(),
            revocation_store: store.map(|sync| if sync.is_up() { "up" } else { "down" }),
        });
    };
    HttpResponse::ServiceUnavailable()
        .insert_header(("Retry-After", KEYS_UNAVAILABLE_RETRY_AFTER_SECS))
        .json(Detail { detail: not_ready })
}
