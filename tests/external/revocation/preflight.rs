//! Findings 4 and 9 of issue #18: the exact ACL of `docs/operations.md` is
//! enough (the test reads it from there, so the two cannot drift), a user
//! missing any one permission is named at start, and a Redis Cluster is
//! refused at start with one line.

use std::time::Duration;

use super::redis_server::RedisServer;
use super::support::*;

const VICTIM: &str = "4f6a2c1e-0000-4000-8000-0000000f4001";

/// The rules of the `ACL SETUSER cognito-guard …` line of
/// `docs/operations.md`, without the user name and password.
fn documented_acl_rules() -> String {
    let operations = include_str!("../../../docs/operations.md");
    let line = operations
        .lines()
        .find(|line| line.starts_with("ACL SETUSER cognito-guard on >PASSWORD "))
        .expect("docs/operations.md lists the ACL");
    line.trim_start_matches("ACL SETUSER cognito-guard on >PASSWORD ")
        .to_owned()
}

#[actix_rt::test]
async fn the_documented_acl_is_all_an_instance_needs() {
    let redis = RedisServer::start();
    redis.set_user("cg", &format!("on >cg-pw {}", documented_acl_rules()));
    let url = redis.url_as("cg", "cg-pw");
    let a = crate::common::helpers::spawn_app_with(&[
        ("REDIS_URL", url.as_str()),
        ("REVOCATION_SPOOL", spool_path().as_str()),
    ])
    .await;
    let b = crate::common::helpers::spawn_app_with(&[
        ("REDIS_URL", url.as_str()),
        ("REVOCATION_SPOOL", spool_path().as_str()),
    ])
    .await;
    let victim = token_of(VICTIM);
    assert_eq!(status(&a, &victim).await, 200);
    delete(&a, VICTIM, 204).await;
    assert!(all_answer(&[&b], &victim, 401, Duration::from_secs(2)).await);
    for app in [&a, &b] {
        assert!(store_up_reaches(app, 1.0, Duration::from_secs(5)).await);
    }
    assert!(redis_holds(&redis, "cognito-guard", VICTIM));
    // Audits (HLEN) and a new instance's full read (HSCAN) work too.
    assert_eq!(redis.command(&["FLUSHALL"]), "+OK");
    assert!(
        crate::common::helpers::wait_until(Duration::from_secs(15), || redis_holds(
            &redis,
            "cognito-guard",
            VICTIM
        ))
        .await
    );
    let fresh = crate::common::helpers::spawn_app_with(&[
        ("REDIS_URL", url.as_str()),
        ("REVOCATION_SPOOL", spool_path().as_str()),
    ])
    .await;
    assert_eq!(status(&fresh, &victim).await, 401);
}

#[test]
fn a_user_missing_one_permission_is_told_which_at_start() {
    let redis = RedisServer::start();
    for command in [
        "hset",
        "hget",
        "hdel",
        "hlen",
        "hscan",
        "expireat",
        "publish",
        "evalsha",
        "info",
        "subscribe",
    ] {
        redis.set_user(
            "cg",
            &format!("reset on >cg-pw {} -{command}", documented_acl_rules()),
        );
        let url = redis.url_as("cg", "cg-pw");
        let (code, stderr) = run_to_exit(&[("REDIS_URL", url.as_str())]);
        assert_eq!(code, 2, "{command}: {stderr}");
        the_error_line(&stderr);
        assert!(stderr.contains("REDIS_URL"), "{command}: {stderr}");
        assert!(
            stderr.contains(&format!("may not run `{command}`")),
            "{command}: {stderr}"
        );
        assert!(!stderr.contains("cg-pw"), "{stderr}");
    }
    redis.set_user(
        "cg",
        &format!("reset on >cg-pw {} -script|load", documented_acl_rules()),
    );
    let (code, stderr) = run_to_exit(&[("REDIS_URL", redis.url_as("cg", "cg-pw").as_str())]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("may not run `script|load`"), "{stderr}");
}

#[test]
fn a_redis_cluster_is_refused_at_start_with_one_line() {
    let dir = temp_dir("cluster");
    let nodes = dir.join("nodes.conf").display().to_string();
    let redis = RedisServer::start_with_args(&[
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        &nodes,
    ]);
    let (code, stderr) = run_to_exit(&[("REDIS_URL", redis.url().as_str())]);
    assert_eq!(code, 2, "{stderr}");
    the_error_line(&stderr);
    assert!(stderr.contains("REDIS_URL"), "{stderr}");
    assert!(stderr.contains("Redis Cluster"), "{stderr}");
}
