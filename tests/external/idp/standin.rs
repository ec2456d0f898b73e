//! A Cognito stand-in that checks SigV4 signatures (moto does not):
//! `tests/support/sigv4_checker.py`, and the server in cognito mode pointed
//! at it.

use std::process::{Command, Stdio};

use cognito_guard::{Application, Settings};
use serde_json::Value;

use crate::common::helpers::{
    base_vars, serve, trusted_key, JwksMode, JwksServer, TestApp, REGION,
};
use crate::listening::{spawn_listening, Listening};
use crate::programs::require_python_module;

pub const ACCESS_KEY: &str = "AKIDSTANDIN";
pub const SECRET_KEY: &str = "standin-secret";

/// The stand-in on a loopback port it owns, stopped when dropped.
pub struct IdpStandIn {
    /// Killed (with its process group) on drop.
    _listening: Listening,
    pub port: u16,
}

impl IdpStandIn {
    /// Starts the stand-in knowing `users`, a JSON array of
    /// `{"username", "sub", "email", "groups"}`.
    pub fn start(users: &Value) -> IdpStandIn {
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/support/sigv4_checker.py"
        );
        require_python_module("botocore");
        let users = users.to_string();
        let listening = spawn_listening("the SigV4 stand-in", |port| {
            let mut command = Command::new("python3");
            command
                .args([script, REGION, ACCESS_KEY, SECRET_KEY, &users])
                .arg(port.to_string())
                .stdout(Stdio::null())
                .stderr(Stdio::inherit());
            command
        });
        IdpStandIn {
            port: listening.port(),
            _listening: listening,
        }
    }

    /// `http://127.0.0.1:<port>` followed by `path`.
    pub fn endpoint(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Every call received so far: `action`, `host`, `path` and
    /// `signature_problem` (null when the signature verified).
    pub async fn calls(&self) -> Vec<Value> {
        let mut response = crate::common::helpers::patient_client()
            .get(self.endpoint("/calls"))
            .send()
            .await
            .expect("stand-in answers");
        let bytes = response.body().await.expect("calls");
        let calls: Value = serde_json::from_slice(&bytes).expect("calls as JSON");
        calls.as_array().cloned().unwrap_or_default()
    }

    /// The actions received so far, in order.
    pub async fn actions(&self) -> Vec<String> {
        self.calls()
            .await
            .iter()
            .map(|call| call["action"].as_str().unwrap_or_default().to_owned())
            .collect()
    }
}

/// Cognito-mode settings with the admin routes on `endpoint`, signing with
/// `secret`, and the test JWKS server they use.
pub fn settings_on_idp(endpoint: &str, secret: &str) -> (Settings, JwksServer) {
    let jwks = JwksServer::start(vec![trusted_key().jwk()], JwksMode::Serve);
    let mut vars = base_vars(&jwks.url());
    for (key, value) in [
        ("COGNITO_IDP_ENDPOINT", endpoint),
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
        ("AWS_SECRET_ACCESS_KEY", secret),
    ] {
        vars.push((key.to_owned(), value.to_owned()));
    }
    let settings = Settings::from_vars(vars).expect("settings for the stand-in");
    (settings, jwks)
}

/// The server with its Cognito directory on `endpoint`.
pub async fn spawn_app_on_idp(endpoint: &str, secret: &str) -> TestApp {
    let (settings, jwks) = settings_on_idp(endpoint, secret);
    let app = Application::build(settings)
        .await
        .unwrap_or_else(|e| panic!("server starts on {endpoint}: {e}"));
    serve(app, jwks)
}
