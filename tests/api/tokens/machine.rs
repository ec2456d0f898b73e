//! Guards as policies, and machine callers (client-credentials access
//! tokens) on the admin routes: exactly the admin scope lets them in, on
//! admin routes only.

use serde_json::json;

use crate::common::helpers::*;
use crate::common::machine::{machine_claims, machine_token};

const ADMIN_SCOPE: &str = "cognito-guard/admin";
const VICTIM: &str = "4f6a2c1e-0000-4000-8000-00000000f001";

async fn app_with_admin_scope() -> TestApp {
    spawn_app_with(&[("ADMIN_SCOPE", ADMIN_SCOPE)]).await
}

/// Makes the in-memory directory know the victim, as a signed-in user.
async fn victim_signs_in(app: &TestApp) -> String {
    let victim = id_token(VICTIM, Some("v@example.com"), &[]);
    assert_eq!(
        app.get("/messages/private", Some(&victim)).await.status,
        200
    );
    victim
}

fn assert_insufficient_scope(response: &TestResponse) {
    assert_eq!(response.status, 403, "{}", response.body);
    assert_eq!(
        response.header("www-authenticate"),
        Some(r#"Bearer error="insufficient_scope", scope="cognito-guard/admin""#)
    );
    assert!(!response.detail().is_empty());
}

#[actix_rt::test]
async fn a_machine_with_the_admin_scope_reads_and_deletes_a_user() {
    let app = app_with_admin_scope().await;
    let victim = victim_signs_in(&app).await;
    let path = format!("/users/{VICTIM}");

    for scope in [ADMIN_SCOPE, "other/read cognito-guard/admin other/write"] {
        let read = app.get(&path, Some(&machine_token(scope))).await;
        assert_eq!(read.status, 200, "{scope}: {}", read.body);
        assert_eq!(read.body["sub"], VICTIM);
    }

    let deleted = app
        .request("DELETE", &path, Some(&machine_token(ADMIN_SCOPE)))
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    assert_invalid_token(&app.get("/messages/private", Some(&victim)).await, &victim);
}

#[actix_rt::test]
async fn a_machine_without_the_exact_scope_gets_403_insufficient_scope() {
    let app = app_with_admin_scope().await;
    victim_signs_in(&app).await;
    let path = format!("/users/{VICTIM}");

    for scope in [
        "other/read",
        "cognito-guard/admins",
        "cognito-guard/Admin",
        "COGNITO-GUARD/ADMIN",
        "xcognito-guard/admin",
        "cognito-guard",
        "cognito-guard/admin,other/read",
        "",
    ] {
        let token = machine_token(scope);
        assert_insufficient_scope(&app.get(&path, Some(&token)).await);
        assert_insufficient_scope(&app.request("DELETE", &path, Some(&token)).await);
    }
    // Nobody was deleted: a real admin still can.
    let admin = id_token("sub-admin", None, &["admin"]);
    assert_eq!(app.request("DELETE", &path, Some(&admin)).await.status, 204);
    let text = app.get_text("/metrics").await;
    assert!(
        text.contains(r#"cognito_guard_admin_denied_total{missing="scope"} 16"#),
        "{text}"
    );
}

#[actix_rt::test]
async fn a_scope_that_is_not_a_string_is_an_invalid_token() {
    let app = app_with_admin_scope().await;
    let path = format!("/users/{VICTIM}");
    for scope in [
        json!([ADMIN_SCOPE]),
        json!({"scope": ADMIN_SCOPE}),
        json!(1),
    ] {
        let token = sign(&machine_claims(CLIENT_ID, scope.clone()), trusted_key());
        let response = app.get(&path, Some(&token)).await;
        assert_invalid_token(&response, &token);
        assert!(response.detail().contains("wrong JSON type"), "{scope}");
    }
}

#[actix_rt::test]
async fn machine_tokens_of_a_foreign_client_or_expired_are_invalid() {
    let app = app_with_admin_scope().await;
    let path = format!("/users/{VICTIM}");

    let foreign = sign(
        &machine_claims(OTHER_CLIENT_ID, json!(ADMIN_SCOPE)),
        trusted_key(),
    );
    let response = app.get(&path, Some(&foreign)).await;
    assert_invalid_token(&response, &foreign);
    assert!(
        response.detail().contains("another client"),
        "{}",
        response.body
    );

    let mut claims = machine_claims(CLIENT_ID, json!(ADMIN_SCOPE));
    claims["exp"] = json!(now() - 1);
    let expired = sign(&claims, trusted_key());
    let response = app.get(&path, Some(&expired)).await;
    assert_invalid_token(&response, &expired);
    assert!(response.detail().contains("expired"), "{}", response.body);

    let forged = sign(&machine_claims(CLIENT_ID, json!(ADMIN_SCOPE)), rogue_key());
    assert_invalid_token(&app.get(&path, Some(&forged)).await, &forged);
}

#[actix_rt::test]
async fn machine_tokens_are_not_users_under_token_use_id() {
    let app = app_with_admin_scope().await;
    let token = machine_token(ADMIN_SCOPE);

    let private = app.get("/messages/private", Some(&token)).await;
    assert_invalid_token(&private, &token);
    assert!(private.detail().contains("token_use"), "{}", private.body);
    assert_invalid_token(&app.get("/users/me", Some(&token)).await, &token);
    let feed = app.get("/messages/feed", Some(&token)).await;
    assert_eq!((feed.status, &feed.body["feed"]), (200, &json!("generic")));
}

#[actix_rt::test]
async fn without_an_admin_scope_no_machine_token_passes() {
    let app = spawn_app().await;
    victim_signs_in(&app).await;
    let path = format!("/users/{VICTIM}");
    let token = machine_token(ADMIN_SCOPE);
    // COGNITO_TOKEN_USE=id: an access token is no valid token at all, and
    // verification itself says so.
    assert_invalid_token(&app.get(&path, Some(&token)).await, &token);
    let text = app.get_text("/metrics").await;
    assert!(
        text.contains(
            r#"cognito_guard_auth_requests_total{outcome="wrong_token_use",pool="default"} 1"#
        ),
        "{text}"
    );

    // Where access tokens are accepted from users, it is valid, but only the
    // group makes an admin.
    let app = spawn_app_with(&[("COGNITO_TOKEN_USE", "any")]).await;
    victim_signs_in(&app).await;
    let refused = app.request("DELETE", &path, Some(&token)).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(
        refused.header("www-authenticate"),
        Some(r#"Bearer error="insufficient_scope""#)
    );
}

#[actix_rt::test]
async fn a_user_access_token_carrying_the_scope_is_not_a_machine() {
    let app = app_with_admin_scope().await;
    victim_signs_in(&app).await;
    let path = format!("/users/{VICTIM}");
    // A user's access token: it names a user, and its sub is not the client.
    let mut claims = access_claims("sub-u", &[]);
    claims["scope"] = json!(ADMIN_SCOPE);
    let token = sign(&claims, trusted_key());
    let response = app.get(&path, Some(&token)).await;
    assert_invalid_token(&response, &token);
    assert!(response.detail().contains("token_use"), "{}", response.body);

    // Nor is one without a username whose sub is not the client itself.
    let mut claims = machine_claims(CLIENT_ID, json!(ADMIN_SCOPE));
    claims["sub"] = json!(VICTIM);
    let token = sign(&claims, trusted_key());
    assert_invalid_token(&app.get(&path, Some(&token)).await, &token);
}

#[actix_rt::test]
async fn the_group_path_is_unchanged_and_named_in_the_challenge() {
    let app = app_with_admin_scope().await;
    victim_signs_in(&app).await;
    let path = format!("/users/{VICTIM}");

    let user = id_token("sub-u", None, &["users"]);
    assert_insufficient_scope(&app.get(&path, Some(&user)).await);

    let admin = id_token("sub-admin", None, &["admin"]);
    assert_eq!(app.get(&path, Some(&admin)).await.status, 200);
    // Self-deletion still needs ?self=true, for users.
    let own = app
        .request("DELETE", "/users/sub-admin", Some(&admin))
        .await;
    assert_eq!(own.status, 409, "{}", own.body);
}

#[actix_rt::test]
async fn guards_answer_401_not_404_on_every_protected_route() {
    let app = app_with_admin_scope().await;
    for (method, path) in [
        ("GET", "/messages/private"),
        ("GET", "/users/me"),
        ("GET", "/users/some-id"),
        ("DELETE", "/users/some-id"),
    ] {
        let response = app.request(method, path, None).await;
        assert_eq!(response.status, 401, "{method} {path}");
        assert_eq!(response.header("www-authenticate"), Some("Bearer"));
    }
}

/// Where `COGNITO_TOKEN_USE` accepts access tokens, a client-credentials
/// token is a valid token, but a machine is never a user: 403 on the user
/// routes (no "Hello, unknown!" with its client id as `user_id`), and the
/// feed stays generic.
#[actix_rt::test]
async fn machine_tokens_are_not_users_where_access_tokens_are_accepted() {
    for token_use in ["access", "any"] {
        for admin_scope in [None, Some(ADMIN_SCOPE)] {
            let mut vars = vec![("COGNITO_TOKEN_USE", token_use)];
            vars.extend(admin_scope.map(|scope| ("ADMIN_SCOPE", scope)));
            let app = spawn_app_with(&vars).await;
            let token = machine_token("cognito-guard/read");
            let case = format!("{token_use} {admin_scope:?}");
            for path in ["/messages/private", "/users/me"] {
                let refused = app.get(path, Some(&token)).await;
                assert_eq!(refused.status, 403, "{case} {path}: {}", refused.body);
                assert!(
                    refused.detail().contains("machine"),
                    "{case} {path}: {}",
                    refused.body
                );
                assert_eq!(refused.header("www-authenticate"), None, "{case} {path}");
            }
            let feed = app.get("/messages/feed", Some(&token)).await;
            assert_eq!(feed.status, 200, "{case}");
            assert_eq!(feed.body, json!({"feed": "generic"}), "{case}");

            // A user's access token still passes as the user it names.
            let user = sign(&access_claims("sub-u", &[]), trusted_key());
            let private = app.get("/messages/private", Some(&user)).await;
            assert_eq!(private.status, 200, "{case}: {}", private.body);
            assert_eq!(private.body["user_id"], "sub-u", "{case}");
        }
    }
}

/// The document says so: the user routes list the 403 for a machine's
/// token exactly where access tokens are accepted.
#[actix_rt::test]
async fn the_document_lists_the_machine_refusal_where_it_can_happen() {
    for (token_use, listed) in [("id", false), ("access", true), ("any", true)] {
        let app = spawn_app_with(&[("COGNITO_TOKEN_USE", token_use)]).await;
        let doc = app.get("/openapi.json", None).await.body;
        for path in ["/messages/private", "/users/me"] {
            let forbidden = &doc["paths"][path]["get"]["responses"]["403"];
            if listed {
                assert_eq!(
                    forbidden,
                    &json!({ "$ref": "#/components/responses/NotAUser" }),
                    "{token_use} {path}"
                );
            } else {
                assert!(forbidden.is_null(), "{token_use} {path}: {forbidden}");
            }
        }
        let shared = &doc["components"]["responses"]["NotAUser"]["description"];
        assert!(
            shared.as_str().is_some_and(|d| d.contains("never a user")),
            "{shared}"
        );
    }
}
