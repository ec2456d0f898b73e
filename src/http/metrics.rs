//! Prometheus metrics at `GET /metrics`: the registry. Each component owns
//! its counters (authentication and guard refusals in `auth::metrics`,
//! forward-auth decisions in `forward_auth::metrics`, JWKS fetches in each
//! key cache, token-cache lookups in the cache) and is registered here; the
//! gauges (keys cached, the age of each key set, tokens cached,
//! revocations) are read from the components at each scrape.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use actix_web::{web, HttpResponse};

use crate::auth::token_cache::VerifiedTokenCache;
use crate::auth::{AuthMetrics, Detail, Pools, Verifier};
use crate::forward_auth::ForwardAuthMetrics;
use crate::reload::ReloadMetrics;
use crate::revocation::{Revocations, SyncStatus};

/// Label of the per-pool key gauges.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PoolLabels {
    /// The pool's name.
    pub pool: Arc<str>,
}

/// The server's metrics; shared by all workers through `web::Data`.
pub struct Metrics {
    registry: Registry,
    keys_cached: Family<PoolLabels, Gauge>,
    seconds_since_refresh: Family<PoolLabels, Gauge<f64, AtomicU64>>,
    tokens_cached: Gauge,
    revocations: Gauge,
    revocation_store_up: Gauge,
    revocation_sync_lag: Gauge<f64, AtomicU64>,
    revocations_pending: Gauge,
}

impl Metrics {
    /// Registers every metric: the components' counters (`forward_auth`'s
    /// when `/auth` is served, the reloads'), the JWKS fetch counter that the pools' key
    /// caches share, and the gauges read at each scrape.
    pub fn new(
        auth: &AuthMetrics,
        forward_auth: Option<&ForwardAuthMetrics>,
        reload: &ReloadMetrics,
        pools: &Pools,
        tokens: Option<&VerifiedTokenCache>,
    ) -> Self {
        let mut registry = Registry::with_prefix("cognito_guard");
        auth.register(&mut registry);
        reload.register(&mut registry);
        // Registered even without rules, so the family is always exported.
        match forward_auth {
            Some(forward_auth) => forward_auth.register(&mut registry),
            None => ForwardAuthMetrics::default().register(&mut registry),
        }
        if let Some(first) = pools.get(0) {
            registry.register(
                "jwks_fetches",
                "JWKS fetches by pool and result",
                first.jwks.fetch_results(),
            );
        }
        let keys_cached = Family::<PoolLabels, Gauge>::default();
        registry.register(
            "jwks_keys_cached",
            "Signing keys in each pool's cache",
            keys_cached.clone(),
        );
        let seconds_since_refresh = Family::<PoolLabels, Gauge<f64, AtomicU64>>::default();
        registry.register(
            "jwks_seconds_since_refresh",
            "Seconds since each pool's keys were last loaded successfully; -1 before the first load",
            seconds_since_refresh.clone(),
        );
        let tokens_cached = Gauge::default();
        registry.register(
            "verified_tokens_cached",
            "Tokens in the verified-token cache",
            tokens_cached.clone(),
        );
        if let Some(tokens) = tokens {
            registry.register(
                "verified_token_cache_lookups",
                "Verified-token cache lookups by result (hit or miss)",
                tokens.lookups(),
            );
        }
        let revocations = Gauge::default();
        registry.register(
            "revocations",
            "Users locked out (deleted or signed out) held in the revocation list",
            revocations.clone(),
        );
        let revocation_store_up = Gauge::default();
        registry.register(
            "revocation_store_up",
            "1 while the revocation list is in step with its store (always, without REDIS_URL)",
            revocation_store_up.clone(),
        );
        let revocation_sync_lag = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "revocation_sync_lag_seconds",
            "Delay, last seen, between a revocation stored by another instance and this one applying it",
            revocation_sync_lag.clone(),
        );
        let revocations_pending = Gauge::default();
        registry.register(
            "revocations_pending",
            "Revocations made here that Redis has not stored yet (kept in REVOCATION_SPOOL, retried)",
            revocations_pending.clone(),
        );
        Metrics {
            tokens_cached,
            revocations,
            revocation_store_up,
            revocation_sync_lag,
            revocations_pending,
            registry,
            keys_cached,
            seconds_since_refresh,
        }
    }

    /// The exposition text, with the gauges read from the pools' key
    /// caches, the token cache and the revocations now.
    pub fn render(
        &self,
        pools: &Pools,
        tokens: Option<&VerifiedTokenCache>,
        revocations: &Revocations,
    ) -> Result<String, std::fmt::Error> {
        self.revocations
            .set(i64::try_from(revocations.len()).unwrap_or(i64::MAX));
        let sync = revocations.sync_status();
        self.revocation_store_up
            .set(i64::from(sync.is_none_or(SyncStatus::is_up)));
        self.revocation_sync_lag
            .set(sync.map_or(0.0, SyncStatus::lag_seconds));
        self.revocations_pending
            .set(sync.map_or(0, |s| i64::try_from(s.pending()).unwrap_or(i64::MAX)));
        self.tokens_cached
            .set(tokens.map_or(0, |t| i64::try_from(t.len()).unwrap_or(i64::MAX)));
        for pool in pools.iter() {
            let labels = PoolLabels {
                pool: Arc::from(&*pool.tag().name),
            };
            self.keys_cached
                .get_or_create(&labels)
                .set(i64::try_from(pool.jwks.key_count()).unwrap_or(i64::MAX));
            self.seconds_since_refresh.get_or_create(&labels).set(
                pool.jwks
                    .last_success()
                    .map_or(-1.0, |at| at.elapsed().as_secs_f64()),
            );
        }
        let mut text = String::new();
        encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

/// Prometheus metrics, in the OpenMetrics text format.
#[utoipa::path(
    get,
    path = "/metrics",
    responses((status = 200, description = "The exposition text", body = String,
        content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8")),
)]
pub async fn metrics(metrics: web::Data<Metrics>, verifier: web::Data<Verifier>) -> HttpResponse {
    match metrics.render(
        verifier.pools(),
        verifier.token_cache(),
        verifier.revocations(),
    ) {
        Ok(text) => HttpResponse::Ok()
            .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
            .body(text),
        Err(_) => HttpResponse::InternalServerError().json(Detail {
            detail: "the metrics cannot be rendered",
        }),
    }
}
