//! Several user pools (issue #20): revocations are per pool. The same `sub`
//! in two pools is two users: deleted or signed out by pool `a`'s admin, it
//! is refused in `a` and still valid in `b`, on this instance and, through
//! a shared Redis (entries keyed `{pool}:{sub}`), on every other.

use std::time::Duration;

use serde_json::json;

use crate::helpers::*;
use crate::pools_support::*;
use crate::redis_server::RedisServer;
use crate::revocation_support::{all_answer, redis_holds, spool_path};

/// One `sub` that both pools have a user under.
const TWIN: &str = "4f6a2c1e-0000-4000-8000-00000000p001";

fn admin_a() -> String {
    user_token(Pool::A, "sub-admin-a", &[Pool::A.admin_group()])
}

/// Both twins' tokens, each accepted (so each is known and cached).
async fn twins_sign_in(pools: &TwoPools) -> (String, String) {
    let in_a = user_token(Pool::A, TWIN, &[]);
    let in_b = user_token(Pool::B, TWIN, &[]);
    for token in [&in_a, &in_b] {
        assert_eq!(pools.status(token).await, 200);
        assert_eq!(pools.status(token).await, 200);
    }
    (in_a, in_b)
}

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

/// A two-pool instance on `redis`, with a spool of its own.
async fn instance(redis: &RedisServer) -> TwoPools {
    Setup::new()
        .var("REDIS_URL", &redis.url())
        .var("REVOCATION_SPOOL", &spool_path())
        .start()
        .await
}

#[actix_rt::test]
async fn through_redis_another_instance_refuses_pool_as_twin_only() {
    let redis = RedisServer::start();
    let (one, two) = (instance(&redis).await, instance(&redis).await);
    let (in_a, in_b) = twins_sign_in(&one).await;
    for token in [&in_a, &in_b] {
        assert_eq!(two.status(token).await, 200, "cached on the other too");
    }

    let deleted = one
        .app
        .request("DELETE", &format!("/users/{TWIN}"), Some(&admin_a()))
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);

    assert!(
        all_answer(&[&two.app], &in_a, 401, Duration::from_secs(1)).await,
        "a's deletion not enforced on the other instance within 1 s"
    );
    assert_eq!(two.status(&in_b).await, 200, "b's twin stays valid there");
    assert_eq!(one.status(&in_b).await, 200, "and here");

    // Stored under the pool: `a:{sub}`, never the bare sub that the
    // environment's one pool uses (nor b's).
    let a_field = format!("{}:{TWIN}", Pool::A.name());
    let b_field = format!("{}:{TWIN}", Pool::B.name());
    assert!(redis_holds(&redis, "cognito-guard", &a_field));
    assert!(!redis_holds(&redis, "cognito-guard", TWIN));
    assert!(!redis_holds(&redis, "cognito-guard", &b_field));

    let ready = two.app.get("/readyz", None).await;
    assert_eq!(ready.status, 200, "{}", ready.body);
    assert_eq!(ready.body["revocation_store"], "up");
    assert_eq!(ready.body["pools"]["a"]["ready"], true, "{}", ready.body);

    // An instance started afterwards learns it the same way.
    let three = instance(&redis).await;
    assert_eq!(three.status(&in_a).await, 401);
    assert_eq!(three.status(&in_b).await, 200);
}

#[actix_rt::test]
async fn an_env_pool_revocation_in_redis_is_no_revocation_of_a_pool_table() {
    // A bare `sub` in Redis is the environment pool's (as before #20): an
    // instance of two `[[pool]]` tables must not read it as either's.
    let redis = RedisServer::start();
    let env_pool = crate::revocation_support::instance(&redis).await;
    let env_user = id_token(TWIN, None, &[]);
    assert_eq!(env_pool.get(PRIVATE, Some(&env_user)).await.status, 200);
    let admin = id_token("sub-admin", None, &["admin"]);
    let deleted = env_pool
        .request("DELETE", &format!("/users/{TWIN}"), Some(&admin))
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    assert!(
        wait_until(Duration::from_secs(1), || redis_holds(
            &redis,
            "cognito-guard",
            TWIN
        ))
        .await
    );

    let pools = instance(&redis).await;
    assert!(
        pools
            .app
            .wait_for_status("/readyz", None, 200, Duration::from_secs(10))
            .await,
        "in step with Redis"
    );
    for pool in [Pool::A, Pool::B] {
        assert_eq!(
            pools.status(&user_token(pool, TWIN, &[])).await,
            200,
            "{pool:?}"
        );
    }
}
