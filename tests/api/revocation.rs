//! Revocation settings that stop the start with one line (exit 2), before
//! any Redis is reached (issue #18): a spool file (`REVOCATION_SPOOL`) that
//! is not one, is damaged or is in use by another process, untouched; a key
//! prefix that is not a plain name. (The shared list itself, on a real
//! Redis: `tests/external`.)

use std::time::Duration;

use crate::common::binary::{run_to_exit, temp_dir, the_error_line};

const VICTIM: &str = "4f6a2c1e-0000-4000-8000-0000000f6001";

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
    let until = crate::common::helpers::now() + 3_600;
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

/// A prefix that is not a plain name stops the start, naming the variable.
#[test]
fn a_key_prefix_with_wildcards_stops_the_start() {
    let (code, stderr) = run_to_exit(&[
        ("REDIS_URL", "redis://127.0.0.1:9/"),
        ("REDIS_KEY_PREFIX", "cg-*"),
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("REDIS_KEY_PREFIX"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}
