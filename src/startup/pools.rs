//! Each pool's part of start-up: its signing-key cache, loaded once and
//! refreshed on its own; its user directory; and the hook that hands its
//! verified tokens to that directory.

use std::sync::Arc;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;

use super::StartupError;
use crate::auth::verifier::VerifiedHook;
use crate::config::AuthMode;
use crate::dev::DevIssuer;
use crate::keys::{run_refresh_loop, FetchLabels, JwksCache, JwksSource, JwksTuning};
use crate::pools::PoolSettings;
use crate::users::idp::{AwsCredentials, CognitoIdpClient};
use crate::users::{CognitoDirectory, InMemoryDirectory, SeenUser, UserDirectory};

/// `pool`'s signing-key cache: loaded once (a failure leaves the server
/// unready, not dead), then refreshed in the background on its own.
pub(super) async fn pool_keys(
    pool: &PoolSettings,
    tuning: &JwksTuning,
    fetches: Family<FetchLabels, Counter>,
) -> Result<Arc<JwksCache>, StartupError> {
    let jwks_url = match &pool.jwks {
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
    let policy = tuning.policy(&pool.jwks);
    let jwks = Arc::new(JwksCache::new(jwks_url, policy).counted_as(&pool.name, fetches));
    if let Err(e) = jwks.refresh().await {
        log::warn!(
            "signing keys of pool {} not loaded at start ({e}); /readyz is 503 until they are",
            pool.name
        );
    }
    actix_rt::spawn(run_refresh_loop(Arc::clone(&jwks), tuning.refresh));
    Ok(jwks)
}

/// `pool`'s user directory: dev mode's in memory; Cognito's own API with
/// credentials; without them, one that answers 503.
pub(super) fn directory(
    pool: &PoolSettings,
    mode: AuthMode,
    credentials: Option<&AwsCredentials>,
) -> Arc<dyn UserDirectory> {
    match (mode, credentials) {
        (AuthMode::Dev, _) => Arc::new(InMemoryDirectory::new()),
        (AuthMode::Cognito, Some(credentials)) => {
            let endpoint = pool.idp_endpoint.clone();
            log::info!(
                "admin user routes manage pool {} ({}) through {endpoint}",
                pool.name,
                pool.user_pool_id,
            );
            Arc::new(CognitoDirectory::new(Some(CognitoIdpClient::new(
                endpoint,
                &pool.region,
                &pool.user_pool_id,
                credentials.clone(),
            ))))
        }
        (AuthMode::Cognito, None) => Arc::new(CognitoDirectory::new(None)),
    }
}

/// One hook for the verifier that hands the user of each verified token
/// to its own pool's directory, when some directory learns its users from
/// tokens.
pub(super) fn seen_user_hooks(directories: &[Arc<dyn UserDirectory>]) -> Option<VerifiedHook> {
    let hooks: Vec<_> = directories
        .iter()
        .map(|d| Arc::clone(d).verified_token_hook())
        .collect();
    if hooks.iter().all(Option::is_none) {
        return None;
    }
    Some(Box::new(move |claims| {
        if let Some(Some(hook)) = hooks.get(claims.pool.index) {
            hook(&SeenUser {
                sub: &claims.sub,
                username: claims.username.as_deref(),
                email: claims.email.as_deref(),
                groups: &claims.groups,
            });
        }
    }))
}
