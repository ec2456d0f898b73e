use cognito_guard::{Application, Settings};
use serde_json::json;

use crate::common::helpers::*;

#[actix_rt::test]
async fn me_describes_an_id_token_holder() {
    let app = spawn_app().await;
    let token = id_token("sub-carol", Some("carol@example.com"), &["staff", "admin"]);
    let response = app.get("/users/me", Some(&token)).await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.body,
        json!({
            "sub": "sub-carol",
            "username": "user-sub-carol",
            "email": "carol@example.com",
            "groups": ["staff", "admin"],
            "token_use": "id",
            "pool": "default",
        })
    );
}

#[actix_rt::test]
async fn me_describes_an_access_token_holder() {
    let app = spawn_app_with(&[("COGNITO_TOKEN_USE", "access")]).await;
    let token = sign(&access_claims("sub-dan", &["staff"]), trusted_key());
    let response = app.get("/users/me", Some(&token)).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.body["username"], "user-sub-dan");
    assert_eq!(response.body["email"], json!(null));
    assert_eq!(response.body["token_use"], "access");
}

#[actix_rt::test]
async fn me_needs_a_token() {
    let app = spawn_app().await;
    assert_eq!(app.get("/users/me", None).await.status, 401);
}

#[actix_rt::test]
async fn a_non_admin_cannot_delete_and_gets_403_not_404() {
    let app = spawn_app().await;
    let victim = id_token("sub-victim", Some("v@example.com"), &[]);
    assert_eq!(app.get("/users/me", Some(&victim)).await.status, 200);
    let outsider = id_token(
        "sub-outsider",
        Some("o@example.com"),
        &["staff", "Admin", "admins", " admin"],
    );

    let response = app
        .request("DELETE", "/users/sub-victim", Some(&outsider))
        .await;

    assert_eq!(response.status, 403);
    assert!(!response.detail().is_empty());
    // The victim was not deleted: an admin can still delete them once.
    let admin = id_token("sub-admin", Some("a@example.com"), &["admin"]);
    assert_eq!(
        app.request("DELETE", "/users/sub-victim", Some(&admin))
            .await
            .status,
        204
    );
}

#[actix_rt::test]
async fn an_admin_deletes_a_known_user_once_then_gets_404() {
    let app = spawn_app().await;
    let victim = id_token("sub-victim", Some("v@example.com"), &[]);
    assert_eq!(
        app.get("/messages/private", Some(&victim)).await.status,
        200
    );
    let admin = id_token("sub-admin", Some("a@example.com"), &["admin"]);

    let first = app
        .request("DELETE", "/users/sub-victim", Some(&admin))
        .await;
    let second = app
        .request("DELETE", "/users/sub-victim", Some(&admin))
        .await;

    assert_eq!(first.status, 204);
    assert_eq!(second.status, 404);
    assert_eq!(second.detail(), "no such user");
}

#[actix_rt::test]
async fn deleting_an_unknown_user_is_404() {
    let app = spawn_app().await;
    let admin = id_token("sub-admin", Some("a@example.com"), &["admin"]);
    assert_eq!(
        app.request("DELETE", "/users/never-seen", Some(&admin))
            .await
            .status,
        404
    );
}

#[actix_rt::test]
async fn the_admin_group_is_configurable() {
    let app = spawn_app_with(&[("ADMIN_GROUP", "ops")]).await;
    let victim = id_token("sub-victim", None, &[]);
    app.get("/users/me", Some(&victim)).await;
    let admin = id_token("sub-admin", None, &["admin"]);
    let ops = id_token("sub-ops", None, &["ops"]);
    assert_eq!(
        app.request("DELETE", "/users/sub-victim", Some(&admin))
            .await
            .status,
        403
    );
    assert_eq!(
        app.request("DELETE", "/users/sub-victim", Some(&ops))
            .await
            .status,
        204
    );
}

#[actix_rt::test]
async fn deleting_without_a_token_is_401() {
    let app = spawn_app().await;
    let response = app.request("DELETE", "/users/anyone", None).await;
    assert_eq!(response.status, 401);
    assert_eq!(response.header("www-authenticate"), Some("Bearer"));
}

#[actix_rt::test]
async fn a_deleted_user_is_locked_out_at_once() {
    let app = spawn_app().await;
    let victim = id_token("sub-victim", Some("v@example.com"), &[]);
    assert_eq!(
        app.get("/messages/private", Some(&victim)).await.status,
        200
    );
    assert_eq!(
        app.get("/messages/private", Some(&victim)).await.status,
        200,
        "cached"
    );
    let admin = id_token("sub-admin", Some("a@example.com"), &["admin"]);

    assert_eq!(
        app.request("DELETE", "/users/sub-victim", Some(&admin))
            .await
            .status,
        204
    );

    let response = app.get("/messages/private", Some(&victim)).await;
    assert_invalid_token(&response, &victim);
    assert!(
        response.detail().contains("deleted"),
        "{}",
        response.detail()
    );
    // A fresh token for the same sub is refused too, not only the cached one.
    let fresh = id_token("sub-victim", Some("v@example.com"), &["admin"]);
    assert_eq!(app.get("/messages/private", Some(&fresh)).await.status, 401);
    assert_eq!(
        app.get("/messages/feed", Some(&fresh)).await.body["feed"],
        "generic"
    );
    // Other users are unaffected.
    assert_eq!(app.get("/messages/private", Some(&admin)).await.status, 200);
}

#[actix_rt::test]
async fn deleting_yourself_needs_self_true() {
    let app = spawn_app().await;
    let admin = id_token("sub-admin", Some("a@example.com"), &["admin"]);
    app.get("/users/me", Some(&admin)).await;

    let refused = app
        .request("DELETE", "/users/sub-admin", Some(&admin))
        .await;
    assert_eq!(refused.status, 409);
    assert!(
        refused.detail().contains("self=true"),
        "{}",
        refused.detail()
    );
    for query in ["?self=1", "?self=TRUE", "?myself=true"] {
        let path = format!("/users/sub-admin{query}");
        assert_eq!(
            app.request("DELETE", &path, Some(&admin)).await.status,
            409,
            "{query}"
        );
    }

    let confirmed = app
        .request("DELETE", "/users/sub-admin?self=true", Some(&admin))
        .await;
    assert_eq!(confirmed.status, 204);
    assert_eq!(
        app.get("/users/me", Some(&admin)).await.status,
        401,
        "locked out"
    );
}

#[actix_rt::test]
async fn an_admin_can_look_a_user_up() {
    let app = spawn_app().await;
    let user = id_token("sub-eve", Some("eve@example.com"), &["staff"]);
    app.get("/users/me", Some(&user)).await;
    let admin = id_token("sub-admin", None, &["admin"]);

    let found = app.get("/users/sub-eve", Some(&admin)).await;
    assert_eq!(found.status, 200);
    assert_eq!(
        found.body,
        json!({
            "sub": "sub-eve", "username": "user-sub-eve", "email": "eve@example.com",
            "enabled": true, "status": "CONFIRMED", "groups": ["staff"],
        })
    );
    assert_eq!(app.get("/users/sub-nobody", Some(&admin)).await.status, 404);
    assert_eq!(app.get("/users/sub-eve", Some(&user)).await.status, 403);
    assert_eq!(app.get("/users/sub-eve", None).await.status, 401);
}

#[actix_rt::test]
async fn ids_that_cannot_be_a_sub_are_404() {
    // Each id is the sub of a user the directory knows (their valid token
    // was seen), so only `is_plausible_user_id` answers 404 rather than
    // showing or deleting them.
    let app = spawn_app().await;
    let admin = id_token("sub-admin", None, &["admin"]);
    let long = "a".repeat(129);
    for (sub, id) in [
        ("a\"b", "a%22b"),
        ("x\\y", "x%5Cy"),
        ("x y", "x%20y"),
        ("sub = \"x\"", "sub%20%3D%20%22x%22"),
        ("é", "%C3%A9"),
        (long.as_str(), long.as_str()),
    ] {
        let user = id_token(sub, None, &[]);
        assert_eq!(app.get("/users/me", Some(&user)).await.status, 200, "{id}");
        let path = format!("/users/{id}");

        assert_eq!(app.get(&path, Some(&admin)).await.status, 404, "{id}");
        assert_eq!(
            app.request("DELETE", &path, Some(&admin)).await.status,
            404,
            "{id}"
        );
        assert_eq!(
            app.get("/users/me", Some(&user)).await.status,
            200,
            "{id}: neither deleted nor locked out"
        );
    }
}

#[actix_rt::test]
async fn deleting_a_user_already_gone_still_locks_them_out_here() {
    // As on a second instance: the user was deleted elsewhere, so this
    // instance's directory does not know them, but their token still works.
    let app = spawn_app().await;
    let admin = id_token("sub-admin", None, &["admin"]);
    let victim = id_token("sub-elsewhere", None, &[]);

    let response = app
        .request("DELETE", "/users/sub-elsewhere", Some(&admin))
        .await;
    assert_eq!(response.status, 404);

    assert_eq!(
        app.get("/messages/private", Some(&victim)).await.status,
        401
    );
}

#[actix_rt::test]
async fn a_signed_out_user_is_refused_for_tokens_issued_up_to_the_sign_out() {
    let app = spawn_app().await;
    let before = id_token("sub-out", Some("o@example.com"), &[]);
    assert_eq!(
        app.get("/messages/private", Some(&before)).await.status,
        200
    );
    let admin = id_token("sub-admin", None, &["admin"]);

    let signed_out = app
        .request("POST", "/users/sub-out/sign-out", Some(&admin))
        .await;
    assert_eq!(signed_out.status, 204, "{}", signed_out.body);

    let refused = app.get("/messages/private", Some(&before)).await;
    assert_invalid_token(&refused, &before);
    assert!(refused.detail().contains("signed out"), "{}", refused.body);
    // A token issued after the sign-out (the user signed in again) passes.
    let mut later = id_claims("sub-out", Some("o@example.com"), &[]);
    later["iat"] = json!(now() + 2);
    let after = sign(&later, trusted_key());
    assert_eq!(app.get("/messages/private", Some(&after)).await.status, 200);
    // Other users are untouched.
    assert_eq!(app.get("/messages/private", Some(&admin)).await.status, 200);
}

#[actix_rt::test]
async fn sign_out_is_for_admins_and_known_users_only() {
    let app = spawn_app().await;
    let user = id_token("sub-u", None, &[]);
    assert_eq!(app.get("/messages/private", Some(&user)).await.status, 200);
    let admin = id_token("sub-admin", None, &["admin"]);

    let cases = [
        (None, "/users/sub-u/sign-out", 401),
        (Some(&user), "/users/sub-u/sign-out", 403),
        (Some(&admin), "/users/nobody-here/sign-out", 404),
        (Some(&admin), "/users/a%22b/sign-out", 404),
    ];
    for (token, path, status) in cases {
        let response = app.request("POST", path, token.map(String::as_str)).await;
        assert_eq!(response.status, status, "{path}: {}", response.body);
    }
    // None of that signed sub-u out.
    assert_eq!(app.get("/messages/private", Some(&user)).await.status, 200);
    assert_eq!(
        app.request("GET", "/users/sub-u/sign-out", Some(&admin))
            .await
            .status,
        405
    );
}

#[actix_rt::test]
async fn without_credentials_admin_user_routes_answer_503() {
    let jwks = JwksServer::start(vec![trusted_key().jwk()], JwksMode::Serve);
    let settings = Settings::from_vars(base_vars(&jwks.url())).expect("settings");
    assert!(settings.aws_credentials.is_none());
    let app = Application::build(settings).await.expect("server starts");
    let app = serve(app, jwks);
    let admin = id_token("sub-admin", None, &["admin"]);

    let response = app
        .request("DELETE", "/users/sub-other", Some(&admin))
        .await;

    assert_eq!(response.status, 503);
    assert!(
        response.detail().contains("AWS credentials"),
        "{}",
        response.detail()
    );
}
