//! Finding 6 of issue #18: the spool file (`REVOCATION_SPOOL`). The real
//! binary, its admin routes on the SigV4 Cognito stand-in, is restarted
//! while Redis is down: it still refuses the user it deleted, and stores
//! the revocation once Redis returns, empty. A spool that is not one, or is
//! damaged, stops the start with one line (exit 2), untouched.

use std::time::Duration;

use serde_json::json;

use crate::helpers::wait_until;
use crate::idp_standin::{IdpStandIn, ACCESS_KEY, SECRET_KEY};
use crate::redis_server::RedisServer;
use crate::revocation_support::*;

const VICTIM: &str = "4f6a2c1e-0000-4000-8000-0000000f6001";

#[actix_rt::test]
async fn an_instance_restarted_during_an_outage_still_refuses_and_later_stores() {
    let idp = IdpStandIn::start(&json!([
        {"username": "victim", "sub": VICTIM, "email": "v@example.com", "groups": []}
    ]));
    let mut redis = RedisServer::start();
    let spool = spool_path();
    let (url, endpoint) = (redis.url(), idp.endpoint("/"));
    let mut a = Binary::start(&[
        ("REDIS_URL", url.as_str()),
        ("REVOCATION_SPOOL", spool.as_str()),
        ("COGNITO_IDP_ENDPOINT", endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
    ])
    .await;
    let victim = token_of(VICTIM);
    assert_eq!(status(a.app(), &victim).await, 200);

    redis.stop();
    assert!(store_up_reaches(a.app(), 0.0, Duration::from_secs(15)).await);
    delete(a.app(), VICTIM, 204).await;
    assert_eq!(status(a.app(), &victim).await, 401);
    let spooled = || std::fs::read_to_string(&spool).is_ok_and(|text| text.contains(VICTIM));
    assert!(wait_until(Duration::from_secs(5), spooled).await, "spooled");

    a.restart().await;
    assert_eq!(
        status(a.app(), &victim).await,
        401,
        "read back from the spool at start:\n{}",
        a.log()
    );

    redis.restart();
    assert!(
        wait_until(Duration::from_secs(15), || redis_holds(
            &redis,
            "cognito-guard",
            VICTIM
        ))
        .await,
        "stored in the empty Redis once it returned:\n{}",
        a.log()
    );
    assert!(
        wait_until(Duration::from_secs(5), || !spooled()).await,
        "and gone from the spool"
    );
    let fresh = instance(&redis).await;
    assert_eq!(status(&fresh, &victim).await, 401);
    assert!(
        a.log().contains("1 revocations read back from"),
        "{}",
        a.log()
    );
}

fn exits_naming_the_spool(spool: &std::path::Path, expect: &str) {
    let path = spool.display().to_string();
    let before = std::fs::read(spool).expect("spool");
    let (code, stderr) = run_to_exit(&[
        ("REDIS_URL", "redis://127.0.0.1:9/"),
        ("REVOCATION_SPOOL", path.as_str()),
    ]);
    assert_eq!(code, 2, "{stderr}");
    the_error_line(&stderr);
    assert!(stderr.contains("REVOCATION_SPOOL"), "{stderr}");
    assert!(stderr.contains(&path), "{stderr}");
    assert!(stderr.contains(expect), "{expect}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        std::fs::read(spool).expect("spool"),
        before,
        "left untouched"
    );
}

#[test]
fn a_foreign_spool_file_stops_the_start_untouched() {
    let spool = temp_dir("foreign").join("spool");
    std::fs::write(&spool, "#!/bin/sh\necho not a spool\n").expect("written");
    exits_naming_the_spool(&spool, "not a cognito-guard revocation spool");
}

#[test]
fn a_damaged_spool_file_stops_the_start_naming_the_line() {
    let spool = temp_dir("damaged").join("spool");
    let until = crate::helpers::now() + 3_600;
    std::fs::write(
        &spool,
        format!("cognito-guard revocation spool v1\n12345678 D:0:{until} {VICTIM}\n"),
    )
    .expect("written");
    exits_naming_the_spool(&spool, "line 2 is damaged");
}

/// Two processes on one spool would overwrite each other's revocations.
#[test]
fn a_spool_in_use_by_another_process_stops_the_start() {
    let spool = temp_dir("shared").join("spool").display().to_string();
    let vars = [
        ("REDIS_URL", "redis://127.0.0.1:9/"),
        ("REVOCATION_SPOOL", spool.as_str()),
    ];
    let first = std::thread::spawn({
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move || {
            let vars: Vec<(&str, &str)> =
                vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            run_to_exit(&vars)
        }
    });
    // The first holds the lock for as long as it runs (10 s here).
    let lock = format!("{spool}.lock");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !std::path::Path::new(&lock).exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the first never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // (Created and locked in one step: µs apart.)
    let (code, stderr) = run_to_exit(&vars);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("in use by another process"), "{stderr}");
    let (first_code, first_log) = first.join().expect("first");
    assert_eq!(first_code, -1, "the first kept serving: {first_log}");
}
