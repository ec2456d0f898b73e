//! Authentication and authorisation as extractors: a handler states what it
//! needs by its argument types (`Claims`, `MaybeClaims`, `AdminClaims`).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};

use crate::errors::{AuthError, TokenRejection};
use crate::metrics::Metrics;
use crate::users::UserDirectory;
use crate::verify::{Claims, Verifier};

/// The Cognito group whose members may use admin routes.
#[derive(Debug, Clone)]
pub struct AdminGroup(pub String);

type ExtractFuture<T> = Pin<Box<dyn Future<Output = Result<T, AuthError>>>>;

/// The bearer token of a request.
fn bearer_token(req: &HttpRequest) -> Result<&str, AuthError> {
    let mut values = req.headers().get_all(header::AUTHORIZATION);
    let Some(value) = values.next() else {
        return Err(AuthError::MissingCredentials);
    };
    // Two credentials are ambiguous; picking one would be guessing.
    if values.next().is_some() {
        return Err(TokenRejection::MultipleAuthorizationHeaders.into());
    }
    let bytes = value.as_bytes();
    let Some(space) = bytes.iter().position(|b| *b == b' ') else {
        return Err(if bytes.eq_ignore_ascii_case(b"bearer") {
            TokenRejection::Malformed.into()
        } else {
            AuthError::MissingCredentials
        });
    };
    // RFC 7235: the scheme name is case-insensitive.
    if !bytes[..space].eq_ignore_ascii_case(b"bearer") {
        return Err(AuthError::MissingCredentials);
    }
    let token = std::str::from_utf8(&bytes[space..])
        .map_err(|_| TokenRejection::Malformed)?
        .trim_start_matches(' ');
    if token.is_empty() {
        return Err(TokenRejection::Malformed.into());
    }
    Ok(token)
}

/// Counts, logs and remembers the outcome of one authentication.
fn settle(
    result: Result<Claims, AuthError>,
    directory: Option<&dyn UserDirectory>,
    metrics: Option<&Metrics>,
) -> Result<Claims, AuthError> {
    if let Some(metrics) = metrics {
        metrics.record_auth(result.as_ref().map(|_| ()));
    }
    match &result {
        Ok(claims) => {
            if let Some(directory) = directory {
                directory.record_seen(claims);
            }
        }
        Err(e) => log::debug!("authentication refused: {e}"),
    }
    result
}

/// Authenticates a request. Everything that needs no JWKS fetch (cache
/// hits, refusals, tokens whose kid is cached) is decided right here; only
/// an unknown kid leads to an awaiting future.
fn authenticate(req: &HttpRequest) -> ExtractFuture<Claims> {
    let directory = req.app_data::<web::Data<dyn UserDirectory>>();
    let metrics = req.app_data::<web::Data<Metrics>>();
    let Some(verifier) = req.app_data::<web::Data<Verifier>>() else {
        log::error!("Verifier missing from app data");
        return Box::pin(std::future::ready(Err(AuthError::NotConfigured)));
    };
    let decided = match bearer_token(req) {
        Err(e) => Err(e),
        Ok(token) => match verifier.verify_cached(token) {
            Some(result) => result,
            None => {
                let verifier = verifier.clone();
                let token = token.to_owned();
                let directory = directory.cloned();
                let metrics = metrics.cloned();
                return Box::pin(async move {
                    let result = verifier.verify(&token).await;
                    settle(
                        result,
                        directory.as_ref().map(|d| d.get_ref()),
                        metrics.as_ref().map(|m| m.get_ref()),
                    )
                });
            }
        },
    };
    let result = settle(
        decided,
        directory.map(|d| d.get_ref()),
        metrics.map(|m| m.get_ref()),
    );
    Box::pin(std::future::ready(result))
}

impl FromRequest for Claims {
    type Error = AuthError;
    type Future = ExtractFuture<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        authenticate(req)
    }
}

/// Optional authentication: the claims of a valid token, or `None` for a
/// missing, invalid or unverifiable one. Never refuses the request.
#[derive(Debug, Clone)]
pub struct MaybeClaims(pub Option<Claims>);

impl FromRequest for MaybeClaims {
    type Error = AuthError;
    type Future = ExtractFuture<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let claims = authenticate(req);
        Box::pin(async move { Ok(MaybeClaims(claims.await.ok())) })
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn token_of(headers: &[&str]) -> Result<String, AuthError> {
        let mut req = TestRequest::default();
        for h in headers {
            req = req.append_header((header::AUTHORIZATION, *h));
        }
        bearer_token(&req.to_http_request()).map(str::to_owned)
    }

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        for h in ["Bearer a.b.c", "bearer a.b.c", "BEARER  a.b.c"] {
            assert_eq!(token_of(&[h]).ok().as_deref(), Some("a.b.c"), "{h}");
        }
    }

    #[test]
    fn other_schemes_and_absence_are_missing_credentials() {
        for h in [
            &[][..],
            &["Basic dXNlcjpwYXNz"][..],
            &["Token a.b.c"][..],
            &["Bearera.b.c"][..],
        ] {
            assert!(
                matches!(token_of(h), Err(AuthError::MissingCredentials)),
                "{h:?}"
            );
        }
    }

    #[test]
    fn empty_or_repeated_bearer_credentials_are_invalid() {
        for h in [
            &["Bearer"][..],
            &["Bearer "][..],
            &["Bearer a.b.c", "Bearer d.e.f"][..],
        ] {
            assert!(
                matches!(token_of(h), Err(AuthError::InvalidToken(_))),
                "{h:?}"
            );
        }
    }
}
