//! Hostile tokens and requests: what an attacker would try (RFC 8725, the
//! Cognito checks), as tables of cases against the real server. Each case
//! names the exact refusal it must get; none may be a 2xx or a 5xx, and none
//! may be slow. Requests go over raw TCP so that bytes an HTTP client would
//! refuse to send (NUL, invalid UTF-8, repeated or folded headers) reach the
//! server too. The controls (`controls.rs`) prove valid tokens still pass, so the
//! tables cannot pass by refusing everything.

mod algorithm;
mod claims;
mod controls;
mod groups;
mod keys;
mod requests;
mod signature;
mod structure;
mod tokens;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use cognito_guard::auth::TokenRejection::{self, *};
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

// ---- The classes -------------------------------------------------------------

/// Every class of attack, by name, with its cases.
fn classes() -> Vec<(&'static str, Vec<Case>)> {
    vec![
        ("algorithm", algorithm::algorithm_cases()),
        ("key selection", keys::key_selection_cases()),
        ("signature", signature::signature_cases()),
        ("claims", claims::claim_cases()),
        ("admin look-alike groups", groups::group_cases()),
        ("token structure", structure::structure_cases()),
        (
            "Authorization header",
            requests::authorization_header_cases(),
        ),
        ("token elsewhere", requests::elsewhere_cases()),
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
