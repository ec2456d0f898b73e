//! What handlers take: [`Claims`] and [`MaybeClaims`] hand the caller a
//! route's guard admitted to a handler.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};

use crate::auth::caller::Caller;
use crate::auth::claims::Claims;
use crate::auth::errors::AuthError;
#[cfg(doc)]
use crate::auth::policy::Policy;

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
