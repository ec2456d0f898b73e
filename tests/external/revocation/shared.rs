//! Several instances sharing one revocation list on a real Redis: a
//! revocation made through any of them is enforced by all within a second,
//! survives restarts of the instances, and is not lost when Redis is down or
//! comes back empty. Valid tokens stay 200 throughout.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

use super::redis_server::RedisServer;
use super::support::{admin, all_answer, gauge, instance, redis_holds, status, temp_dir};
use crate::common::helpers::*;

const VICTIM: &str = "4f6a2c1e-0000-4000-8000-00000000r001";
const EARLIER: &str = "4f6a2c1e-0000-4000-8000-00000000r002";

fn victim() -> String {
    id_token(VICTIM, Some("v@example.com"), &[])
}

#[actix_rt::test]
async fn a_deletion_through_one_instance_is_enforced_by_every_other_within_a_second() {
    let redis = RedisServer::start();
    let (a, b, c) = (
        instance(&redis).await,
        instance(&redis).await,
        instance(&redis).await,
    );
    let victim = victim();
    for app in [&a, &b, &c] {
        // Cached on every instance, so only the revocation can refuse it.
        assert_eq!(status(app, &victim).await, 200);
        assert_eq!(status(app, &victim).await, 200);
    }

    assert_eq!(
        a.request("DELETE", &format!("/users/{VICTIM}"), Some(&admin()))
            .await
            .status,
        204
    );
    let started = Instant::now();

    assert_eq!(status(&a, &victim).await, 401, "at once where it was made");
    assert!(
        all_answer(&[&b, &c], &victim, 401, Duration::from_secs(1)).await,
        "not enforced everywhere within 1 s"
    );
    eprintln!(
        "deletion enforced on the other instances after {:?}",
        started.elapsed()
    );
    for app in [&a, &b, &c] {
        assert_eq!(status(app, &admin()).await, 200, "others unaffected");
    }
    // In Redis: one field of the bucket of its expiry (the longest token
    // lifetime from now), a hash that expires at the end of that hour.
    let keys = redis.command(&["KEYS", "cognito-guard:revoked:*"]);
    assert_eq!(keys.lines().count(), 1, "{keys}");
    let value = redis.command(&["HGET", &keys, VICTIM]);
    let until: u64 = value
        .strip_prefix("D:0:")
        .and_then(|until| until.parse().ok())
        .unwrap_or_else(|| panic!("{value}"));
    assert!(
        (now() + 86_390..=now() + 86_400).contains(&until),
        "{value}"
    );
    let ttl: u64 = redis
        .command(&["TTL", &keys])
        .trim_start_matches(':')
        .parse()
        .unwrap_or(0);
    assert!((86_390..=86_400 + 3_600).contains(&ttl), "TTL {ttl}");
    let lag = gauge(
        &b.get_text("/metrics").await,
        "cognito_guard_revocation_sync_lag_seconds",
    );
    assert!(lag.is_some_and(|lag| lag < 1.0), "{lag:?}");

    // A restarted (or brand-new) instance learns it at start.
    let d = instance(&redis).await;
    assert_eq!(status(&d, &victim).await, 401);
    assert_eq!(status(&d, &admin()).await, 200);
}

#[actix_rt::test]
async fn a_sign_out_through_one_instance_refuses_older_tokens_everywhere() {
    let redis = RedisServer::start();
    let (a, b) = (instance(&redis).await, instance(&redis).await);
    let before = victim();
    assert_eq!(status(&a, &before).await, 200);
    assert_eq!(status(&b, &before).await, 200);

    let signed_out = a
        .request("POST", &format!("/users/{VICTIM}/sign-out"), Some(&admin()))
        .await;
    assert_eq!(signed_out.status, 204, "{}", signed_out.body);

    assert!(all_answer(&[&a, &b], &before, 401, Duration::from_secs(1)).await);
    let mut later = id_claims(VICTIM, Some("v@example.com"), &[]);
    later["iat"] = json!(now() + 2);
    let after = sign(&later, trusted_key());
    assert_eq!(status(&a, &after).await, 200, "signed in again");
    assert_eq!(status(&b, &after).await, 200, "signed in again");
    let fresh = instance(&redis).await;
    assert_eq!(status(&fresh, &before).await, 401);
    assert_eq!(status(&fresh, &after).await, 200);
}

#[actix_rt::test]
async fn a_redis_outage_and_an_empty_restart_lose_no_revocation() {
    let mut redis = RedisServer::start();
    let (a, b, c) = (
        instance(&redis).await,
        instance(&redis).await,
        instance(&redis).await,
    );
    let victim = victim();
    let valid = id_token("sub-steady", None, &[]);
    assert_eq!(status(&a, &victim).await, 200);
    // One revocation made before the outage: only the instances' memory
    // will hold it once Redis restarts empty.
    let earlier = id_token(EARLIER, None, &[]);
    assert_eq!(status(&b, &earlier).await, 200);
    let path = format!("/users/{EARLIER}");
    assert_eq!(b.request("DELETE", &path, Some(&admin())).await.status, 204);
    assert!(all_answer(&[&a, &b, &c], &earlier, 401, Duration::from_secs(1)).await);

    redis.stop();
    let down = async {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let text = a.get_text("/metrics").await;
            if gauge(&text, "cognito_guard_revocation_store_up") == Some(0.0) {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            actix_rt::time::sleep(Duration::from_millis(50)).await;
        }
    };
    assert!(down.await, "the outage shows in /metrics");

    // Meanwhile: the deletion takes effect here at once, nobody waits, and
    // valid tokens keep working on every instance.
    let started = Instant::now();
    let deleted = a
        .request("DELETE", &format!("/users/{VICTIM}"), Some(&admin()))
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(status(&a, &victim).await, 401);
    for app in [&a, &b, &c] {
        let started = Instant::now();
        assert_eq!(status(app, &valid).await, 200);
        assert!(started.elapsed() < Duration::from_millis(500));
    }

    // Redis returns with nothing: the instances write back what they hold.
    redis.restart();
    assert!(
        all_answer(&[&b, &c], &victim, 401, Duration::from_secs(10)).await,
        "the revocation made during the outage reached the others"
    );
    let fresh = instance(&redis).await;
    assert_eq!(
        status(&fresh, &victim).await,
        401,
        "a new instance learns it"
    );
    assert_eq!(
        status(&fresh, &earlier).await,
        401,
        "and the one the empty Redis lost, written back by the others"
    );
    for app in [&a, &b, &c, &fresh] {
        assert_eq!(status(app, &valid).await, 200);
        let text = app.get_text("/metrics").await;
        assert_eq!(gauge(&text, "cognito_guard_revocation_store_up"), Some(1.0));
    }
}

/// Runs the binary at debug level with `vars` until its log says `expect`
/// (10 s at most), then stops it: whether it did, and the whole log.
async fn run_until_logged(
    jwks: &JwksServer,
    vars: &[(&str, &str)],
    expect: &str,
) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cognito-guard"))
        .current_dir(temp_dir("logged"))
        .env_clear()
        .envs(base_vars(&jwks.url()))
        .envs(vars.iter().copied())
        .env("RUST_LOG", "debug")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    let log = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&log);
    let stderr = child.stderr.take().expect("stderr");
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Ok(mut log) = sink.lock() {
                log.push_str(&line);
                log.push('\n');
            }
        }
    });
    let seen = || log.lock().map(|l| l.contains(expect)).unwrap_or(false);
    let found = wait_until(Duration::from_secs(10), seen).await;
    let _ = child.kill();
    let _ = child.wait();
    let text = log.lock().map(|l| l.clone()).unwrap_or_default();
    (found, text)
}

/// The binary with a password in `REDIS_URL`, at debug level: it connects,
/// and the password appears in no log line, nor when Redis refuses it.
#[actix_rt::test]
async fn the_redis_password_never_reaches_the_log() {
    let password = "s3cret-redis-pw";
    let redis = RedisServer::start_with_password(Some(password));
    let jwks = JwksServer::start(vec![trusted_key().jwk()], JwksMode::Serve);
    let wrong = redis.url().replace(password, "wrong-redis-pw");
    for (url, expect) in [
        (
            redis.url(),
            "revocations shared through Redis at redis://127.0.0.1",
        ),
        (wrong, "Redis at redis://127.0.0.1"),
    ] {
        let (found, text) = run_until_logged(&jwks, &[("REDIS_URL", url.as_str())], expect).await;
        assert!(found, "{expect:?} not logged:\n{text}");
        assert!(
            !text.contains("redis-pw"),
            "a Redis password was logged:\n{text}"
        );
    }
}

/// `rediss://` with an ACL user, as managed Redis with in-transit encryption
/// requires: the binary connects over TLS (trusting the test CA through
/// `SSL_CERT_FILE`, as it would the system's roots) and logs no password.
#[actix_rt::test]
async fn rediss_with_an_acl_user_connects_and_hides_the_password() {
    let dir = std::env::temp_dir().join(format!("cognito-guard-redis-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let password = "tls-redis-pw";
    let (redis, ca) = RedisServer::start_tls_acl(&dir, "cognito-guard", password);
    let jwks = JwksServer::start(vec![trusted_key().jwk()], JwksMode::Serve);
    let url = format!(
        "rediss://cognito-guard:{password}@localhost:{}/",
        redis.port
    );

    let expect = format!(
        "revocations shared through Redis at rediss://localhost:{}",
        redis.port
    );
    let ca = ca.display().to_string();
    let vars = [("REDIS_URL", url.as_str()), ("SSL_CERT_FILE", ca.as_str())];
    let (found, text) = run_until_logged(&jwks, &vars, &expect).await;
    assert!(found, "no TLS connection:\n{text}");
    assert!(!text.contains(password), "the password was logged:\n{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Entries that are not ours (out of range, not UTF-8, another type, in a
/// bucket or beside them) are skipped: they cannot stop the sync, so
/// revocations keep flowing.
#[actix_rt::test]
async fn bogus_entries_in_redis_do_not_stop_the_sync() {
    let redis = RedisServer::start();
    let bucket = format!("cognito-guard:revoked:{}", (now() + 86_400) / 3_600);
    for (field, value) in [
        ("far", "D:0:99999999999999999"),
        ("huge", "D:0:18446744073709551615"),
        ("odd", "S:5:4"),
        ("junk", "not a revocation"),
    ] {
        assert_eq!(redis.command(&["HSET", &bucket, field, value]), ":1");
    }
    assert_eq!(
        redis.command(&["SET", "cognito-guard:revoked:string", "D:0:1"]),
        "+OK"
    );
    let (a, b) = (instance(&redis).await, instance(&redis).await);
    let victim = victim();
    assert_eq!(status(&a, &victim).await, 200);
    assert_eq!(status(&b, &victim).await, 200);

    let path = format!("/users/{VICTIM}");
    assert_eq!(a.request("DELETE", &path, Some(&admin())).await.status, 204);

    assert!(
        all_answer(&[&b], &victim, 401, Duration::from_secs(1)).await,
        "the deletion still reached the other instance"
    );
    for app in [&a, &b] {
        let text = app.get_text("/metrics").await;
        assert_eq!(gauge(&text, "cognito_guard_revocation_store_up"), Some(1.0));
        // Only the real revocation is held, none of the bogus ones.
        assert_eq!(gauge(&text, "cognito_guard_revocations"), Some(1.0));
    }
}

/// Redis losing its keys without dropping a connection (a flush, eviction)
/// is noticed within one PING interval and the list is written back.
#[actix_rt::test]
async fn a_flushed_redis_is_refilled_without_a_reconnect() {
    let redis = RedisServer::start();
    let a = instance(&redis).await;
    let victim = victim();
    assert_eq!(status(&a, &victim).await, 200);
    let path = format!("/users/{VICTIM}");
    assert_eq!(a.request("DELETE", &path, Some(&admin())).await.status, 204);
    assert!(
        wait_until(Duration::from_secs(1), || redis_holds(
            &redis,
            "cognito-guard",
            VICTIM
        ))
        .await
    );

    assert_eq!(redis.command(&["FLUSHALL"]), "+OK");

    assert!(
        wait_until(Duration::from_secs(12), || redis_holds(
            &redis,
            "cognito-guard",
            VICTIM
        ))
        .await,
        "written back after the flush"
    );
    let fresh = instance(&redis).await;
    assert_eq!(status(&fresh, &victim).await, 401);
}

/// An instance started while Redis is down does not know the revocations
/// made elsewhere, so it is not ready (no traffic from a load balancer)
/// until it has been in step with Redis once.
#[actix_rt::test]
async fn an_instance_started_during_an_outage_is_not_ready_until_synced() {
    let mut redis = RedisServer::start();
    let a = instance(&redis).await;
    let victim = victim();
    assert_eq!(status(&a, &victim).await, 200);
    let path = format!("/users/{VICTIM}");
    assert_eq!(a.request("DELETE", &path, Some(&admin())).await.status, 204);
    redis.stop();

    let late = instance(&redis).await;
    let not_ready = late.get("/readyz", None).await;
    assert_eq!(not_ready.status, 503, "{}", not_ready.body);
    assert!(not_ready.detail().contains("Redis"), "{}", not_ready.body);

    redis.restart();
    assert!(
        late.wait_for_status("/readyz", None, 200, Duration::from_secs(10))
            .await
    );
    // Learnt once the others write back what the empty Redis lost.
    assert!(all_answer(&[&late], &victim, 401, Duration::from_secs(5)).await);
}
