//! Liveness and readiness probes for load balancers and orchestrators.

use std::collections::BTreeMap;

use actix_web::{web, HttpResponse, Responder};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Verifier;
use crate::http::errors::KEYS_UNAVAILABLE_RETRY_AFTER_SECS;
use crate::reload::ReloadStatus;

/// The process serves.
#[derive(Serialize, ToSchema)]
pub struct Alive {
    #[schema(example = "ok")]
    status: &'static str,
}

/// One pool's signing keys.
#[derive(Serialize, ToSchema)]
pub struct PoolState {
    /// Whether its keys have been loaded.
    ready: bool,
    /// Its signing keys in the cache.
    keys: usize,
}

/// Each pool's state, by name.
type PoolStates = BTreeMap<Box<str>, PoolState>;

/// Signing keys are loaded.
#[derive(Serialize, ToSchema)]
pub struct Ready {
    #[schema(example = "ready")]
    status: &'static str,
    /// Signing keys in the cache, all pools together.
    keys: usize,
    /// Each pool by name (`default` with the single-pool variables).
    #[schema(value_type = Object)]
    pools: PoolStates,
    /// With `REDIS_URL`: `up`, or `down` while Redis is unreachable or
    /// refuses writes (revocations are then enforced from memory and kept
    /// in the spool until stored; the instance still serves).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "up")]
    revocation_store: Option<&'static str>,
    /// The configuration: the generation serving, and why the last reload
    /// was refused until one loads.
    config: ConfigState,
}

/// Which configuration serves.
#[derive(Serialize, ToSchema)]
pub struct ConfigState {
    /// 1 at start, one more for each reload that loaded.
    generation: u64,
    /// Why the last reload was refused (`file:line` and the reason, or
    /// what needs a restart); absent once one loads.
    #[serde(skip_serializing_if = "Option::is_none")]
    reload_error: Option<String>,
}

impl ConfigState {
    fn of(status: Option<&ReloadStatus>) -> Self {
        ConfigState {
            generation: status.map_or(1, ReloadStatus::generation),
            reload_error: status.and_then(ReloadStatus::error),
        }
    }
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

/// Not ready yet, and each pool's state.
#[derive(Serialize, ToSchema)]
pub struct NotReady {
    /// What is missing.
    detail: &'static str,
    /// Each pool by name.
    #[schema(value_type = Object)]
    pools: PoolStates,
    /// The configuration serving.
    config: ConfigState,
}

/// Readiness: 200 once every pool's signing keys are loaded and, with `REDIS_URL`, the
/// revocation list has been in step with Redis once (an instance started
/// during a Redis outage does not know the revocations made elsewhere, so it
/// takes no traffic yet); 503 before.
#[utoipa::path(
    get,
    path = "/readyz",
    responses(
        (status = 200, description = "Signing keys loaded (and, with REDIS_URL, revocations in step)", body = Ready),
        (status = 503, description = "Some pool's signing keys not loaded yet, or revocations not yet in step with Redis", body = NotReady,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ),
)]
pub async fn readyz(
    verifier: web::Data<Verifier>,
    reloads: Option<web::Data<ReloadStatus>>,
) -> impl Responder {
    let config = ConfigState::of(reloads.as_deref().map(std::sync::Arc::as_ref));
    let pools: PoolStates = verifier
        .pools()
        .iter()
        .map(|pool| {
            let state = PoolState {
                ready: pool.jwks.is_ready(),
                keys: pool.jwks.key_count(),
            };
            (pool.tag().name.clone(), state)
        })
        .collect();
    let not_ready = if !pools.values().all(|pool| pool.ready) {
        "signing keys not loaded yet"
    } else if !verifier.revocations().is_ready() {
        "revocation list not yet in step with Redis"
    } else {
        let store = verifier.revocations().sync_status();
        return HttpResponse::Ok().json(Ready {
            status: "ready",
            keys: pools.values().map(|pool| pool.keys).sum(),
            pools,
            revocation_store: store.map(|sync| if sync.is_up() { "up" } else { "down" }),
            config,
        });
    };
    HttpResponse::ServiceUnavailable()
        .insert_header(("Retry-After", KEYS_UNAVAILABLE_RETRY_AFTER_SECS))
        .json(NotReady {
            detail: not_ready,
            pools,
            config,
        })
}
