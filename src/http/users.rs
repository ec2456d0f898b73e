//! `/users`: the caller's own profile, and the admin routes that look up
//! and delete users in the directory (Cognito, or dev mode's in-memory one).

use actix_web::{web, HttpRequest, HttpResponse, Responder};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{Caller, Claims, Verifier};
use crate::http::errors::{ApiError, Detail};
use crate::http::headers::no_store;
use crate::users::{is_plausible_user_id, DirectoryError, Outcome, PoolDirectories, UserDirectory};

/// The caller, as their token says.
#[derive(Serialize, ToSchema)]
pub struct Profile<'a> {
    sub: &'a str,
    username: Option<&'a str>,
    email: Option<&'a str>,
    groups: &'a [String],
    /// `id` or `access`.
    #[schema(example = "id")]
    token_use: &'static str,
    /// The user pool that issued the token: its `[[pool]]` name, or
    /// `default` with the single-pool variables.
    #[schema(example = "default")]
    pool: &'a str,
}

/// A user of the directory, as an admin sees it.
#[derive(Serialize, ToSchema)]
pub struct User {
    sub: String,
    username: String,
    email: Option<String>,
    enabled: bool,
    /// Cognito's user status, e.g. `CONFIRMED`.
    #[schema(example = "CONFIRMED")]
    status: String,
    groups: Vec<String>,
}

/// The caller's own profile.
#[utoipa::path(
    get,
    path = "/users/me",
    responses((status = 200, description = "The caller", body = Profile)),
)]
pub async fn me(claims: Claims) -> impl Responder {
    HttpResponse::Ok().insert_header(no_store()).json(Profile {
        sub: &claims.sub,
        username: claims.username.as_deref(),
        email: claims.email.as_deref(),
        groups: &claims.groups,
        token_use: claims.token_use.as_str(),
        pool: &claims.pool.name,
    })
}

/// The admin's own pool's directory: the only one they act on.
fn directory_of<'a>(
    admin: &Caller,
    directories: &'a PoolDirectories,
) -> Result<&'a dyn UserDirectory, ApiError> {
    directories.of(admin.claims().pool.index).ok_or_else(|| {
        log::error!("no user directory for pool {}", admin.claims().pool.name);
        ApiError::DirectoryNotConfigured
    })
}

fn directory_error(admin: &Caller, target: &str, e: DirectoryError) -> ApiError {
    log::warn!("admin {} on user sub={target}: {e}", admin.log_name());
    match e {
        DirectoryError::Unavailable(_) => ApiError::DirectoryUnavailable,
        DirectoryError::Refused(_) => ApiError::DirectoryRefused,
        DirectoryError::NotConfigured => ApiError::DirectoryNotConfigured,
    }
}

/// Looks a user up in the directory.
#[utoipa::path(
    get,
    path = "/users/{user_id}",
    params(("user_id" = String, Path, description = "The user's `sub`")),
    responses(
        (status = 200, description = "The user", body = User),
        (status = 404, description = "No such user", body = Detail),
        (status = 502, description = "Cognito refused the request", body = Detail),
        (status = 503, description = "Cognito unreachable, slow or throttling, or the server has no AWS credentials; retry after `Retry-After` seconds", body = Detail,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ),
)]
pub async fn get_user(
    admin: Caller,
    user_id: web::Path<String>,
    directories: web::Data<PoolDirectories>,
) -> Result<HttpResponse, ApiError> {
    if !is_plausible_user_id(&user_id) {
        return Err(ApiError::UserNotFound);
    }
    let directory = directory_of(&admin, &directories)?;
    match directory.find(&user_id).await {
        Ok(Some(user)) => Ok(HttpResponse::Ok().insert_header(no_store()).json(User {
            sub: user.sub,
            username: user.username,
            email: user.email,
            enabled: user.enabled,
            status: user.status,
            groups: user.groups,
        })),
        Ok(None) => Err(ApiError::UserNotFound),
        Err(e) => Err(directory_error(&admin, &user_id, e)),
    }
}

/// `?self=true`, exactly: an admin deleting their own user must say so.
fn confirms_self_deletion(query: &str) -> bool {
    query.split('&').any(|pair| pair == "self=true")
}

/// Deletes a user from the pool and locks their tokens out.
#[utoipa::path(
    delete,
    path = "/users/{user_id}",
    params(
        ("user_id" = String, Path, description = "The user's `sub`"),
        ("self" = Option<bool>, Query, description = "`true` to delete your own user"),
    ),
    responses(
        (status = 204, description = "Deleted; the user's tokens are refused from now on"),
        (status = 404, description = "No such user", body = Detail),
        (status = 409, description = "Your own `sub`, without `?self=true`", body = Detail),
        (status = 502, description = "Cognito refused the request", body = Detail),
        (status = 503, description = "Cognito unreachable, slow or throttling, or the server has no AWS credentials; retry after `Retry-After` seconds", body = Detail,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ),
)]
pub async fn delete_user(
    admin: Caller,
    user_id: web::Path<String>,
    req: HttpRequest,
    directories: web::Data<PoolDirectories>,
    verifier: web::Data<Verifier>,
) -> Result<HttpResponse, ApiError> {
    if !is_plausible_user_id(&user_id) {
        return Err(ApiError::UserNotFound);
    }
    let directory = directory_of(&admin, &directories)?;
    let pool = &admin.claims().pool;
    // Deleting yourself takes ?self=true (a machine's sub is its client id:
    // naming it would only revoke its own tokens).
    let own_sub =
        (!confirms_self_deletion(req.query_string())).then_some(admin.claims().sub.as_str());
    // The path already names the caller: refuse before asking Cognito,
    // which may no longer have them.
    if own_sub == Some(user_id.as_str()) {
        return Err(ApiError::SelfDeletion);
    }
    let user = match directory.lookup(&user_id).await {
        Ok(Some(user)) => user,
        Ok(None) => {
            // Gone already: perhaps deleted through another instance, but
            // perhaps in the Cognito console, which no instance hears of.
            // Its unexpired tokens must stop everywhere either way (the path
            // is the only name there is); revoking twice changes nothing.
            verifier.revoke_deleted(pool, &user_id);
            return Err(ApiError::UserNotFound);
        }
        Err(e) => return Err(directory_error(&admin, &user_id, e)),
    };
    // From here on the user is who Cognito says: its filter may match
    // another spelling of the sub, and tokens carry the returned one.
    if own_sub == Some(user.sub.as_str()) {
        return Err(ApiError::SelfDeletion);
    }
    match directory.delete(&user).await {
        Ok(Outcome::Done) => {
            verifier.revoke_deleted(pool, &user.sub);
            log::info!("admin {} deleted user sub={}", admin.log_name(), user.sub);
            Ok(HttpResponse::NoContent().insert_header(no_store()).finish())
        }
        Ok(Outcome::NotFound) => {
            // Deleted by someone else since the lookup.
            verifier.revoke_deleted(pool, &user.sub);
            Err(ApiError::UserNotFound)
        }
        Err(e) => {
            // Cognito may have deleted the user before failing to answer:
            // fail closed, the admin meant them gone.
            if matches!(e, DirectoryError::Unavailable(_)) {
                verifier.revoke_deleted(pool, &user.sub);
            }
            Err(directory_error(&admin, &user.sub, e))
        }
    }
}

/// Signs a user out everywhere.
///
/// Cognito's global sign-out (no new tokens from the user's refresh
/// tokens), then every token of theirs issued up to now is refused.
#[utoipa::path(
    post,
    path = "/users/{user_id}/sign-out",
    params(("user_id" = String, Path, description = "The user's `sub`")),
    responses(
        (status = 204, description = "Signed out; tokens issued up to now are refused"),
        (status = 404, description = "No such user", body = Detail),
        (status = 502, description = "Cognito refused the request", body = Detail),
        (status = 503, description = "Cognito unreachable, slow or throttling, or the server has no AWS credentials; retry after `Retry-After` seconds", body = Detail,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ),
)]
pub async fn sign_out_user(
    admin: Caller,
    user_id: web::Path<String>,
    directories: web::Data<PoolDirectories>,
    verifier: web::Data<Verifier>,
) -> Result<HttpResponse, ApiError> {
    if !is_plausible_user_id(&user_id) {
        return Err(ApiError::UserNotFound);
    }
    let directory = directory_of(&admin, &directories)?;
    let pool = &admin.claims().pool;
    let user = match directory.lookup(&user_id).await {
        Ok(Some(user)) => user,
        Ok(None) => return Err(ApiError::UserNotFound),
        Err(e) => return Err(directory_error(&admin, &user_id, e)),
    };
    match directory.sign_out(&user).await {
        Ok(Outcome::Done) => {
            verifier.revoke_signed_out(pool, &user.sub);
            log::info!(
                "admin {} signed out user sub={}",
                admin.log_name(),
                user.sub
            );
            Ok(HttpResponse::NoContent().insert_header(no_store()).finish())
        }
        Ok(Outcome::NotFound) => Err(ApiError::UserNotFound),
        Err(e) => {
            // As for deletion: Cognito may have acted before failing to say so.
            if matches!(e, DirectoryError::Unavailable(_)) {
                verifier.revoke_signed_out(pool, &user.sub);
            }
            Err(directory_error(&admin, &user.sub, e))
        }
    }
}
