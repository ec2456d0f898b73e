//! Header and algorithm: `alg` is fixed by the server, never taken from the
//! token (none, HMAC keyed with the public key, other schemes, relabels).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use jsonwebtoken::Algorithm;

use super::tokens::*;
use super::*;

/// RFC 8725 §2.1, §3.1: the algorithm is fixed, never taken from the token.
pub(super) fn algorithm_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let kid = trusted_key().kid.clone();
    for alg in ["nOnE", "none ", "NoNe", ""] {
        let token = unsigned(&json!({"kid": kid, "alg": alg}), &claims(), "c2ln");
        cases.push(Case::bearer(
            format!("alg {alg:?} with a signature"),
            token,
            Invalid(BadAlgorithm),
        ));
    }
    cases.push(Case::bearer(
        "alg none, no signature",
        unsigned(&json!({"kid": kid, "alg": "none"}), &claims(), ""),
        Invalid(Malformed),
    ));
    cases.push(Case::bearer(
        "alg none over a genuine RS256 signature",
        signed(&header_with(&[("alg", json!("none"))]), &claims()),
        Invalid(BadAlgorithm),
    ));

    // HMAC keyed with the public key, in every encoding a confused verifier
    // might feed to HMAC.
    let pem = trusted_key().public_pem.clone();
    assert!(!pem.is_empty(), "public key fixture present");
    let pem_text = String::from_utf8(pem.clone()).expect("PEM is text");
    let body: String = pem_text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let der = STANDARD.decode(&body).expect("PEM body is base64");
    let jwk = trusted_key().jwk();
    let n_b64 = jwk["n"].as_str().expect("n").to_owned();
    let n = b64_decode(&n_b64);
    let secrets: Vec<(&str, Vec<u8>)> = vec![
        (
            "PEM without final newline",
            pem_text.trim_end().as_bytes().to_vec(),
        ),
        ("PEM with CRLF", pem_text.replace('\n', "\r\n").into_bytes()),
        ("PEM body only", body.clone().into_bytes()),
        ("SPKI DER", der),
        ("JWK JSON", jwk.to_string().into_bytes()),
        ("JWKS JSON", json!({"keys": [jwk]}).to_string().into_bytes()),
        ("modulus bytes", n),
        ("modulus base64url", n_b64.into_bytes()),
        ("kid", kid.clone().into_bytes()),
        ("empty key", Vec::new()),
    ];
    for (what, secret) in secrets {
        cases.push(Case::bearer(
            format!("HS256 keyed with the public key as {what}"),
            hmac(Algorithm::HS256, &secret),
            Invalid(BadAlgorithm),
        ));
    }
    cases.push(Case::bearer(
        "HS384 keyed with the PEM",
        hmac(Algorithm::HS384, &pem),
        Invalid(BadAlgorithm),
    ));
    cases.push(Case::bearer(
        "HS512 keyed with the PEM",
        hmac(Algorithm::HS512, &pem),
        Invalid(BadAlgorithm),
    ));

    // Really signed with the pool key under another RSA scheme.
    for alg in [Algorithm::PS384, Algorithm::PS512] {
        let header = header_with(&[("alg", json!(format!("{alg:?}")))]);
        let token = sign_raw(&header, &claims(), &trusted_key().encoding, alg);
        cases.push(Case::bearer(
            format!("{alg:?}, really signed so"),
            token,
            Invalid(BadAlgorithm),
        ));
    }
    // A genuine RS256 signature relabelled: only the label is wrong.
    for alg in [
        "ES256",
        "ES384",
        "ES512",
        "EdDSA",
        "RSA-OAEP",
        "RSA1_5",
        "dir",
        "A256GCM",
        "Rs256",
        "RS256 ",
        " RS256",
        "RS256\u{0}",
        "RS2560",
        "RSA256",
        "RS-256",
        "RS256,none",
    ] {
        cases.push(Case::bearer(
            format!("genuine RS256 signature labelled {alg:?}"),
            signed(&header_with(&[("alg", json!(alg))]), &claims()),
            Invalid(BadAlgorithm),
        ));
    }
    // `alg` missing or not a string.
    let mut no_alg = trusted_header();
    no_alg.as_object_mut().map(|h| h.remove("alg"));
    cases.push(Case::bearer(
        "alg missing",
        signed(&no_alg, &claims()),
        Invalid(BadHeader),
    ));
    for (what, alg) in [
        ("null", json!(null)),
        ("a number", json!(256)),
        ("an array", json!(["RS256"])),
        ("an object", json!({"name": "RS256"})),
        ("a boolean", json!(true)),
    ] {
        cases.push(Case::bearer(
            format!("alg is {what}"),
            signed(&header_with(&[("alg", alg)]), &claims()),
            Invalid(BadHeader),
        ));
    }
    for (what, header) in [
        (
            "alg RS256 then none",
            format!(r#"{{"kid":"{kid}","alg":"RS256","alg":"none"}}"#),
        ),
        (
            "alg none then RS256",
            format!(r#"{{"kid":"{kid}","alg":"none","alg":"RS256"}}"#),
        ),
    ] {
        cases.push(Case::bearer(
            format!("duplicate {what}"),
            signed_bytes(header.as_bytes(), claims().to_string().as_bytes()),
            Invalid(BadHeader),
        ));
    }
    cases
}
