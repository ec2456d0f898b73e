//! Token construction for the cases: the pool's usual header and claims,
//! genuinely signed by its key (over any bytes), forged, or HMAC-keyed.

use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey};

use super::*;

pub(super) fn trusted_header() -> Value {
    json!({"kid": trusted_key().kid, "alg": "RS256"})
}

/// The test pool's ordinary ID token claims.
pub(super) fn claims() -> Value {
    id_claims("sub-h", Some("h@example.com"), &[])
}

pub(super) fn claims_with(field: &str, value: Value) -> Value {
    let mut claims = claims();
    claims[field] = value;
    claims
}

pub(super) fn claims_without(field: &str) -> Value {
    let mut claims = claims();
    claims.as_object_mut().map(|c| c.remove(field));
    claims
}

/// The pool's usual header with some parameters set or replaced.
pub(super) fn header_with(pairs: &[(&str, Value)]) -> Value {
    let mut header = trusted_header();
    for (name, value) in pairs {
        header[*name] = value.clone();
    }
    header
}

/// Genuinely signed by the pool's key, RS256, whatever the header says.
pub(super) fn signed(header: &Value, claims: &Value) -> String {
    sign_raw(header, claims, &trusted_key().encoding, Algorithm::RS256)
}

/// Genuinely signed by the pool's key over exactly these segment bytes.
pub(super) fn signed_bytes(header: &[u8], payload: &[u8]) -> String {
    let message = format!("{}.{}", b64(header), b64(payload));
    let signature = jsonwebtoken::crypto::sign(
        message.as_bytes(),
        &trusted_key().encoding,
        Algorithm::RS256,
    )
    .expect("signing works");
    format!("{message}.{signature}")
}

/// A valid token's claims as raw JSON text, with `extra` spliced in before
/// the closing brace (for duplicate names).
pub(super) fn signed_payload_text(extra: &str) -> String {
    let text = claims().to_string();
    let body = text.strip_suffix('}').expect("an object");
    signed_bytes(
        trusted_header().to_string().as_bytes(),
        format!("{body},{extra}}}").as_bytes(),
    )
}

pub(super) fn unsigned(header: &Value, claims: &Value, signature: &str) -> String {
    format!(
        "{}.{}.{signature}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    )
}

pub(super) fn hmac(alg: Algorithm, secret: &[u8]) -> String {
    let header = json!({"kid": trusted_key().kid, "alg": format!("{alg:?}")});
    sign_raw(&header, &claims(), &EncodingKey::from_secret(secret), alg)
}

pub(super) fn parts(token: &str) -> (String, String, String) {
    let mut it = token.split('.').map(str::to_owned);
    let (Some(h), Some(p), Some(s)) = (it.next(), it.next(), it.next()) else {
        panic!("three segments")
    };
    (h, p, s)
}

pub(super) fn valid() -> String {
    signed(&trusted_header(), &claims())
}

pub(super) fn b64_decode(text: &str) -> Vec<u8> {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    URL_SAFE_NO_PAD.decode(text).expect("base64url")
}
