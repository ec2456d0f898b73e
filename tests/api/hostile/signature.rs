//! The signature: it covers exactly `header.payload`, by the pool's key
//! (stripped, truncated, flipped, borrowed, tampered payloads, other keys).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use jsonwebtoken::Algorithm;

use super::tokens::*;
use super::*;

/// The signature covers exactly `header.payload`, by the pool's key.
pub(super) fn signature_cases() -> Vec<Case> {
    let token = valid();
    let (h, p, s) = parts(&token);
    let mut cases = vec![
        Case::bearer(
            "signature stripped, dot kept",
            format!("{h}.{p}."),
            Invalid(Malformed),
        ),
        Case::bearer(
            "signature segment gone",
            format!("{h}.{p}"),
            Invalid(Malformed),
        ),
        Case::bearer(
            "signature truncated by one",
            format!("{h}.{p}.{}", &s[..s.len() - 1]),
            Invalid(BadSignature),
        ),
        Case::bearer(
            "signature halved",
            format!("{h}.{p}.{}", &s[..s.len() / 2]),
            Invalid(BadSignature),
        ),
        Case::bearer(
            "signature of four characters",
            format!("{h}.{p}.{}", &s[..4]),
            Invalid(BadSignature),
        ),
        Case::bearer(
            "signature doubled",
            format!("{h}.{p}.{s}{s}"),
            Invalid(BadSignature),
        ),
        Case::bearer(
            "signature of zeros",
            format!("{h}.{p}.{}", "A".repeat(s.len())),
            Invalid(BadSignature),
        ),
        Case::bearer(
            "signature in standard base64 with padding",
            format!("{h}.{p}.{}", STANDARD.encode(b64_decode(&s))),
            Invalid(Malformed),
        ),
    ];
    let flip = |i: usize| {
        let mut bytes = s.clone().into_bytes();
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        format!("{h}.{p}.{}", String::from_utf8(bytes).expect("ascii"))
    };
    cases.push(Case::bearer(
        "signature first character flipped",
        flip(0),
        Invalid(BadSignature),
    ));
    cases.push(Case::bearer(
        "signature middle character flipped",
        flip(s.len() / 2),
        Invalid(BadSignature),
    ));
    // 256 bytes are 342 characters whose last one carries 2 bits; changing
    // its 4 unused bits keeps the bytes but must not keep the token valid.
    let last = s.as_bytes()[s.len() - 1];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let index = alphabet.iter().position(|c| *c == last).expect("base64url");
    let twin = alphabet[(index & !0x0f) | ((index + 1) & 0x0f)] as char;
    cases.push(Case::bearer(
        "signature with non-canonical trailing bits",
        format!("{h}.{p}.{}{twin}", &s[..s.len() - 1]),
        Invalid(BadSignature),
    ));

    let other = signed(&trusted_header(), &id_claims("sub-other", None, &["admin"]));
    let (_, other_p, _) = parts(&other);
    let access = signed(&trusted_header(), &access_claims("sub-h", &[]));
    let (_, _, access_s) = parts(&access);
    cases.push(Case::bearer(
        "payload of another token, this signature",
        format!("{h}.{other_p}.{s}"),
        Invalid(BadSignature),
    ));
    cases.push(Case::bearer(
        "signature borrowed from an access token",
        format!("{h}.{p}.{access_s}"),
        Invalid(BadSignature),
    ));
    let typ = b64(header_with(&[("typ", json!("JWT"))]).to_string().as_bytes());
    cases.push(Case::bearer(
        "header changed after signing",
        format!("{typ}.{p}.{s}"),
        Invalid(BadSignature),
    ));
    cases.push(Case::bearer(
        "signed by another RSA key under the trusted kid, admin claimed",
        sign(&id_claims("sub-h", None, &["admin"]), rogue_key()),
        Invalid(BadSignature),
    ));
    cases.push(Case::bearer(
        "signed by the rotated key under the trusted kid",
        sign_raw(
            &trusted_header(),
            &claims(),
            &rotated_key().encoding,
            Algorithm::RS256,
        ),
        Invalid(BadSignature),
    ));
    for (what, field, value) in [
        ("sub", "sub", json!("sub-victim")),
        ("exp extended", "exp", json!(now() + 86_400 * 365)),
        ("email", "email", json!("ceo@example.com")),
        ("aud", "aud", json!(OTHER_CLIENT_ID)),
    ] {
        let tampered = b64(claims_with(field, value).to_string().as_bytes());
        cases.push(Case::bearer(
            format!("payload tampered: {what}"),
            format!("{h}.{tampered}.{s}"),
            Invalid(BadSignature),
        ));
    }
    let pretty = serde_json::to_string_pretty(&claims()).expect("json");
    cases.push(Case::bearer(
        "same claims, re-serialised",
        format!("{h}.{}.{s}", b64(pretty.as_bytes())),
        Invalid(BadSignature),
    ));
    cases
}
