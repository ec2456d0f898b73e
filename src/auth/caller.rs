//! Who is calling, as a route's policy admitted them: the value guards put
//! in the request and handlers take.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};

use crate::auth::claims::Claims;
use crate::auth::errors::AuthError;

/// Who is calling, as a guard admitted them.
#[derive(Debug, Clone)]
pub enum Caller {
    /// A signed-in user (an ID or access token of a user).
    User(Claims),
    /// A service with a client-credentials access token.
    Machine(Claims),
}

impl Caller {
    /// The verified claims, whoever is calling.
    pub fn claims(&self) -> &Claims {
        match self {
            Caller::User(claims) | Caller::Machine(claims) => claims,
        }
    }

    /// How log lines name the caller: a user by `sub`, a machine by its
    /// app client id.
    pub fn log_name(&self) -> String {
        match self {
            Caller::User(claims) => format!("sub={}", claims.sub),
            Caller::Machine(claims) => format!("client_id={}", claims.client_id),
        }
    }
}

/// The caller a guard admitted; a handler on a route without a guard that
/// admits someone gets a 500 (our bug), never an unauthenticated caller.
impl FromRequest for Caller {
    type Error = AuthError;
    type Future = Ready<Result<Self, AuthError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(req.extensions().get::<Caller>().cloned().ok_or_else(|| {
            log::error!("{} has no guard admitting a caller", req.path());
            AuthError::NotConfigured
        }))
    }
}
