//! The real cognito-guard binary with a rules file, in its own process
//! group, on a port the kernel picked for it, until dropped: what it
//! logs, and signals sent to it as an operator would.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::binary::temp_dir;

/// How long the guard may take to start on a machine busy compiling.
const PATIENCE: Duration = Duration::from_secs(60);

/// The real cognito-guard binary, in its own process group, stopped (the
/// whole group) when dropped.
pub struct GuardProcess {
    child: Child,
    pub port: u16,
    log: Arc<Mutex<String>>,
    config: PathBuf,
}

impl GuardProcess {
    /// Starts the binary with exactly `vars` (plus `PORT=0` and the rules
    /// file at `config`) and waits for the port it reports: the kernel
    /// picked it, so it is the child's and nobody else's.
    pub fn start(config: &Path, vars: &[(&str, String)]) -> GuardProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cognito-guard"))
            .current_dir(temp_dir("guard"))
            .env_clear()
            .envs(vars.iter().map(|(k, v)| (*k, v.as_str())))
            .env("HOST", "127.0.0.1")
            .env("PORT", "0")
            .env("GUARD_CONFIG", config)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .expect("the cognito-guard binary runs");
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
        let deadline = Instant::now() + PATIENCE;
        let port = loop {
            let text = log.lock().map(|l| l.clone()).unwrap_or_default();
            if let Some(port) = text
                .split("listening on 127.0.0.1:")
                .nth(1)
                .and_then(|rest| {
                    rest.chars()
                        .take_while(char::is_ascii_digit)
                        .collect::<String>()
                        .parse()
                        .ok()
                })
            {
                break port;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("cognito-guard exited ({status}) before listening:\n{text}");
            }
            assert!(
                Instant::now() < deadline,
                "cognito-guard did not start:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        GuardProcess {
            child,
            port,
            log,
            config: config.to_path_buf(),
        }
    }

    /// Everything the guard logged so far.
    pub fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Its rules file (`GUARD_CONFIG`).
    pub fn config(&self) -> &Path {
        &self.config
    }

    /// Sends it `SIGHUP`, as an operator reloading the configuration.
    pub fn hang_up(&self) {
        let status = Command::new("kill")
            .args(["-HUP", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "SIGHUP sent");
    }

    /// Whether it still runs.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for GuardProcess {
    fn drop(&mut self) {
        kill_group(&mut self.child);
    }
}

/// Kills the process group `child` leads (`process_group(0)` at spawn: the
/// child and what it launched, nothing else), then reaps the child.
pub fn kill_group(child: &mut Child) {
    let group = format!("-{}", child.id());
    let _ = Command::new("kill")
        .args(["-KILL", "--", &group])
        .stderr(Stdio::null())
        .status();
    let _ = child.kill();
    let _ = child.wait();
}

/// The single-pool variables of the test pool, its keys at `jwks_url`:
/// what the binary needs beside its rules file.
pub fn test_pool_vars(jwks_url: String) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_REGION", super::helpers::REGION.to_owned()),
        ("COGNITO_USER_POOL_ID", super::helpers::POOL_ID.to_owned()),
        ("COGNITO_CLIENT_ID", super::helpers::CLIENT_ID.to_owned()),
        ("COGNITO_JWKS_URL", jwks_url),
    ]
}

/// Writes a fresh EC P-256 private key (PKCS#8 PEM) at `path`: an
/// identity-assertion signing key.
pub fn write_signing_key(path: &Path) {
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
    let document =
        EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
            .expect("a key");
    let text = pem::encode(&pem::Pem::new("PRIVATE KEY", document.as_ref().to_vec()));
    std::fs::write(path, text).expect("key file");
}
