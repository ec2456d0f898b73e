//! The HTTP edge answers like a production API: JSON 405s with `Allow` on
//! every known path, `HEAD` on every `GET` route, cache rules on answers
//! that depend on the caller, `nosniff` on every answer, and docs that
//! forbid framing and work behind a path prefix.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

use cognito_guard::{Application, Settings};
use serde_json::Value;

use crate::common::helpers::*;

const VICTIM: &str = "4f6a2c1e-0000-4000-8000-00000000e001";

/// Makes the in-memory directory know the victim, as a signed-in user.
async fn victim_signs_in(app: &TestApp) {
    let victim = id_token(VICTIM, Some("v@example.com"), &[]);
    let private = app.get("/messages/private", Some(&victim)).await;
    assert_eq!(private.status, 200);
}

fn admin() -> String {
    id_token("sub-admin", None, &["admin"])
}

/// The answer to one raw HTTP/1.1 request: status, header lines (names
/// lower-cased) and every byte after the header block, read to the end.
struct Raw {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `method path` with `headers` on a fresh connection (closed by the
/// server after the answer), off the test's runtime thread.
async fn raw(app: &TestApp, method: &str, path: &str, headers: &[(&str, String)]) -> Raw {
    raw_to(&app.address, method, path, headers).await
}

/// As [`raw`], to the server at `base` (`http://host:port`).
async fn raw_to(base: &str, method: &str, path: &str, headers: &[(&str, String)]) -> Raw {
    let address = base.trim_start_matches("http://").to_owned();
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    actix_rt::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(&address).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        stream.write_all(request.as_bytes()).expect("send");
        let mut bytes = Vec::new();
        stream.read_to_end(&mut bytes).expect("read to the end");
        let end = bytes
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a header block");
        let head = String::from_utf8_lossy(&bytes[..end]).into_owned();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|line| line.split(' ').nth(1))
            .and_then(|code| code.parse().ok())
            .expect("a status line");
        let headers = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        Raw {
            status,
            headers,
            body: bytes[end + 4..].to_vec(),
        }
    })
    .await
    .expect("the raw request ran")
}

fn bearer(token: &str) -> Vec<(&'static str, String)> {
    vec![("Authorization", format!("Bearer {token}"))]
}

fn assert_json_405(response: &Raw, allow: &str, what: &str) {
    assert_eq!(response.status, 405, "{what}");
    assert_eq!(response.header("allow"), Some(allow), "{what}");
    assert_eq!(
        response.header("content-type"),
        Some("application/json"),
        "{what}"
    );
    assert_eq!(response.header("cache-control"), Some("no-store"), "{what}");
    let body: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
    assert!(
        body["detail"].as_str().is_some_and(|d| d.contains(allow)),
        "{what}: {body}"
    );
}

/// Finding 1: a known path, another method.
#[actix_rt::test]
async fn a_known_path_with_another_method_is_a_json_405_with_allow() {
    let app = spawn_app().await;
    for (method, path, allow) in [
        ("PUT", "/users/x", "GET, DELETE, HEAD"),
        ("POST", "/users/me", "GET, HEAD"),
        ("GET", "/users/x/sign-out", "POST"),
        ("OPTIONS", "/messages/public", "GET, HEAD"),
        ("DELETE", "/messages/private", "GET, HEAD"),
        ("POST", "/healthz", "GET, HEAD"),
        ("PUT", "/metrics", "GET, HEAD"),
        ("POST", "/openapi.json", "GET, HEAD"),
        ("DELETE", "/docs", "GET, HEAD"),
        ("POST", "/docs/", "GET, HEAD"),
        ("PATCH", "/docs/index.css", "GET, HEAD"),
    ] {
        let what = format!("{method} {path}");
        assert_json_405(&raw(&app, method, path, &[]).await, allow, &what);
    }
    // Also with a token: the method is refused before any guard runs.
    let refused = raw(&app, "PUT", "/users/x", &bearer(&admin())).await;
    assert_json_405(&refused, "GET, DELETE, HEAD", "PUT /users/x as admin");
}

/// Finding 1: an unknown Swagger UI asset is the app's JSON 404.
#[actix_rt::test]
async fn an_unknown_docs_asset_is_a_json_404() {
    let app = spawn_app().await;
    for path in [
        "/docs/nope.js",
        "/docs/../../etc/passwd",
        "/docs/dist/index.html",
    ] {
        let response = raw(&app, "GET", path, &[]).await;
        assert_eq!(response.status, 404, "{path}");
        assert_eq!(response.header("content-type"), Some("application/json"));
        let body: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        assert_eq!(body["detail"], "not found", "{path}");
    }
}

/// Finding 1: preflights the CORS layer refuses are JSON too.
#[actix_rt::test]
async fn a_refused_preflight_is_a_json_detail() {
    let app = spawn_app_with(&[("CORS_ALLOWED_ORIGINS", "https://app.example.com")]).await;
    for (origin, method) in [
        ("https://evil.example", "GET"),
        ("https://app.example.com", "PUT"),
    ] {
        let headers = [
            ("Origin", origin.to_owned()),
            ("Access-Control-Request-Method", method.to_owned()),
        ];
        let response = raw(&app, "OPTIONS", "/messages/private", &headers).await;
        let what = format!("{origin} {method}");
        assert_eq!(response.status, 400, "{what}");
        assert_eq!(
            response.header("content-type"),
            Some("application/json"),
            "{what}"
        );
        assert_eq!(response.header("cache-control"), Some("no-store"), "{what}");
        assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
        let body: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        assert!(
            body["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{what}: {body}"
        );
    }
    // A preflight it answers is unchanged.
    let headers = [
        ("Origin", "https://app.example.com".to_owned()),
        ("Access-Control-Request-Method", "GET".to_owned()),
    ];
    let passed = raw(&app, "OPTIONS", "/messages/private", &headers).await;
    assert_eq!(passed.status, 200);
    assert!(passed.body.is_empty());
}

/// Headers that must be the same on `HEAD` as on `GET`.
const COMPARED: [&str; 8] = [
    "content-type",
    "content-length",
    "cache-control",
    "vary",
    "location",
    "www-authenticate",
    "x-content-type-options",
    "content-security-policy",
];

/// Finding 2: every GET route answers HEAD, same status and headers, no body.
#[actix_rt::test]
async fn every_get_route_answers_head_like_get_without_a_body() {
    let app = spawn_app().await;
    victim_signs_in(&app).await;
    let user = id_token("sub-u", Some("u@example.com"), &[]);
    let victim_path = format!("/users/{VICTIM}");
    let cases: Vec<(&str, Option<String>)> = vec![
        ("/messages/public", None),
        ("/messages/private", Some(user.clone())),
        ("/messages/private", None),
        ("/messages/feed", Some(user.clone())),
        ("/messages/feed", None),
        ("/users/me", Some(user.clone())),
        (victim_path.as_str(), Some(admin())),
        (victim_path.as_str(), Some(user.clone())),
        ("/users/not-a-user", Some(admin())),
        ("/healthz", None),
        ("/readyz", None),
        ("/openapi.json", None),
        ("/docs", None),
        ("/docs/", None),
        ("/docs/swagger-ui.css", None),
    ];
    for (path, token) in &cases {
        let headers = token.as_deref().map(bearer).unwrap_or_default();
        let get = raw(&app, "GET", path, &headers).await;
        let head = raw(&app, "HEAD", path, &headers).await;
        let what = format!("HEAD {path} (token: {})", token.is_some());
        assert_eq!(head.status, get.status, "{what}");
        assert_ne!(head.status, 405, "{what}");
        assert!(head.body.is_empty(), "{what}: {} bytes", head.body.len());
        for name in COMPARED {
            assert_eq!(head.header(name), get.header(name), "{what}: {name}");
        }
    }
    // /metrics too (its counters move between the two, so not its length).
    let head = raw(&app, "HEAD", "/metrics", &[]).await;
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert!(head
        .header("content-type")
        .is_some_and(|t| t.starts_with("application/openmetrics-text")));
}

/// Finding 5: answers that depend on the caller are never cached, and the
/// feed says it varies on the token.
#[actix_rt::test]
async fn answers_that_depend_on_the_caller_are_not_stored() {
    let app = spawn_app().await;
    victim_signs_in(&app).await;
    let user = id_token("sub-u", Some("u@example.com"), &[]);
    let victim_path = format!("/users/{VICTIM}");
    for (path, token) in [
        ("/messages/private", user.clone()),
        ("/users/me", user.clone()),
        (victim_path.as_str(), admin()),
    ] {
        let response = app.get(path, Some(&token)).await;
        assert_eq!(response.status, 200, "{path}");
        assert_eq!(response.header("cache-control"), Some("no-store"), "{path}");
    }
    let personal = app.get("/messages/feed", Some(&user)).await;
    assert_eq!(personal.body["feed"], "personalized");
    assert_eq!(personal.header("cache-control"), Some("no-store"));
    assert_eq!(personal.header("vary"), Some("Authorization"));
    let generic = app.get("/messages/feed", None).await;
    assert_eq!(generic.body["feed"], "generic");
    assert_eq!(generic.header("cache-control"), None, "the same for all");
    assert_eq!(generic.header("vary"), Some("Authorization"));
    // Public answers stay cacheable.
    let public = app.get("/messages/public", None).await;
    assert_eq!(public.header("cache-control"), None);
}

/// Finding 5: every answer, whoever made it, carries nosniff.
#[actix_rt::test]
async fn every_answer_carries_nosniff() {
    let app = spawn_app_with(&[
        ("CORS_ALLOWED_ORIGINS", "https://app.example.com"),
        ("METRICS_ADDR", "127.0.0.1:0"),
    ])
    .await;
    let user = id_token("sub-u", None, &[]);
    let preflight = [
        ("Origin", "https://app.example.com".to_owned()),
        ("Access-Control-Request-Method", "GET".to_owned()),
    ];
    let mut answers = vec![
        ("public", raw(&app, "GET", "/messages/public", &[]).await),
        (
            "private",
            raw(&app, "GET", "/messages/private", &bearer(&user)).await,
        ),
        ("401", raw(&app, "GET", "/messages/private", &[]).await),
        ("403", raw(&app, "GET", "/users/x", &bearer(&user)).await),
        ("404", raw(&app, "GET", "/nope", &[]).await),
        ("405", raw(&app, "PUT", "/healthz", &[]).await),
        (
            "preflight",
            raw(&app, "OPTIONS", "/healthz", &preflight).await,
        ),
        ("openapi", raw(&app, "GET", "/openapi.json", &[]).await),
        ("docs", raw(&app, "GET", "/docs/", &[]).await),
        ("redirect", raw(&app, "GET", "/docs", &[]).await),
    ];
    let metrics = app.metrics_address.clone().expect("a metrics listener");
    answers.push(("metrics", raw_to(&metrics, "GET", "/metrics", &[]).await));
    answers.push(("metrics 404", raw_to(&metrics, "GET", "/nope", &[]).await));
    // The feed's Vary keeps Authorization when CORS adds Origin to it.
    let feed = raw(&app, "GET", "/messages/feed", &preflight[..1]).await;
    let vary = feed.header("vary").unwrap_or("");
    assert!(
        vary.contains("Authorization") && vary.contains("Origin"),
        "{vary}"
    );
    answers.push(("feed", feed));
    for (what, answer) in &answers {
        assert_eq!(
            answer.header("x-content-type-options"),
            Some("nosniff"),
            "{what} ({})",
            answer.status
        );
    }
}

/// Finding 5: the docs page may not be framed, and loads only its own
/// assets.
#[actix_rt::test]
async fn the_docs_forbid_framing() {
    let app = spawn_app().await;
    for path in ["/docs/", "/docs/swagger-initializer.js", "/docs/nope.js"] {
        let response = raw(&app, "GET", path, &[]).await;
        let csp = response.header("content-security-policy").unwrap_or("");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
    }
}

/// Finding 8: `/docs` and the page's reference to the document are
/// relative, so both stay under a gateway's path prefix.
#[actix_rt::test]
async fn the_docs_use_only_relative_references() {
    let app = spawn_app().await;
    let redirect = raw(&app, "GET", "/docs", &[]).await;
    assert_eq!(redirect.status, 308);
    let location = redirect.header("location").unwrap_or("");
    assert_eq!(location, "docs/");
    // As a browser resolves them under a prefix: /api/docs → /api/docs/.
    assert_eq!(resolve("/api/docs", location), "/api/docs/");

    let initializer = app.get_text("/docs/swagger-initializer.js").await;
    let url = initializer
        .split("\"url\": \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no url in the initializer: {initializer}"));
    assert_eq!(url, "../openapi.json");
    assert_eq!(resolve("/api/docs/", url), "/api/openapi.json");
    assert_eq!(resolve("/docs/", url), "/openapi.json");
    let document = app.get("/openapi.json", None).await;
    assert_eq!(document.status, 200);
    assert_eq!(document.body["openapi"], "3.1.0");
}

/// A relative reference resolved against a base path (RFC 3986 §5.2, for
/// the path-only references above).
fn resolve(base: &str, reference: &str) -> String {
    let mut segments: Vec<&str> = base.split('/').collect();
    segments.pop(); // the base's last segment is replaced
    for part in reference.split('/') {
        match part {
            ".." => {
                segments.pop();
            }
            "." => {}
            part => segments.push(part),
        }
    }
    segments.join("/")
}

/// Finding 4: with no AWS credentials the admin user routes answer 503 with
/// `Retry-After`, and the document declares that header on their 503s.
#[actix_rt::test]
async fn no_credentials_is_503_with_retry_after_and_documented() {
    let jwks = JwksServer::start(vec![trusted_key().jwk()], JwksMode::Serve);
    let settings = Settings::from_vars(base_vars(&jwks.url())).expect("test settings are valid");
    let app = Application::build(settings).await.expect("server starts");
    let app = serve(app, jwks);
    let token = admin();
    for (method, path) in [
        ("GET", format!("/users/{VICTIM}")),
        ("DELETE", format!("/users/{VICTIM}")),
        ("POST", format!("/users/{VICTIM}/sign-out")),
    ] {
        let response = app.request(method, &path, Some(&token)).await;
        assert_eq!(response.status, 503, "{method} {path}: {}", response.body);
        let retry = response
            .header("retry-after")
            .and_then(|s| s.parse::<u64>().ok());
        assert!(retry.is_some_and(|secs| secs > 0), "{method} {path}");
        assert!(response.detail().contains("AWS credentials"));
    }
    let document = app.get("/openapi.json", None).await.body;
    for (path, method) in [
        ("/users/{user_id}", "get"),
        ("/users/{user_id}", "delete"),
        ("/users/{user_id}/sign-out", "post"),
    ] {
        let answer = &document["paths"][path][method]["responses"]["503"];
        assert_eq!(
            answer["headers"]["Retry-After"]["schema"]["type"], "integer",
            "{method} {path}: {answer}"
        );
    }
}
