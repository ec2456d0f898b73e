//! Prometheus metrics at `GET /metrics`: authentication outcomes, guard
//! refusals, forward-auth decisions, JWKS fetches by result, keys cached,
//! and the age of the key set.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::{EncodeLabel, EncodeLabelSet, LabelSetEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use actix_web::{web, HttpResponse};

use crate::auth::token_cache::VerifiedTokenCache;
use crate::auth::{AuthError, Missing, Verifier};
use crate::http::errors::Detail;
use crate::pools::Pools;
use crate::revocation::{Revocations, SyncStatus};

/// Labels of the authentication counter.
#[derive(Debug, Clone, Hash, PartialEq, Eq)]
pub struct AuthLabels {
    /// `ok`, `missing`, `keys_unavailable`, or the failed check.
    pub outcome: &'static str,
    /// The token's pool, when known (an admitted token's); a refusal
    /// carries none, since it may come before any pool was chosen.
    pub pool: Option<Arc<str>>,
}

/// `pool` is left out rather than written empty when unknown.
impl EncodeLabelSet for AuthLabels {
    fn encode(&self, encoder: &mut LabelSetEncoder) -> Result<(), std::fmt::Error> {
        ("outcome", self.outcome).encode(encoder.encode_label())?;
        if let Some(pool) = &self.pool {
            ("pool", &**pool).encode(encoder.encode_label())?;
        }
        Ok(())
    }
}

/// Label of the per-pool key gauges.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PoolLabels {
    /// The pool's name.
    pub pool: Arc<str>,
}

/// Label of the guard-refusal counter.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct AdminDeniedLabels {
    /// `group` (a user not in `ADMIN_GROUP`), `scope` (a machine without
    /// `ADMIN_SCOPE`) or `caller` (a machine on a route for users).
    pub missing: &'static str,
}

/// Labels of the forward-auth decision counter.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ForwardAuthLabels {
    /// The deciding rule's name (the operator's, a bounded set), or
    /// `(none)` when no rule was reached.
    pub rule: String,
    /// `allowed`, `unauthorized`, `forbidden`, `unavailable`,
    /// `bad_request` or `error`.
    pub outcome: &'static str,
}

/// The server's metrics; shared by all workers through `web::Data`.
pub struct Metrics {
    registry: Registry,
    auth: Family<AuthLabels, Counter>,
    /// `auth{outcome="ok",pool=…}` of each pool by index, resolved once:
    /// counting a success, the common case, then costs one atomic add and
    /// no map lookup.
    auth_ok: Vec<Counter>,
    admin_denied: Family<AdminDeniedLabels, Counter>,
    forward_auth: Family<ForwardAuthLabels, Counter>,
    keys_cached: Family<PoolLabels, Gauge>,
    seconds_since_refresh: Family<PoolLabels, Gauge<f64, AtomicU64>>,
    tokens_cached: Gauge,
    revocations: Gauge,
    revocation_store_up: Gauge,
    revocation_sync_lag: Gauge<f64, AtomicU64>,
    revocations_pending: Gauge,
}

impl Metrics {
    /// Registers every metric, including the JWKS fetch counter that the
    /// pools' key caches share.
    pub fn new(pools: &Pools, tokens: Option<&VerifiedTokenCache>) -> Self {
        let mut registry = Registry::with_prefix("cognito_guard");
        let auth = Family::<AuthLabels, Counter>::default();
        registry.register(
            "auth_requests",
            "Authentication attempts by outcome",
            auth.clone(),
        );
        let auth_ok = pools
            .iter()
            .map(|pool| {
                auth.get_or_create(&AuthLabels {
                    outcome: "ok",
                    pool: Some(Arc::from(&*pool.tag().name)),
                })
                .clone()
            })
            .collect();
        let admin_denied = Family::<AdminDeniedLabels, Counter>::default();
        registry.register(
            "admin_denied",
            "Valid tokens refused by a route's guard, by what they lacked (group, scope, or caller: a machine on a route for users)",
            admin_denied.clone(),
        );
        let forward_auth = Family::<ForwardAuthLabels, Counter>::default();
        registry.register(
            "forward_auth_decisions",
            "Answers of /auth to the gateway, by deciding rule and outcome",
            forward_auth.clone(),
        );
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
            auth,
            auth_ok,
            admin_denied,
            forward_auth,
            keys_cached,
            seconds_since_refresh,
        }
    }

    /// Counts one authentication attempt: admitted from the pool of
    /// that index, or refused.
    pub fn record_auth(&self, result: Result<usize, &AuthError>) {
        let refused = |outcome| {
            self.auth
                .get_or_create(&AuthLabels {
                    outcome,
                    pool: None,
                })
                .inc()
        };
        match result.map(|pool| self.auth_ok.get(pool)) {
            Ok(Some(ok)) => ok.inc(),
            Ok(None) => refused("ok"),
            Err(e) => refused(e.label()),
        };
    }

    /// The counter of `/auth` answers of `outcome` decided by `rule`,
    /// resolved once at start so that counting costs one atomic add.
    pub fn forward_auth_decisions(&self, rule: &str, outcome: &'static str) -> Counter {
        self.forward_auth
            .get_or_create(&ForwardAuthLabels {
                rule: rule.to_owned(),
                outcome,
            })
            .clone()
    }

    /// Counts one refusal of a valid token by a route's guard.
    pub fn record_admin_denied(&self, missing: Missing) {
        self.admin_denied
            .get_or_create(&AdminDeniedLabels {
                missing: missing.into(),
            })
            .inc();
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
