//! JOSE structure of a compact JWS: the three segments, the header (checked
//! strictly, before any key lookup), the RS256 signature and the payload
//! object. Nothing here knows about Cognito.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::de::{Error as _, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::auth::errors::TokenRejection;
use crate::keys::SigningKey;

/// Longest token considered at all. Cognito ID tokens are 1-4 KiB even with
/// many groups; anything far larger is not Cognito's and is refused unread.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// Largest RSA signature accepted (8192-bit keys).
const MAX_SIGNATURE_BYTES: usize = 1024;

/// Checks the RS256 signature over `header.payload`.
pub fn verify_signature(parts: &TokenParts<'_>, key: &SigningKey) -> Result<(), TokenRejection> {
    let mut signature = [0u8; MAX_SIGNATURE_BYTES];
    let len = URL_SAFE_NO_PAD
        .decode_slice(parts.signature, &mut signature)
        .map_err(|_| TokenRejection::BadSignature)?;
    key.verify_sig(parts.signing_input.as_bytes(), &signature[..len])
        .map_err(|_| TokenRejection::BadSignature)
}

/// A token cut into its parts, with the header already checked.
#[derive(Debug)]
pub struct TokenParts<'a> {
    /// `header.payload`, the bytes the signature covers.
    pub signing_input: &'a str,
    /// The claims segment, still base64url: it is decoded only after the
    /// signature verifies.
    pub payload: &'a str,
    /// The signature segment, base64url.
    pub signature: &'a str,
    /// The header's `kid`, non-empty.
    pub kid: String,
}

/// Header parameters that would let the token choose or carry its own key,
/// or demand extensions; Cognito sends none of them.
const FORBIDDEN_HEADER_PARAMETERS: [&str; 5] = ["crit", "jku", "jwk", "x5u", "x5c"];

impl<'a> TokenParts<'a> {
    /// Structure and header checks; no crypto, no I/O.
    pub fn split(token: &'a str) -> Result<Self, TokenRejection> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenRejection::TooLarge);
        }
        // base64url without padding, plus the two dots: nothing else may
        // appear, which also rules out white space, NULs and non-ASCII.
        if !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        {
            return Err(TokenRejection::Malformed);
        }
        let mut segments = token.split('.');
        let (Some(header_b64), Some(payload), Some(signature), None) = (
            segments.next(),
            segments.next(),
            segments.next(),
            segments.next(),
        ) else {
            return Err(TokenRejection::Malformed);
        };
        if header_b64.is_empty() || payload.is_empty() || signature.is_empty() {
            return Err(TokenRejection::Malformed);
        }
        let header_json = URL_SAFE_NO_PAD
            .decode(header_b64)
            .map_err(|_| TokenRejection::BadHeader)?;
        // Parsed as a strict object, not straight into a struct: serde also
        // reads a struct from a JSON array, skips unknown parameters without
        // checking them for duplicates or depth, and reads `null` as absent.
        // A JOSE header is an object with unique names (RFC 7515 §4).
        let header = serde_json::from_slice::<StrictObject>(&header_json)
            .map_err(|_| TokenRejection::BadHeader)?
            .0;
        match header.get("alg") {
            Some(Value::String(alg)) if alg == "RS256" => {}
            Some(Value::String(_)) => return Err(TokenRejection::BadAlgorithm),
            _ => return Err(TokenRejection::BadHeader),
        }
        // RFC 7515 §4.1.11: a `crit` we do not understand must be refused; we
        // understand none. Embedded keys and key URLs (RFC 8725 §3.10) are
        // never used to pick a key. Presence is enough, even as `null`: a
        // header naming them is not Cognito's.
        if FORBIDDEN_HEADER_PARAMETERS
            .iter()
            .any(|name| header.contains_key(*name))
        {
            return Err(TokenRejection::ForbiddenHeaderParameter);
        }
        let kid = match header.get("kid") {
            Some(Value::String(kid)) if !kid.is_empty() => kid.clone(),
            None | Some(Value::Null) | Some(Value::String(_)) => {
                return Err(TokenRejection::MissingKid)
            }
            Some(_) => return Err(TokenRejection::BadHeader),
        };
        let signing_input = &token[..header_b64.len() + 1 + payload.len()];
        Ok(TokenParts {
            signing_input,
            payload,
            signature,
            kid,
        })
    }
}

/// A JSON object whose top-level keys must be unique: with duplicates, which
/// value counts is up to the parser, and a verifier must not guess.
struct StrictObject(Map<String, Value>);

impl<'de> Deserialize<'de> for StrictObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor;
        impl<'de> Visitor<'de> for ObjectVisitor {
            type Value = StrictObject;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<StrictObject, A::Error> {
                let mut map = Map::new();
                while let Some((key, value)) = access.next_entry::<String, Value>()? {
                    if map.contains_key(&key) {
                        return Err(A::Error::custom("duplicate claim"));
                    }
                    map.insert(key, value);
                }
                Ok(StrictObject(map))
            }
        }
        deserializer.deserialize_map(ObjectVisitor)
    }
}

/// A decoded payload: its claims, and the JSON text they came from.
#[derive(Debug)]
pub struct ClaimSet {
    pub claims: Map<String, Value>,
    pub json: String,
}

/// Decodes the payload segment into its claims object.
pub fn parse_payload(payload: &str) -> Result<ClaimSet, TokenRejection> {
    let json = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| TokenRejection::BadPayload)?;
    let json = String::from_utf8(json).map_err(|_| TokenRejection::BadPayload)?;
    let claims = serde_json::from_str::<StrictObject>(&json)
        .map(|o| o.0)
        .map_err(|_| TokenRejection::BadPayload)?;
    Ok(ClaimSet { claims, json })
}

/// The payload's `iss`, read before any key is looked up and before the
/// signature vouches for it: only to choose whose keys may verify the
/// token, never as a place to fetch keys from. Strict on what it reads: a
/// payload that is not a JSON object, or names `iss` twice, is
/// [`TokenRejection::BadPayload`]; an `iss` that is missing or not a
/// string is [`TokenRejection::WrongIssuer`].
pub fn unverified_issuer(payload: &str) -> Result<String, TokenRejection> {
    /// Only `iss`; the full strict read comes after the signature.
    #[derive(Deserialize)]
    struct IssuerOnly {
        iss: Option<Value>,
    }
    let json = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| TokenRejection::BadPayload)?;
    // serde would also read a struct from a JSON array: only an object is
    // a payload.
    if json.trim_ascii_start().first() != Some(&b'{') {
        return Err(TokenRejection::BadPayload);
    }
    let read: IssuerOnly = serde_json::from_slice(&json).map_err(|_| TokenRejection::BadPayload)?;
    match read.iss {
        Some(Value::String(iss)) => Ok(iss),
        _ => Err(TokenRejection::WrongIssuer),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unverified_issuer_is_a_string_read_strictly() {
        let read = |json: &str| unverified_issuer(&URL_SAFE_NO_PAD.encode(json));
        assert_eq!(
            read(r#"{"sub":"a","iss":"https://i"}"#),
            Ok("https://i".to_owned())
        );
        for (json, why) in [
            (r#"{"sub":"a"}"#, TokenRejection::WrongIssuer),
            (r#"{"iss":1}"#, TokenRejection::WrongIssuer),
            (r#"{"iss":["https://i"]}"#, TokenRejection::WrongIssuer),
            (
                r#"{"iss":"https://i","iss":"https://j"}"#,
                TokenRejection::BadPayload,
            ),
            (r#"["https://i"]"#, TokenRejection::BadPayload),
            (r#"{"iss":"https://i""#, TokenRejection::BadPayload),
        ] {
            assert_eq!(read(json), Err(why), "{json}");
        }
        assert_eq!(unverified_issuer("!!"), Err(TokenRejection::BadPayload));
    }

    #[test]
    fn duplicate_claims_are_refused() {
        let payload = URL_SAFE_NO_PAD.encode(br#"{"sub":"a","sub":"b"}"#);
        assert_eq!(
            parse_payload(&payload).unwrap_err(),
            TokenRejection::BadPayload
        );
        let array = URL_SAFE_NO_PAD.encode(b"[1]");
        assert_eq!(
            parse_payload(&array).unwrap_err(),
            TokenRejection::BadPayload
        );
    }

    fn header(json: &str) -> String {
        format!("{}.e30.c2ln", URL_SAFE_NO_PAD.encode(json))
    }

    #[test]
    fn header_checks_happen_before_any_key_lookup() {
        let cases = [
            (
                header(r#"{"alg":"none","kid":"k"}"#),
                TokenRejection::BadAlgorithm,
            ),
            (
                header(r#"{"alg":"HS256","kid":"k"}"#),
                TokenRejection::BadAlgorithm,
            ),
            (
                header(r#"{"alg":"rs256","kid":"k"}"#),
                TokenRejection::BadAlgorithm,
            ),
            (header(r#"{"kid":"k"}"#), TokenRejection::BadHeader),
            (header(r#"{"alg":1,"kid":"k"}"#), TokenRejection::BadHeader),
            (
                header(r#"{"alg":"RS256","alg":"none","kid":"k"}"#),
                TokenRejection::BadHeader,
            ),
            (header(r#"{"alg":"RS256"}"#), TokenRejection::MissingKid),
            (
                header(r#"{"alg":"RS256","kid":""}"#),
                TokenRejection::MissingKid,
            ),
            (
                header(r#"{"alg":"RS256","kid":7}"#),
                TokenRejection::BadHeader,
            ),
            (
                header(r#"{"alg":"RS256","kid":"k","crit":["exp"]}"#),
                TokenRejection::ForbiddenHeaderParameter,
            ),
            (
                header(r#"{"alg":"RS256","kid":"k","jku":"https://evil"}"#),
                TokenRejection::ForbiddenHeaderParameter,
            ),
            (
                header(r#"{"alg":"RS256","kid":"k","crit":null}"#),
                TokenRejection::ForbiddenHeaderParameter,
            ),
            (header(r#"["RS256","k"]"#), TokenRejection::BadHeader),
            (
                header(r#"{"alg":"RS256","kid":"k","kid":"other"}"#),
                TokenRejection::BadHeader,
            ),
            (
                header(r#"{"alg":"RS256","kid":null}"#),
                TokenRejection::MissingKid,
            ),
            ("a.b".to_owned(), TokenRejection::Malformed),
            ("a.b.c.d".to_owned(), TokenRejection::Malformed),
            ("a..c".to_owned(), TokenRejection::Malformed),
            ("a.b.c=".to_owned(), TokenRejection::Malformed),
            ("a.b.c\0".to_owned(), TokenRejection::Malformed),
            ("x".repeat(MAX_TOKEN_BYTES + 1), TokenRejection::TooLarge),
        ];
        for (token, reason) in cases {
            assert_eq!(
                TokenParts::split(&token).unwrap_err(),
                reason,
                "{token:.60}"
            );
        }
        let ok = header(r#"{"alg":"RS256","kid":"k","typ":"JWT"}"#);
        let parts = TokenParts::split(&ok).expect("well-formed");
        assert_eq!(parts.kid, "k");
        assert_eq!(parts.signature, "c2ln");
        assert!(parts.signing_input.ends_with(".e30"));
    }
}
