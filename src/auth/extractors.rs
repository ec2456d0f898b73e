//! Authentication, and what handlers take: [`authenticate`] decides who
//! presented which token (the route's guard calls it); [`Claims`] and
//! [`MaybeClaims`] hand the admitted caller's claims to a handler.

use std::future::{ready, Future, Ready};
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};

use crate::auth::bearer::bearer_token;
use crate::auth::claims::Claims;
use crate::auth::errors::AuthError;
use crate::auth::guards::Caller;
#[cfg(doc)]
use crate::auth::policy::Policy;
use crate::auth::verifier::{Verdict, Verifier};
use crate::http::metrics::Metrics;

/// An authentication still waiting for a JWKS fetch.
pub(crate) type PendingAuthentication = Pin<Box<dyn Future<Output = Result<Claims, AuthError>>>>;

/// The outcome of [`authenticate`]: decided at once (no allocation, the
/// common case), or waiting for a JWKS fetch.
pub(crate) enum Authentication {
    Decided(Result<Claims, AuthError>),
    Pending(PendingAuthentication),
}

/// Counts and logs the outcome of one authentication.
fn record_outcome(
    result: Result<Claims, AuthError>,
    metrics: Option<&Metrics>,
) -> Result<Claims, AuthError> {
    if let Some(metrics) = metrics {
        metrics.record_auth(result.as_ref().map(|claims| claims.pool.index));
    }
    if let Err(e) = &result {
        log::debug!("authentication refused: {e}");
    }
    result
}

/// Authenticates a request. Everything that needs no JWKS fetch (cache
/// hits, refusals, tokens whose kid is cached) is decided right here; only
/// an unknown kid leads to an awaiting future.
pub(crate) fn authenticate(req: &HttpRequest) -> Authentication {
    let metrics = req.app_data::<web::Data<Metrics>>();
    let Some(verifier) = req.app_data::<web::Data<Verifier>>() else {
        log::error!("Verifier missing from app data");
        return Authentication::Decided(Err(AuthError::NotConfigured));
    };
    let verdict = match bearer_token(req) {
        Err(e) => Verdict::Decided(Err(e)),
        Ok(token) => verifier.check(token),
    };
    match verdict {
        Verdict::Decided(result) => {
            Authentication::Decided(record_outcome(result, metrics.map(|m| m.get_ref())))
        }
        Verdict::NeedsKey(pending) => {
            let verifier = verifier.clone();
            let metrics = metrics.cloned();
            Authentication::Pending(Box::pin(async move {
                let result = verifier.check_after_fetch(pending).await;
                record_outcome(result, metrics.as_ref().map(|m| m.get_ref()))
            }))
        }
    }
}

/// The claims of the caller the route's guard admitted (an authenticated
/// [`Policy`]); on a route with no such guard, a 500 (our bug), never an
/// unauthenticated caller.
impl FromRequest for Claims {
    type Error = AuthError;
    type Future = Ready<Result<Self, AuthError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let caller = Caller::from_request(req, payload).into_inner();
        ready(caller.map(|caller| caller.claims().clone()))
    }
}

/// Optional authentication, under an optional [`Policy`]: the claims of a
/// valid user token, or `None` for a missing, invalid or unverifiable one.
/// Never refuses the request.
#[derive(Debug, Clone)]
pub struct MaybeClaims(pub Option<Claims>);

impl FromRequest for MaybeClaims {
    type Error = AuthError;
    type Future = Ready<Result<Self, AuthError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let claims = req
            .extensions()
            .get::<Caller>()
            .map(|caller| caller.claims().clone());
        ready(Ok(MaybeClaims(claims)))
    }
}
