//! A real browser for the tests: headless Chromium driven through
//! chromedriver (WebDriver) with fantoccini, over plain HTTP on loopback.
//! Each [`Browser`] starts its own chromedriver on a port it owns (see
//! `listening.rs`), with its own profile directory, and on drop kills what
//! it started (chromedriver and the Chromium it launched, as one process
//! group), even when a test fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

use crate::listening::{spawn_listening, Listening};
use crate::programs::require_program;

/// How long a page may take to show what a test waits for: generous, since
/// the machine may be busy compiling; a passing test waits far less.
pub const PATIENCE: Duration = Duration::from_secs(30);
/// How often a wait checks its condition.
pub const POLL: Duration = Duration::from_millis(50);

/// chromedriver and everything it launched: one process group, ours
/// (killed on drop by [`Listening`]), and the profile directory.
struct Driver {
    listening: Listening,
    profile: PathBuf,
}

impl Driver {
    /// chromedriver on a port it owns: see [`spawn_listening`] for why a
    /// port picked free and a connect-only readiness check were not enough.
    fn start() -> Driver {
        let chromedriver = require_program("chromedriver", Some("CHROMEDRIVER"));
        let listening = spawn_listening("chromedriver", |port| {
            let mut command = Command::new(&chromedriver);
            command
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            command
        });
        Driver {
            profile: profile_dir(listening.port()),
            listening,
        }
    }

    fn port(&self) -> u16 {
        self.listening.port()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Chromium first (its group is chromedriver's), then its profile.
        self.listening.stop();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn profile_dir(port: u16) -> PathBuf {
    std::env::temp_dir().join(format!(
        "cognito-guard-chromium-{}-{port}",
        std::process::id()
    ))
}

/// A headless Chromium session.
pub struct Browser {
    pub client: Client,
    _driver: Driver,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with a fresh profile.
    pub async fn start() -> Browser {
        let chromium = require_program("chromium", Some("CHROMIUM"));
        let driver = Driver::start();
        let args = [
            "--headless=new".to_owned(),
            // Chromium refuses to run as root inside its sandbox.
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            // Nothing but the pages under test on the network.
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--no-first-run".to_owned(),
            // Tall enough for /docs to show every operation in a screenshot.
            "--window-size=1280,1500".to_owned(),
            format!("--user-data-dir={}", driver.profile.display()),
        ];
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": chromium, "args": args },
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!("a JSON object")
        };
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", driver.port()))
            .await
            .expect("a WebDriver session with headless Chromium");
        Browser {
            client,
            _driver: driver,
        }
    }

    /// Ends the session (Chromium quits); chromedriver goes on drop.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }

    /// Runs `fetch(url)` in the current page, with a bearer token if given:
    /// `{status, body, www}` as the page sees them, or `{error}` when the
    /// browser refuses the page the answer (CORS).
    pub async fn fetch(&self, method: &str, url: &str, token: Option<&str>) -> Value {
        const FETCH: &str = r#"
            const [method, url, token, done] = arguments;
            const headers = token ? { Authorization: `Bearer ${token}` } : {};
            fetch(url, { method, headers })
              .then(async r => done({
                status: r.status,
                body: await r.text(),
                www: r.headers.get('www-authenticate'),
              }))
              .catch(e => done({ error: String(e) }));
        "#;
        self.client
            .execute_async(FETCH, vec![json!(method), json!(url), json!(token)])
            .await
            .expect("the script runs")
    }

    /// Polls `script` (which returns a boolean) until it returns true.
    pub async fn wait_for_script(&self, script: &str, what: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let value = self.client.execute(script, vec![]).await;
            if matches!(value, Ok(Value::Bool(true))) {
                return;
            }
            if Instant::now() >= deadline {
                let shot = self.screenshot("timed-out.png").await;
                panic!("timed out waiting for {what}; see {}", shot.display());
            }
            actix_rt::time::sleep(POLL).await;
        }
    }

    /// Waits for an element to appear, then clicks it.
    pub async fn click(&self, css: &str) {
        self.client
            .wait()
            .at_most(PATIENCE)
            .every(POLL)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("cannot click {css}: {e}"));
    }

    /// Saves a PNG of the window under `target/screenshots/`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("a screenshot");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let dir = screenshots_dir();
        std::fs::create_dir_all(&dir).expect("screenshot directory");
        let path = dir.join(name);
        std::fs::write(&path, png).expect("screenshot written");
        path
    }
}

/// `target/screenshots`, next to `target/tmp` whichever target directory
/// the tests were built in.
fn screenshots_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).join("screenshots")
}
