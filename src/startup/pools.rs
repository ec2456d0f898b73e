//! Each pool's part of start-up: its signing-key cache, loaded once and
//! refreshed on its own, and the hook that hands its verified tokens to its
//! own directory.

use std::sync::Arc;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;

use super::StartupError;
use crate::auth::verifier::VerifiedHook;
use crate::config::{JwksSource, PoolConfig};
use crate::dev::DevIssuer;
use crate::keys::{run_refresh_loop, FetchLabels, JwksCache};
use crate::users::UserDirectory;

/// `pool`'s signing-key cache: loaded once (a failure leaves the server
/// unready, not dead), then refreshed in the background on its own.
pub(super) async fn pool_keys(
    pool: &PoolConfig,
    fetches: Family<FetchLabels, Counter>,
) -> Result<Arc<JwksCache>, StartupError> {
    let jwks_url = match &pool.keys.source {
        JwksSource::Url(url) => url.clone(),
        JwksSource::DevIssuer { signing_key_file } => {
            let issuer = DevIssuer::load(signing_key_file)?;
            let (jwks_server, jwks_url) = issuer.serve_jwks()?;
            actix_rt::spawn(jwks_server);
            log::warn!(
                "DEV MODE: tokens are self-issued by the local dev key {}; they prove nothing. \
                 JWKS at {jwks_url}. Never run dev mode for real users.",
                signing_key_file.display()
            );
            jwks_url
        }
    };
    let jwks =
        Arc::new(JwksCache::new(jwks_url, pool.keys.policy()).counted_as(&pool.name, fetches));
    if let Err(e) = jwks.refresh().await {
        log::warn!(
            "signing keys of pool {} not loaded at start ({e}); /readyz is 503 until they are",
            pool.name
        );
    }
    actix_rt::spawn(run_refresh_loop(Arc::clone(&jwks), pool.keys.refresh));
    Ok(jwks)
}

/// One hook for the verifier that hands each verified token to its own
/// pool's directory, when some directory learns its users from tokens.
pub(super) fn verified_hooks(directories: &[Arc<dyn UserDirectory>]) -> Option<VerifiedHook> {
    let hooks: Vec<Option<VerifiedHook>> = directories
        .iter()
        .map(|d| Arc::clone(d).verified_token_hook())
        .collect();
    if hooks.iter().all(Option::is_none) {
        return None;
    }
    Some(Box::new(move |claims| {
        if let Some(Some(hook)) = hooks.get(claims.pool.index) {
            hook(claims);
        }
    }))
}
