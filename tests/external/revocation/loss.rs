//! Findings 2, 3 and 5 of issue #18: revocations Redis loses without a
//! reconnect are noticed and written back by every instance holding them
//! (whoever looks first); a `DELETE` of a user already gone revokes it on
//! every instance; deployments sharing a Redis do not see each other.

use std::time::Duration;

use super::redis_server::RedisServer;
use super::support::*;
use crate::common::helpers::wait_until;

const VICTIMS: [&str; 3] = [
    "4f6a2c1e-0000-4000-8000-0000000f2001",
    "4f6a2c1e-0000-4000-8000-0000000f2002",
    "4f6a2c1e-0000-4000-8000-0000000f2003",
];

/// Under `volatile-lru` (ElastiCache's default) the revocation hashes,
/// which expire, are what Redis evicts when memory runs out.
#[actix_rt::test]
async fn revocations_evicted_under_a_volatile_policy_are_written_back() {
    let redis = RedisServer::start();
    let (a, b) = (instance(&redis).await, instance(&redis).await);
    for sub in VICTIMS {
        assert_eq!(status(&a, &token_of(sub)).await, 200);
        delete(&a, sub, 204).await;
    }
    assert!(all_answer(&[&b], &token_of(VICTIMS[2]), 401, Duration::from_secs(2)).await);
    assert_eq!(redis_count(&redis, "cognito-guard"), 3);

    // Fill memory with keys that never expire until Redis has evicted
    // every key that does: ours.
    let used = redis.used_memory();
    redis.limit_memory(used + 512 * 1024, "volatile-lru");
    let junk = "x".repeat(16 * 1024);
    let mut n = 0;
    while redis_count(&redis, "cognito-guard") > 0 {
        let reply = redis.command(&["SET", &format!("junk:{n}"), &junk]);
        assert!(reply == "+OK" || reply.starts_with("-OOM"), "{reply}");
        n += 1;
        assert!(n < 10_000, "Redis never evicted the revocations");
    }
    redis.limit_memory(0, "volatile-lru");

    assert!(
        wait_until(Duration::from_secs(15), || redis_count(
            &redis,
            "cognito-guard"
        ) == 3)
        .await,
        "the evicted revocations were written back"
    );
    let fresh = instance(&redis).await;
    for sub in VICTIMS {
        assert_eq!(status(&fresh, &token_of(sub)).await, 401, "{sub}");
    }
}

/// A new instance started against a flushed Redis (which re-creates
/// whatever a first look would find) does not hide the loss from the
/// instances that hold the revocations.
#[actix_rt::test]
async fn a_flush_followed_at_once_by_a_new_instance_loses_nothing() {
    let redis = RedisServer::start();
    let (a, b) = (instance(&redis).await, instance(&redis).await);
    let victim = token_of(VICTIMS[0]);
    assert_eq!(status(&a, &victim).await, 200);
    delete(&a, VICTIMS[0], 204).await;
    assert!(all_answer(&[&b], &victim, 401, Duration::from_secs(2)).await);

    assert_eq!(redis.command(&["FLUSHALL"]), "+OK");
    let c = instance(&redis).await;

    assert!(
        wait_until(Duration::from_secs(15), || redis_holds(
            &redis,
            "cognito-guard",
            VICTIMS[0]
        ))
        .await,
        "written back by the instances holding it"
    );
    assert!(all_answer(&[&c], &victim, 401, Duration::from_secs(5)).await);
    let fresh = instance(&redis).await;
    assert_eq!(status(&fresh, &victim).await, 401);
}

/// Deleted in the Cognito console (this instance's directory never had
/// the user): `404`, and the `sub` revoked on every instance.
#[actix_rt::test]
async fn deleting_a_user_already_gone_revokes_it_on_every_instance() {
    let redis = RedisServer::start();
    let (a, b) = (instance(&redis).await, instance(&redis).await);
    let victim = token_of(VICTIMS[1]);
    assert_eq!(status(&a, &victim).await, 200);
    let elsewhere = instance(&redis).await;

    delete(&elsewhere, VICTIMS[1], 404).await;

    assert!(
        all_answer(&[&a, &b, &elsewhere], &victim, 401, Duration::from_secs(2)).await,
        "every instance refuses the gone user"
    );
    assert_eq!(status(&a, &token_of("someone-else")).await, 200);
}

/// Two deployments on one Redis, told apart by `REDIS_KEY_PREFIX`: a
/// deletion on staging reaches staging's instances, never prod's.
#[actix_rt::test]
async fn deployments_with_their_own_prefix_do_not_see_each_other() {
    let redis = RedisServer::start();
    let prod = instance_with(&redis, &[("REDIS_KEY_PREFIX", "cg-prod")]).await;
    let staging = instance_with(&redis, &[("REDIS_KEY_PREFIX", "cg-staging")]).await;
    let staging_too = instance_with(&redis, &[("REDIS_KEY_PREFIX", "cg-staging")]).await;
    let victim = token_of(VICTIMS[2]);
    for app in [&prod, &staging, &staging_too] {
        assert_eq!(status(app, &victim).await, 200);
    }

    delete(&staging, VICTIMS[2], 204).await;

    assert!(all_answer(&[&staging_too], &victim, 401, Duration::from_secs(2)).await);
    assert!(redis_holds(&redis, "cg-staging", VICTIMS[2]));
    assert!(!redis_holds(&redis, "cg-prod", VICTIMS[2]));
    let keys = redis.command(&["KEYS", "*"]);
    assert!(
        keys.lines().all(|key| key.starts_with("cg-staging:")),
        "every key carries the prefix: {keys:?}"
    );
    // Prod's audit and subscription have run meanwhile: still nothing.
    assert!(store_up_reaches(&prod, 1.0, Duration::from_secs(5)).await);
    assert_eq!(status(&prod, &victim).await, 200);
    let prod_fresh = instance_with(&redis, &[("REDIS_KEY_PREFIX", "cg-prod")]).await;
    assert_eq!(status(&prod_fresh, &victim).await, 200);
    assert_eq!(
        gauge(
            &prod.get_text("/metrics").await,
            "cognito_guard_revocations"
        ),
        Some(0.0)
    );
}
