//! `/messages`: public, private (a valid token) and the feed (personalised
//! for a valid token, generic otherwise). Each handler's `#[utoipa::path]`
//! is its OpenAPI operation; who may call it is the route table's business
//! (`http::routes`), which adds the security and the guard's refusals.

use actix_web::{HttpResponse, Responder};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{Claims, MaybeClaims};
use crate::http::headers::{no_store, vary_on_authorization};

/// A greeting.
#[derive(Serialize, ToSchema)]
pub struct Message {
    #[schema(example = "Hello, world!")]
    message: String,
}

/// A greeting for the caller.
#[derive(Serialize, ToSchema)]
pub struct PrivateMessage {
    /// `Hello, <email>!`, `unknown` when the token has no email.
    #[schema(example = "Hello, alice@example.com!")]
    message: String,
    /// The caller's `sub`.
    user_id: String,
}

/// The feed: personalised for a valid token, generic otherwise.
#[derive(Serialize, ToSchema)]
pub struct Feed {
    /// `personalized` or `generic`.
    #[schema(example = "personalized")]
    feed: &'static str,
    /// The caller's email (`unknown` without one); only when personalised.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    user: Option<String>,
}

fn email_or_unknown(claims: &Claims) -> &str {
    claims.email.as_deref().unwrap_or("unknown")
}

/// A greeting for anyone.
#[utoipa::path(
    get,
    path = "/messages/public",
    responses((status = 200, description = "The greeting", body = Message)),
)]
pub async fn public_message() -> impl Responder {
    HttpResponse::Ok().json(Message {
        message: "Hello, world!".to_owned(),
    })
}

/// A greeting for the caller, by email.
#[utoipa::path(
    get,
    path = "/messages/private",
    responses((status = 200, description = "The caller's greeting", body = PrivateMessage)),
)]
pub async fn private_message(claims: Claims) -> impl Responder {
    HttpResponse::Ok()
        .insert_header(no_store())
        .json(PrivateMessage {
            message: format!("Hello, {}!", email_or_unknown(&claims)),
            user_id: claims.sub.clone(),
        })
}

/// The feed: personalised with a valid token; an invalid one reads as none.
#[utoipa::path(
    get,
    path = "/messages/feed",
    responses((status = 200, description = "The feed", body = Feed)),
)]
pub async fn feed(MaybeClaims(claims): MaybeClaims) -> impl Responder {
    // Either answer varies on the token; only the generic one may be kept.
    let mut response = HttpResponse::Ok();
    response.insert_header(vary_on_authorization());
    match claims {
        Some(claims) => response.insert_header(no_store()).json(Feed {
            feed: "personalized",
            user: Some(email_or_unknown(&claims).to_owned()),
        }),
        None => response.json(Feed {
            feed: "generic",
            user: None,
        }),
    }
}
