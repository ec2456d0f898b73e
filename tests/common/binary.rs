//! The real binary as an operator runs it, to the end: in a fresh directory,
//! until it exits (its status and stderr) or, still serving after 10 s, is
//! stopped; and the one line it gave for stopping.

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::helpers::base_vars;

/// A fresh directory of this test process.
pub fn temp_dir(tag: &str) -> std::path::PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "cognito-guard-{tag}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Runs `command` until it exits (its status and stderr) or, still serving
/// after 10 s, is stopped (status -1).
pub fn run_briefly(mut command: Command) -> (i32, String) {
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    let deadline = Instant::now() + Duration::from_secs(10);
    let code = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status.code().unwrap_or(-1);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break -1;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
    }
    (code, stderr)
}

/// Runs the binary with `vars` (in a directory of its own) until it exits
/// or 10 s pass (then it is killed: status -1); its exit status and log.
pub fn run_to_exit(vars: &[(&str, &str)]) -> (i32, String) {
    let jwks_url = "http://127.0.0.1:9/.well-known/jwks.json";
    let mut command = Command::new(env!("CARGO_BIN_EXE_cognito-guard"));
    command
        .current_dir(temp_dir("exit"))
        .env_clear()
        .envs(base_vars(jwks_url))
        .envs(vars.iter().copied());
    run_briefly(command)
}

/// The one line of `stderr` that is not a log record (`[time LEVEL …]`):
/// the reason the process gave for stopping.
pub fn the_error_line(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|line| !line.starts_with('[') && !line.trim().is_empty())
        .collect();
    assert_eq!(lines.len(), 1, "one line of reason: {stderr}");
    lines[0].to_owned()
}
