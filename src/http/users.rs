//! `/users`: the caller's own profile, and the admin routes that look up
//! and delete users in the directory (Cognito, or dev mode's in-memory one).

use actix_web::{web, HttpRequest, HttpResponse, Responder};
use serde_json::json;

use crate::auth::{Caller, Claims, Verifier};
use crate::http::errors::ApiError;
use crate::users::{is_plausible_user_id, DirectoryError, Outcome, UserDirectory};

/// `GET /users/me`: a valid token.
pub async fn me(claims: Claims) -> impl Responder {
    HttpResponse::Ok().json(json!({
        "sub": claims.sub,
        "username": claims.username,
        "email": claims.email,
        "groups": claims.groups,
        "token_use": claims.token_use.as_str(),
    }))
}

fn directory_error(admin: &Caller, target: &str, e: DirectoryError) -> ApiError {
    log::warn!("admin {} on user sub={target}: {e}", admin.log_name());
    match e {
        DirectoryError::Unavailable(_) => ApiError::DirectoryUnavailable,
        DirectoryError::Refused(_) => ApiError::DirectoryRefused,
        DirectoryError::NotConfigured => ApiError::DirectoryNotConfigured,
    }
}

/// `GET /users/{user_id}`: admins.
pub async fn get_user(
    admin: Caller,
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

/// `DELETE /users/{user_id}`: admins.
pub async fn delete_user(
    admin: Caller,
    user_id: web::Path<String>,
    req: HttpRequest,
    directory: web::Data<dyn UserDirectory>,
    verifier: web::Data<Verifier>,
) -> Result<HttpResponse, ApiError> {
    if !is_plausible_user_id(&user_id) {
        return Err(ApiError::UserNotFound);
    }
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
            // Gone already, perhaps deleted through another instance: with a
            // list of its own, this one must still stop its unexpired tokens
            // (the path is the only name there is). A shared list has it.
            if !verifier.revocations().is_shared() {
                verifier.revoke_deleted(&user_id);
            }
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
            verifier.revoke_deleted(&user.sub);
            log::info!("admin {} deleted user sub={}", admin.log_name(), user.sub);
            Ok(HttpResponse::NoContent().finish())
        }
        Ok(Outcome::NotFound) => {
            // Deleted by someone else since the lookup.
            verifier.revoke_deleted(&user.sub);
            Err(ApiError::UserNotFound)
        }
        Err(e) => {
            // Cognito may have deleted the user before failing to answer:
            // fail closed, the admin meant them gone.
            if matches!(e, DirectoryError::Unavailable(_)) {
                verifier.revoke_deleted(&user.sub);
            }
            Err(directory_error(&admin, &user.sub, e))
        }
    }
}

/// `POST /users/{user_id}/sign-out`: admins. Cognito's global sign-out (no
/// new tokens from the user's refresh tokens), then every token of theirs
/// issued up to now is refused.
pub async fn sign_out_user(
    admin: Caller,
    user_id: web::Path<String>,
    directory: web::Data<dyn UserDirectory>,
    verifier: web::Data<Verifier>,
) -> Result<HttpResponse, ApiError> {
    if !is_plausible_user_id(&user_id) {
        return Err(ApiError::UserNotFound);
    }
    let user = match directory.lookup(&user_id).await {
        Ok(Some(user)) => user,
        Ok(None) => return Err(ApiError::UserNotFound),
        Err(e) => return Err(directory_error(&admin, &user_id, e)),
    };
    match directory.sign_out(&user).await {
        Ok(Outcome::Done) => {
            verifier.revoke_signed_out(&user.sub);
            log::info!(
                "admin {} signed out user sub={}",
                admin.log_name(),
                user.sub
            );
            Ok(HttpResponse::NoContent().finish())
        }
        Ok(Outcome::NotFound) => Err(ApiError::UserNotFound),
        Err(e) => {
            // As for deletion: Cognito may have acted before failing to say so.
            if matches!(e, DirectoryError::Unavailable(_)) {
                verifier.revoke_signed_out(&user.sub);
            }
            Err(directory_error(&admin, &user.sub, e))
        }
    }
}
