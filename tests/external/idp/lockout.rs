//! Outcome locks out the user Cognito found, named by the `sub` Cognito
//! returned, not by the spelling of the path. The stand-in matches a
//! `sub = "..."` filter without regard to case (Cognito documents case
//! sensitivity for `username` and `cognito:user_status` searches only), so
//! an upper-cased path id finds the user whose real sub is lower-case.

use serde_json::{json, Value};

use super::standin::{spawn_app_on_idp, IdpStandIn, SECRET_KEY};
use crate::common::helpers::id_token;

const ADMIN_SUB: &str = "4f6a2c1e-0000-4000-8000-0000000000ad";
const VICTIM_SUB: &str = "4f6a2c1e-0000-4000-8000-0000000000bc";

fn pool() -> Value {
    json!([
        {"username": "ada", "sub": ADMIN_SUB, "email": "ada@example.com", "groups": ["admin"]},
        {"username": "vic", "sub": VICTIM_SUB, "email": "vic@example.com", "groups": []},
    ])
}

#[actix_rt::test]
async fn deleting_by_another_spelling_of_the_sub_locks_out_the_real_sub() {
    let idp = IdpStandIn::start(&pool());
    let app = spawn_app_on_idp(&idp.endpoint("/"), SECRET_KEY).await;
    let admin = id_token(ADMIN_SUB, None, &["admin"]);
    let victim = id_token(VICTIM_SUB, Some("vic@example.com"), &[]);
    assert_eq!(
        app.get("/messages/private", Some(&victim)).await.status,
        200
    );

    let path = format!("/users/{}", VICTIM_SUB.to_uppercase());
    let deleted = app.request("DELETE", &path, Some(&admin)).await;

    assert_eq!(deleted.status, 204, "{}", deleted.body);
    assert_eq!(idp.actions().await, ["ListUsers", "AdminDeleteUser"]);
    let locked_out = app.get("/messages/private", Some(&victim)).await;
    assert_eq!(locked_out.status, 401, "{}", locked_out.body);
    assert!(
        locked_out.detail().contains("deleted"),
        "{}",
        locked_out.detail()
    );
    assert_eq!(app.get("/messages/private", Some(&admin)).await.status, 200);
}

#[actix_rt::test]
async fn an_admin_naming_their_own_user_by_another_spelling_gets_409() {
    let idp = IdpStandIn::start(&pool());
    let app = spawn_app_on_idp(&idp.endpoint("/"), SECRET_KEY).await;
    let admin = id_token(ADMIN_SUB, None, &["admin"]);
    let path = format!("/users/{}", ADMIN_SUB.to_uppercase());

    let refused = app.request("DELETE", &path, Some(&admin)).await;

    assert_eq!(refused.status, 409, "{}", refused.body);
    assert_eq!(idp.actions().await, ["ListUsers"], "nothing deleted");
    assert_eq!(app.get("/messages/private", Some(&admin)).await.status, 200);

    let confirmed = app
        .request("DELETE", &format!("{path}?self=true"), Some(&admin))
        .await;
    assert_eq!(confirmed.status, 204, "{}", confirmed.body);
    assert_eq!(
        app.get("/messages/private", Some(&admin)).await.status,
        401,
        "the admin's real sub is locked out"
    );
}

#[actix_rt::test]
async fn a_user_is_shown_with_the_sub_cognito_returned() {
    let idp = IdpStandIn::start(&pool());
    let app = spawn_app_on_idp(&idp.endpoint("/"), SECRET_KEY).await;
    let admin = id_token(ADMIN_SUB, None, &["admin"]);

    let path = format!("/users/{}", VICTIM_SUB.to_uppercase());
    let found = app.get(&path, Some(&admin)).await;

    assert_eq!(found.status, 200, "{}", found.body);
    assert_eq!(found.body["sub"], VICTIM_SUB);
    assert_eq!(found.body["username"], "vic");
}

#[actix_rt::test]
async fn an_admin_the_pool_no_longer_has_still_gets_409_for_their_own_sub() {
    // Nothing comes back to compare with: the path alone names the caller,
    // and revoking it would lock them out without `?self=true`.
    let idp = IdpStandIn::start(&pool());
    let app = spawn_app_on_idp(&idp.endpoint("/"), SECRET_KEY).await;
    let gone = "4f6a2c1e-0000-4000-8000-00000000ffff";
    let admin = id_token(gone, None, &["admin"]);

    let refused = app
        .request("DELETE", &format!("/users/{gone}"), Some(&admin))
        .await;

    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(idp.actions().await.is_empty(), "Cognito not asked");
    assert_eq!(app.get("/messages/private", Some(&admin)).await.status, 200);
}

/// Cognito acts, then its answer is lost (a 5xx, as after a timeout): the
/// admin gets 503 to retry, and the user is locked out all the same (fail
/// closed: the admin meant it). Sign-out goes through the same signed call.
#[actix_rt::test]
async fn an_action_cognito_took_but_did_not_confirm_still_revokes() {
    for (action, path_tail, detail) in [
        ("AdminDeleteUser", "", "deleted"),
        ("AdminUserGlobalSignOut", "/sign-out", "signed out"),
    ] {
        let pool = json!([
            {"username": "ada", "sub": ADMIN_SUB, "groups": ["admin"]},
            {"username": "vic", "sub": VICTIM_SUB, "groups": [], "fails_after": action},
        ]);
        let idp = IdpStandIn::start(&pool);
        let app = spawn_app_on_idp(&idp.endpoint("/"), SECRET_KEY).await;
        let admin = id_token(ADMIN_SUB, None, &["admin"]);
        let victim = id_token(VICTIM_SUB, None, &[]);
        assert_eq!(
            app.get("/messages/private", Some(&victim)).await.status,
            200
        );

        let method = if path_tail.is_empty() {
            "DELETE"
        } else {
            "POST"
        };
        let path = format!("/users/{VICTIM_SUB}{path_tail}");
        let answer = app.request(method, &path, Some(&admin)).await;

        assert_eq!(answer.status, 503, "{action}: {}", answer.body);
        assert!(answer.header("retry-after").is_some());
        assert_eq!(idp.actions().await, ["ListUsers", action]);
        let refused = app.get("/messages/private", Some(&victim)).await;
        assert_eq!(refused.status, 401, "{action}");
        assert!(refused.detail().contains(detail), "{}", refused.body);
    }
}

#[actix_rt::test]
async fn sign_out_is_signed_like_every_admin_call() {
    let idp = IdpStandIn::start(&pool());
    let app = spawn_app_on_idp(&idp.endpoint("/"), SECRET_KEY).await;
    let admin = id_token(ADMIN_SUB, None, &["admin"]);
    let path = format!("/users/{VICTIM_SUB}/sign-out");
    let answer = app.request("POST", &path, Some(&admin)).await;
    assert_eq!(answer.status, 204, "{}", answer.body);
    let calls = idp.calls().await;
    assert_eq!(calls.len(), 2);
    for call in &calls {
        assert_eq!(call["signature_problem"], Value::Null, "{call}");
    }
    assert_eq!(calls[1]["action"], "AdminUserGlobalSignOut");
}
