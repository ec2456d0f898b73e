//! The binary as an operator runs it: start-up errors and what it logs.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::binary::run_briefly;
use crate::common::helpers::*;

fn empty_dir(name: &str) -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("cognito-guard-test-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Runs the binary with exactly these variables; one that is still serving
/// after a few seconds (it accepted the settings) is stopped, status -1.
fn run_with(vars: &[(&str, &str)]) -> (i32, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cognito-guard"));
    command
        .current_dir(empty_dir("config"))
        .env_clear()
        .envs(vars.iter().copied());
    run_briefly(command)
}

/// Settings that would start a server, without reaching out to AWS.
const GOOD_LOCAL: [(&str, &str); 5] = [
    ("AWS_REGION", REGION),
    ("COGNITO_USER_POOL_ID", POOL_ID),
    ("COGNITO_CLIENT_ID", CLIENT_ID),
    (
        "COGNITO_JWKS_URL",
        "http://127.0.0.1:9/.well-known/jwks.json",
    ),
    ("PORT", "0"),
];

const GOOD: [(&str, &str); 3] = [
    ("AWS_REGION", REGION),
    ("COGNITO_USER_POOL_ID", POOL_ID),
    ("COGNITO_CLIENT_ID", CLIENT_ID),
];

#[test]
fn a_missing_setting_stops_the_process_with_its_name() {
    for missing in ["AWS_REGION", "COGNITO_USER_POOL_ID", "COGNITO_CLIENT_ID"] {
        let vars: Vec<_> = GOOD
            .iter()
            .copied()
            .filter(|(k, _)| *k != missing)
            .collect();
        let (code, stderr) = run_with(&vars);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains(missing), "{missing}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "one clear line: {stderr}");
        assert!(!stderr.contains("panicked"));
    }
}

#[test]
fn a_malformed_setting_stops_the_process_with_its_name() {
    for (var, value) in [
        ("PORT", "http"),
        ("AUTH_LEEWAY_SECS", "-3"),
        ("COGNITO_TOKEN_USE", "both"),
    ] {
        let mut vars = GOOD.to_vec();
        vars.push((var, value));
        let (code, stderr) = run_with(&vars);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains(var), "{var}: {stderr}");
        assert!(!stderr.contains("panicked"));
    }
}

#[actix_rt::test]
async fn tokens_never_reach_the_log_even_at_debug() {
    let jwks = JwksServer::start(vec![trusted_key().jwk()], JwksMode::Serve);
    let url = jwks.url();
    let mut vars = GOOD.to_vec();
    vars.extend([
        ("COGNITO_JWKS_URL", url.as_str()),
        ("PORT", "0"),
        ("RUST_LOG", "debug"),
    ]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_cognito-guard"))
        .current_dir(empty_dir("logs"))
        .env_clear()
        .envs(vars)
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let log = Arc::new(Mutex::new(String::new()));
    let stderr = child.stderr.take().expect("stderr");
    let sink = Arc::clone(&log);
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Ok(mut log) = sink.lock() {
                log.push_str(&line);
                log.push('\n');
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let port = loop {
        let text = log.lock().map(|l| l.clone()).unwrap_or_default();
        if let Some(rest) = text.split("listening on 127.0.0.1:").nth(1) {
            break rest
                .chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>();
        }
        assert!(Instant::now() < deadline, "server did not start: {text}");
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    };
    let client = patient_client();
    let base = format!("http://127.0.0.1:{port}");
    let valid = id_token("sub-log", Some("log@example.com"), &["admin"]);
    let forged = sign(&id_claims("sub-log", None, &[]), rogue_key());
    for token in [&valid, &forged] {
        for path in ["/messages/private", "/messages/feed", "/users/sub-other"] {
            let _ = client
                .get(format!("{base}{path}?access_token={token}"))
                .insert_header(("Authorization", format!("Bearer {token}")))
                .insert_header(("Referer", format!("https://app.example/?t={token}")))
                .send()
                .await;
        }
    }
    let status = client
        .get(format!("{base}/messages/private"))
        .insert_header(("Authorization", format!("Bearer {valid}")))
        .send()
        .await
        .expect("answers")
        .status();
    assert_eq!(status, 200, "the logged server accepts valid tokens");
    // Every request above has its access-log line (6 in the loop, then 1).
    let logged = || {
        log.lock()
            .map(|l| l.matches("\"GET /").count() >= 7)
            .unwrap_or(false)
    };
    assert!(wait_until(Duration::from_secs(5), logged).await);
    let _ = child.kill();
    let _ = child.wait();

    let text = log.lock().map(|l| l.clone()).unwrap_or_default();
    assert!(
        text.contains("/messages/private"),
        "access log present: {text}"
    );
    for token in [&valid, &forged] {
        for part in token.split('.') {
            assert!(!text.contains(part), "a token segment was logged:\n{text}");
        }
    }
}

#[test]
fn a_non_utf8_setting_is_reported_as_invalid_not_missing() {
    use std::os::unix::ffi::OsStrExt as _;
    let mut command = Command::new(env!("CARGO_BIN_EXE_cognito-guard"));
    command
        .current_dir(empty_dir("non-utf8"))
        .env_clear()
        .envs(GOOD_LOCAL.iter().copied())
        .env(
            "COGNITO_CLIENT_ID",
            std::ffi::OsStr::from_bytes(b"client\xff"),
        );
    let (code, stderr) = run_briefly(command);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("COGNITO_CLIENT_ID is invalid"),
        "named as invalid: {stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "one clear line: {stderr}");
}

#[test]
fn settings_that_would_refuse_every_token_stop_the_process() {
    let dev_issuer = cognito_guard::dev::DEV_ISSUER;
    let slash_issuer = format!("{ISSUER}/");
    for (var, value) in [
        ("JWKS_MIN_REFETCH_SECS", "0"),
        ("COGNITO_ISSUER", slash_issuer.as_str()),
        ("COGNITO_ISSUER", dev_issuer),
    ] {
        let mut vars = GOOD_LOCAL.to_vec();
        vars.push((var, value));
        let (code, stderr) = run_with(&vars);
        assert_eq!(code, 2, "{var}={value}: {stderr}");
        assert!(stderr.contains(var), "{var}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "one clear line: {stderr}");
    }
}

#[test]
fn a_malformed_metrics_addr_stops_the_process_with_its_name() {
    for value in ["9090", "127.0.0.1", "127.0.0.1:http", ":9090", "::1:9090"] {
        let mut vars = GOOD_LOCAL.to_vec();
        vars.push(("METRICS_ADDR", value));
        let (code, stderr) = run_with(&vars);
        assert_eq!(code, 2, "{value}: {stderr}");
        assert!(stderr.contains("METRICS_ADDR"), "{value}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "one clear line: {stderr}");
    }
}

#[test]
fn a_metrics_addr_that_cannot_be_bound_stops_the_process_with_its_name() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let mut vars = GOOD_LOCAL.to_vec();
    vars.push(("METRICS_ADDR", addr.as_str()));
    let (code, stderr) = run_with(&vars);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("METRICS_ADDR"), "{stderr}");
}

#[test]
fn a_malformed_cors_origin_stops_the_process_with_its_name() {
    for value in [
        "*",
        "https://app.example.com/",
        "app.example.com",
        "https://a.example.com,,https://b.example.com",
        // Issue #17, finding 7: IP hosts browsers never send as written.
        "http://127.1:3000",
        "http://[0:0:0:0:0:0:0:1]:8080",
    ] {
        let mut vars = GOOD_LOCAL.to_vec();
        vars.push(("CORS_ALLOWED_ORIGINS", value));
        let (code, stderr) = run_with(&vars);
        assert_eq!(code, 2, "{value}: {stderr}");
        assert!(stderr.contains("CORS_ALLOWED_ORIGINS"), "{value}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "one clear line: {stderr}");
    }
}

#[test]
fn a_bad_guard_config_stops_the_process_naming_file_line_and_key() {
    let dir = empty_dir("guard-config");
    let file = dir.join("guard.toml");
    std::fs::write(
        &file,
        "[forward_auth]\ngateway = \"nginx\"\n\n[[rule]]\npath = \"/api/**\"\nmethods = [\"GET\", \"FETCH\"]\n",
    )
    .expect("rules file");
    let path = file.to_str().expect("utf-8 path");
    let mut vars = GOOD_LOCAL.to_vec();
    vars.push(("GUARD_CONFIG", path));
    let (code, stderr) = run_with(&vars);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(&format!("{path}:6: rule.methods: ")),
        "file:line: key in {stderr}"
    );
    assert!(stderr.contains("FETCH"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one clear line: {stderr}");

    vars.pop();
    let missing = dir.join("absent.toml");
    let missing = missing.to_str().expect("utf-8 path");
    vars.push(("GUARD_CONFIG", missing));
    let (code, stderr) = run_with(&vars);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("GUARD_CONFIG") && stderr.contains(missing),
        "{stderr}"
    );
}

/// Issue #20: `[[pool]]` tables and a single-pool variable together, or
/// two pools of one name, stop the process with one line (exit 2).
#[test]
fn pool_tables_beside_pool_variables_or_named_twice_stop_the_process() {
    let dir = empty_dir("pools");
    let file = dir.join("guard.toml");
    let pool = "[[pool]]\nname = \"a\"\nregion = \"eu-west-1\"\nuser_pool_id = \"eu-west-1_AbCdEf123\"\nclient_ids = [\"c1\"]\njwks_url = \"http://127.0.0.1:9/.well-known/jwks.json\"\n";
    std::fs::write(&file, pool).expect("pools file");
    let path = file.to_str().expect("utf-8 path");
    let mut vars = GOOD_LOCAL.to_vec();
    vars.push(("GUARD_CONFIG", path));
    let (code, stderr) = run_with(&vars);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("AWS_REGION") && stderr.contains(&format!("{path}:1")),
        "the clash, named: {stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "one clear line: {stderr}");

    let twice = pool.replace("eu-west-1_AbCdEf123", "eu-west-1_Other1");
    std::fs::write(&file, format!("{pool}\n{twice}")).expect("pools file");
    let (code, stderr) = run_with(&[("GUARD_CONFIG", path), ("PORT", "0")]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(&format!("{path}:9: pool.name: ")),
        "file:line: key in {stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "one clear line: {stderr}");
}

/// Issue #17, finding 4: without AWS credentials the start-up warning names
/// every admin user route that will answer 503, sign-out included.
#[test]
fn the_no_credentials_warning_names_every_admin_user_route() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cognito-guard"))
        .current_dir(empty_dir("warning"))
        .env_clear()
        .envs(GOOD_LOCAL)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    let stderr = child.stderr.take().expect("stderr");
    // The warning comes before "listening on": read up to that line.
    let mut warning = None;
    for line in BufReader::new(stderr).lines().map_while(Result::ok) {
        if line.contains("no AWS credentials") {
            warning = Some(line);
        } else if line.contains("listening on") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let warning = warning.expect("a warning about missing AWS credentials");
    for route in [
        "GET and DELETE /users/{user_id}",
        "POST /users/{user_id}/sign-out",
    ] {
        assert!(warning.contains(route), "{route}: {warning}");
    }
}

/// Issue #17, finding 6: dev mode's loopback-only rule covers METRICS_ADDR.
#[test]
fn dev_mode_refuses_a_metrics_addr_off_loopback() {
    for value in ["0.0.0.0:9090", "[::]:9090"] {
        let (code, stderr) =
            run_with(&[("AUTH_MODE", "dev"), ("PORT", "0"), ("METRICS_ADDR", value)]);
        assert_eq!(code, 2, "{value}: {stderr}");
        assert!(stderr.contains("METRICS_ADDR"), "{value}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "one clear line: {stderr}");
    }
}
