//! The built-in dev issuer (`AUTH_MODE=dev`): a local key that signs
//! Cognito-shaped tokens and a JWKS endpoint on loopback that publishes it.
//! The server verifies dev tokens by fetching that JWKS over HTTP, through
//! the same cache and checks as in `cognito` mode: dev mode is not a bypass.

use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{web, App, HttpResponse, HttpServer};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use thiserror::Error;

/// Region of the dev pool.
pub const DEV_REGION: &str = "us-east-1";
/// Pool id of the dev pool.
pub const DEV_USER_POOL_ID: &str = "us-east-1_DevPool01";
/// App client id that dev tokens are issued to.
pub const DEV_CLIENT_ID: &str = "cognitoguarddevclient0001";
/// `iss` of dev tokens. The `.invalid` domain (RFC 6761) makes plain that it
/// is no real issuer, so no real deployment can be configured to trust it.
pub const DEV_ISSUER: &str = "https://dev-issuer.cognito-guard.invalid/us-east-1_DevPool01";
/// `kid` the dev key is published under.
pub const DEV_KID: &str = "cognito-guard-dev-key-1";
/// Where the committed dev-only key lives, relative to the repository root.
pub const DEFAULT_DEV_SIGNING_KEY_FILE: &str = "config/dev-signing-key.pem";
/// The modulus (`n`, base64url) of that committed key. Its private half is
/// public, so outside dev mode the key cache refuses any JWKS key with this
/// modulus, whatever its `kid` (a unit test keeps it equal to the file).
pub const DEV_KEY_MODULUS: &str =
    "2L-jIiMHQ24SrOLVxyWKHVP7UdtMVQvIV4QRdGFTckKNLYc_g7y4pryXvkrcXFn92N4_D3a7TtsmE6zD\
    n4Noq3gF3QLqP-OtzEHE4_JYQEBEL3rFVerPl82Opyh8MhW4FSR2xiCYT9AEva3wLtKvLH72RrmL9uNp\
    ReJr4b9S9TKmPHbvrNNKe8Z3lzP7jnsYOmBqYclwDQmSxEYwxo2PpvBD1CrYPitVxBUjnN49sPCqZIJ8\
    F3G5F-Jg4Q9daNsRjo2KUdBbKpicjjdFuzTa_B2FFCUm2c1ZNdKU7KRRWVmD1K6YDiQrPEHcIniCcGQh\
    _VXdBDKiHY4o-tpJa7gfow";
/// Longest lifetime a dev token may ask for: Cognito's own maximum (1 day).
pub const MAX_DEV_TOKEN_TTL_SECS: u64 = 86_400;

/// Whether `n` (a big-endian RSA modulus) is the committed dev key's.
pub fn is_dev_key_modulus(n: &[u8]) -> bool {
    let significant = &n[n.iter().position(|b| *b != 0).unwrap_or(n.len())..];
    URL_SAFE_NO_PAD
        .decode(DEV_KEY_MODULUS)
        .is_ok_and(|dev| dev == significant)
}

/// Why the dev issuer could not start or sign.
#[derive(Debug, Error)]
pub enum DevIssuerError {
    #[error("cannot read the dev signing key {path}: {source}")]
    ReadKey {
        path: String,
        source: std::io::Error,
    },
    #[error("the dev signing key {path} is not an RSA private key in PEM form")]
    BadKey { path: String },
    #[error("cannot start the dev JWKS endpoint: {0}")]
    Listen(std::io::Error),
    #[error("cannot sign: {0}")]
    Sign(String),
    #[error("token lifetime must be between 1 and {MAX_DEV_TOKEN_TTL_SECS} seconds")]
    Lifetime,
    #[error("the system clock reads before 1970; cannot date a token")]
    ClockBeforeEpoch,
}

/// The dev signing key and its public JWK.
pub struct DevIssuer {
    key: EncodingKey,
    jwk: Value,
}

impl DevIssuer {
    /// Loads the dev signing key from a PEM file.
    pub fn load(path: &Path) -> Result<Self, DevIssuerError> {
        let shown = path.display().to_string();
        let pem = std::fs::read(path).map_err(|source| DevIssuerError::ReadKey {
            path: shown.clone(),
            source,
        })?;
        let key = EncodingKey::from_rsa_pem(&pem).map_err(|_| DevIssuerError::BadKey {
            path: shown.clone(),
        })?;
        let jwk =
            Jwk::from_encoding_key(&key, Algorithm::RS256).map_err(|_| DevIssuerError::BadKey {
                path: shown.clone(),
            })?;
        let AlgorithmParameters::RSA(rsa) = jwk.algorithm else {
            return Err(DevIssuerError::BadKey { path: shown });
        };
        let jwk = json!({"alg": "RS256", "e": rsa.e, "kid": DEV_KID, "kty": "RSA", "n": rsa.n, "use": "sig"});
        Ok(DevIssuer { key, jwk })
    }

    /// The JWKS document, in Cognito's format.
    pub fn jwks(&self) -> Value {
        json!({ "keys": [self.jwk] })
    }

    /// Serves the JWKS on `127.0.0.1` at a free port; returns the server and
    /// the JWKS URL. Loopback only: it exists for this process alone.
    pub fn serve_jwks(&self) -> Result<(Server, String), DevIssuerError> {
        let listener = TcpListener::bind("127.0.0.1:0").map_err(DevIssuerError::Listen)?;
        let port = listener
            .local_addr()
            .map_err(DevIssuerError::Listen)?
            .port();
        let body = Arc::new(self.jwks().to_string());
        let server = HttpServer::new(move || {
            let body = Arc::clone(&body);
            App::new().route(
                &format!("/{DEV_USER_POOL_ID}/.well-known/jwks.json"),
                web::get().to(move || {
                    let body = Arc::clone(&body);
                    async move {
                        HttpResponse::Ok()
                            .content_type("application/json")
                            .body(body.as_str().to_owned())
                    }
                }),
            )
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .map_err(DevIssuerError::Listen)?
        .run();
        Ok((
            server,
            format!("http://127.0.0.1:{port}/{DEV_USER_POOL_ID}/.well-known/jwks.json"),
        ))
    }

    /// Signs a Cognito-shaped token as described by `request`.
    pub fn mint(&self, request: &TokenRequest) -> Result<String, DevIssuerError> {
        if request.ttl_secs == 0 || request.ttl_secs > MAX_DEV_TOKEN_TTL_SECS {
            return Err(DevIssuerError::Lifetime);
        }
        let mut header = Header::new(Algorithm::RS256);
        header.typ = None;
        header.kid = Some(DEV_KID.to_owned());
        let now = crate::clock::unix_now().ok_or(DevIssuerError::ClockBeforeEpoch)?;
        jsonwebtoken::encode(&header, &request.claims(now), &self.key)
            .map_err(|e| DevIssuerError::Sign(e.to_string()))
    }
}

/// What a dev token should say.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub sub: String,
    pub username: String,
    pub email: Option<String>,
    pub groups: Vec<String>,
    pub ttl_secs: u64,
    /// An access token instead of an ID token.
    pub access: bool,
    /// A machine's client-credentials access token: `sub` is the app client,
    /// no user claims, `scope` from [`TokenRequest::scope`].
    pub client_credentials: bool,
    /// `scope` of an access token (space-separated); a user's access token
    /// defaults to `aws.cognito.signin.user.admin`.
    pub scope: Option<String>,
    /// `iss`: the dev issuer, unless the token is for a cognito-mode server
    /// with a key of its own (benchmarks), which refuses the dev issuer.
    pub issuer: String,
    /// A user's custom attributes (`custom:tenant_id` = `acme`), in ID
    /// tokens, as Cognito writes them: strings.
    pub attributes: Vec<(String, String)>,
}

impl Default for TokenRequest {
    fn default() -> Self {
        TokenRequest {
            sub: "00000000-0000-4000-8000-00000000dev1".to_owned(),
            username: "dev-user".to_owned(),
            email: Some("dev-user@example.com".to_owned()),
            groups: Vec::new(),
            ttl_secs: 3600,
            access: false,
            client_credentials: false,
            scope: None,
            issuer: DEV_ISSUER.to_owned(),
            attributes: Vec::new(),
        }
    }
}

impl TokenRequest {
    /// The claim set a real Cognito token of this kind carries.
    pub fn claims(&self, now: u64) -> Value {
        let id = |n: u64| {
            format!(
                "{:08x}-{:04x}-4000-8000-{:012x}",
                now & 0xffff_ffff,
                n,
                std::process::id()
            )
        };
        let mut claims = if self.client_credentials {
            // What Cognito's token endpoint issues for the client-credentials
            // grant: no user, so no username, groups or email.
            return json!({
                "sub": DEV_CLIENT_ID,
                "token_use": "access",
                "scope": self.scope.as_deref().unwrap_or_default(),
                "auth_time": now,
                "iss": self.issuer,
                "exp": now + self.ttl_secs,
                "iat": now,
                "version": 2,
                "jti": id(3),
                "client_id": DEV_CLIENT_ID,
            });
        } else if self.access {
            json!({
                "sub": self.sub,
                "iss": self.issuer,
                "client_id": DEV_CLIENT_ID,
                "origin_jti": id(1),
                "event_id": id(2),
                "token_use": "access",
                "scope": self.scope.as_deref().unwrap_or("aws.cognito.signin.user.admin"),
                "auth_time": now,
                "exp": now + self.ttl_secs,
                "iat": now,
                "jti": id(3),
                "username": self.username,
            })
        } else {
            let mut claims = json!({
                "sub": self.sub,
                "email_verified": true,
                "iss": self.issuer,
                "cognito:username": self.username,
                "origin_jti": id(1),
                "aud": DEV_CLIENT_ID,
                "event_id": id(2),
                "token_use": "id",
                "auth_time": now,
                "exp": now + self.ttl_secs,
                "iat": now,
                "jti": id(3),
            });
            if let Some(email) = &self.email {
                claims["email"] = json!(email);
            }
            for (name, value) in &self.attributes {
                claims[name.as_str()] = json!(value);
            }
            claims
        };
        if !self.groups.is_empty() {
            claims["cognito:groups"] = json!(self.groups);
        }
        claims
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dev_key_modulus_is_the_committed_keys() {
        let file = concat!(env!("CARGO_MANIFEST_DIR"), "/config/dev-signing-key.pem");
        let issuer = DevIssuer::load(file.as_ref()).expect("committed dev key");
        let n = issuer.jwks()["keys"][0]["n"].as_str().map(str::to_owned);
        assert_eq!(n.as_deref(), Some(DEV_KEY_MODULUS));
        let mut bytes = URL_SAFE_NO_PAD.decode(DEV_KEY_MODULUS).expect("base64url");
        assert!(is_dev_key_modulus(&bytes));
        bytes.insert(0, 0);
        assert!(
            is_dev_key_modulus(&bytes),
            "leading zero bytes do not matter"
        );
        bytes[1] ^= 1;
        assert!(!is_dev_key_modulus(&bytes));
    }
}
