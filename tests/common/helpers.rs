//! Shared test harness: a real in-process JWKS server, token minting with the
//! test keys under `tests/fixtures`, and the real server on a random port.

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::{web, App, HttpResponse, HttpServer};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use cognito_guard::{Application, Settings};
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk};
use jsonwebtoken::{Algorithm, EncodingKey};
use parking_lot::Mutex;
use serde_json::{json, Value};

pub const REGION: &str = "us-east-1";
pub const POOL_ID: &str = "us-east-1_TestPool1";
pub const CLIENT_ID: &str = "testclient123";
pub const OTHER_CLIENT_ID: &str = "otherclient456";
pub const ISSUER: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool1";
pub const ISSUER_ALT: &str =
    "https://issuer-cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool1";

/// An RSA key of the tests, with the `kid` it is published under.
pub struct TestKey {
    pub kid: String,
    pub encoding: EncodingKey,
    pub public_pem: Vec<u8>,
    n: String,
    e: String,
}

impl TestKey {
    fn load(kid: &str, file: &str) -> TestKey {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");
        let pem = std::fs::read(format!("{dir}{file}.pem")).expect("test key file");
        let public_pem = std::fs::read(format!("{dir}{file}.pub.pem")).unwrap_or_default();
        let encoding = EncodingKey::from_rsa_pem(&pem).expect("test key parses");
        let jwk = Jwk::from_encoding_key(&encoding, Algorithm::RS256).expect("jwk from key");
        let AlgorithmParameters::RSA(rsa) = jwk.algorithm else {
            panic!("not an RSA key")
        };
        TestKey {
            kid: kid.to_owned(),
            encoding,
            public_pem,
            n: rsa.n,
            e: rsa.e,
        }
    }

    /// This key as a Cognito JWKS entry.
    pub fn jwk(&self) -> Value {
        json!({"alg": "RS256", "e": self.e, "kid": self.kid, "kty": "RSA", "n": self.n, "use": "sig"})
    }
}

/// The pool's signing key.
pub fn trusted_key() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| TestKey::load("trusted-kid-1", "trusted"))
}

/// The key the pool rotates to.
pub fn rotated_key() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| TestKey::load("rotated-kid-2", "rotated"))
}

/// An attacker's key; claims the trusted kid but is never published.
pub fn rogue_key() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| TestKey::load("trusted-kid-1", "rogue"))
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

/// The claims of a Cognito ID token for `sub`, valid for an hour.
pub fn id_claims(sub: &str, email: Option<&str>, groups: &[&str]) -> Value {
    let now = now();
    let mut claims = json!({
        "sub": sub,
        "email_verified": true,
        "iss": ISSUER,
        "cognito:username": format!("user-{sub}"),
        "origin_jti": "8f1c7b2e-0000-4000-8000-000000000001",
        "aud": CLIENT_ID,
        "event_id": "0e4a2c9d-0000-4000-8000-000000000002",
        "token_use": "id",
        "auth_time": now - 5,
        "exp": now + 3600,
        "iat": now - 5,
        "jti": "5b0d9d4a-0000-4000-8000-000000000003",
    });
    if let Some(email) = email {
        claims["email"] = json!(email);
    }
    if !groups.is_empty() {
        claims["cognito:groups"] = json!(groups);
    }
    claims
}

/// The claims of a Cognito access token for `sub`, valid for an hour.
pub fn access_claims(sub: &str, groups: &[&str]) -> Value {
    let now = now();
    json!({
        "sub": sub,
        "cognito:groups": groups,
        "iss": ISSUER,
        "client_id": CLIENT_ID,
        "origin_jti": "8f1c7b2e-0000-4000-8000-000000000001",
        "event_id": "0e4a2c9d-0000-4000-8000-000000000002",
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "auth_time": now - 5,
        "exp": now + 3600,
        "iat": now - 5,
        "jti": "5b0d9d4a-0000-4000-8000-000000000004",
        "username": format!("user-{sub}"),
    })
}

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Signs `claims` with `key` under an arbitrary header, with `alg` as the
/// real algorithm used (the header may claim anything).
pub fn sign_raw(header: &Value, claims: &Value, key: &EncodingKey, alg: Algorithm) -> String {
    let message = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let signature =
        jsonwebtoken::crypto::sign(message.as_bytes(), key, alg).expect("signing works");
    format!("{message}.{signature}")
}

/// A Cognito-shaped RS256 token signed by `key` under its kid.
pub fn sign(claims: &Value, key: &TestKey) -> String {
    sign_raw(
        &json!({"kid": key.kid, "alg": "RS256"}),
        claims,
        &key.encoding,
        Algorithm::RS256,
    )
}

/// A valid ID token for `sub`.
pub fn id_token(sub: &str, email: Option<&str>, groups: &[&str]) -> String {
    sign(&id_claims(sub, email, groups), trusted_key())
}

/// How the test JWKS server answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwksMode {
    Serve,
    Fail(u16),
    Garbage,
    /// Serves the keys, but only after this delay.
    Slow(Duration),
    /// Holds each fetch until [`JwksServer::release`], then serves the
    /// keys: a fetch in flight for as long as the test needs, untimed.
    Held,
}

struct JwksState {
    keys: Mutex<Vec<Value>>,
    mode: Mutex<JwksMode>,
    fetches: AtomicUsize,
    released: std::sync::atomic::AtomicBool,
}

/// A JWKS endpoint on a random loopback port that counts its fetches.
pub struct JwksServer {
    pub port: u16,
    state: Arc<JwksState>,
}

async fn serve_jwks(state: web::Data<JwksState>) -> HttpResponse {
    state.fetches.fetch_add(1, Ordering::SeqCst);
    let mode = *state.mode.lock();
    match mode {
        JwksMode::Serve => HttpResponse::Ok().json(json!({ "keys": *state.keys.lock() })),
        JwksMode::Fail(status) => {
            HttpResponse::build(actix_web::http::StatusCode::from_u16(status).expect("status"))
                .finish()
        }
        JwksMode::Garbage => HttpResponse::Ok()
            .content_type("application/json")
            .body("{\"keys\": [tr"),
        JwksMode::Slow(delay) => {
            actix_rt::time::sleep(delay).await;
            HttpResponse::Ok().json(json!({ "keys": *state.keys.lock() }))
        }
        JwksMode::Held => {
            while !state.released.load(Ordering::SeqCst) {
                actix_rt::time::sleep(Duration::from_millis(10)).await;
            }
            HttpResponse::Ok().json(json!({ "keys": *state.keys.lock() }))
        }
    }
}

impl JwksServer {
    pub fn start(keys: Vec<Value>, mode: JwksMode) -> JwksServer {
        let state = Arc::new(JwksState {
            keys: Mutex::new(keys),
            mode: Mutex::new(mode),
            fetches: AtomicUsize::new(0),
            released: std::sync::atomic::AtomicBool::new(false),
        });
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind jwks server");
        let port = listener.local_addr().expect("local addr").port();
        let data = web::Data::from(Arc::clone(&state));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/.well-known/jwks.json", web::get().to(serve_jwks))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .expect("listen")
        .run();
        actix_rt::spawn(server);
        JwksServer { port, state }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/.well-known/jwks.json", self.port)
    }

    pub fn fetches(&self) -> usize {
        self.state.fetches.load(Ordering::SeqCst)
    }

    pub fn set_mode(&self, mode: JwksMode) {
        *self.state.mode.lock() = mode;
    }

    /// Lets the fetches [`JwksMode::Held`] holds be answered.
    pub fn release(&self) {
        self.state.released.store(true, Ordering::SeqCst);
    }

    pub fn set_keys(&self, keys: Vec<Value>) {
        *self.state.keys.lock() = keys;
    }
}

/// The server under test, its JWKS server, and a client.
pub struct TestApp {
    pub address: String,
    /// `http://127.0.0.1:<port>` of the `/metrics` listener, when
    /// `METRICS_ADDR` gave it one.
    pub metrics_address: Option<String>,
    pub jwks: JwksServer,
    pub client: awc::Client,
}

/// A response reduced to what tests assert on.
pub struct TestResponse {
    pub status: u16,
    pub headers: actix_web::http::header::HeaderMap,
    pub body: Value,
}

impl TestResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn detail(&self) -> &str {
        self.body["detail"].as_str().unwrap_or("")
    }
}

fn init_test_logging() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            let _ = env_logger::Builder::from_env(
                env_logger::Env::default().default_filter_or("debug"),
            )
            .is_test(true)
            .try_init();
        }
    });
}

/// The settings every test starts from: the test pool, a random port.
pub fn base_vars(jwks_url: &str) -> Vec<(String, String)> {
    [
        ("AWS_REGION", REGION),
        ("COGNITO_USER_POOL_ID", POOL_ID),
        ("COGNITO_CLIENT_ID", CLIENT_ID),
        ("COGNITO_JWKS_URL", jwks_url),
        ("HOST", "127.0.0.1"),
        ("PORT", "0"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// Every identity header of an allowing `/auth` answer, as the contract
/// names them.
pub const IDENTITY_HEADERS: [&str; 10] = [
    "x-auth-request-user",
    "x-auth-request-preferred-username",
    "x-auth-request-email",
    "x-auth-request-groups",
    "x-auth-request-scope",
    "x-auth-request-client-id",
    "x-auth-request-token-use",
    "x-auth-request-caller",
    "x-auth-request-pool",
    "x-auth-request-rule",
];

/// Starts the server with the default test settings and a working JWKS.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Starts the server with some settings overridden.
pub async fn spawn_app_with(overrides: &[(&str, &str)]) -> TestApp {
    spawn_app_with_tweaked(overrides, |_| {}).await
}

/// Starts the server with the default test settings, adjusted in place: the
/// typed settings are tweaked, not the environment.
pub async fn spawn_app_tweaked(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_with_tweaked(&[], tweak).await
}

/// Starts the server with some settings overridden, then tweaked.
pub async fn spawn_app_with_tweaked(
    overrides: &[(&str, &str)],
    tweak: impl FnOnce(&mut Settings),
) -> TestApp {
    let jwks = JwksServer::start(vec![trusted_key().jwk()], JwksMode::Serve);
    start(jwks, overrides, tweak).await
}

/// Switches the unknown-kid refetch rate limit off, so that a test can make
/// the cache refetch at once (`JWKS_MIN_REFETCH_SECS` is at least 1).
pub fn no_refetch_limit(settings: &mut Settings) {
    settings.jwks.min_refetch = Duration::ZERO;
}

/// Starts the server against a given JWKS server.
pub async fn spawn_app_against(jwks: JwksServer, overrides: &[(&str, &str)]) -> TestApp {
    start(jwks, overrides, |_| {}).await
}

async fn start(
    jwks: JwksServer,
    overrides: &[(&str, &str)],
    tweak: impl FnOnce(&mut Settings),
) -> TestApp {
    init_test_logging();
    let mut vars = base_vars(&jwks.url());
    for (key, value) in overrides {
        vars.retain(|(k, _)| k != key);
        vars.push(((*key).to_owned(), (*value).to_owned()));
    }
    let mut settings = Settings::from_vars(vars).expect("test settings are valid");
    tweak(&mut settings);
    // The in-memory directory: these tests are about routes and tokens;
    // the Cognito directory has its own tests against an emulator.
    let directory: Arc<dyn cognito_guard::users::UserDirectory> =
        Arc::new(cognito_guard::users::InMemoryDirectory::new());
    let app = Application::build_with_directories(settings, move |_| Arc::clone(&directory))
        .await
        .expect("server starts");
    serve(app, jwks)
}

/// Runs a built server in the background and returns a client for it.
/// `jwks` is the JWKS server the test controls (unused by some tests).
pub fn serve(app: Application, jwks: JwksServer) -> TestApp {
    let address = format!("http://127.0.0.1:{}", app.port());
    let metrics_address = app
        .metrics_port()
        .map(|port| format!("http://127.0.0.1:{port}"));
    actix_rt::spawn(app.run_until_stopped());
    TestApp {
        address,
        metrics_address,
        jwks,
        client: patient_client(),
    }
}

/// An HTTP client that waits as long as a loaded machine may need (awc's
/// default gives up after 5 s: moto's first calls take longer under load),
/// and never reuses a connection idle for a second or more: the server
/// closes idle connections after 5 s, and a request written on one it is
/// closing fails with `Disconnected` (seen after the revocation chaos
/// test's seconds-long waits for Redis).
pub fn patient_client() -> awc::Client {
    awc::Client::builder()
        .connector(awc::Connector::new().conn_keep_alive(Duration::from_secs(1)))
        .timeout(Duration::from_secs(30))
        .finish()
}

impl TestApp {
    /// Sends a request with an optional bearer token.
    pub async fn request(&self, method: &str, path: &str, token: Option<&str>) -> TestResponse {
        let headers: Vec<(&str, String)> = token
            .map(|t| vec![("Authorization", format!("Bearer {t}"))])
            .unwrap_or_default();
        self.request_with_headers(method, path, &headers).await
    }

    /// Sends a request with exactly these extra headers.
    pub async fn request_with_headers(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, String)],
    ) -> TestResponse {
        let method = actix_web::http::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.address));
        for (name, value) in headers {
            request = request.append_header((*name, value.as_str()));
        }
        let mut response = request.send().await.expect("server answers");
        let bytes = response.body().limit(1 << 20).await.expect("body");
        TestResponse {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }

    /// The raw body of a GET, for non-JSON routes.
    pub async fn get_text(&self, path: &str) -> String {
        let mut response = self
            .client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("server answers");
        let bytes = response.body().limit(1 << 20).await.expect("body");
        String::from_utf8_lossy(&bytes).into_owned()
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> TestResponse {
        self.request("GET", path, token).await
    }

    /// Polls `path` until it answers `status`, for at most `limit`.
    pub async fn wait_for_status(
        &self,
        path: &str,
        token: Option<&str>,
        status: u16,
        limit: Duration,
    ) -> bool {
        let deadline = std::time::Instant::now() + limit;
        while std::time::Instant::now() < deadline {
            if self.get(path, token).await.status == status {
                return true;
            }
            actix_rt::time::sleep(Duration::from_millis(100)).await;
        }
        false
    }
}

/// Polls `condition` every 20 ms until it holds, for at most `limit`:
/// tests wait on what they need, not for a guessed time.
pub async fn wait_until(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + limit;
    loop {
        if condition() {
            return true;
        }
        if std::time::Instant::now() >= deadline {
            return false;
        }
        actix_rt::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Asserts a 401 refusal of an invalid token, with the RFC 6750 challenge.
pub fn assert_invalid_token(response: &TestResponse, token: &str) {
    assert_eq!(response.status, 401, "body: {}", response.body);
    let challenge = response.header("www-authenticate").unwrap_or("");
    assert!(
        challenge.starts_with(r#"Bearer error="invalid_token", error_description=""#),
        "{challenge}"
    );
    assert!(!response.detail().is_empty(), "a reason is given");
    let signature = token.rsplit('.').next().unwrap_or(token);
    if signature.len() > 8 {
        assert!(
            !challenge.contains(signature) && !response.detail().contains(signature),
            "token echoed"
        );
    }
}
