//! JWK decoding: which entries of a JWKS document become signing keys.
//! Entries that are not RSA signing keys, or are malformed, are skipped with
//! a warning rather than failing the whole set (a JWKS may carry keys for
//! other uses); a set with no usable key is an error, so a broken JWKS never
//! replaces a working one.

use std::collections::HashMap;
use std::sync::Arc;

use aws_lc_rs::signature::{ParsedPublicKey, RsaPublicKeyComponents, RSA_PKCS1_2048_8192_SHA256};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::Deserialize;

use crate::keys::fetch::JwksError;

/// A JWKS key, parsed once into aws-lc's own public-key type so that a
/// verification costs one signature check and nothing else.
pub type SigningKey = Arc<ParsedPublicKey>;

/// The keys by `kid`.
pub type KeyMap = HashMap<String, SigningKey>;

/// Smallest RSA modulus accepted (RFC 7518 §3.3 requires 2048 bits).
const MIN_RSA_BITS: usize = 2048;
/// Largest RSA modulus accepted, so a hostile JWKS cannot make every
/// verification expensive.
const MAX_RSA_BITS: usize = 8192;

#[derive(Deserialize)]
struct JwkSetDocument {
    keys: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct RsaJwk {
    kty: String,
    kid: String,
    #[serde(rename = "use")]
    key_use: Option<String>,
    alg: Option<String>,
    n: String,
    e: String,
}

/// Decodes a JWKS document into usable RS256 keys. Keys that are not RSA
/// signing keys, or are malformed, are skipped with a warning rather than
/// failing the whole set; an empty result is an error, so a broken JWKS
/// never replaces a working one.
pub fn parse_jwks(body: &[u8]) -> Result<KeyMap, JwksError> {
    parse_jwks_with(body, false)
}

/// As [`parse_jwks`]; `trust_dev_key` (dev mode only) keeps the committed
/// dev key instead of skipping it.
pub fn parse_jwks_with(body: &[u8], trust_dev_key: bool) -> Result<KeyMap, JwksError> {
    let document: JwkSetDocument =
        serde_json::from_slice(body).map_err(|e| JwksError::NotJwks(e.to_string()))?;
    // A kid named more than once is ambiguous: none of its keys is used,
    // however many copies there are, and whether or not each would decode
    // (an unusable copy still makes the usable one ambiguous).
    let mut named = HashMap::<String, usize>::new();
    for raw in &document.keys {
        if let Some(kid) = raw.get("kid").and_then(serde_json::Value::as_str) {
            *named.entry(kid.to_owned()).or_default() += 1;
        }
    }
    let mut keys = KeyMap::new();
    for (index, raw) in document.keys.into_iter().enumerate() {
        match decode_rsa_jwk(raw, trust_dev_key) {
            Ok((kid, _)) if named.get(&kid).is_some_and(|n| *n > 1) => {
                log::warn!("JWKS key #{index}: its kid is named more than once, so it is not used");
            }
            Ok((kid, key)) => {
                keys.insert(kid, Arc::new(key));
            }
            Err(reason) => log::warn!("JWKS key #{index} skipped: {reason}"),
        }
    }
    if keys.is_empty() {
        return Err(JwksError::NoUsableKeys);
    }
    Ok(keys)
}

fn decode_rsa_jwk(
    raw: serde_json::Value,
    trust_dev_key: bool,
) -> Result<(String, ParsedPublicKey), String> {
    let jwk: RsaJwk = serde_json::from_value(raw).map_err(|e| format!("not an RSA JWK ({e})"))?;
    if jwk.kty != "RSA" {
        return Err(format!("kty is {:?}, not RSA", jwk.kty));
    }
    if jwk.kid.is_empty() {
        return Err("empty kid".to_owned());
    }
    if jwk.key_use.as_deref().is_some_and(|u| u != "sig") {
        return Err("use is not sig".to_owned());
    }
    if jwk.alg.as_deref().is_some_and(|a| a != "RS256") {
        return Err("alg is not RS256".to_owned());
    }
    let n = URL_SAFE_NO_PAD
        .decode(jwk.n.as_bytes())
        .map_err(|_| "n is not base64url".to_owned())?;
    let e = URL_SAFE_NO_PAD
        .decode(jwk.e.as_bytes())
        .map_err(|_| "e is not base64url".to_owned())?;
    if !trust_dev_key && crate::dev::is_dev_key_modulus(&n) {
        return Err("it is the committed dev key, trusted in dev mode only".to_owned());
    }
    let n_bits = significant_bits(&n);
    if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&n_bits) {
        return Err(format!(
            "modulus of {n_bits} bits is outside {MIN_RSA_BITS}-{MAX_RSA_BITS}"
        ));
    }
    if e.is_empty() || e.len() > 8 {
        return Err("exponent out of range".to_owned());
    }
    // aws-lc wants both integers without leading zero bytes.
    let components = RsaPublicKeyComponents {
        n: strip_leading_zeros(&n),
        e: strip_leading_zeros(&e),
    };
    let key = components
        .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
        .map_err(|e| format!("not a usable RSA public key ({e})"))?;
    Ok((jwk.kid, key))
}

/// Whether `new` lacks a key of `old`: a kid gone, or the same kid now
/// naming different key material (Cognito never reuses a kid, but
/// emulators and operators replacing a compromised key might).
pub(crate) fn withdraws_a_key(old: &KeyMap, new: &KeyMap) -> bool {
    old.iter().any(|(kid, old_key)| {
        new.get(kid).is_none_or(|new_key| {
            AsRef::<[u8]>::as_ref(&**new_key) != AsRef::<[u8]>::as_ref(&**old_key)
        })
    })
}

/// A signing key from a PEM `PUBLIC KEY` (SubjectPublicKeyInfo), for tests,
/// fuzzing and benchmarks that hold the public key rather than a JWKS.
pub fn signing_key_from_pem(pem: &[u8]) -> Result<SigningKey, String> {
    let text = std::str::from_utf8(pem).map_err(|_| "PEM is not text".to_owned())?;
    let body: String = text
        .lines()
        .skip_while(|line| !line.starts_with("-----BEGIN PUBLIC KEY-----"))
        .skip(1)
        .take_while(|line| !line.starts_with("-----END"))
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body.trim())
        .map_err(|_| "PEM body is not base64".to_owned())?;
    ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, der)
        .map(Arc::new)
        .map_err(|e| format!("not an RSA public key ({e})"))
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

fn significant_bits(big_endian: &[u8]) -> usize {
    match big_endian.iter().position(|b| *b != 0) {
        None => 0,
        Some(first) => (big_endian.len() - first) * 8 - big_endian[first].leading_zeros() as usize,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn modulus(bits: usize) -> String {
        let mut n = vec![0xffu8; bits / 8];
        n[0] |= 0x80;
        URL_SAFE_NO_PAD.encode(n)
    }

    fn jwk(kid: &str, extra: serde_json::Value) -> serde_json::Value {
        let mut key =
            serde_json::json!({"kty": "RSA", "kid": kid, "n": modulus(2048), "e": "AQAB"});
        if let (Some(key), Some(extra)) = (key.as_object_mut(), extra.as_object()) {
            for (k, v) in extra {
                key.insert(k.clone(), v.clone());
            }
        }
        key
    }

    fn parse(keys: Vec<serde_json::Value>) -> Result<KeyMap, JwksError> {
        parse_jwks(serde_json::json!({ "keys": keys }).to_string().as_bytes())
    }

    #[test]
    fn unusable_keys_are_skipped_and_good_ones_kept() {
        let keys = parse(vec![
            jwk("good", serde_json::json!({"use": "sig", "alg": "RS256"})),
            jwk("enc", serde_json::json!({"use": "enc"})),
            jwk("ps", serde_json::json!({"alg": "PS256"})),
            jwk("ec", serde_json::json!({"kty": "EC"})),
            jwk("small", serde_json::json!({"n": modulus(1024)})),
            jwk("badn", serde_json::json!({"n": "!!"})),
            serde_json::json!("not an object"),
        ])
        .expect("one usable key");
        assert_eq!(keys.keys().collect::<Vec<_>>(), vec!["good"]);
    }

    #[test]
    fn an_unusable_copy_of_a_kid_still_makes_it_ambiguous() {
        let keys = parse(vec![
            jwk("b", serde_json::json!({})),
            jwk("a", serde_json::json!({})),
            jwk("a", serde_json::json!({"use": "enc"})),
        ])
        .expect("b is usable");
        assert!(keys.contains_key("b") && !keys.contains_key("a"));
    }

    #[test]
    fn a_kid_named_more_than_once_is_never_used() {
        for copies in 2..=4 {
            let mut set = vec![jwk("b", serde_json::json!({}))];
            set.extend((0..copies).map(|_| jwk("a", serde_json::json!({}))));
            let keys = parse(set).expect("b is usable");
            assert!(keys.contains_key("b"), "{copies} copies");
            assert!(!keys.contains_key("a"), "{copies} copies of kid a");
        }
    }

    #[test]
    fn a_set_without_usable_keys_is_an_error() {
        assert!(matches!(parse(vec![]), Err(JwksError::NoUsableKeys)));
        assert!(matches!(parse_jwks(b"<html>"), Err(JwksError::NotJwks(_))));
        assert!(matches!(
            parse_jwks(b"{\"keys\": 3}"),
            Err(JwksError::NotJwks(_))
        ));
    }
}
