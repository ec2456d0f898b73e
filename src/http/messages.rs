//! `/messages`: public, private (a valid token) and the feed (personalised
//! for a valid token, generic otherwise).

use actix_web::{HttpResponse, Responder};
use serde_json::json;

use crate::auth::{Claims, MaybeClaims};

fn email_or_unknown(claims: &Claims) -> &str {
    claims.email.as_deref().unwrap_or("unknown")
}

/// `GET /messages/public`: anyone.
pub async fn public_message() -> impl Responder {
    HttpResponse::Ok().json(json!({ "message": "Hello, world!" }))
}

/// `GET /messages/private`: a valid token.
pub async fn private_message(claims: Claims) -> impl Responder {
    HttpResponse::Ok().json(json!({
        "message": format!("Hello, {}!", email_or_unknown(&claims)),
        "user_id": claims.sub,
    }))
}

/// `GET /messages/feed`: anyone; a valid token personalises it.
pub async fn feed(MaybeClaims(claims): MaybeClaims) -> impl Responder {
    match claims {
        Some(claims) => HttpResponse::Ok().json(json!({
            "feed": "personalized",
            "user": email_or_unknown(&claims),
        })),
        None => HttpResponse::Ok().json(json!({ "feed": "generic" })),
    }
}
