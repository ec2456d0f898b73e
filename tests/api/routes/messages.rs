use crate::common::helpers::*;
use serde_json::json;

#[actix_rt::test]
async fn public_message_needs_no_token() {
    let app = spawn_app().await;
    let response = app.get("/messages/public", None).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.body, json!({"message": "Hello, world!"}));
}

#[actix_rt::test]
async fn private_message_greets_the_token_holder() {
    let app = spawn_app().await;
    let token = id_token("sub-alice", Some("alice@example.com"), &[]);
    let response = app.get("/messages/private", Some(&token)).await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.body,
        json!({"message": "Hello, alice@example.com!", "user_id": "sub-alice"})
    );
}

#[actix_rt::test]
async fn private_message_without_email_says_unknown() {
    let app = spawn_app().await;
    let token = id_token("sub-noemail", None, &[]);
    let response = app.get("/messages/private", Some(&token)).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.body["message"], "Hello, unknown!");
}

#[actix_rt::test]
async fn missing_authorization_is_401_with_a_bare_bearer_challenge() {
    let app = spawn_app().await;
    let response = app.get("/messages/private", None).await;
    assert_eq!(response.status, 401);
    assert_eq!(response.header("www-authenticate"), Some("Bearer"));
    assert!(!response.detail().is_empty());
}

#[actix_rt::test]
async fn non_bearer_schemes_are_401_with_a_bare_bearer_challenge() {
    let app = spawn_app().await;
    let token = id_token("sub-alice", Some("alice@example.com"), &[]);
    for value in [
        format!("Basic {token}"),
        format!("Token {token}"),
        token.clone(),
    ] {
        let response = app
            .request_with_headers("GET", "/messages/private", &[("Authorization", value)])
            .await;
        assert_eq!(response.status, 401);
        assert_eq!(response.header("www-authenticate"), Some("Bearer"));
    }
}

#[actix_rt::test]
async fn a_token_outside_the_authorization_header_does_not_authenticate() {
    let app = spawn_app().await;
    let token = id_token("sub-alice", Some("alice@example.com"), &[]);
    let in_query = app
        .get(&format!("/messages/private?access_token={token}"), None)
        .await;
    assert_eq!(in_query.status, 401);
    let in_cookie = app
        .request_with_headers(
            "GET",
            "/messages/private",
            &[("Cookie", format!("token={token}"))],
        )
        .await;
    assert_eq!(in_cookie.status, 401);
}

#[actix_rt::test]
async fn feed_is_personalised_for_a_valid_token() {
    let app = spawn_app().await;
    let token = id_token("sub-bob", Some("bob@example.com"), &[]);
    let response = app.get("/messages/feed", Some(&token)).await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.body,
        json!({"feed": "personalized", "user": "bob@example.com"})
    );
}

#[actix_rt::test]
async fn feed_is_generic_without_a_token() {
    let app = spawn_app().await;
    let response = app.get("/messages/feed", None).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.body, json!({"feed": "generic"}));
}

#[actix_rt::test]
async fn feed_is_generic_with_an_invalid_or_forged_token() {
    let app = spawn_app().await;
    let mut expired = id_claims("sub-bob", Some("bob@example.com"), &[]);
    expired["exp"] = json!(now() - 60);
    let forged = sign(
        &id_claims("sub-bob", Some("bob@example.com"), &[]),
        rogue_key(),
    );
    for token in [
        sign(&expired, trusted_key()),
        forged,
        "not-a-token".to_owned(),
    ] {
        let response = app.get("/messages/feed", Some(&token)).await;
        assert_eq!(response.status, 200);
        assert_eq!(response.body, json!({"feed": "generic"}));
    }
}
