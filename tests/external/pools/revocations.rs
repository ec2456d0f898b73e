//! Several user pools (issue #20): revocations are per pool, through a
//! shared Redis too. The same `sub` in two pools is two users: deleted or
//! signed out by pool `a`'s admin, it is refused in `a` and still valid in
//! `b` on every other instance (entries keyed `{pool}:{sub}`). (On this
//! instance alone: `tests/api`.)

use std::time::Duration;

use crate::common::helpers::*;
use crate::common::pools::*;
use crate::revocation::redis_server::RedisServer;
use crate::revocation::support::{all_answer, redis_holds, spool_path};

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
    let env_pool = crate::revocation::support::instance(&redis).await;
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
