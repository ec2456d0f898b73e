//! `SIGHUP` to the real binary: it reloads at once and keeps serving (the
//! signal's default would end the process), and a client asking across
//! rules while the file flips between two versions a hundred times gets
//! only answers one of the two versions gives.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{rules, write_then_rename, PATIENCE};
use crate::common::binary::temp_dir;
use crate::common::guard_process::{test_pool_vars, GuardProcess};
use crate::common::helpers::*;

/// Two versions of the same paths: `/a` is public in `one` and closed in
/// `two`, `/b` the other way round; `/c` is public in both, under a rule
/// named after the version.
fn version(n: u8) -> String {
    let (open, closed) = if n == 1 { ("a", "b") } else { ("b", "a") };
    format!(
        "[forward_auth]\ngateway = \"nginx\"\n\n\
         [[rule]]\nname = \"{open}-open\"\npath = \"/{open}\"\nallow = \"public\"\n\n\
         [[rule]]\nname = \"{closed}-closed\"\npath = \"/{closed}\"\nallow = \"deny\"\n\n\
         [[rule]]\nname = \"c-{n}\"\npath = \"/c\"\nallow = \"public\"\n"
    )
}

/// Every answer of either version to an anonymous `GET path`.
fn answers_of_either(path: &str) -> [(u16, &'static str); 2] {
    match path {
        "/a" => [(200, "a-open"), (403, "")],
        "/b" => [(403, ""), (200, "b-open")],
        _ => [(200, "c-1"), (200, "c-2")],
    }
}

/// One anonymous question to `/auth`, on a blocking client: the status and
/// the deciding rule.
fn ask(port: u16, path: &str) -> (u16, String) {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let request = format!(
        "GET /auth HTTP/1.1\r\nHost: guard\r\nX-Original-Method: GET\r\nX-Original-URI: {path}\r\nConnection: close\r\n\r\n"
    );
    std::io::Write::write_all(&mut stream, request.as_bytes()).expect("send");
    let mut answer = String::new();
    std::io::Read::read_to_string(&mut stream, &mut answer).expect("read");
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let rule = answer
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("x-auth-request-rule")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_default();
    (status, rule)
}

/// The generation `/readyz` says serves.
fn generation(port: u16) -> u64 {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    std::io::Write::write_all(
        &mut stream,
        b"GET /readyz HTTP/1.1\r\nHost: guard\r\nConnection: close\r\n\r\n",
    )
    .expect("send");
    let mut answer = String::new();
    std::io::Read::read_to_string(&mut stream, &mut answer).expect("read");
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    let json: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    json["config"]["generation"].as_u64().unwrap_or(0)
}

/// Waits (blocking) until generation `at_least` serves.
fn wait_for_generation(port: u16, at_least: u64) -> bool {
    let deadline = Instant::now() + PATIENCE;
    while Instant::now() < deadline {
        if generation(port) >= at_least {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

/// The binary with the rules `file`, and the JWKS server it fetches from.
fn start(file: &std::path::Path) -> (GuardProcess, JwksServer) {
    let jwks = JwksServer::start(vec![trusted_key().jwk()], JwksMode::Serve);
    let vars = test_pool_vars(jwks.url());
    (GuardProcess::start(file, &vars), jwks)
}

/// Runs the blocking `test` against the binary with the rules `text`,
/// while this thread's runtime serves the JWKS.
async fn with_binary(text: String, test: impl FnOnce(GuardProcess) + Send + 'static) {
    let file = temp_dir("reload").join("guard.toml");
    std::fs::write(&file, text).expect("write");
    let (guard, _jwks) = start(&file);
    actix_rt::task::spawn_blocking(move || test(guard))
        .await
        .expect("the test passed");
}

#[actix_rt::test]
async fn sighup_reloads_at_once_and_the_process_keeps_serving() {
    with_binary(rules("before"), sighup_reloads).await;
}

fn sighup_reloads(mut guard: GuardProcess) {
    assert_eq!(ask(guard.port, "/before"), (200, "before".into()));
    // Unchanged content: the file watcher has nothing to reload, so a new
    // generation can only be the signal's.
    guard.hang_up();
    assert!(wait_for_generation(guard.port, 2), "{}", guard.log());
    assert!(guard.is_running(), "SIGHUP ended the process");
    assert!(
        guard.log().contains(
            "configuration reloaded (SIGHUP): generation 2 serves: 1 rule(s), 0 assertion key(s)"
        ),
        "{}",
        guard.log()
    );
    assert_eq!(ask(guard.port, "/before"), (200, "before".into()));
}

#[actix_rt::test]
async fn under_load_every_answer_is_one_that_a_whole_version_gives() {
    with_binary(version(1), flips_under_load).await;
}

fn flips_under_load(guard: GuardProcess) {
    let file = guard.config().to_path_buf();
    let port = guard.port;
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..2)
        .map(|_| {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut asked = 0u32;
                while !stop.load(Ordering::Relaxed) {
                    for path in ["/a", "/b", "/c"] {
                        let (status, rule) = ask(port, path);
                        let either = answers_of_either(path);
                        assert!(
                            either.iter().any(|(s, r)| *s == status && *r == rule),
                            "{path}: {status} {rule:?} is neither version's answer"
                        );
                        asked += 1;
                    }
                }
                asked
            })
        })
        .collect();
    let mut expected = 1;
    for flip in 0..100u8 {
        // Renamed over: a reload (the watcher's, or a signal's still
        // queued) reads one whole version, never a write caught halfway.
        write_then_rename(&file, &version(flip % 2 + 1));
        guard.hang_up();
        expected += 1;
        assert!(wait_for_generation(port, expected), "{}", guard.log());
        // The watcher may reload the same change again: count from now.
        expected = generation(port);
    }
    stop.store(true, Ordering::Relaxed);
    let asked: u32 = clients
        .into_iter()
        .map(|client| client.join().expect("every answer was a version's"))
        .sum();
    assert!(asked > 100, "the clients asked during the flips: {asked}");
    assert!(
        !guard.log().contains("configuration reload ("),
        "no reload was refused:\n{}",
        guard.log()
    );
}
