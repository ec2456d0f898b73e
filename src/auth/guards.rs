//! Authorisation: the admin guard. A caller who is not an admin gets 401 or
//! 403 from here, never the 404 an actix routing guard would give.

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};

use crate::auth::claims::Claims;
use crate::auth::errors::AuthError;
use crate::auth::extractors::{authenticate, ExtractFuture};
use crate::http::metrics::Metrics;

/// The Cognito group whose members may use admin routes.
#[derive(Debug, Clone)]
pub struct AdminGroup(pub String);

/// A caller authenticated and in the admin group; anyone else gets 401 or 403
/// (not the 404 a route guard would give).
#[derive(Debug, Clone)]
pub struct AdminClaims(pub Claims);

impl FromRequest for AdminClaims {
    type Error = AuthError;
    type Future = ExtractFuture<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let claims = authenticate(req);
        let group = req.app_data::<web::Data<AdminGroup>>().cloned();
        let metrics = req.app_data::<web::Data<Metrics>>().cloned();
        Box::pin(async move {
            let claims = claims.await?;
            let Some(group) = group else {
                log::error!("AdminGroup missing from app data");
                return Err(AuthError::NotConfigured);
            };
            if claims.in_group(&group.0) {
                Ok(AdminClaims(claims))
            } else {
                log::info!("admin route refused to sub={}", claims.sub);
                if let Some(metrics) = metrics {
                    metrics.record_admin_denied();
                }
                Err(AuthError::Forbidden)
            }
        })
    }
}
