//! Authentication: [`authenticate`] decides who presented which token (a
//! route's guard and `/auth` call it), counting each outcome.

use std::future::Future;
use std::pin::Pin;

use actix_web::{web, HttpRequest};

use crate::auth::bearer::bearer_token;
use crate::auth::claims::Claims;
use crate::auth::errors::AuthError;
use crate::auth::jose::{unverified_issuer, TokenParts};
use crate::auth::metrics::AuthMetrics;
use crate::auth::verifier::{Verdict, Verifier};

/// An authentication still waiting for a JWKS fetch.
pub(crate) type PendingAuthentication = Pin<Box<dyn Future<Output = Result<Claims, AuthError>>>>;

/// The outcome of [`authenticate`]: decided at once (no allocation, the
/// common case), or waiting for a JWKS fetch.
pub(crate) enum Authentication {
    Decided(Result<Claims, AuthError>),
    Pending(PendingAuthentication),
}

/// Counts and logs the outcome of one authentication; a refusal is
/// counted under `pool` when the token named one of the pools.
fn record_outcome(
    result: Result<Claims, AuthError>,
    metrics: Option<&AuthMetrics>,
    pool: impl FnOnce() -> Option<usize>,
) -> Result<Claims, AuthError> {
    if let Some(metrics) = metrics {
        match &result {
            Ok(claims) => metrics.record_auth(Ok(claims.pool.index)),
            Err(e) => metrics.record_refusal(e, pool()),
        }
    }
    if let Err(e) = &result {
        log::debug!("authentication refused: {e}");
    }
    result
}

/// The pool whose issuer a refused token names, if any: read again on
/// the refusal path only, so that admitting a token costs nothing more.
fn named_pool(verifier: &Verifier, token: &str) -> Option<usize> {
    let parts = TokenParts::split(token).ok()?;
    let iss = unverified_issuer(parts.payload).ok()?;
    verifier
        .pools()
        .by_issuer(&iss)
        .map(|pool| pool.tag().index)
}

/// Authenticates a request. Everything that needs no JWKS fetch (cache
/// hits, refusals, tokens whose kid is cached) is decided right here; only
/// an unknown kid leads to an awaiting future.
pub(crate) fn authenticate(req: &HttpRequest) -> Authentication {
    let metrics = req.app_data::<web::Data<AuthMetrics>>();
    let Some(verifier) = req.app_data::<web::Data<Verifier>>() else {
        log::error!("Verifier missing from app data");
        return Authentication::Decided(Err(AuthError::NotConfigured));
    };
    let (verdict, token) = match bearer_token(req) {
        Err(e) => (Verdict::Decided(Err(e)), None),
        Ok(token) => (verifier.check(token), Some(token)),
    };
    match verdict {
        Verdict::Decided(result) => {
            Authentication::Decided(record_outcome(result, metrics.map(|m| m.get_ref()), || {
                named_pool(verifier, token?)
            }))
        }
        Verdict::NeedsKey(pending) => {
            let verifier = verifier.clone();
            let metrics = metrics.cloned();
            let pool = pending.pool();
            Authentication::Pending(Box::pin(async move {
                let result = verifier.check_after_fetch(pending).await;
                record_outcome(result, metrics.as_ref().map(|m| m.get_ref()), || Some(pool))
            }))
        }
    }
}
