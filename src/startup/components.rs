//! Start-up's first half: every component built from the settings, in the
//! order the request path needs them (key caches, revocations, verifier,
//! directories, metrics, rules), nothing wired yet.

use std::sync::Arc;

use actix_web::web;
use prometheus_client::metrics::family::Family;
use utoipa::openapi::OpenApi;

use super::pools::{pool_keys, seen_user_hooks};
use super::reload::ConfigReload;
use super::revocations::revocations;
use super::StartupError;
use crate::auth::{AuthMetrics, Verifier};
use crate::config::Settings;
use crate::forward_auth::{ForwardAuth, ForwardAuthMetrics, LiveRules};
use crate::http::routes::RoutePolicies;
use crate::http::{openapi, CorsSettings, Metrics};
use crate::keys::JwksCache;
use crate::reload::{ReloadMetrics, ReloadStatus, Reloader};
use crate::users::{PoolDirectories, UserDirectory};

/// What the server is made of, shared by every worker.
pub(super) struct Components {
    pub verifier: web::Data<Verifier>,
    pub directories: web::Data<PoolDirectories>,
    pub auth_metrics: web::Data<AuthMetrics>,
    pub metrics: web::Data<Metrics>,
    /// The gateway rules serving; `None` without `[forward_auth]`: no
    /// `/auth`.
    pub forward_auth: Option<web::Data<LiveRules>>,
    /// Reloads the configuration (`SIGHUP`, a changed file).
    pub reloader: Arc<Reloader>,
    /// Where reloads stand, for `/readyz`.
    pub reload_status: web::Data<ReloadStatus>,
    pub route_policies: RoutePolicies,
    pub api_document: OpenApi,
    pub cors: CorsSettings,
    /// Whether `/metrics` is served on the API port.
    pub metrics_here: bool,
    /// The first pool's key cache, for inspection.
    pub first_keys: Arc<JwksCache>,
}

/// Builds every component; `directories[i]` is the user directory of
/// pool `i`. Loads each pool's signing keys once (a failure leaves the
/// server unready, not dead) and starts their background refresh.
pub(super) async fn build(
    settings: &Settings,
    directories: Vec<Arc<dyn UserDirectory>>,
) -> Result<Components, StartupError> {
    // One fetch counter for every pool's cache, labelled by pool.
    let fetches = Family::default();
    let mut caches = Vec::with_capacity(settings.pools.len());
    for pool in &settings.pools {
        caches.push(pool_keys(pool, &settings.jwks, fetches.clone()).await?);
    }
    let first_keys = Arc::clone(&caches[0]);

    let revocations = Arc::new(revocations(&settings.revocation).await?);
    let gateway_machines = settings
        .forward_auth
        .as_ref()
        .is_some_and(|rules| rules.admits_machines());
    let verifier = Verifier::for_pools(
        &settings.pools,
        caches,
        &settings.token_cache,
        gateway_machines,
    )
    .with_revocations(revocations);
    let verifier = match seen_user_hooks(&directories) {
        Some(hook) => verifier.with_verified_hook(hook),
        None => verifier,
    };

    let pool_names = settings
        .pools
        .iter()
        .map(|pool| Arc::from(pool.name.as_str()))
        .collect();
    let auth_metrics = AuthMetrics::new(pool_names);
    let forward_auth_metrics = settings
        .forward_auth
        .as_ref()
        .map(|_| ForwardAuthMetrics::default());
    let reload_metrics = ReloadMetrics::default();
    let metrics = Metrics::new(
        &auth_metrics,
        forward_auth_metrics.as_ref(),
        &reload_metrics,
        verifier.pools(),
        verifier.token_cache(),
    );
    // Forward-auth: `/auth` exists only when GUARD_CONFIG has rules.
    let forward_auth = settings.forward_auth.as_ref().map(|rules| {
        let peers: Vec<String> = rules
            .trusted_peers
            .iter()
            .map(ToString::to_string)
            .collect();
        log::info!(
            "forward-auth: /auth answers {:?} with {} rule(s), to peers in {} only",
            rules.gateway,
            rules.rules.len(),
            peers.join(", ")
        );
        web::Data::new(LiveRules::new(ForwardAuth::new(
            rules,
            forward_auth_metrics.as_ref(),
        )))
    });
    let swapped = forward_auth.clone().zip(forward_auth_metrics);
    let reloader = Arc::new(Reloader::new(
        Box::new(ConfigReload::new(settings, swapped)),
        reload_metrics,
    ));
    let metrics_here = settings.server.metrics.is_none();
    Ok(Components {
        verifier: web::Data::new(verifier),
        directories: web::Data::new(PoolDirectories::new(directories)),
        auth_metrics: web::Data::new(auth_metrics),
        metrics: web::Data::new(metrics),
        forward_auth,
        reload_status: web::Data::from(reloader.status()),
        reloader,
        route_policies: RoutePolicies::for_pools(&settings.pools),
        api_document: openapi::document(&settings.pools, metrics_here),
        cors: settings.cors.clone(),
        metrics_here,
        first_keys,
    })
}
