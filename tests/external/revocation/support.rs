//! What the revocation tests share: instances on a Redis (each with a spool
//! file of its own), the real binary started and restarted with a captured
//! log, and the checks they wait on (never fixed sleeps).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

use super::redis_server::RedisServer;
pub use crate::common::binary::{run_to_exit, temp_dir, the_error_line};
use crate::common::helpers::*;

/// A spool path of its own (instances never share one).
pub fn spool_path() -> String {
    temp_dir("spool").join("spool").display().to_string()
}

/// An in-process instance on `redis`, with its own spool.
pub async fn instance(redis: &RedisServer) -> TestApp {
    instance_with(redis, &[]).await
}

/// As [`instance`], with more settings.
pub async fn instance_with(redis: &RedisServer, vars: &[(&str, &str)]) -> TestApp {
    let spool = spool_path();
    let url = redis.url();
    let mut all = vec![
        ("REDIS_URL", url.as_str()),
        ("REVOCATION_SPOOL", spool.as_str()),
    ];
    all.extend_from_slice(vars);
    spawn_app_with(&all).await
}

pub fn admin() -> String {
    id_token("sub-admin", None, &["admin"])
}

/// A token of `sub` issued now.
pub fn token_of(sub: &str) -> String {
    id_token(sub, Some("u@example.com"), &[])
}

/// A token of `sub` issued at `iat`.
pub fn token_issued_at(sub: &str, iat: u64) -> String {
    let mut claims = id_claims(sub, Some("u@example.com"), &[]);
    claims["iat"] = json!(iat);
    sign(&claims, trusted_key())
}

pub async fn status(app: &TestApp, token: &str) -> u16 {
    app.get("/messages/private", Some(token)).await.status
}

/// Polls until every instance answers `token` with `expected`.
pub async fn all_answer(apps: &[&TestApp], token: &str, expected: u16, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        let mut all = true;
        for app in apps {
            all &= status(app, token).await == expected;
        }
        if all {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        actix_rt::time::sleep(Duration::from_millis(20)).await;
    }
}

pub fn gauge(metrics: &str, name: &str) -> Option<f64> {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|value| value.trim().parse().ok())
}

/// Polls `/metrics` until gauge `name` reads `value`.
pub async fn gauge_reaches(app: &TestApp, name: &str, value: f64, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if gauge(&app.get_text("/metrics").await, name) == Some(value) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        actix_rt::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `cognito_guard_revocation_store_up` reaches `up` (0 or 1).
pub async fn store_up_reaches(app: &TestApp, up: f64, limit: Duration) -> bool {
    gauge_reaches(app, "cognito_guard_revocation_store_up", up, limit).await
}

/// Deletes `sub` through `app` (an admin call), expecting `expected`.
pub async fn delete(app: &TestApp, sub: &str, expected: u16) {
    let response = app
        .request("DELETE", &format!("/users/{sub}"), Some(&admin()))
        .await;
    assert_eq!(response.status, expected, "DELETE {sub}: {}", response.body);
}

/// Whether Redis holds a revocation of `sub` under `prefix`.
pub fn redis_holds(redis: &RedisServer, prefix: &str, sub: &str) -> bool {
    let Some(keys) = redis.try_command(&["KEYS", &format!("{prefix}:revoked:*")]) else {
        return false;
    };
    keys.lines()
        .filter(|key| !key.is_empty())
        .any(|key| redis.try_command(&["HEXISTS", key, sub]).as_deref() == Some(":1"))
}

/// Revocations Redis holds under `prefix` (fields of every bucket).
pub fn redis_count(redis: &RedisServer, prefix: &str) -> usize {
    let keys = redis.command(&["KEYS", &format!("{prefix}:revoked:*")]);
    keys.lines()
        .filter(|key| !key.is_empty())
        .map(|key| {
            redis
                .command(&["HLEN", key])
                .trim_start_matches(':')
                .parse::<usize>()
                .unwrap_or(0)
        })
        .sum()
}

/// The real binary, started with `vars` in a directory of its own, its
/// log captured; stopped (killed) on drop, and restartable.
pub struct Binary {
    vars: Vec<(String, String)>,
    dir: std::path::PathBuf,
    child: Option<Child>,
    log: Arc<Mutex<String>>,
    pub app: Option<TestApp>,
}

impl Binary {
    /// Starts it and waits until it listens (its port is read from its log).
    pub async fn start(vars: &[(&str, &str)]) -> Binary {
        let mut binary = Binary {
            vars: vars
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            dir: temp_dir("binary"),
            child: None,
            log: Arc::default(),
            app: None,
        };
        binary.spawn().await;
        binary
    }

    async fn spawn(&mut self) {
        let jwks = JwksServer::start(vec![trusted_key().jwk()], JwksMode::Serve);
        let mut child = Command::new(env!("CARGO_BIN_EXE_cognito-guard"))
            .current_dir(&self.dir)
            .env_clear()
            .envs(base_vars(&jwks.url()))
            .envs(self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("binary runs");
        let sink = Arc::clone(&self.log);
        let stderr = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Ok(mut log) = sink.lock() {
                    log.push_str(&line);
                    log.push('\n');
                }
            }
        });
        self.child = Some(child);
        let from = self.log().len();
        let port = || {
            let log = self.log();
            log[from..].lines().find_map(|line| {
                let (_, rest) = line.split_once("listening on 127.0.0.1:")?;
                rest.trim().parse::<u16>().ok()
            })
        };
        assert!(
            wait_until(Duration::from_secs(30), || port().is_some()).await,
            "the binary did not start:\n{}",
            self.log()
        );
        let port = port().expect("port");
        self.app = Some(TestApp {
            address: format!("http://127.0.0.1:{port}"),
            metrics_address: None,
            jwks,
            client: patient_client(),
        });
    }

    /// The client side of the running binary.
    pub fn app(&self) -> &TestApp {
        self.app.as_ref().expect("running")
    }

    /// Everything it logged so far (every run).
    pub fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Kills it (as a crash or an abrupt restart would).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.app = None;
    }

    /// Kills it and starts it again with the same settings and directory.
    pub async fn restart(&mut self) {
        self.kill();
        self.spawn().await;
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        self.kill();
    }
}
