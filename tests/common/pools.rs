//! What the several-pools tests (issue #20) share: two local pools, each
//! with its own RSA key, issuer, client and counting JWKS server, written
//! into a `GUARD_CONFIG` file with two `[[pool]]` tables; tokens of either
//! pool; metrics read by label set, whatever the label order.
//!
//! Pool `a`: ID tokens, admin group `admin`, admin scope `a/admin`.
//! Pool `b`: access tokens, admin group `ops`, admin scope `b/admin`.

use std::path::PathBuf;
use std::sync::Arc;

use cognito_guard::users::{InMemoryDirectory, UserDirectory};
use cognito_guard::{Application, Settings};
use jsonwebtoken::Algorithm;
use serde_json::{json, Value};

use super::binary::temp_dir;
use super::helpers::*;

/// One of the two configured pools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pool {
    A,
    B,
}

impl Pool {
    /// Its `name` in the `[[pool]]` table.
    pub fn name(self) -> &'static str {
        match self {
            Pool::A => "a",
            Pool::B => "b",
        }
    }

    /// Its configured `issuer`, the `iss` of its tokens.
    pub fn issuer(self) -> &'static str {
        match self {
            Pool::A => "https://idp.example.test/pool-a",
            Pool::B => "https://idp.example.test/pool-b",
        }
    }

    /// Its one app client.
    pub fn client(self) -> &'static str {
        match self {
            Pool::A => "client-a",
            Pool::B => "client-b",
        }
    }

    /// The key it signs with (published by its JWKS server only).
    pub fn key(self) -> &'static TestKey {
        match self {
            Pool::A => trusted_key(),
            Pool::B => rotated_key(),
        }
    }

    /// Its admin group.
    pub fn admin_group(self) -> &'static str {
        match self {
            Pool::A => "admin",
            Pool::B => "ops",
        }
    }

    /// Its machines' admin scope.
    pub fn admin_scope(self) -> &'static str {
        match self {
            Pool::A => "a/admin",
            Pool::B => "b/admin",
        }
    }
}

/// ID-token claims of `sub` issued by `pool` to its client.
pub fn id_claims_of(pool: Pool, sub: &str, groups: &[&str]) -> Value {
    let mut claims = id_claims(sub, Some(&format!("{sub}@example.com")), groups);
    claims["iss"] = json!(pool.issuer());
    claims["aud"] = json!(pool.client());
    claims
}

/// Access-token claims of user `sub` issued by `pool` to its client.
pub fn access_claims_of(pool: Pool, sub: &str, groups: &[&str]) -> Value {
    let mut claims = access_claims(sub, groups);
    claims["iss"] = json!(pool.issuer());
    claims["client_id"] = json!(pool.client());
    claims
}

/// The token kind `pool` accepts for its users, for `sub`: an ID token of
/// `a`, an access token of `b`.
pub fn user_claims(pool: Pool, sub: &str, groups: &[&str]) -> Value {
    match pool {
        Pool::A => id_claims_of(pool, sub, groups),
        Pool::B => access_claims_of(pool, sub, groups),
    }
}

/// A valid user token of `pool` for `sub`, signed with the pool's key.
pub fn user_token(pool: Pool, sub: &str, groups: &[&str]) -> String {
    sign(&user_claims(pool, sub, groups), pool.key())
}

/// A machine (client-credentials) token of `pool`'s client with `scope`.
pub fn machine_token_of(pool: Pool, scope: &str) -> String {
    let now = now();
    let claims = json!({
        "sub": pool.client(), "client_id": pool.client(), "token_use": "access",
        "scope": scope, "iss": pool.issuer(), "version": 2,
        "auth_time": now - 5, "iat": now - 5, "exp": now + 3600,
        "jti": "5b0d9d4a-0000-4000-8000-0000000000p1",
    });
    sign(&claims, pool.key())
}

/// `claims` signed with `key`'s private half under header `kid` (any kid,
/// published or not).
pub fn sign_with_kid(claims: &Value, key: &TestKey, kid: &str) -> String {
    sign_raw(
        &json!({"kid": kid, "alg": "RS256"}),
        claims,
        &key.encoding,
        Algorithm::RS256,
    )
}

/// The two `[[pool]]` tables, each pool's keys at its own JWKS URL.
pub fn pools_toml(jwks_a: &str, jwks_b: &str) -> String {
    let table = |pool: Pool, token_use: &str, jwks: &str| {
        format!(
            "[[pool]]\nname = \"{}\"\nregion = \"eu-west-1\"\nuser_pool_id = \"local_{}\"\n\
             client_ids = [\"{}\"]\ntoken_use = \"{token_use}\"\nissuer = \"{}\"\n\
             jwks_url = \"{jwks}\"\nadmin_group = \"{}\"\nadmin_scope = \"{}\"\n\n",
            pool.name(),
            pool.name(),
            pool.client(),
            pool.issuer(),
            pool.admin_group(),
            pool.admin_scope(),
        )
    };
    format!(
        "{}{}",
        table(Pool::A, "id", jwks_a),
        table(Pool::B, "access", jwks_b)
    )
}

/// Writes `text` as a `GUARD_CONFIG` file of its own; its path.
pub fn config_file(text: &str) -> PathBuf {
    let path = temp_dir("pools").join("guard.toml");
    std::fs::write(&path, text).expect("GUARD_CONFIG file");
    path
}

/// What a two-pool server is started from: each pool's JWKS server, more
/// of the file after the pool tables, more environment variables.
pub struct Setup {
    pub jwks_a: JwksServer,
    pub jwks_b: JwksServer,
    /// TOML appended after the two `[[pool]]` tables.
    pub extra_toml: String,
    pub vars: Vec<(String, String)>,
}

impl Setup {
    /// Both pools' JWKS servers serving their one key.
    pub fn new() -> Setup {
        Setup::with_modes(JwksMode::Serve, JwksMode::Serve)
    }

    /// Each pool's JWKS server in the given mode at start.
    pub fn with_modes(a: JwksMode, b: JwksMode) -> Setup {
        Setup {
            jwks_a: JwksServer::start(vec![Pool::A.key().jwk()], a),
            jwks_b: JwksServer::start(vec![Pool::B.key().jwk()], b),
            extra_toml: String::new(),
            vars: Vec::new(),
        }
    }

    /// Adds an environment variable (a tuning one: no single-pool variable
    /// may stand beside `[[pool]]` tables).
    pub fn var(mut self, key: &str, value: &str) -> Setup {
        self.vars.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Appends `toml` to the file, after the pool tables.
    pub fn toml(mut self, toml: &str) -> Setup {
        self.extra_toml.push_str(toml);
        self
    }

    /// The whole `GUARD_CONFIG` text.
    pub fn file_text(&self) -> String {
        format!(
            "{}{}",
            pools_toml(&self.jwks_a.url(), &self.jwks_b.url()),
            self.extra_toml
        )
    }

    /// The settings, from a fresh file and the variables.
    pub fn settings(&self) -> Settings {
        let file = config_file(&self.file_text());
        let mut vars = vec![
            ("HOST".to_owned(), "127.0.0.1".to_owned()),
            ("PORT".to_owned(), "0".to_owned()),
            ("GUARD_CONFIG".to_owned(), file.display().to_string()),
        ];
        vars.extend(self.vars.iter().cloned());
        Settings::from_vars(vars).expect("two-pool settings are valid")
    }

    /// Starts the server with one in-memory directory for every pool.
    pub async fn start(self) -> TwoPools {
        let settings = self.settings();
        self.start_from(settings).await
    }

    /// As [`Setup::start`], with settings already read (and their file
    /// known to the test).
    pub async fn start_from(self, settings: Settings) -> TwoPools {
        let directory: Arc<dyn UserDirectory> = Arc::new(InMemoryDirectory::new());
        let app = Application::build_with_directories(settings, |_| Arc::clone(&directory))
            .await
            .expect("two-pool server starts");
        self.serve(app)
    }

    /// Runs an already built server; the test keeps both JWKS servers.
    pub fn serve(self, app: Application) -> TwoPools {
        let app = serve(app, self.jwks_a);
        TwoPools {
            app,
            jwks_b: self.jwks_b,
        }
    }
}

/// A running two-pool server: `app.jwks` is pool `a`'s JWKS server.
pub struct TwoPools {
    pub app: TestApp,
    pub jwks_b: JwksServer,
}

impl TwoPools {
    /// The JWKS server of `pool`.
    pub fn jwks(&self, pool: Pool) -> &JwksServer {
        match pool {
            Pool::A => &self.app.jwks,
            Pool::B => &self.jwks_b,
        }
    }

    /// Fetches so far at each pool's JWKS server, `(a, b)`.
    pub fn fetches(&self) -> (usize, usize) {
        (self.app.jwks.fetches(), self.jwks_b.fetches())
    }

    /// The status of `/messages/private` for `token`.
    pub async fn status(&self, token: &str) -> u16 {
        self.app.get(PRIVATE, Some(token)).await.status
    }
}

/// The route the tests authenticate against.
pub const PRIVATE: &str = "/messages/private";

/// A two-pool server with every default.
pub async fn two_pools() -> TwoPools {
    Setup::new().start().await
}

/// The labels of one sample line of `name` (`None` if the line is another
/// metric's), as sorted `(key, value)` pairs, and its value.
fn sample(line: &str, name: &str) -> Option<(Vec<(String, String)>, f64)> {
    let rest = line.strip_prefix(name)?;
    let (labels, value) = match rest.strip_prefix('{') {
        Some(rest) => rest.split_once("} ")?,
        None => ("", rest.strip_prefix(' ')?),
    };
    let mut pairs: Vec<(String, String)> = labels
        .split(',')
        .filter(|pair| !pair.is_empty())
        .filter_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            Some((key.to_owned(), value.trim_matches('"').to_owned()))
        })
        .collect();
    pairs.sort();
    Some((pairs, value.trim().parse().ok()?))
}

/// Every sample of metric `name`: its labels (sorted) and value.
pub fn samples(metrics: &str, name: &str) -> Vec<(Vec<(String, String)>, f64)> {
    metrics
        .lines()
        .filter_map(|line| sample(line, name))
        .collect()
}

/// The value of `name` with exactly the label set `labels` (any order).
pub fn metric(metrics: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let mut wanted: Vec<(String, String)> = labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    wanted.sort();
    samples(metrics, name)
        .into_iter()
        .find(|(labels, _)| *labels == wanted)
        .map(|(_, value)| value)
}

/// The sum of `name` over the samples whose `pool` label is `pool`
/// (`None`: the samples with no `pool` label).
pub fn sum_for_pool(metrics: &str, name: &str, pool: Option<&str>) -> f64 {
    samples(metrics, name)
        .into_iter()
        .filter(|(labels, _)| {
            labels
                .iter()
                .find(|(k, _)| k == "pool")
                .map(|(_, v)| v.as_str())
                == pool
        })
        .map(|(_, value)| value)
        .sum()
}

// ---- The same `sub` in both pools (the revocation tests) -------------------

/// One `sub` that both pools have a user under.
pub const TWIN: &str = "4f6a2c1e-0000-4000-8000-00000000p001";

/// An admin of pool `a`.
pub fn admin_a() -> String {
    user_token(Pool::A, "sub-admin-a", &[Pool::A.admin_group()])
}

/// Both twins' tokens, each accepted (so each is known and cached).
pub async fn twins_sign_in(pools: &TwoPools) -> (String, String) {
    let in_a = user_token(Pool::A, TWIN, &[]);
    let in_b = user_token(Pool::B, TWIN, &[]);
    for token in [&in_a, &in_b] {
        assert_eq!(pools.status(token).await, 200);
        assert_eq!(pools.status(token).await, 200);
    }
    (in_a, in_b)
}
