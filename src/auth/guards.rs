//! Authorisation as policies. Each route states who may call it in the route
//! table (`http::routes`) with a [`Guard`]: a middleware that authenticates
//! the request, applies the route's [`Policy`] (`auth::policy`) and answers
//! 401/403/503 itself, before the handler runs (never the 404 an actix
//! routing guard would give). Handlers receive the admitted [`Caller`].

use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use actix_web::body::EitherBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::{web, Error, HttpMessage, ResponseError};
use futures_util::future::{Either, FutureExt as _, Map};

use crate::auth::authenticate::{authenticate, Authentication};
use crate::auth::caller::Caller;
use crate::auth::claims::Claims;
use crate::auth::errors::AuthError;
use crate::auth::metrics::AuthMetrics;
use crate::auth::policy::{decide, Policy};

/// The middleware enforcing a [`Policy`] on the routes it wraps.
#[derive(Debug, Clone)]
pub struct Guard(pub Arc<Policy>);

impl<S, B> Transform<S, ServiceRequest> for Guard
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = GuardService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(GuardService {
            service: Rc::new(service),
            policy: Arc::clone(&self.0),
        }))
    }
}

/// [`Guard`] around one service.
pub struct GuardService<S> {
    service: Rc<S>,
    policy: Arc<Policy>,
}

/// The guarded service's answer, its body marked as the handler's.
type Answer<B> = Result<ServiceResponse<EitherBody<B>>, Error>;
/// Marks the handler's answer as such (a plain fn, so the type can be named).
type IntoLeft<B> = fn(Result<ServiceResponse<B>, Error>) -> Answer<B>;

/// What a guard returns: the handler's own future (admitted at once: no
/// allocation on the hot path), a ready refusal, or, while a JWKS fetch is
/// needed, a boxed future.
pub type GuardFuture<S, B> = Either<
    Map<<S as Service<ServiceRequest>>::Future, IntoLeft<B>>,
    Either<Ready<Answer<B>>, Pin<Box<dyn Future<Output = Answer<B>>>>>,
>;

fn into_left<B>(answer: Result<ServiceResponse<B>, Error>) -> Answer<B> {
    answer.map(ServiceResponse::map_into_left_body)
}

/// The policy applied to an authentication outcome, with the refusal
/// counted when the policy refused a valid token.
fn decide_request(
    req: &ServiceRequest,
    policy: &Policy,
    authenticated: Result<Claims, AuthError>,
) -> Result<Option<Caller>, AuthError> {
    let decided = decide(policy, authenticated);
    if let Err(AuthError::Forbidden(refusal)) = &decided {
        if let Some(metrics) = req.app_data::<web::Data<AuthMetrics>>() {
            metrics.record_admin_denied(refusal.missing);
        }
    }
    decided
}

/// The refusal as this route's answer.
fn refuse<B>(req: ServiceRequest, refused: AuthError) -> Answer<B> {
    log::debug!("{} refused: {refused}", req.path());
    let response = refused.error_response();
    Ok(req.into_response(response).map_into_right_body())
}

impl<S, B> Service<ServiceRequest> for GuardService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = GuardFuture<S, B>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        match authenticate(req.request()) {
            Authentication::Decided(authenticated) => {
                match decide_request(&req, &self.policy, authenticated) {
                    Ok(caller) => {
                        if let Some(caller) = caller {
                            req.extensions_mut().insert(caller);
                        }
                        Either::Left(self.service.call(req).map(into_left as IntoLeft<B>))
                    }
                    Err(refused) => Either::Right(Either::Left(ready(refuse(req, refused)))),
                }
            }
            Authentication::Pending(authenticated) => {
                let service = Rc::clone(&self.service);
                let policy = Arc::clone(&self.policy);
                Either::Right(Either::Right(Box::pin(async move {
                    match decide_request(&req, &policy, authenticated.await) {
                        Ok(caller) => {
                            if let Some(caller) = caller {
                                req.extensions_mut().insert(caller);
                            }
                            into_left(service.call(req).await)
                        }
                        Err(refused) => refuse(req, refused),
                    }
                })))
            }
        }
    }
}
