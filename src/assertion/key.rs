//! One signing key: an EC P-256 private key read from PEM (PKCS#8 or
//! SEC 1), its public half as a JWK, and its `kid`, the RFC 7638
//! thumbprint of that JWK, so that the `kid` names the key itself and an
//! upstream's cached key set can never pair a `kid` with another key.

use std::fmt;
use std::path::Path;

use aws_lc_rs::digest::{digest, SHA256};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_FIXED_SIGNING};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};
use thiserror::Error;

/// Why a key file cannot sign.
#[derive(Debug, Error)]
pub enum KeyError {
    #[error("cannot read {path}: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("{path} is not PEM: {reason}")]
    NotPem { path: String, reason: String },
    #[error("{path} holds a {tag} block; an EC P-256 private key (PRIVATE KEY or EC PRIVATE KEY) is needed")]
    WrongBlock { path: String, tag: String },
    #[error("{path} is not an EC P-256 private key: {reason}")]
    NotP256 { path: String, reason: String },
}

/// A key that signs assertions, with what is published of it.
pub struct SigningKey {
    pair: EcdsaKeyPair,
    kid: String,
    jwk: Value,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish()
    }
}

impl SigningKey {
    /// Reads the PEM file at `path`.
    pub fn from_file(path: &Path) -> Result<Self, KeyError> {
        let shown = path.display().to_string();
        let text = std::fs::read(path).map_err(|e| KeyError::Unreadable {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        Self::from_pem(&shown, &text)
    }

    /// Reads a PEM text; `path` names it in errors.
    pub fn from_pem(path: &str, text: &[u8]) -> Result<Self, KeyError> {
        let block = pem::parse(text).map_err(|e| KeyError::NotPem {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        if !matches!(block.tag(), "PRIVATE KEY" | "EC PRIVATE KEY") {
            return Err(KeyError::WrongBlock {
                path: path.to_owned(),
                tag: block.tag().to_owned(),
            });
        }
        let pair =
            EcdsaKeyPair::from_private_key_der(&ECDSA_P256_SHA256_FIXED_SIGNING, block.contents())
                .map_err(|e| KeyError::NotP256 {
                    path: path.to_owned(),
                    reason: e.to_string(),
                })?;
        // Uncompressed point: 0x04, then x and y, 32 bytes each.
        let point = pair.public_key().as_ref();
        let (x, y) = match point {
            [0x04, rest @ ..] if rest.len() == 64 => rest.split_at(32),
            _ => {
                return Err(KeyError::NotP256 {
                    path: path.to_owned(),
                    reason: "unexpected public key encoding".to_owned(),
                })
            }
        };
        let (x, y) = (URL_SAFE_NO_PAD.encode(x), URL_SAFE_NO_PAD.encode(y));
        // RFC 7638: the required members, in lexicographic order, no spaces.
        let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
        let kid = URL_SAFE_NO_PAD.encode(digest(&SHA256, canonical.as_bytes()));
        let jwk = json!({
            "kty": "EC",
            "crv": "P-256",
            "x": x,
            "y": y,
            "kid": kid,
            "alg": "ES256",
            "use": "sig",
        });
        Ok(SigningKey { pair, kid, jwk })
    }

    /// The key's id (its RFC 7638 thumbprint).
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key, as `/.well-known/jwks.json` publishes it.
    pub fn jwk(&self) -> &Value {
        &self.jwk
    }

    /// An ES256 signature of `message`: `r` and `s`, 32 bytes each.
    pub(super) fn sign(&self, message: &[u8]) -> Option<Vec<u8>> {
        self.pair
            .sign(&SystemRandom::new(), message)
            .ok()
            .map(|signature| signature.as_ref().to_vec())
    }
}

/// A fresh P-256 key as PKCS#8 PEM, for tests.
#[cfg(test)]
pub(super) fn fresh_pem() -> String {
    let document =
        EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
            .expect("a key");
    pem::encode(&pem::Pem::new("PRIVATE KEY", document.as_ref().to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_FIXED};

    #[test]
    fn a_pkcs8_key_signs_and_its_kid_is_the_rfc7638_thumbprint() {
        let key = SigningKey::from_pem("k.pem", fresh_pem().as_bytes()).expect("a key");
        let jwk = key.jwk();
        let canonical = format!(
            r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
            jwk["x"].as_str().unwrap_or_default(),
            jwk["y"].as_str().unwrap_or_default()
        );
        let expected = URL_SAFE_NO_PAD.encode(digest(&SHA256, canonical.as_bytes()));
        assert_eq!(key.kid(), expected);
        assert_eq!(jwk["kid"], expected);
        let signature = key.sign(b"message").expect("signed");
        assert_eq!(signature.len(), 64);
        let mut point = vec![0x04];
        point.extend(
            URL_SAFE_NO_PAD
                .decode(jwk["x"].as_str().unwrap_or_default())
                .unwrap_or_default(),
        );
        point.extend(
            URL_SAFE_NO_PAD
                .decode(jwk["y"].as_str().unwrap_or_default())
                .unwrap_or_default(),
        );
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &point)
            .verify(b"message", &signature)
            .expect("the published key verifies it");
    }

    #[test]
    fn other_files_are_refused_with_a_reason() {
        let rsa = "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        let bad_der = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        for (text, reason) in [
            ("not pem", "not PEM"),
            (rsa, "RSA PRIVATE KEY block"),
            (bad_der, "not an EC P-256 private key"),
        ] {
            let error = SigningKey::from_pem("k.pem", text.as_bytes()).expect_err(text);
            assert!(error.to_string().contains(reason), "{error}");
        }
        let missing = SigningKey::from_file(Path::new("/nonexistent/k.pem")).expect_err("missing");
        assert!(missing.to_string().contains("cannot read"), "{missing}");
    }
}
