//! `GET /.well-known/jwks.json`: the public keys of the identity
//! assertions, every configured one (the first signs; the others are
//! published so that a rotation never leaves an upstream unable to verify),
//! cacheable for five minutes. `404` while no assertion is configured
//! (a reload may configure one).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::live::LiveRules;
use crate::auth::{error_response, Detail};

/// How long upstreams may cache the key set: the wait between steps of a
/// key rotation.
pub const CACHE_SECS: u32 = 300;

/// The key set of the serving rule set.
pub(super) async fn published_keys(req: HttpRequest) -> HttpResponse {
    let minter = req
        .app_data::<web::Data<LiveRules>>()
        .map(|live| live.load())
        .filter(|rules| rules.minter.is_some());
    let Some(rules) = minter else {
        return error_response(actix_web::http::StatusCode::NOT_FOUND).json(Detail {
            detail: "no identity assertions are configured",
        });
    };
    let keys = rules.minter.as_ref().map(|m| m.jwks()).unwrap_or_default();
    HttpResponse::Ok()
        .insert_header((
            header::CACHE_CONTROL,
            format!("public, max-age={CACHE_SECS}"),
        ))
        .content_type("application/jwk-set+json")
        .json(keys)
}
