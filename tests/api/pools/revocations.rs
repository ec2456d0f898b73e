//! Several user pools (issue #20): revocations are per pool. The same `sub`
//! in two pools is two users: deleted or signed out by pool `a`'s admin, it
//! is refused in `a` and still valid in `b`, on this instance. (Through a
//! shared Redis, on every other: `tests/external`.)

use serde_json::json;

use crate::common::helpers::*;
use crate::common::pools::*;

#[actix_rt::test]
async fn a_deletion_in_pool_a_never_refuses_pool_bs_user_of_the_same_sub() {
    let pools = two_pools().await;
    let (in_a, in_b) = twins_sign_in(&pools).await;

    let deleted = pools
        .app
        .request("DELETE", &format!("/users/{TWIN}"), Some(&admin_a()))
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);

    assert_invalid_token(&pools.app.get(PRIVATE, Some(&in_a)).await, &in_a);
    let fresh_a = user_token(Pool::A, TWIN, &["later"]);
    assert_invalid_token(&pools.app.get(PRIVATE, Some(&fresh_a)).await, &fresh_a);
    assert_eq!(pools.status(&in_b).await, 200, "b's twin is not a's");
    let me = pools.app.get("/users/me", Some(&in_b)).await;
    assert_eq!((me.status, &me.body["pool"]), (200, &json!("b")));
    assert_eq!(
        pools.status(&admin_a()).await,
        200,
        "the admin is unaffected"
    );
}

#[actix_rt::test]
async fn a_sign_out_in_pool_a_never_refuses_pool_bs_user_of_the_same_sub() {
    let pools = two_pools().await;
    let (in_a, in_b) = twins_sign_in(&pools).await;

    let signed_out = pools
        .app
        .request("POST", &format!("/users/{TWIN}/sign-out"), Some(&admin_a()))
        .await;
    assert_eq!(signed_out.status, 204, "{}", signed_out.body);

    assert_invalid_token(&pools.app.get(PRIVATE, Some(&in_a)).await, &in_a);
    assert_eq!(pools.status(&in_b).await, 200, "b's twin is not signed out");
    // A token of a issued after the sign-out is fine again.
    let mut later = user_claims(Pool::A, TWIN, &[]);
    later["iat"] = json!(now() + 2);
    let later = sign(&later, Pool::A.key());
    assert_eq!(pools.status(&later).await, 200);
}
