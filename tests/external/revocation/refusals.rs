//! Finding 1 of issue #18: a write Redis refuses (`READONLY` after a
//! failover, `OOM` at `maxmemory`) is not dropped: the store is reported
//! down (metric, `/readyz`) and the write retried until stored.

use std::time::Duration;

use super::redis_server::RedisServer;
use super::support::*;

const VICTIM: &str = "4f6a2c1e-0000-4000-8000-0000000f1001";

/// `/readyz`'s `revocation_store`, while it stays 200.
async fn readyz_store(app: &crate::common::helpers::TestApp) -> String {
    let ready = app.get("/readyz", None).await;
    assert_eq!(ready.status, 200, "{}", ready.body);
    ready.body["revocation_store"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The refused revocation: the store down on the instance that made it,
/// pending, and enforced there; then stored once `heal` runs, and known to
/// `other` and to a new instance.
async fn refused_then_stored(redis: &RedisServer, refuse: impl FnOnce(), heal: impl FnOnce()) {
    let (a, b) = (instance(redis).await, instance(redis).await);
    let victim = token_of(VICTIM);
    assert_eq!(status(&a, &victim).await, 200);
    assert_eq!(status(&b, &victim).await, 200);
    assert_eq!(readyz_store(&a).await, "up");

    refuse();
    delete(&a, VICTIM, 204).await;
    assert_eq!(status(&a, &victim).await, 401, "enforced where made");
    assert!(
        store_up_reaches(&a, 0.0, Duration::from_secs(10)).await,
        "a refused write counts as the store down"
    );
    assert_eq!(readyz_store(&a).await, "down");
    let metrics = a.get_text("/metrics").await;
    assert_eq!(
        gauge(&metrics, "cognito_guard_revocations_pending"),
        Some(1.0)
    );
    assert!(!redis_holds(redis, "cognito-guard", VICTIM));

    heal();
    assert!(
        all_answer(&[&b], &victim, 401, Duration::from_secs(15)).await,
        "the retried write reached the other instance"
    );
    assert!(redis_holds(redis, "cognito-guard", VICTIM));
    assert!(store_up_reaches(&a, 1.0, Duration::from_secs(10)).await);
    assert!(
        gauge_reaches(
            &a,
            "cognito_guard_revocations_pending",
            0.0,
            Duration::from_secs(5)
        )
        .await
    );
    assert_eq!(readyz_store(&a).await, "up");
    let fresh = instance(redis).await;
    assert_eq!(status(&fresh, &victim).await, 401);
}

/// The old primary demoted in place (`r2 replicaof no one; r1 replicaof
/// r2`), the instances still on r1: writes are `READONLY` until r1 is the
/// primary again.
#[actix_rt::test]
async fn a_write_refused_as_readonly_after_a_failover_is_retried_until_stored() {
    let r1 = RedisServer::start();
    let r2 = RedisServer::start();
    r2.replicate(&r1);
    refused_then_stored(
        &r1,
        || {
            // Read-only at once; no blocking wait for the link (the test's
            // runtime must keep running meanwhile).
            r2.promote();
            let port = r2.port.to_string();
            assert_eq!(r1.command(&["REPLICAOF", "127.0.0.1", &port]), "+OK");
        },
        || r1.promote(),
    )
    .await;
}

/// `maxmemory` reached under `noeviction`: writes are `OOM` until memory is
/// freed; the revocation is then stored, not lost.
#[actix_rt::test]
async fn a_write_refused_for_memory_is_retried_until_stored() {
    let redis = RedisServer::start();
    refused_then_stored(
        &redis,
        || redis.limit_memory(1, "noeviction"),
        || redis.limit_memory(0, "noeviction"),
    )
    .await;
}
