//! The HTTP API of the contract: `/messages`, `/users`, `/healthz`, `/readyz`,
//! `/metrics`.

use actix_web::{web, HttpRequest, HttpResponse, Responder};
use serde_json::json;

use crate::errors::ApiError;
use crate::extractors::{AdminClaims, MaybeClaims};
use crate::jwks::JwksCache;
use crate::metrics::Metrics;
use crate::users::{is_plausible_user_id, Deletion, DirectoryError, UserDirectory};
use crate::verify::{Claims, Verifier};

/// Registers every API route on an app or scope (`/metrics` aside: see
/// [`configure_metrics`]).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/messages")
            .route("/public", web::get().to(public_message))
            .route("/private", web::get().to(private_message))
            .route("/feed", web::get().to(feed)),
    )
    .service(
        web::scope("/users")
            .route("/me", web::get().to(me))
            .route("/{user_id}", web::get().to(get_user))
            .route("/{user_id}", web::delete().to(delete_user)),
    )
    .route("/healthz", web::get().to(healthz))
    .route("/readyz", web::get().to(readyz));
}

/// Registers `/metrics`: on the API port, or alone on `METRICS_ADDR`'s.
pub fn configure_metrics(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(metrics));
}

fn email_or_unknown(claims: &Claims) -> &str {
    claims.email.as_deref().unwrap_or("unknown")
}

async fn public_message() -> impl Responder {
    HttpResponse::Ok().json(json!({ "message": "Hello, world!" }))
}

async fn private_message(claims: Claims) -> impl Responder {
    HttpResponse::Ok().json(json!({
        "message": format!("Hello, {}!", email_or_unknown(&claims)),
        "user_id": claims.sub,
    }))
}

async fn feed(MaybeClaims(claims): MaybeClaims) -> impl Responder {
    match claims {
        Some(claims) => HttpResponse::Ok().json(json!({
            "feed": "personalized",
            "user": email_or_unknown(&claims),
        })),
        None => HttpResponse::Ok().json(json!({ "feed": "generic" })),
    }
}

async fn me(claims: Claims) -> impl Responder {
    HttpResponse::Ok().json(json!({
        "sub": claims.sub,
        "username": claims.username,
        "email": claims.email,
        "groups": claims.groups,
        "token_use": claims.token_use.as_str(),
    }))
}

fn directory_error(admin: &Claims, target: &str, e: DirectoryError) -> ApiError {
    log::warn!("admin sub={} on user sub={target}: {e}", admin.sub);
    match e {
        DirectoryError::Unavailable(_) => ApiError::DirectoryUnavailable,
        DirectoryError::Refused(_) => ApiError::DirectoryRefused,
        DirectoryError::NotConfigured => ApiError::DirectoryNotConfigured,
    }
}

async fn get_user(
    AdminClaims(admin): AdminClaims,
    user_id: web::Path<String>,
    directory: web::Data<dyn UserDirectory>,
) -> Result<HttpResponse, ApiError> {
    if !is_plausible_user_id(&user_id) {
        return Err(ApiError::UserNotFound);
    }
    match directory.find(&user_id).await {
        Ok(Some(user)) => Ok(HttpResponse::Ok().json(json!({
            "sub": user.sub,
            "username": user.username,
            "email": user.email,
            "enabled": user.enabled,
            "status": user.status,
            "groups": user.groups,
        }))),
        Ok(None) => Err(ApiError::UserNotFound),
        Err(e) => Err(directory_error(&admin, &user_id, e)),
    }
}

/// `?self=true`, exactly: an admin deleting their own user must say so.
fn confirms_self_deletion(query: &str) -> bool {
    query.split('&').any(|pair| pair == "self=true")
}

async fn delete_user(
    AdminClaims(admin): AdminClaims,
    user_id: web::Path<String>,
    req: HttpRequest,
    directory: web::Data<dyn UserDirectory>,
    verifier: web::Data<Verifier>,
) -> Result<HttpResponse, ApiError> {
    if !is_plausible_user_id(&user_id) {
        return Err(ApiError::UserNotFound);
    }
    let confirmed = confirms_self_deletion(req.query_string());
    // The path already names the caller: refuse before asking Cognito,
    // which may no longer have them.
    if *user_id == admin.sub && !confirmed {
        return Err(ApiError::SelfDeletion);
    }
    let user = match directory.lookup(&user_id).await {
        Ok(Some(user)) => user,
        Ok(None) => {
            // Gone already (perhaps deleted through another instance): its
            // unexpired tokens must still stop working here. No user has
            // this sub, so the path is the only name there is.
            verifier.revoke_subject(&user_id);
            return Err(ApiError::UserNotFound);
        }
        Err(e) => return Err(directory_error(&admin, &user_id, e)),
    };
    // From here on the user is who Cognito says: its filter may match
    // another spelling of the sub, and tokens carry the returned one.
    if user.sub == admin.sub && !confirmed {
        return Err(ApiError::SelfDeletion);
    }
    match directory.delete(&user).await {
        Ok(Deletion::Deleted) => {
            verifier.revoke_subject(&user.sub);
            log::info!("admin sub={} deleted user sub={}", admin.sub, user.sub);
            Ok(HttpResponse::NoContent().finish())
        }
        Ok(Deletion::NotFound) => {
            // Deleted by someone else since the lookup.
            verifier.revoke_subject(&user.sub);
            Err(ApiError::UserNotFound)
        }
        Err(e) => Err(directory_error(&admin, &user.sub, e)),
    }
}

async fn healthz() -> impl Responder {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

async fn readyz(jwks: web::Data<JwksCache>) -> impl Responder {
    if jwks.is_ready() {
        HttpResponse::Ok().json(json!({ "status": "ready", "keys": jwks.key_count() }))
    } else {
        HttpResponse::ServiceUnavailable()
            .insert_header((
                "Retry-After",
                crate::errors::KEYS_UNAVAILABLE_RETRY_AFTER_SECS,
            ))
            .json(json!({ "detail": "signing keys not loaded yet" }))
    }
}

async fn metrics(
    metrics: web::Data<Metrics>,
    jwks: web::Data<JwksCache>,
    verifier: web::Data<Verifier>,
) -> HttpResponse {
    match metrics.render(&jwks, verifier.token_cache()) {
        Ok(text) => HttpResponse::Ok()
            .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
            .body(text),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}

/// Unknown paths get the same JSON error shape as everything else.
pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::RouteNotFound)
}
