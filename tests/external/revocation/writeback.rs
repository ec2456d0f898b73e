//! Finding 8 of issue #18: writing back a large list is pipelined and runs
//! beside the announcement loop, so a new revocation made meanwhile still
//! reaches the other instances within a second.

use std::time::{Duration, Instant};

use super::redis_server::RedisServer;
use super::support::*;
use crate::common::helpers::{now, wait_until};

const ENTRIES: usize = 20_000;
const NEWCOMER: &str = "4f6a2c1e-0000-4000-8000-0000000f8001";

#[actix_rt::test]
async fn a_large_write_back_is_quick_and_does_not_hold_up_announcements() {
    let redis = RedisServer::start();
    let until = now() + 80_000;
    let bucket = format!("cognito-guard:revoked:{}", until / 3_600);
    let value = format!("D:0:{until}");
    let subs: Vec<String> = (0..ENTRIES).map(|i| format!("bulk-{i:05}")).collect();
    let mut args = vec!["HSET", bucket.as_str()];
    for sub in &subs {
        args.push(sub);
        args.push(&value);
    }
    assert_eq!(redis.command(&args), format!(":{ENTRIES}"));
    let (a, b) = (instance(&redis).await, instance(&redis).await);
    for app in [&a, &b] {
        assert!(
            gauge_reaches(
                app,
                "cognito_guard_revocations",
                ENTRIES as f64,
                Duration::from_secs(20)
            )
            .await,
            "read the whole list at start"
        );
    }
    let newcomer = token_of(NEWCOMER);
    assert_eq!(status(&b, &newcomer).await, 200);

    assert_eq!(redis.command(&["FLUSHALL"]), "+OK");
    let flushed = Instant::now();
    // Once a write-back is under way, a revocation made through another
    // instance reaches the writing one at once.
    assert!(
        wait_until(Duration::from_secs(15), || redis_count(
            &redis,
            "cognito-guard"
        ) > 0)
        .await,
        "the loss was noticed"
    );
    let writing = Instant::now();
    delete(&a, NEWCOMER, 404).await;
    let deleted = Instant::now();
    // Reached within a second, or (on a machine too loaded for that) at
    // least before the write-back was over: it did not wait for it.
    let (reached, during) = loop {
        if status(&b, &newcomer).await == 401 {
            break (
                deleted.elapsed(),
                redis_count(&redis, "cognito-guard") < ENTRIES,
            );
        }
        assert!(deleted.elapsed() < Duration::from_secs(30), "never reached");
        actix_rt::time::sleep(Duration::from_millis(10)).await;
    };
    assert!(
        reached < Duration::from_secs(1) || during,
        "the new revocation waited for the write-back ({reached:?})"
    );
    assert!(
        wait_until(Duration::from_secs(30), || redis_count(
            &redis,
            "cognito-guard"
        ) == ENTRIES + 1)
        .await,
        "everything written back"
    );
    eprintln!(
        "write-back of {ENTRIES}: complete {:?} after the flush, {:?} after it started; a new \
         revocation reached the other instance after {reached:?}",
        flushed.elapsed(),
        writing.elapsed()
    );
}
